"""Shape of each line: length, words, character-class ratios, punctuation at its ends, marks."""

import numpy as np

from .._kernels import ascii_lower, code_points, compiled, lines_with, mark_starts, year_starts
from . import MAX_FEATURE_CHARS
from .charclass import CLASSES, alnum_mask, char_class_counts

# Sentence-final punctuation across scripts: Latin, Greek (;), Arabic, Urdu, Devanagari,
# Ethiopic, CJK full-width, ellipsis and interrobangs.
TERMINALS = frozenset(".!?;\u037e。！？｡…؟۔।॥።‼‽⁇⁈⁉．；")
CLOSERS = "\"'»«“”’‘›‹)]}）」』】》"
COLONS = frozenset(":：")
SEPARATORS = "|•·»«›‹►▶▸→←/\\>~–—"
SEPARATOR_SET = frozenset(SEPARATORS)
URL_MARKS = ("http://", "https://", "www.", ".com", ".org", ".net", ".htm", ".php")
COPYRIGHT_MARKS = ("©", "(c)")
END_WINDOW = 50
"""Characters at a line's end in which its last word is looked for."""


NAMES = (["log_chars", "log_words", "mean_word_len"]
         + [f"ratio_{c}" for c in CLASSES if c != "other"]
         + ["ends_terminal", "ends_colon", "ends_separator", "ends_alnum", "starts_upper",
            "starts_digit", "starts_punct_symbol", "n_separators", "has_url", "has_year",
            "has_copyright", "capitalised_words", "truncated"])
"""The shape columns, in order."""


def shape_columns(texts, max_chars=MAX_FEATURE_CHARS):
    """The :data:`NAMES` columns of each line: length, words, character-class ratios,
    punctuation at its ends, URL/year/copyright marks; only the first `max_chars` characters
    are looked at (the length and ``truncated`` count them all)."""
    cc = char_class_counts(texts, max_chars)
    true_len = np.fromiter(map(len, texts), dtype=np.float64, count=len(texts))
    n_chars = np.minimum(true_len, max_chars)
    safe = np.maximum(n_chars, 1.0)
    non_space = n_chars - cc.counts[:, CLASSES.index("space")]
    cols = [np.log1p(true_len), np.log1p(cc.words), non_space / np.maximum(cc.words, 1.0)]
    cols += [cc.counts[:, i] / safe for i, c in enumerate(CLASSES) if c != "other"]
    cols += list(_line_ends(texts).T)
    cols += [(cc.first == CLASSES.index("upper")).astype(float),
             (cc.first == CLASSES.index("digit")).astype(float),
             ((cc.first == _PUNCT) | (cc.first == _SYMBOL)).astype(float),
             np.log1p(cc.separators)]
    cols += list(_pattern_marks(texts, max_chars).T)
    cols += [cc.capitalised / np.maximum(cc.words, 1.0), (true_len > max_chars).astype(float)]
    return cols


_PUNCT, _SYMBOL = CLASSES.index("punct"), CLASSES.index("symbol")


def _line_ends(texts):
    """ends_terminal, ends_colon, ends_separator, ends_alnum for each line.

    A line's last character (before trailing spaces and closing quotes or brackets) is
    found with string methods; the classes of those characters are looked up with numpy
    (one character per line)."""
    n = len(texts)
    if n == 0:
        return np.zeros((0, 4))
    kernels = compiled()
    if kernels is not None:
        return kernels.line_ends(texts if isinstance(texts, list) else list(texts), END_WINDOW,
                                 _CLOSER_CPS, _TERMINAL_CPS, _COLON_CPS, _SEPARATOR_CPS)
    raws = [t[-END_WINDOW:].rstrip() for t in texts]
    lasts = code_points("".join([raw.rstrip(CLOSERS)[-1:] or " " for raw in raws]))
    finals = code_points("".join([raw[-1:] or " " for raw in raws]))
    return np.column_stack([np.isin(lasts, _TERMINAL_CPS), np.isin(lasts, _COLON_CPS),
                            np.isin(finals, _SEPARATOR_CPS), alnum_mask(lasts)]).astype(float)


_TERMINAL_CPS = np.array(sorted(map(ord, TERMINALS)), dtype=np.uint32)
_COLON_CPS = np.array(sorted(map(ord, COLONS)), dtype=np.uint32)
_SEPARATOR_CPS = np.array(sorted(map(ord, SEPARATOR_SET)), dtype=np.uint32)
_CLOSER_CPS = np.array(sorted(map(ord, CLOSERS)), dtype=np.uint32)


def _mark_table():
    """URL_MARKS and COPYRIGHT_MARKS as the compiled kernel takes them: their code points
    (rows, zero-padded), lengths, and the column each sets (0 has_url, 2 has_copyright)."""
    marks = [(m, 0) for m in URL_MARKS] + [(m, 2) for m in COPYRIGHT_MARKS]
    width = max(len(m) for m, _ in marks)
    table = np.zeros((len(marks), width), dtype=np.uint32)
    for row, (mark, _) in enumerate(marks):
        table[row, :len(mark)] = [ord(c) for c in mark]
    return (table, np.array([len(m) for m, _ in marks], dtype=np.int64),
            np.array([col for _, col in marks], dtype=np.int64))


_MARK_TABLE = _mark_table()


def _pattern_marks(texts, max_chars):
    """has_url, has_year, has_copyright for each line's first `max_chars` characters.

    A line has a URL when it holds one of URL_MARKS or an e-mail-like ``x@y`` (no space or
    control character either side of the "@"), a copyright when it holds one of COPYRIGHT_MARKS (both matched on
    the lower-cased line), a year when it holds 19xx or 20xx standing alone. Found with numpy
    over the code points of the batch's lines joined by newlines. The marks are matched on
    ASCII-lower-cased code points, which finds what ``str.lower`` would: no other character
    lower-cases to one of their letters.
    """
    n = len(texts)
    out = np.zeros((n, 3))
    if n == 0:
        return out
    kernels = compiled()
    if kernels is not None:  # each line scanned once, every mark looked for at once
        return kernels.pattern_marks(texts if isinstance(texts, list) else list(texts),
                                     max_chars, *_MARK_TABLE)
    joined = "\n".join([t[:max_chars] for t in texts])
    if joined.count("\n") != n - 1:
        joined = "\n".join([t[:max_chars].replace("\n", " ") for t in texts])
    cps = code_points(joined)
    low = ascii_lower(cps)
    starts = np.concatenate([[0], np.flatnonzero(cps == 10) + 1])
    anchors = {}
    for j, marks in ((0, URL_MARKS), (2, COPYRIGHT_MARKS)):
        found = [mark_starts(low, mark, anchors) for mark in marks]
        out[:, j] = lines_with(np.concatenate(found), starts, n)
    out[:, 1] = lines_with(year_starts(cps), starts, n)
    at = np.flatnonzero(cps[1:-1] == ord("@")) + 1
    if len(at):
        spaced = (cps[at - 1] <= 32) | (cps[at + 1] <= 32)
        out[:, 0] = np.maximum(out[:, 0], lines_with(at[~spaced], starts, n))
    return out
