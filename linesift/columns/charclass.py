"""Character classes of any script, and per-line character counts.

All lines of a batch are encoded once as code points; a table built from Unicode general
categories gives each code point a class (:func:`linesift._kernels.bmp_lookup`), and the
classes are counted per line with numpy. This is what makes the shape features fast and
language-independent.
"""

import unicodedata

import numpy as np

from .._kernels import NOT_LOOKED_UP, bmp_lookup, code_points, compiled

# Character classes (columns of the count matrix).
CLASSES = ("upper", "lower", "other_letter", "digit", "space", "punct", "symbol", "cjk", "other")
_UPPER, _LOWER, _OTHER_LETTER, _DIGIT, _SPACE, _PUNCT, _SYMBOL, _CJK, _OTHER = range(len(CLASSES))

_CJK_RANGES = ((0x3040, 0x30FF), (0x3400, 0x4DBF), (0x4E00, 0x9FFF), (0xF900, 0xFAFF),
               (0xFF66, 0xFF9F))
_TABLE_SIZE = 0x10000
_TABLE = None


def _class_of(cp):
    cat = unicodedata.category(chr(cp))
    if any(lo <= cp <= hi for lo, hi in _CJK_RANGES):
        return _CJK
    return {
        "Lu": _UPPER, "Lt": _UPPER, "Ll": _LOWER, "Lo": _OTHER_LETTER, "Lm": _OTHER_LETTER,
        "Nd": _DIGIT, "Nl": _DIGIT, "No": _DIGIT,
        "Zs": _SPACE, "Zl": _SPACE, "Zp": _SPACE,
        "Mn": _OTHER_LETTER, "Mc": _OTHER_LETTER, "Me": _OTHER_LETTER,
    }.get(cat, _PUNCT if cat.startswith("P") else _SYMBOL if cat.startswith("S") else _OTHER)


def _table():
    """Class of each BMP code point, filled in on first sight."""
    global _TABLE
    if _TABLE is None:
        table = np.full(_TABLE_SIZE, NOT_LOOKED_UP, dtype=np.int8)
        table[[9, 10, 11, 12, 13, 32]] = _SPACE
        _TABLE = table
    return _TABLE


def _classes(cps):
    """Class of each code point of an array (code points past the BMP are "other")."""
    if len(cps) and cps.max() < _TABLE_SIZE:  # all in the BMP (nearly always): no masking
        return bmp_lookup(_table(), cps, _class_of)
    classes = np.full(len(cps), _OTHER, dtype=np.int8)
    in_bmp = cps < _TABLE_SIZE
    classes[in_bmp] = bmp_lookup(_table(), cps[in_bmp], _class_of)
    return classes


SEPARATOR_CHARS = "|•·»›►▶"
_SEPARATOR_CPS = np.array([ord(c) for c in SEPARATOR_CHARS], dtype=np.uint32)


class CharCounts:
    """Per-line character statistics of a batch of lines (see :func:`char_class_counts`).

    Attributes
    ----------
    counts : ndarray (n_lines, len(CLASSES)) -- characters of each class
    words : ndarray (n_lines,) -- runs of non-space characters (a CJK character is a word)
    capitalised : ndarray (n_lines,) -- words that start with an upper-case letter
    separators : ndarray (n_lines,) -- characters of SEPARATOR_CHARS
    first : ndarray (n_lines,) int8 -- class of the first character (-1: empty line)
    """

    def __init__(self, counts, words, capitalised, separators, first):
        self.counts = counts
        self.words = words
        self.capitalised = capitalised
        self.separators = separators
        self.first = first


def char_class_counts(lines, max_chars):
    """Count character classes, words and separators in each line, vectorised over the batch.

    Parameters
    ----------
    lines : sequence of str
    max_chars : int
        Only the first `max_chars` characters of a line are looked at (bounded work on huge lines).

    Returns
    -------
    CharCounts
    """
    n = len(lines)
    clipped = [line[:max_chars] for line in lines]
    lengths = np.fromiter(map(len, clipped), dtype=np.int64, count=n)
    zeros = np.zeros(n, dtype=np.float64)
    if n == 0 or lengths.sum() == 0:
        return CharCounts(np.zeros((n, len(CLASSES))), zeros, zeros.copy(), zeros.copy(),
                          np.full(n, -1, dtype=np.int8))
    cps = code_points("".join(clipped))
    classes = _classes(cps)
    kernels = compiled()
    if kernels is not None:
        return CharCounts(*kernels.line_class_counts(cps, classes, lengths, _SEPARATOR_CPS,
                                                     len(CLASSES), _SPACE, _CJK, _UPPER))
    line_of = np.repeat(np.arange(n), lengths)
    k = len(CLASSES)
    counts = np.bincount(line_of * k + classes, minlength=n * k).reshape(n, k).astype(np.float64)
    starts = np.concatenate([[0], np.cumsum(lengths)[:-1]])
    nonempty = lengths > 0
    first = np.full(n, -1, dtype=np.int8)
    first[nonempty] = classes[starts[nonempty]]
    space = classes == _SPACE
    prev_space = np.empty_like(space)
    prev_space[0] = True
    prev_space[1:] = space[:-1]
    prev_space[starts[nonempty]] = True
    word_start = (~space & prev_space) | (classes == _CJK)
    words = np.bincount(line_of[word_start], minlength=n).astype(np.float64)
    capital = word_start & (classes == _UPPER)
    capitalised = np.bincount(line_of[capital], minlength=n).astype(np.float64)
    separator = np.isin(cps, _SEPARATOR_CPS)
    separators = np.bincount(line_of[separator], minlength=n).astype(np.float64)
    return CharCounts(counts, words, capitalised, separators, first)


def letter_mask(cps):
    """For an array of code points: (is a letter or combining mark but not CJK, is CJK)."""
    classes = _classes(cps)
    return classes <= _OTHER_LETTER, classes == _CJK


_ALNUM = None


def alnum_mask(cps):
    """``str.isalnum`` of each code point of an array (a table of the BMP filled on first
    sight, like the classes; code points past it are asked one by one)."""
    global _ALNUM
    if _ALNUM is None:
        _ALNUM = np.full(_TABLE_SIZE, NOT_LOOKED_UP, dtype=np.int8)
    cps = np.asarray(cps, dtype=np.uint32)
    out = np.zeros(len(cps), dtype=bool)
    in_bmp = cps < _TABLE_SIZE
    out[in_bmp] = bmp_lookup(_ALNUM, cps[in_bmp], lambda cp: chr(cp).isalnum()) > 0
    out[~in_bmp] = [chr(cp).isalnum() for cp in cps[~in_bmp].tolist()]
    return out
