"""Feature transformers over the lines table (see :mod:`linesift.frame`).

Frame steps (`LineShape`, `PagePosition`, `NeighbourFeatures`) take the lines table and return it
with feature columns added, so later steps can build on earlier ones; `LineText` turns the text
column into hashed character and word n-grams. All follow scikit-learn's estimator contract.
Every feature is defined for any language and script.
"""

import re
from functools import lru_cache
from itertools import chain

import numpy as np
import pandas as pd
from scipy import sparse
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.feature_extraction.text import HashingVectorizer
from sklearn.utils.validation import check_is_fitted

from .charclass import CLASSES, alnum_mask, char_class_counts
from .frame import GROUP, PAGE, TEXT, TOKENS, check_frame, page_bounds
from .tokens import batch_token_hashes, first_tokens, from_column, sorted_lookup, to_column

MAX_FEATURE_CHARS = 600
"""Characters of a line looked at by the shape features; longer lines are judged on this prefix."""
MAX_NGRAM_CHARS = 200
"""Characters of a line fed to the n-gram hashing."""
N_HASH_FEATURES = 2**18
STOPWORD_TOKENS = 48
"""Tokens of a line whose stopwords are counted."""
NEIGHBOUR_OFFSETS = (-3, -2, -1, 1, 2, 3)
WINDOWS = (2, 5, 10)

# Sentence-final punctuation across scripts: Latin, Greek (;), Arabic, Urdu, Devanagari,
# Ethiopic, CJK full-width, ellipsis and interrobangs.
TERMINALS = frozenset(".!?;\u037e。！？｡…؟۔।॥።‼‽⁇⁈⁉．；")
CLOSERS = "\"'»«“”’‘›‹)]}）」』】》"
COLONS = frozenset(":：")
SEPARATORS = "|•·»«›‹►▶▸→←/\\>~–—"
SEPARATOR_SET = frozenset(SEPARATORS)


def _frame_step_names(step):
    check_is_fitted(step)
    return step.feature_names_out_


class LineShape(TransformerMixin, BaseEstimator):
    """Shape of each line: length, words, character-class ratios, punctuation at its ends.

    Parameters
    ----------
    max_chars : int, default=MAX_FEATURE_CHARS
        Only this many leading characters are looked at.
    """

    def __init__(self, *, max_chars=MAX_FEATURE_CHARS):
        self.max_chars = max_chars

    def fit(self, X, y=None):
        check_frame(X)
        names = ["log_chars", "log_words", "mean_word_len"]
        names += [f"ratio_{c}" for c in CLASSES if c != "other"]
        names += ["ends_terminal", "ends_colon", "ends_separator", "ends_alnum",
                  "starts_upper", "starts_digit", "starts_punct_symbol", "n_separators",
                  "has_url", "has_year", "has_copyright", "capitalised_words", "truncated"]
        self.feature_names_out_ = np.asarray(names, dtype=object)
        return self

    def transform(self, X):
        check_is_fitted(self)
        X = check_frame(X)
        texts = X[TEXT].tolist()
        cc = char_class_counts(texts, self.max_chars)
        true_len = np.fromiter(map(len, texts), dtype=np.float64, count=len(texts))
        n_chars = np.minimum(true_len, self.max_chars)
        safe = np.maximum(n_chars, 1.0)
        non_space = n_chars - cc.counts[:, CLASSES.index("space")]
        cols = [np.log1p(true_len), np.log1p(cc.words), non_space / np.maximum(cc.words, 1.0)]
        cols += [cc.counts[:, i] / safe for i, c in enumerate(CLASSES) if c != "other"]
        cols += list(_line_ends(texts).T)
        cols += [(cc.first == CLASSES.index("upper")).astype(float),
                 (cc.first == CLASSES.index("digit")).astype(float),
                 np.isin(cc.first, [CLASSES.index("punct"), CLASSES.index("symbol")]).astype(float),
                 np.log1p(cc.separators)]
        cols += list(_pattern_marks(texts, self.max_chars).T)
        cols += [cc.capitalised / np.maximum(cc.words, 1.0), (true_len > self.max_chars).astype(float)]
        return _add_columns(X, self.feature_names_out_, cols)

    def get_feature_names_out(self, input_features=None):
        return _frame_step_names(self)


def _require_columns(step, X):
    """Raise a clear error unless X holds the columns `step` reads (made by earlier steps)."""
    missing = [c for c in step.columns if c not in X]
    if missing:
        raise ValueError(f"{type(step).__name__} needs columns {missing}; put the other frame "
                         "steps first")


def _add_columns(X, names, cols):
    """X with the given columns added (one DataFrame concat, not a copy per column)."""
    block = np.empty((len(cols), len(X)))
    for i, col in enumerate(cols):
        block[i] = col
    return _add_block(X, names, block)


def _add_block(X, names, block):
    """X with the rows of `block` (one per new column) added as columns, without a copy.

    pandas keeps a block of float columns as one (columns, rows) array: handing it that
    layout, with ``copy=False``, costs nothing, where a (rows, columns) array is transposed and
    copied (a tenth of a second per 100 columns of 16,000 lines)."""
    added = pd.DataFrame(block.T, columns=list(names), index=X.index, copy=False)
    return pd.concat([X, added], axis=1)


def _line_ends(texts):
    """ends_terminal, ends_colon, ends_separator, ends_alnum for each line.

    A line's last character (before trailing spaces and closing quotes or brackets) is
    found with string methods; the classes of those characters are looked up with numpy
    (one character per line)."""
    n = len(texts)
    if n == 0:
        return np.zeros((0, 4))
    raws = [t[-50:].rstrip() for t in texts]
    lasts = _code_points([raw.rstrip(CLOSERS)[-1:] or " " for raw in raws])
    finals = _code_points([raw[-1:] or " " for raw in raws])
    return np.column_stack([np.isin(lasts, _TERMINAL_CPS), np.isin(lasts, _COLON_CPS),
                            np.isin(finals, _SEPARATOR_CPS), alnum_mask(lasts)]).astype(float)


def _code_points(chars):
    """The code point of each one-character string."""
    return np.frombuffer("".join(chars).encode("utf-32-le", "surrogatepass"), dtype=np.uint32)


_TERMINAL_CPS = np.array(sorted(map(ord, TERMINALS)), dtype=np.uint32)
_COLON_CPS = np.array(sorted(map(ord, COLONS)), dtype=np.uint32)
_SEPARATOR_CPS = np.array(sorted(map(ord, SEPARATOR_SET)), dtype=np.uint32)


URL_MARKS = ("http://", "https://", "www.", ".com", ".org", ".net", ".htm", ".php")
COPYRIGHT_MARKS = ("©", "(c)")


def _pattern_marks(texts, max_chars):
    """has_url, has_year, has_copyright for each line.

    Found with numpy over the code points of the batch's lines joined by newlines: a literal
    mark at each occurrence of its least common character (".", ":", "©", "("), checked
    character by character around it; a year (19xx or 20xx standing alone) and an e-mail-like
    ``x@y`` by neighbouring code points. The marks are matched on ASCII-lower-cased code
    points, which finds what ``str.lower`` would: no other character lower-cases to one of
    their letters.
    """
    n = len(texts)
    out = np.zeros((n, 3))
    if n == 0:
        return out
    joined = "\n".join([t[:max_chars] for t in texts])
    if joined.count("\n") != n - 1:
        joined = "\n".join([t[:max_chars].replace("\n", " ") for t in texts])
    cps = np.frombuffer(joined.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
    low = cps | (((cps >= 65) & (cps <= 90)).astype(np.uint32) << np.uint32(5))
    starts = np.concatenate([[0], np.flatnonzero(cps == 10) + 1])
    anchors = {}
    for j, marks in ((0, URL_MARKS), (2, COPYRIGHT_MARKS)):
        found = [_mark_starts(low, mark, anchors) for mark in marks]
        out[:, j] = _lines_with(np.concatenate(found), starts, n)
    out[:, 1] = _lines_with(_year_starts(cps), starts, n)
    at = np.flatnonzero(cps[1:-1] == ord("@")) + 1
    if len(at):
        spaced = (cps[at - 1] <= 32) | (cps[at + 1] <= 32)
        out[:, 0] = np.maximum(out[:, 0], _lines_with(at[~spaced], starts, n))
    return out


_MARK_ANCHORS = ".:©("
"""Characters a literal mark is looked for at, the first of them it holds (rare in text)."""


def _mark_starts(cps, mark, anchors):
    """Start positions of every occurrence of `mark` in the code points `cps`; `anchors`
    caches each anchor character's positions."""
    k = next((i for i, c in enumerate(mark) if c in _MARK_ANCHORS), 0)
    if mark[k] not in anchors:
        anchors[mark[k]] = np.flatnonzero(cps == ord(mark[k]))
    begin = anchors[mark[k]] - k
    begin = begin[(begin >= 0) & (begin + len(mark) <= len(cps))]
    for i, char in enumerate(mark):
        if i != k:
            begin = begin[cps[begin + i] == ord(char)]
    return begin


def _year_starts(cps):
    """Positions where 19xx or 20xx stands as a four-digit number (no digit either side)."""
    digit = np.zeros(len(cps) + 2, dtype=bool)
    digit[1:-1] = (cps >= ord("0")) & (cps <= ord("9"))
    i = np.flatnonzero(digit[1:-4] & digit[2:-3] & digit[3:-2] & digit[4:-1]
                       & ~digit[:-5] & ~digit[5:])
    first, second = cps[i], cps[i + 1]
    century = ((first == ord("1")) & (second == ord("9"))) | (
        (first == ord("2")) & (second == ord("0")))
    return i[century]


def _lines_with(positions, starts, n):
    """1.0 for each of `n` lines (starting at `starts`) holding one of `positions`."""
    out = np.zeros(n)
    if len(positions):
        out[np.searchsorted(starts, positions, side="right") - 1] = 1.0
    return out


class PagePosition(TransformerMixin, BaseEstimator):
    """Where a line sits in its page, how it compares with the page, and in-page repeats."""

    def fit(self, X, y=None):
        check_frame(X)
        self.feature_names_out_ = np.asarray(
            ["rel_pos", "log_rank", "log_rank_from_end", "log_page_lines", "rel_char_pos",
             "len_vs_page_median", "len_vs_page_max", "log_dups_in_page",
             "page_repeated_share"], dtype=object)
        return self

    def transform(self, X):
        check_is_fitted(self)
        X = check_frame(X)
        starts, ends = page_bounds(X[PAGE].to_numpy())
        sizes = ends - starts
        n = len(X)
        rank = np.arange(n) - np.repeat(starts, sizes)
        size = np.repeat(sizes, sizes).astype(float)
        length = np.fromiter(map(len, X[TEXT].tolist()), dtype=np.float64, count=n)
        cum = np.cumsum(length) - length
        page_chars = np.add.reduceat(length, starts) if n else np.zeros(0)
        before = cum - np.repeat(cum[starts] if n else cum, sizes)
        med = np.repeat([np.median(length[s:e]) for s, e in zip(starts, ends)], sizes)
        mx = np.repeat(np.maximum.reduceat(length, starts) if n else np.zeros(0), sizes)
        dups = _dups_in_page(X, length)
        cols = [rank / np.maximum(size - 1, 1), np.log1p(rank), np.log1p(size - 1 - rank),
                np.log1p(size), before / np.maximum(np.repeat(page_chars, sizes), 1),
                np.log1p(length) - np.log1p(med), length / np.maximum(mx, 1), np.log(dups),
                # threads and comment lists repeat "Quote", "Reply", "Re: <title>" per post
                np.repeat(np.add.reduceat((dups > 1).astype(float), starts) / sizes
                          if n else np.zeros(0), sizes)]
        return _add_columns(X, self.feature_names_out_, cols)

    def get_feature_names_out(self, input_features=None):
        return _frame_step_names(self)


def _dups_in_page(X, length):
    """Lines of each line's page equal to it, casefolded. Lines longer than
    MAX_FEATURE_CHARS compare on that prefix and their length: casefolding and hashing a
    50 MB line whole took 0.8 s and 200 MB.

    The three keys (page, casefolded prefix, length past the prefix) are factorised into one
    code: twice as fast as a pandas groupby on them."""
    if len(X) == 0:
        return np.zeros(0)
    heads = np.array([t[:MAX_FEATURE_CHARS].casefold() for t in X[TEXT].tolist()], dtype=object)
    long_len = np.where(length > MAX_FEATURE_CHARS, length, -1.0)
    code = X[PAGE].to_numpy().astype(np.int64)
    for key in (heads, long_len):
        code = _pair_codes(code, pd.factorize(key)[0])
    return np.bincount(code)[code].astype(np.float64)


def _pair_codes(a, b):
    """One code per distinct pair (a[i], b[i]) of non-negative integer codes below len(a)."""
    return pd.factorize(pd.factorize(a)[0].astype(np.int64) * len(a) + b)[0]


class StopwordDensity(TransformerMixin, BaseEstimator):
    """Share of a line's words that are stopwords of its page's language, in any language.

    The page's language is the jusText stoplist that covers most of its tokens (see
    :mod:`linesift.stopwords`); jusText's own classifier rests on this density (Pomikálek 2011,
    "Removing Boilerplate and Duplicate Content from Web Corpora", ch. 3).
    """

    def __init__(self, *, max_chars=MAX_FEATURE_CHARS):
        self.max_chars = max_chars

    def fit(self, X, y=None):
        check_frame(X)
        self.feature_names_out_ = np.asarray(
            ["stopword_density", "log_stopwords", "page_stopword_density"], dtype=object)
        return self

    def transform(self, X):
        from .stopwords import stopword_hits

        check_is_fitted(self)
        X = check_frame(X)
        hashes, counts = line_token_hashes(X, self.max_chars)
        starts, ends = page_bounds(X[PAGE].to_numpy())
        # the density of a long line is judged on its first tokens (bounded lookups per line)
        counted, n = first_tokens(hashes, counts, STOPWORD_TOKENS)
        hits = stopword_hits(counted, n, starts)
        n = n.astype(np.float64)
        page_hits = np.add.reduceat(hits, starts) if len(hits) else hits
        page_n = np.add.reduceat(n, starts) if len(n) else n
        page_density = np.repeat(page_hits / np.maximum(page_n, 1), ends - starts)
        out = np.zeros((len(X), 3))
        out[:, 0] = hits / np.maximum(n, 1)
        out[:, 1] = np.log1p(hits)
        out[:, 2] = page_density
        with_tokens = X.assign(**{TOKENS: pd.Series(to_column(hashes, counts), index=X.index,
                                                     dtype=object)})
        return _add_columns(with_tokens, self.feature_names_out_, list(out.T))

    def get_feature_names_out(self, input_features=None):
        return _frame_step_names(self)


class TokenRepetition(TransformerMixin, BaseEstimator):
    """How much a line repeats its own words: ad slots and menus glued into one line
    ("En savoir plus - Publicité 2 Publicité 2 En savoir plus - ...") score low on uniqueness."""

    def fit(self, X, y=None):
        check_frame(X)
        self.feature_names_out_ = np.asarray(["token_uniqueness", "log_repeated_tokens"],
                                             dtype=object)
        return self

    def transform(self, X):
        check_is_fitted(self)
        X = check_frame(X)
        hashes, counts = line_token_hashes(X)
        n = counts.astype(np.float64)
        unique = distinct_per_line(hashes, counts).astype(np.float64)
        return _add_columns(X, self.feature_names_out_,
                            [unique / np.maximum(n, 1.0), np.log1p(n - unique)])

    def get_feature_names_out(self, input_features=None):
        return _frame_step_names(self)


def distinct_per_line(hashes, counts):
    """Distinct token hashes of each line: one sort of (line, hash) keys packed into 64 bits
    (the line in the top 24 bits, the hash's top 40 below it; two tokens of one line would
    have to share 40 bits of hash to be counted once)."""
    line_of = np.repeat(np.arange(len(counts), dtype=np.uint64), counts)
    if len(counts) >= 1 << 24:
        order = np.lexsort((hashes, line_of))
        hashes, line_of = hashes[order], line_of[order]
        new = np.ones(len(hashes), dtype=bool)
        new[1:] = (hashes[1:] != hashes[:-1]) | (line_of[1:] != line_of[:-1])
        return np.bincount(line_of[new].astype(np.int64), minlength=len(counts))
    key = np.sort((line_of << np.uint64(40)) | (hashes >> np.uint64(24)))
    new = np.ones(len(key), dtype=bool)
    new[1:] = key[1:] != key[:-1]
    return np.bincount((key[new] >> np.uint64(40)).astype(np.int64), minlength=len(counts))


RELATIVE_COLUMNS = ("log_chars", "log_words", "mean_word_len", "stopword_density",
                    "ends_terminal", "ratio_punct", "ratio_digit", "ratio_upper",
                    "capitalised_words", "token_uniqueness")


class PageRelative(TransformerMixin, BaseEstimator):
    """Each line's features against its page's mean: ``rel_<column>`` = value - page mean.

    Scales differ between languages and sites (a Chinese line holds fewer characters than an
    English one saying as much, Polish stoplists cover less of a sentence than English ones,
    German words are longer), while "longer and richer in stopwords than the rest of its page"
    means the same everywhere.
    """

    def __init__(self, *, columns=RELATIVE_COLUMNS):
        self.columns = columns

    def fit(self, X, y=None):
        _require_columns(self, check_frame(X))
        self.feature_names_out_ = np.asarray([f"rel_{c}" for c in self.columns], dtype=object)
        return self

    def transform(self, X):
        check_is_fitted(self)
        X = check_frame(X)
        values = X[list(self.columns)].to_numpy(dtype=np.float64)
        if len(values) == 0:
            return _add_columns(X, self.feature_names_out_, list(values.T))
        starts, ends = page_bounds(X[PAGE].to_numpy())
        sizes = ends - starts
        means = np.add.reduceat(values, starts, axis=0) / sizes[:, None]
        return _add_columns(X, self.feature_names_out_,
                            list((values - np.repeat(means, sizes, axis=0)).T))

    def get_feature_names_out(self, input_features=None):
        return _frame_step_names(self)


def line_token_hashes(X, max_chars=MAX_FEATURE_CHARS):
    """Each line's word tokens as hashes, ``(hashes, counts)`` (:mod:`linesift.tokens`): from
    the frame's ``tokens`` column if a step made it, else computed from the text."""
    if TOKENS in X:
        return from_column(X[TOKENS])
    return batch_token_hashes([t[:max_chars] for t in X[TEXT]])


def line_token_strings(X, max_chars=MAX_FEATURE_CHARS):
    """Each line's word tokens as strings (the n-grams of models saved before token hashes)."""
    from .stopwords import batch_tokens

    return batch_tokens([t[:max_chars] for t in X[TEXT]])


NEIGHBOUR_COLUMNS = ("log_chars", "stopword_density", "token_uniqueness", "log_words",
                     "ends_terminal", "ratio_punct", "ratio_digit", "starts_upper",
                     "capitalised_words", "has_url", "ends_separator", "log_dups_in_page")


class NeighbourFeatures(TransformerMixin, BaseEstimator):
    """Features of the lines around each line, within its page.

    For every offset in `offsets`, the `columns` of the line that far away (0 past the page's
    edge, with an indicator); for every half-width in `windows`, the mean of the columns over
    the centred window. Context decides most short lines (jusText's context-sensitive pass;
    Kohlschütter et al. 2010, "Boilerplate detection using shallow text features").
    """

    def __init__(self, *, columns=NEIGHBOUR_COLUMNS, offsets=NEIGHBOUR_OFFSETS, windows=WINDOWS):
        self.columns = columns
        self.offsets = offsets
        self.windows = windows

    def fit(self, X, y=None):
        _require_columns(self, check_frame(X))
        names = []
        for off in self.offsets:
            names.append(f"nb{off:+d}_exists")
            names += [f"nb{off:+d}_{c}" for c in self.columns]
        for w in self.windows:
            names += [f"win{w}_{c}" for c in self.columns]
        self.feature_names_out_ = np.asarray(names, dtype=object)
        return self

    def transform(self, X):
        check_is_fitted(self)
        X = check_frame(X)
        values = X[list(self.columns)].to_numpy(dtype=np.float64)
        pages = X[PAGE].to_numpy()
        block = np.empty((len(self.feature_names_out_), len(X)))
        row, k = 0, len(self.columns)
        for off in self.offsets:
            shifted, exists = shift_within_pages(values, pages, off)
            block[row] = exists
            block[row + 1:row + 1 + k] = shifted.T
            row += 1 + k
        for mean in window_means(values, pages, self.windows):
            block[row:row + k] = mean.T
            row += k
        return _add_block(X, self.feature_names_out_, block)

    def get_feature_names_out(self, input_features=None):
        return _frame_step_names(self)


def shift_within_pages(values, pages, offset):
    """Values of the row `offset` rows away in the same page (0 where there is none).

    Returns ``(shifted, exists)``; `exists` is 1.0 where that row is in the same page. Rows
    are copied as one slice (a shift), then the rows whose neighbour lies in another page or
    past the batch are zeroed."""
    values = np.asarray(values)
    n = len(values)
    out = np.zeros_like(values)
    ok = np.zeros(n, dtype=bool)
    k = abs(int(offset))
    if k < n:
        dst, src = (slice(0, n - k), slice(k, n)) if offset >= 0 else (slice(k, n), slice(0, n - k))
        out[dst] = values[src]
        ok[dst] = pages[src] == pages[dst]
        out[~ok] = 0
    return out, ok.astype(np.float64)


WINDOW_QUANTUM = 2.0 ** -20
"""Values are rounded to multiples of this before window sums, which makes every running sum
exact in float64 (for sums below 2**32), so a page's window means do not depend on the pages
batched with it (trees would split on that rounding)."""


def window_mean(values, pages, half_width):
    """Mean of `values` over rows within `half_width` of each row, in the same page."""
    return window_means(values, pages, [half_width])[0]


def window_means(values, pages, half_widths):
    """:func:`window_mean` for each of `half_widths`, from one running sum."""
    n = len(values)
    if n == 0:
        return [np.asarray(values, dtype=np.float64).copy() for _ in half_widths]
    starts, ends = page_bounds(pages)
    sizes = ends - starts
    q = np.round(np.asarray(values, dtype=np.float64) / WINDOW_QUANTUM) * WINDOW_QUANTUM
    csum = np.vstack([np.zeros((1,) + q.shape[1:]), np.cumsum(q, axis=0)])
    idx = np.arange(n)
    first, end = np.repeat(starts, sizes), np.repeat(ends, sizes)
    means = []
    for half_width in half_widths:
        lo = np.maximum(idx - half_width, first)
        hi = np.minimum(idx + half_width + 1, end)
        width = (hi - lo).astype(np.float64)
        means.append((csum[hi] - csum[lo]) / (width[:, None] if q.ndim == 2 else width))
    return means


MAX_NGRAM_TOKENS = 24
"""Tokens of a line fed to the word n-gram hashing."""


_TOKEN_HASHES = {False: {}, True: {}}  # without and with cue words replaced by concepts
_TOKEN_HASH_CACHE_SIZE = 1_000_000
_MIX = np.uint64(0x9E3779B97F4A7C15)
TOKEN_HASH = "poly64"
"""How LineText's n-grams hash tokens: "poly64" (:mod:`linesift.tokens`, no token strings) or
"murmur3" (each token string through murmurhash3, models saved before token hashes)."""


def _murmur_token_hashes(flat, cue_words=False):
    """murmurhash3 (32 bit, seed 0) of each token string, through a bounded cache of known
    tokens (the hashing of models saved before :mod:`linesift.tokens`).

    With `cue_words`, a boilerplate cue word of any language is hashed as its concept
    (:mod:`linesift.cues`), so it costs nothing once the token is cached."""
    from sklearn.utils import murmurhash3_32

    cache = _TOKEN_HASHES[bool(cue_words)]
    missing = set(flat).difference(cache)
    if len(cache) + len(missing) > _TOKEN_HASH_CACHE_SIZE:
        cache.clear()
        missing = set(flat)
    if cue_words:
        from .cues import cue_concepts

        concept = cue_concepts()
    else:
        concept = {}
    for tok in missing:
        cache[tok] = murmurhash3_32(concept.get(tok, tok), seed=0, positive=True)
    return np.fromiter(map(cache.__getitem__, flat), dtype=np.uint64, count=len(flat))


@lru_cache(maxsize=1)
def _cue_hash_table():
    """(sorted hashes of the cue words, the hash of each one's concept)."""
    from .cues import cue_concepts
    from .tokens import string_hashes

    concept = cue_concepts()
    words = string_hashes(concept)
    order = np.argsort(words)
    return words[order], string_hashes(concept.values())[order]


def _cue_concept_hashes(hashes):
    """Token hashes with every boilerplate cue word's replaced by its concept's
    (:mod:`linesift.cues`: "Publicité", "Anzeige" and "Advertisement" hash alike)."""
    words, concepts = _cue_hash_table()
    at = sorted_lookup(words, hashes)
    return np.where(at >= 0, concepts[at], hashes)


def word_ngram_hashes(token_hashes, counts, ngram_range=(1, 2), max_tokens=MAX_NGRAM_TOKENS):
    """The 32-bit hash of every word n-gram of each line: (row of each n-gram, its hash).

    `token_hashes` are 32-bit token hashes, lines in order, and `counts` each line's number of
    tokens; only a line's first `max_tokens` tokens count. An n-gram's hash is mixed from its
    tokens' hashes with numpy.
    """
    hashes, lengths = first_tokens(np.asarray(token_hashes, dtype=np.uint64),
                                   np.asarray(counts, dtype=np.int64), max_tokens)
    n = len(lengths)
    row = np.repeat(np.arange(n), lengths)
    left = np.repeat(np.cumsum(lengths), lengths) - np.arange(len(hashes))  # tokens to line end
    lo, hi = ngram_range
    rows, out = [], []
    h = hashes.copy()
    for size in range(1, hi + 1):
        if size > 1:
            h = (h[:-1] * _MIX + hashes[size - 1:] + np.uint64(size)) & np.uint64(0xFFFFFFFF)
        if size >= lo:
            ok = left[:len(h)] >= size
            rows.append(row[:len(h)][ok])
            out.append(h[ok])
    if not rows:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.uint64)
    return np.concatenate(rows), np.concatenate(out)


def hash_word_ngrams(token_hashes, counts, ngram_range=(1, 2), n_features=N_HASH_FEATURES,
                     max_tokens=MAX_NGRAM_TOKENS, vocabulary=None):
    """Hashed word n-gram counts of each line, l2-normalised: a CSR matrix (lines x n_features).

    The hashing trick of scikit-learn's HashingVectorizer, vectorised over the batch (see
    :func:`word_ngram_hashes`); the counts are summed into CSR in one pass. HashingVectorizer
    with a Python analyzer builds every n-gram as a string and was the costliest step of scoring
    (5 µs/line against 1 µs here).

    With `vocabulary` (sorted n-gram hashes), an n-gram's column is its position there and an
    n-gram outside it has none (``n_features`` is then ``len(vocabulary)``): words never seen in
    training, in a language the model never saw, then add nothing, instead of taking the weight
    of whatever English n-gram shares their hash bucket. Norms count every n-gram of the line, so
    a line of unknown words keeps a near-zero text vector.
    """
    n = len(counts)
    rows, h = word_ngram_hashes(token_hashes, counts, ngram_range, max_tokens)
    unknown = np.zeros(n)
    if vocabulary is None:
        cols = (h % np.uint64(n_features)).astype(np.int64)
    else:
        n_features = len(vocabulary)
        cols = sorted_lookup(vocabulary, h)
        known = cols >= 0
        unknown = np.bincount(rows[~known], minlength=n)  # each counted once: repeats are rare
        rows, cols = rows[known], cols[known]
    matrix = sparse.csr_matrix((np.ones(len(rows), dtype=np.float32), (rows, cols)),
                               shape=(n, n_features))
    matrix.sum_duplicates()
    norms = np.sqrt(np.asarray(matrix.multiply(matrix).sum(axis=1)).ravel() + unknown)
    matrix.data /= np.repeat(np.maximum(norms, 1e-12), np.diff(matrix.indptr)).astype(np.float32)
    return matrix


def frequent_ngrams(token_hashes, counts, groups, min_groups, ngram_range=(1, 2),
                    max_tokens=MAX_NGRAM_TOKENS):
    """Sorted hashes of the word n-grams found in at least `min_groups` distinct groups (sites).

    Counting sites rather than lines keeps one site's template words (its menu, its footer)
    out of the vocabulary: only words that mean the same on many sites get a weight.
    """
    rows, h = word_ngram_hashes(token_hashes, counts, ngram_range, max_tokens)
    group_codes = pd.factorize(np.asarray(groups, dtype=object))[0]
    pairs = np.unique((h << np.uint64(32)) | group_codes[rows].astype(np.uint64))
    ngrams, per_ngram = np.unique(pairs >> np.uint64(32), return_counts=True)
    return ngrams[per_ngram >= min_groups]


def normalise_for_ngrams(text, max_chars=MAX_NGRAM_CHARS):
    """Casefold, map every digit to 0 and keep the first `max_chars` characters."""
    return _DIGITS.sub("0", text[:max_chars].lower())


_DIGITS = re.compile(r"\d")


class LineText(TransformerMixin, BaseEstimator):
    """Hashed word and character n-grams of each line's text (stateless, any script).

    Words are the lines' tokens (:func:`line_token_hashes`; a CJK character is a token, so word
    bigrams are character bigrams there), shared with StopwordDensity when it ran first.

    Parameters
    ----------
    word_ngrams, char_ngrams : tuple of int or None
        n-gram ranges; None leaves that part out.
    n_features : int
        Hash space of each part.
    cue_words : bool
        Hash boilerplate cue words of every language as their shared concept ("Publicité",
        "Anzeige" and "Advertisement" as one word; :mod:`linesift.cues`).
    min_sites : int or None
        Keep only the word n-grams that training lines of at least this many sites hold (the
        ``group`` column, else every line counts as its own site), each in a column of its
        own (``vocabulary_``); None hashes every n-gram into `n_features` buckets.
    """

    def __init__(self, *, word_ngrams=(1, 2), char_ngrams=(3, 3), n_features=N_HASH_FEATURES,
                 max_chars=MAX_NGRAM_CHARS, cue_words=False, min_sites=None):
        self.word_ngrams = word_ngrams
        self.char_ngrams = char_ngrams
        self.n_features = n_features
        self.max_chars = max_chars
        self.cue_words = cue_words
        self.min_sites = min_sites

    def __setstate__(self, state):
        state.setdefault("cue_words", False)  # models saved before these options existed
        state.setdefault("min_sites", None)
        state.setdefault("token_hash_", "murmur3")  # fitted before linesift.tokens
        super().__setstate__(state)

    def _token_hashes(self, X):
        """32-bit hashes of each line's tokens, and each line's number of tokens, hashed as this
        step was fitted (:data:`TOKEN_HASH`)."""
        if getattr(self, "token_hash_", TOKEN_HASH) == "murmur3":
            # the tokens of the shape step's prefix when it ran, as before token hashes
            limit = MAX_FEATURE_CHARS if TOKENS in X else self.max_chars
            token_lists = line_token_strings(X, limit)
            counts = np.fromiter(map(len, token_lists), dtype=np.int64, count=len(token_lists))
            heads = [t[:MAX_NGRAM_TOKENS] for t in token_lists]  # bounded string work
            counts = np.minimum(counts, MAX_NGRAM_TOKENS)
            return _murmur_token_hashes(list(chain.from_iterable(heads)), self.cue_words), counts
        hashes, counts = line_token_hashes(X, self.max_chars)
        if self.cue_words:
            hashes = _cue_concept_hashes(hashes)
        return hashes >> np.uint64(32), counts

    def _common(self):
        return dict(n_features=self.n_features, alternate_sign=False, lowercase=False,
                    dtype=np.float32)

    def fit(self, X, y=None):
        _check_lines(X)
        self.vocabulary_ = None
        self.token_hash_ = TOKEN_HASH
        word_features = self.n_features
        if self.word_ngrams and self.min_sites:
            X = _as_frame(X)
            groups = X[GROUP] if GROUP in X else np.arange(len(X))
            self.vocabulary_ = frequent_ngrams(*self._token_hashes(X), groups, self.min_sites,
                                               tuple(self.word_ngrams))
            word_features = len(self.vocabulary_)
        self.n_features_out_ = (word_features * bool(self.word_ngrams)
                                + self.n_features * bool(self.char_ngrams))
        return self

    def transform(self, X):
        check_is_fitted(self)
        X = _as_frame(X)
        blocks = []
        if self.word_ngrams:
            blocks.append(hash_word_ngrams(*self._token_hashes(X), tuple(self.word_ngrams),
                                           self.n_features,
                                           vocabulary=getattr(self, "vocabulary_", None)))
        if self.char_ngrams:
            chars = HashingVectorizer(analyzer="char_wb", ngram_range=tuple(self.char_ngrams),
                                      **self._common())
            blocks.append(chars.transform([normalise_for_ngrams(t, self.max_chars)
                                           for t in X[TEXT]]))
        if not blocks:
            return sparse.csr_matrix((len(X), 0))
        return sparse.hstack(blocks, format="csr")

    def get_feature_names_out(self, input_features=None):
        check_is_fitted(self)
        return np.asarray([f"hash_{i}" for i in range(self.n_features_out_)], dtype=object)


def _check_lines(X):
    if isinstance(X, str):
        raise TypeError("an iterable of lines is expected, a single string was given")


def _as_frame(X):
    """A frame with a text column from a lines table, a Series or a list of lines."""
    _check_lines(X)
    if isinstance(X, pd.DataFrame):
        return X
    return pd.DataFrame({TEXT: [str(x) for x in X]})
