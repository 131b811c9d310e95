"""LineText: word n-grams of each line, hashed or kept by the number of sites they occur on."""

import numpy as np

from conftest import get_page
from frames import FRAME
from linesift.features import LineText
from linesift.frame import lines_frame


def test_min_sites_keeps_only_ngrams_of_enough_sites():
    frame = lines_frame([get_page("Share this article\nUn texte propre à ce site.", id="a",
                                  domain="a.example"),
                         get_page("Share this article\nΈνα κείμενο μόνο εδώ.", id="b",
                                  domain="b.example"),
                         get_page("Share this article\nТекст только здесь.", id="c",
                                  domain="b.example")])
    step = LineText(min_sites=2).fit(frame)
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
    assert LineText(min_sites=2).fit(frame).n_features_out_ == 0


def test_hashed_ngrams_are_the_normalised_counts_of_the_token_hashes():
    from linesift._kernels import NGRAM_MIX
    from linesift.columns.tokens import batch_tokens, string_hashes

    n_features = 2**10
    out = LineText(n_features=n_features).fit(FRAME).transform(FRAME).toarray()
    for row, tokens in zip(out, batch_tokens(FRAME["text"].tolist())):
        h = [x >> 32 for x in string_hashes(tokens).tolist()]
        ngrams = h + [(a * int(NGRAM_MIX) + b + 2) % 2**32 for a, b in zip(h, h[1:])]
        expected = np.zeros(n_features)
        np.add.at(expected, [g % n_features for g in ngrams], 1.0)
        expected /= max(np.linalg.norm(expected), 1e-12)
        np.testing.assert_allclose(row, expected, rtol=1e-6)
