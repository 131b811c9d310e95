"""scikit-learn's estimator contract for every transformer, written out as in its test_text.py
(check_estimator skips text input)."""

import joblib
import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import sparse
from sklearn.base import clone
from sklearn.linear_model import SGDClassifier
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import Pipeline

from linesift.features import (LineShape, LineText, NeighbourFeatures, PagePosition,
                               PageRelative, StopwordDensity, TokenRepetition)
from linesift.frame import BASE_COLUMNS, lines_frame
from tests.conftest import get_page

PAGES = [
    get_page("Accueil | Actualités | Sport\nLe ministre a affirmé que Moscou serait prêt.\n\n"
             "Publicité\n© 2024 Journal", id="fr"),
    get_page("首页 | 新闻\n这是一篇关于经济的文章。它讨论了市场的发展。\n版权所有", id="zh"),
    get_page("Αρχική\nΟ υπουργός δήλωσε ότι η κυβέρνηση είναι έτοιμη;\nΕγγραφή στο newsletter",
             id="el"),
    get_page("Zaloguj się\nMinister powiedział, że rząd jest gotowy do rozmów.\nCzytaj więcej »",
             id="pl"),
]
FRAME = lines_frame(PAGES)
FRAME_STEPS = [LineShape(), StopwordDensity(), TokenRepetition(), PagePosition()]


def enriched(upto):
    X = FRAME
    for step in FRAME_STEPS[:upto]:
        X = clone(step).fit(X).transform(X)
    return X


CASES = [
    (LineShape(), lambda: FRAME),
    (PagePosition(), lambda: FRAME),
    (StopwordDensity(), lambda: FRAME),
    (TokenRepetition(), lambda: FRAME),
    (NeighbourFeatures(), lambda: enriched(4)),
    (PageRelative(), lambda: enriched(3)),
    (LineText(n_features=2**10), lambda: FRAME),
    (LineText(char_ngrams=None, min_sites=2), lambda: FRAME),
]
IDS = [type(c[0]).__name__ for c in CASES]


def as_array(out):
    if sparse.issparse(out):
        return out.toarray()
    if isinstance(out, pd.DataFrame):
        return out.drop(columns=[c for c in BASE_COLUMNS if c in out and c not in ("page", "line_no")]).to_numpy(dtype=float)
    return np.asarray(out)


@pytest.mark.parametrize("step, data", CASES, ids=IDS)
def test_one_row_per_line_and_finite(step, data):
    out = as_array(clone(step).fit(data()).transform(data()))
    assert out.shape[0] == len(FRAME)
    assert np.isfinite(out).all()


@pytest.mark.parametrize("step, data", CASES, ids=IDS)
def test_clone_keeps_params_and_drops_state(step, data):
    fitted = clone(step).fit(data())
    copy = clone(fitted)
    assert copy.get_params() == step.get_params()
    assert not any(k.endswith("_") and not k.startswith("_") for k in vars(copy))


@pytest.mark.parametrize("step, data", CASES, ids=IDS)
def test_joblib_round_trip_gives_equal_output(step, data, tmp_path):
    fitted = clone(step).fit(data())
    joblib.dump(fitted, tmp_path / "s.joblib")
    loaded = joblib.load(tmp_path / "s.joblib")
    np.testing.assert_array_equal(as_array(fitted.transform(data())),
                                  as_array(loaded.transform(data())))


@pytest.mark.parametrize("step, data", CASES, ids=IDS)
def test_fitting_twice_equals_fitting_once_on_the_second_data(step, data):
    other = lines_frame([get_page("x\ny y y.\nz", id="o")])
    if isinstance(step, (NeighbourFeatures, PageRelative)):
        for step_before in FRAME_STEPS:
            other = clone(step_before).fit(other).transform(other)
    twice = clone(step).fit(other).fit(data())
    once = clone(step).fit(data())
    np.testing.assert_array_equal(as_array(twice.transform(data())),
                                  as_array(once.transform(data())))


@pytest.mark.parametrize("step, data", CASES[:6], ids=IDS[:6])
def test_feature_names_match_added_columns(step, data):
    X = data()
    fitted = clone(step).fit(X)
    out = fitted.transform(X)
    names = list(fitted.get_feature_names_out())
    added = [c for c in out.columns if c not in X.columns]
    assert added == names or added == ["tokens"] + names


def test_line_text_feature_names_count():
    step = LineText(n_features=2**8).fit(FRAME)
    assert len(step.get_feature_names_out()) == step.transform(FRAME).shape[1] == 2 * 2**8


@pytest.mark.parametrize("step", [LineShape(), PagePosition(), LineText()], ids=str)
def test_a_bare_string_is_rejected(step):
    with pytest.raises(TypeError, match="single string"):
        step.fit("one line")


def test_inside_pipeline_and_grid_search():
    X = pd.concat([FRAME] * 3, ignore_index=True)
    y = np.tile(np.arange(len(FRAME)) % 2, 3)
    pipe = Pipeline([("text", LineText(n_features=2**10)),
                     ("clf", SGDClassifier(loss="log_loss", random_state=0))])
    search = GridSearchCV(pipe, {"text__char_ngrams": [(3, 3), None]}, cv=3).fit(X, y)
    assert search.best_params_["text__char_ngrams"] in [(3, 3), None]
    assert search.predict(FRAME).shape == (len(FRAME),)


def test_shape_features_see_terminal_punctuation_in_any_script():
    out = LineShape().fit(FRAME).transform(FRAME).set_index("text")
    for line in ["Le ministre a affirmé que Moscou serait prêt.",
                 "这是一篇关于经济的文章。它讨论了市场的发展。",
                 "Ο υπουργός δήλωσε ότι η κυβέρνηση είναι έτοιμη;"]:
        assert out.loc[line, "ends_terminal"] == 1.0
    assert out.loc["Czytaj więcej »", "ends_terminal"] == 0.0
    assert out.loc["Czytaj więcej »", "ends_separator"] == 1.0
    assert out.loc["这是一篇关于经济的文章。它讨论了市场的发展。", "ratio_cjk"] > 0.8


def test_neighbours_stay_inside_their_page():
    X = enriched(4)
    out = NeighbourFeatures(offsets=(-1, 1), windows=()).fit(X).transform(X)
    first_rows = out.groupby("page").head(1)
    last_rows = out.groupby("page").tail(1)
    assert (first_rows["nb-1_exists"] == 0).all() and (last_rows["nb+1_exists"] == 0).all()


def test_within_page_duplicates_are_counted():
    frame = lines_frame([get_page("Share\nText here.\nshare\nOther", id="d")])
    out = PagePosition().fit(frame).transform(frame)
    assert out["log_dups_in_page"].round(3).tolist() == [round(np.log(2), 3), 0.0,
                                                         round(np.log(2), 3), 0.0]


def test_within_page_duplicates_casefold_and_stay_in_their_page():
    from linesift.features import MAX_FEATURE_CHARS, _dups_in_page

    long = "x" * MAX_FEATURE_CHARS
    pages = [get_page("STRASSE\nStraße\nΣΊΣΥΦΟΣ\nσίσυφος\nstrasse", id="a"),
             get_page(f"strasse\n{long}a\n{long}b\n{long}ab\nΣΊΣΥΦΟΣ", id="b")]
    frame = lines_frame(pages)
    length = frame["text"].str.len().to_numpy(dtype=float)
    # the definition: equal casefolded prefix, equal length past the prefix, same page
    head = frame["text"].str.slice(0, MAX_FEATURE_CHARS).str.casefold()
    long_len = np.where(length > MAX_FEATURE_CHARS, length, -1.0)
    expected = frame.groupby([frame["page"], head, long_len])["text"].transform("size")
    assert _dups_in_page(frame, length).tolist() == expected.tolist() == [
        3, 3, 2, 2, 3, 1, 2, 2, 1, 1]


def test_stopword_density_picks_each_page_language():
    out = StopwordDensity().fit(FRAME).transform(FRAME).set_index("text")
    prose = ["Le ministre a affirmé que Moscou serait prêt.",
             "Minister powiedział, że rząd jest gotowy do rozmów.",
             "Ο υπουργός δήλωσε ότι η κυβέρνηση είναι έτοιμη;",
             "这是一篇关于经济的文章。它讨论了市场的发展。"]
    for line in prose:
        assert out.loc[line, "stopword_density"] > 0.15, line
    assert out.loc["Accueil | Actualités | Sport", "stopword_density"] == 0.0


def test_token_repetition_flags_glued_ad_slots():
    frame = lines_frame([get_page("En savoir plus - Publicité 2 Publicité 2 En savoir plus - "
                                  "Publicité 2 Publicité 2\nLe ministre a parlé hier soir.",
                                  id="ad")])
    out = TokenRepetition().fit(frame).transform(frame)
    assert out["token_uniqueness"].iloc[0] < 0.5 and out["token_uniqueness"].iloc[1] == 1.0


_LATIN = st.text(st.sampled_from(list("abcXYZéüßØ 0123.,;:-_!?()«»'\"") + ["中", "文", "の"]))


@settings(max_examples=300, deadline=None)
@given(_LATIN)
def test_tokenizer_equals_the_reference_pattern_on_letters_digits_and_punctuation(text):
    from linesift.stopwords import TOKEN, tokens

    assert tokens(text) == TOKEN.findall(text.lower())


@settings(max_examples=200, deadline=None)
@given(st.lists(st.text(), max_size=30))
def test_batch_tokens_equal_one_line_at_a_time(lines):
    from linesift.stopwords import batch_tokens, tokens

    batch = batch_tokens(lines)
    assert batch == [tokens(line) for line in lines]
    assert all(tok and not any(c.isspace() for c in tok) for toks in batch for tok in toks)


def test_tokens_keep_combining_marks_inside_words():
    from linesift.stopwords import tokens

    # Devanagari vowel signs and the virama are combining marks: the word stays whole.
    assert tokens("हिन्दी भाषा, 2024") == ["हिन्दी", "भाषा"]
    assert tokens("Ελληνικά κείμενα") == ["ελληνικά", "κείμενα"]
    assert tokens("Новости дня") == ["новости", "дня"]
    assert tokens("中文abc") == ["中", "文", "abc"]


def test_batch_tokens_cross_chunk_boundaries(monkeypatch):
    import linesift.stopwords as sw
    import linesift.tokens as tk

    monkeypatch.setattr(tk, "TOKEN_CHUNK_LINES", 3)
    lines = ["Un deux", "trois", "", "中文 quatre", "cinq-six", "sept"]
    assert sw.batch_tokens(lines) == [["un", "deux"], ["trois"], [], ["中", "文", "quatre"],
                                      ["cinq", "six"], ["sept"]]


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
    from linesift.stopwords import tokens

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


def test_page_relative_is_the_value_against_the_page_mean():
    X = enriched(3)
    out = PageRelative(columns=("log_chars",)).fit(X).transform(X)
    expected = X["log_chars"] - X.groupby("page")["log_chars"].transform("mean")
    np.testing.assert_allclose(out["rel_log_chars"], expected, atol=1e-12)


def test_page_relative_names_missing_columns():
    with pytest.raises(ValueError, match="PageRelative needs columns"):
        PageRelative().fit(FRAME)


def test_lines_frame_leaves_out_exactly_the_blank_lines():
    from linesift.lines import is_blank

    text = "a\n\n \t\nb\n\u3000\nc "
    frame = lines_frame([get_page(text, id="x"), get_page("", id="empty"),
                         get_page(text, id="y", domain="d.example")])
    kept = [i for i, line in enumerate(text.split("\n")) if not is_blank(line)]
    assert frame["line_no"].tolist() == kept * 2
    assert frame["page"].tolist() == [0] * len(kept) + [2] * len(kept)
    assert frame["group"].tolist() == ["x"] * len(kept) + ["d.example"] * len(kept)


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


_ENDINGS = st.text(st.sampled_from(list("ab1 .;:!?…。؟|»«\"')]）」/\\>–") + ["\u037e", "\u2028",
                                                                         "\x85", "\U0001d7d8"]))


@settings(max_examples=300, deadline=None)
@given(st.lists(_ENDINGS, max_size=20))
def test_line_ends_follow_their_definition_on_any_text(lines):
    from linesift.features import CLOSERS, COLONS, SEPARATOR_SET, TERMINALS, _line_ends

    raws = [line[-50:].rstrip() for line in lines]
    lasts = [raw.rstrip(CLOSERS)[-1:] or " " for raw in raws]
    expected = [[last in TERMINALS, last in COLONS, raw[-1:] in SEPARATOR_SET, last.isalnum()]
                for raw, last in zip(raws, lasts)]
    assert _line_ends(lines).tolist() == np.asarray(expected, dtype=float).reshape(-1, 4).tolist()


@settings(max_examples=200, deadline=None)
@given(st.lists(st.characters(), max_size=50))
def test_alnum_mask_is_str_isalnum(chars):
    from linesift.charclass import alnum_mask

    cps = np.asarray([ord(c) for c in chars], dtype=np.uint32)
    assert alnum_mask(cps).tolist() == [c.isalnum() for c in chars]


@settings(max_examples=200, deadline=None)
@given(st.lists(st.text(st.sampled_from(list("wW.cComhtps:/©()@19 2İK\u212a")), max_size=30),
                max_size=12))
def test_pattern_marks_find_marks_in_their_own_line(lines):
    from linesift.features import COPYRIGHT_MARKS, URL_MARKS, _pattern_marks, _year_starts

    out = _pattern_marks(lines, 20)
    for line, (url, year, copyright) in zip(lines, out):
        low = line[:20].lower()
        assert bool(copyright) == any(mark in low for mark in COPYRIGHT_MARKS)
        email = any(low[i] == "@" and low[i - 1] > " " and low[i + 1] > " "
                    for i in range(1, len(low) - 1))
        assert bool(url) == (any(mark in low for mark in URL_MARKS) or email)
        cps = np.frombuffer(low.encode("utf-32-le"), dtype=np.uint32)
        assert bool(year) == bool(len(_year_starts(cps)))


@settings(max_examples=200, deadline=None)
@given(st.lists(st.integers(0, 3), max_size=30), st.integers(-40, 40))
def test_shift_within_pages_takes_the_row_that_far_in_the_same_page(page_sizes, offset):
    from linesift.features import shift_within_pages

    pages = np.repeat(np.arange(len(page_sizes)), page_sizes)
    values = np.arange(len(pages) * 2, dtype=float).reshape(-1, 2) + 1
    shifted, exists = shift_within_pages(values, pages, offset)
    for i in range(len(pages)):
        j = i + offset
        same = 0 <= j < len(pages) and pages[j] == pages[i]
        assert exists[i] == float(same)
        assert shifted[i].tolist() == (values[j].tolist() if same else [0.0, 0.0])


def test_no_character_but_ascii_capitals_lower_cases_into_a_mark():
    """The marks are matched on ASCII-lower-cased code points (features._pattern_marks): that
    finds what str.lower would only while no other character lower-cases to one of theirs."""
    from linesift.features import COPYRIGHT_MARKS, URL_MARKS

    chars = set("".join(URL_MARKS + COPYRIGHT_MARKS))
    others = (chr(c) for c in range(0x110000) if not 0xD800 <= c <= 0xDFFF
              and not 65 <= c <= 90 and chr(c) not in chars)
    assert [c for c in others if chars & set(c.lower())] == []
