"""LineText: word n-grams of each line, hashed or kept by the number of sites they occur on."""

import numpy as np

from conftest import get_page
from frames import FRAME
from linesift.features import LineText
from linesift.frame import lines_frame


def test_cue_words_of_every_language_hash_as_their_shared_concept():
    lines = ["Advertisement", "Publicité", "Реклама", "Subscribe", "Подпишитесь", "Ministre"]
    plain = LineText(n_features=2**18, char_ngrams=None).fit(lines).transform(lines)
    cues = LineText(n_features=2**18, char_ngrams=None, cue_words=True).fit(lines).transform(lines)
    column = [row.indices.tolist() for row in cues]
    assert column[0] == column[1] == column[2] != column[3]
    assert column[3] == column[4]
    assert plain[0].indices.tolist() != plain[1].indices.tolist()
    assert column[5] == plain[5].indices.tolist()  # other words hash as themselves


def test_cue_words_are_single_lower_case_tokens_of_one_concept():
    from linesift.cues import CUES, cue_concepts
    from linesift.features.tokens import tokens

    words = [w for listed in CUES.values() for w in listed.split()]
    assert len(words) == len(set(words)) == len(cue_concepts())
    assert [w for w in words if tokens(w) != [w]] == []


def test_min_sites_keeps_only_ngrams_of_enough_sites():
    frame = lines_frame([get_page("Share this article\nUn texte propre à ce site.", id="a",
                                  domain="a.example"),
                         get_page("Share this article\nΈνα κείμενο μόνο εδώ.", id="b",
                                  domain="b.example"),
                         get_page("Share this article\nТекст только здесь.", id="c",
                                  domain="b.example")])
    step = LineText(char_ngrams=None, min_sites=2).fit(frame)
    # unigrams and bigrams of "share this article": the only n-grams of two sites
    assert len(step.vocabulary_) == step.n_features_out_ == 5
    out = step.transform(frame).toarray()
    assert out.shape == (len(frame), 5)
    shared = frame["text"] == "Share this article"
    np.testing.assert_allclose(np.linalg.norm(out[shared], axis=1), 1.0, rtol=1e-6)
    assert not out[~shared].any()  # words of one site only get no column
    unseen = step.transform(lines_frame([get_page("Share this новый текст", id="d")])).toarray()
    # "share", "this", "share this" known among 7 n-grams: the norm counts the unknown ones too
    np.testing.assert_allclose(unseen[0][unseen[0] > 0], [7 ** -0.5] * 3, rtol=1e-6)


def test_min_sites_counts_sites_not_lines():
    template = "\n".join(["Menu du site", "Menu du site"] * 3)
    frame = lines_frame([get_page(template, id=f"p{i}", domain="one.example") for i in range(4)])
    assert LineText(char_ngrams=None, min_sites=2).fit(frame).n_features_out_ == 0


def test_a_model_saved_before_token_hashes_keeps_its_murmur_n_grams():
    from sklearn.utils import murmurhash3_32

    step = LineText(char_ngrams=None, word_ngrams=(1, 1), n_features=2**10).fit(FRAME)
    assert step.token_hash_ == "poly64"
    state = dict(step.__getstate__())
    del state["token_hash_"]
    old = LineText.__new__(LineText)
    old.__setstate__(state)  # as joblib loads a model pickled before linesift.tokens
    assert old.token_hash_ == "murmur3"
    frame = lines_frame([get_page("Publicité Publicité Minister", id="m")])
    row = old.transform(frame).toarray()[0]
    columns = [murmurhash3_32(w, seed=0, positive=True) % 2**10 for w in ("publicité", "minister")]
    expected = np.zeros(2**10)
    np.add.at(expected, columns + [columns[0]], 1.0)
    np.testing.assert_allclose(row, expected / np.linalg.norm(expected), rtol=1e-6)
    assert not np.allclose(step.transform(frame).toarray()[0], row)  # the new hashing differs
