"""The compiled kernels (linesift._ckernels) against the numpy and Python code they replace.

Each kernel is a faster way to the same numbers: these tests run both ways on the same input
(``_kernels.USE_COMPILED`` off, as ``LINESIFT_COMPILED=0`` sets it) and ask for equal results,
exactly. The
scorer's trees are checked the same way in tests/test_scorer.py.
"""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from linesift import _kernels
from linesift.columns import charclass, runs, shape, site, tokens

ckernels = pytest.importorskip("linesift._ckernels")

# Text with what the kernels look at: every kind of whitespace, NUL, separators, closers,
# terminals, colons, digits, upper and lower case in several scripts, and code points past the
# BMP.
ALPHABET = st.sampled_from(list(_kernels.WHITESPACE) + list(
    "\0aZé ÉßİΣς:：.!?。！？…|•·»«›‹►/\\>~–—\"')]）」0١٢३日本語한Ωω-_©(c)19 2024") + [
    "\U0001F600", "\U00020000", "\ud800"])
texts = st.lists(st.text(ALPHABET, max_size=70), max_size=30)


def both(fn, *args):
    """`fn(*args)` with the compiled kernels, then without."""
    with pytest.MonkeyPatch.context() as mp:
        got = fn(*args)
        mp.setattr(_kernels, "USE_COMPILED", False)
        assert _kernels.compiled() is None
        want = fn(*args)
    return got, want


def test_linesift_compiled_0_switches_them_off_for_the_process():
    import os
    import subprocess
    import sys

    code = "from linesift import _kernels; print(_kernels.compiled() is None)"
    for value, off in (("0", "True"), ("1", "False")):
        out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                             env={**os.environ, "LINESIFT_COMPILED": value}, check=True)
        assert out.stdout.strip() == off


def test_the_compiled_kernels_are_built_here():
    """A C compiler is on every machine the project runs its tests on; without one the
    install goes on quietly and every kernel runs in numpy (slower), which this would hide."""
    assert _kernels.compiled() is ckernels


@settings(max_examples=200, deadline=None)
@given(texts)
def test_line_runs_are_the_same(lines):
    pages = np.repeat(np.arange(3), [len(lines) // 3, len(lines) // 3,
                                     len(lines) - 2 * (len(lines) // 3)])
    got, want = both(runs.run_columns, lines, pages)
    for a, b in zip(got, want):
        np.testing.assert_array_equal(a, b)


def test_shape_keys_tell_apart_what_the_python_keys_tell_apart():
    lines = ["", " ", "a", "A", "1", "Ab:", "ab.", "ab。", "ab", "x" * 5000, "Ü ok!", "  \t"]
    keys = ckernels.shape_keys(lines)
    python = [runs._shape_key(t) for t in lines]
    for i in range(len(lines)):
        for j in range(len(lines)):
            assert (keys[i] == keys[j]) == (python[i] == python[j]), (lines[i], lines[j])
    opening = ckernels.opening_keys(lines, runs.OPENING_CHARS)
    python = [runs._opening_key(t) for t in lines]
    for i in range(len(lines)):
        for j in range(len(lines)):
            assert (opening[i] == opening[j]).all() == (python[i] == python[j])


@settings(max_examples=300, deadline=None)
@given(texts)
def test_line_keys_are_the_same(lines):
    got, want = both(site.line_keys, lines)
    np.testing.assert_array_equal(got, want)


@settings(max_examples=300, deadline=None)
@given(texts)
def test_shape_columns_are_the_same(lines):
    got, want = both(shape.shape_columns, lines, 40)
    for a, b in zip(got, want):
        np.testing.assert_array_equal(a, b)


@settings(max_examples=200, deadline=None)
@given(texts)
def test_character_counts_are_the_same(lines):
    got, want = both(charclass.char_class_counts, lines, 50)
    for name in ("counts", "words", "capitalised", "separators", "first"):
        np.testing.assert_array_equal(getattr(got, name), getattr(want, name))


@settings(max_examples=200, deadline=None)
@given(st.lists(st.integers(0, 2**64 - 1), min_size=1, max_size=200, unique=True),
       st.lists(st.integers(0, 2**64 - 1), max_size=50), st.randoms())
def test_table_lookups_are_the_same(known, others, random):
    known = np.array(sorted(known), dtype=np.uint64)
    queries = np.array(others + random.sample(known.tolist(), min(len(known), 20)),
                       dtype=np.uint64)
    # past the binary-search allowance, so both ways use the table
    _kernels._SEARCHED[id(known)] = [lambda: known, len(known)]
    got, want = both(_kernels.sorted_lookup, known, queries)
    np.testing.assert_array_equal(got, want)
    expected = [known.tolist().index(q) if q in known else -1 for q in queries.tolist()]
    assert got.tolist() == expected


@settings(max_examples=300, deadline=None)
@given(texts)
def test_token_hashes_are_the_same(lines):
    got, want = both(tokens.batch_token_hashes, lines)
    for a, b in zip(got, want):
        np.testing.assert_array_equal(a, b)
    assert len(got[1]) == len(lines)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.lists(st.integers(0, 40), max_size=40), max_size=20))
def test_distinct_tokens_per_line_are_the_same(lines):
    # few distinct values, so lines repeat tokens; spread over the top bits the kernels compare
    hashes = np.array([v * 0x9E3779B97F4A7C15 % 2**64 for line in lines for v in line],
                      dtype=np.uint64)
    counts = np.array([len(line) for line in lines], dtype=np.int64)
    got, want = both(_kernels.distinct_per_line, hashes, counts)
    np.testing.assert_array_equal(got, want)
    assert got.tolist() == [len(set(line)) for line in lines]


@settings(max_examples=200, deadline=None)
@given(st.lists(st.integers(1, 9), min_size=1, max_size=12),
       st.lists(st.integers(0, 6), min_size=1, max_size=3), st.integers(1, 3), st.randoms())
def test_window_means_are_the_same(sizes, widths, columns, random):
    pages = np.repeat(np.arange(len(sizes)), sizes)
    values = np.array([[random.uniform(-5, 5) for _ in range(columns)] for _ in pages])
    values[0, 0] = np.nan if random.random() < 0.2 else values[0, 0]
    got, want = both(_kernels.window_means, values, pages, widths)
    assert len(got) == len(want) == len(widths)
    for a, b in zip(got, want):
        assert a.shape == b.shape == values.shape
        np.testing.assert_array_equal(a, b)


WORDS = ("the of and to in is it that le la les de et est un une der die und das ist в и не на "
         "что он z w i się nie je 的 了 是 在 και το η να hello news page ok").split()


@settings(max_examples=100, deadline=None)
@given(st.lists(st.lists(st.lists(st.sampled_from(WORDS), max_size=12), min_size=1,
                         max_size=8), min_size=1, max_size=5))
def test_stopword_hits_are_the_same(pages):
    from linesift.columns.stopwords import stopword_columns

    lines = [" ".join(words) for page in pages for words in page]
    starts = np.cumsum([0] + [len(page) for page in pages[:-1]])
    hashes, counts = tokens.batch_token_hashes(lines)
    got, want = both(stopword_columns, hashes, counts, starts)
    np.testing.assert_array_equal(got, want)


# Pieces of every URL, e-mail, year and copyright mark, in both cases, with what stops them.
MARK_PIECES = st.sampled_from(["http", "HTTPS", "://", "www", "WWW", ".", "com", "ORG", ".net",
                               ".Htm", "php", "@", "a@b", " @ ", "©", "(c)", "(C", ")", "19",
                               "20", "2024", "1999", "x", "0", "7", " ", "\t", "\n", "é", "ß"])


@settings(max_examples=300, deadline=None)
@given(st.lists(st.lists(MARK_PIECES, max_size=12).map("".join), max_size=20),
       st.integers(1, 30))
def test_pattern_marks_are_the_same(lines, max_chars):
    got, want = both(shape._pattern_marks, lines, max_chars)
    np.testing.assert_array_equal(got, want)


def test_pattern_marks_find_what_they_name():
    lines = ["see https://x.org", "mail me: a@b.fr", "a @ b", "@ab", "in 1999.", "12019",
             "(C) Acme", "© 2024", "plain"]
    got = ckernels.pattern_marks(lines, 600, *shape._MARK_TABLE)
    assert got.tolist() == [[1, 0, 0], [1, 0, 0], [0, 0, 0], [0, 0, 0], [0, 1, 0], [0, 0, 0],
                            [0, 0, 1], [0, 1, 1], [0, 0, 0]]


@settings(max_examples=200, deadline=None)
@given(st.lists(st.lists(st.sampled_from(WORDS), max_size=30), max_size=12),
       st.sampled_from([(1, 1), (1, 2), (2, 3)]), st.integers(1, 30), st.booleans(),
       st.randoms())
def test_ngram_terms_are_the_same(lines, ngram_range, max_tokens, with_vocabulary, random):
    from linesift.columns.ngrams import ngram_decision, word_ngram_hashes

    hashes, counts = tokens.batch_token_hashes([" ".join(words) for words in lines])
    hashes >>= np.uint64(32)
    vocabulary, n_features = None, 64
    if with_vocabulary:  # about half the n-grams known, the others counted in the norm only
        _, grams = word_ngram_hashes(hashes, counts, ngram_range, max_tokens)
        known = [g for g in np.unique(grams).tolist() if random.random() < 0.5]
        vocabulary, n_features = np.array(known, dtype=np.uint64), max(len(known), 1)
    weights = np.array([random.uniform(-2, 2) for _ in range(n_features)])
    got, want = both(ngram_decision, hashes, counts, weights, ngram_range, n_features,
                     max_tokens, vocabulary)
    np.testing.assert_array_equal(got, want)


def test_ngram_terms_refuse_columns_past_the_weights():
    with pytest.raises(ValueError, match="past the weights"):
        ckernels.ngram_terms(np.array([2], dtype=np.int64), np.array([0, 5], dtype=np.int64),
                             np.zeros(3))
    with pytest.raises(ValueError, match="add up"):
        ckernels.ngram_terms(np.array([3], dtype=np.int64), np.array([0, 1], dtype=np.int64),
                             np.zeros(3))


@settings(max_examples=200, deadline=None)
@given(st.lists(st.integers(1, 7), min_size=1, max_size=8),
       st.lists(st.integers(-9, 9), max_size=6), st.integers(1, 3), st.randoms())
def test_shifts_within_pages_are_the_same(sizes, offsets, columns, random):
    pages = np.repeat(np.arange(len(sizes)), sizes)
    values = np.array([[random.uniform(-5, 5) for _ in range(columns)] for _ in pages])
    values[-1, 0] = np.nan
    got, want = both(_kernels.shifts_within_pages, values, pages, offsets)
    for a, b in zip(got, want):
        np.testing.assert_array_equal(a, b)
    for o, off in enumerate(offsets):  # the definition, row by row
        for i in range(len(pages)):
            there = 0 <= i + off < len(pages) and pages[i + off] == pages[i]
            assert got[1][o, i] == there
            np.testing.assert_array_equal(got[0][o, i], values[i + off] if there else 0.0)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.integers(-2, 3), max_size=40))
def test_run_bounds_are_the_same(codes):
    codes = np.array(codes, dtype=np.int64)
    got, want = both(_kernels.run_bounds, codes)
    for a, b in zip(got, want):
        assert a.dtype == b.dtype == np.int64
        np.testing.assert_array_equal(a, b)


def test_kernels_refuse_arrays_that_do_not_fit_each_other():
    """Each kernel reads one array through another (runs of tokens, rows of the stoplists,
    columns of the weights or the rows): a mismatch is refused, not read past."""
    i64 = lambda *v: np.array(v, dtype=np.int64)  # noqa: E731
    u64 = lambda *v: np.array(v, dtype=np.uint64)  # noqa: E731
    cases = [
        (ckernels.distinct_per_line, (u64(1, 2, 3), i64(1, 1)), "do not add up"),
        (ckernels.distinct_per_line, (u64(1, 2), i64(3, -1)), "negative"),
        (ckernels.line_ngrams, (u64(1, 2), i64(3), 24, 1, 2), "do not add up"),
        (ckernels.ngram_terms, (i64(2), i64(0, -2), np.zeros(3)), "outside"),
        (ckernels.stopword_hits, (i64(0, 9), i64(2), i64(0), i64(0, 1, 2), i64(0, 1), 1, 10),
         "outside"),
        (ckernels.tree_sums, (np.zeros((2, 1), order="F"), i64(3), np.zeros(1), i64(0),
                              np.zeros(1, dtype=np.uint8), np.zeros(1), i64(0), 0.0),
         "column"),
    ]
    for kernel, args, message in cases:
        with pytest.raises(ValueError, match=message):
            kernel(*args)
