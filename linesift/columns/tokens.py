"""Word tokens of lines: lower-cased runs of letters (with their combining marks), and every CJK
character alone. Digits, punctuation, symbols and spaces separate tokens.

:func:`batch_tokens` gives them as strings, the reference definition. The feature steps use
them as 64-bit hashes instead (:func:`batch_token_hashes`), found with numpy over the batch's
code points and hashed where they lie (:func:`linesift._kernels.span_hashes`), so no string per
token is ever built. :func:`string_hashes` gives the same hash for a whole string, so word
lists (stopwords) hash the same way as the tokens.

A batch of tokens is ``(hashes, counts)``: every token's hash, lines in order, and each line's
number of tokens.
"""

import re

import numpy as np

from .._kernels import code_points, compiled, lower_code_points, span_hashes
from .charclass import letter_mask

TOKEN_CHUNK_LINES = 4096
"""Lines tokenised at once (numpy passes stay in cache)."""

_CJK = "\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
TOKEN = re.compile(rf"[{_CJK}]|[^\W\d_{_CJK}]+")
"""Reference definition of a token, before combining marks: a CJK character, or a run of
letters. :func:`batch_tokens` also keeps combining marks (Devanagari, Thai, Arabic vowel signs)
inside words instead of breaking words at them."""


def batch_code_points(texts):
    """The lines' code points joined by ``\\n`` (a ``\\n`` inside a line separates words like a
    space), and which of them are letters (with combining marks) and which CJK characters:
    ``(cps, letter, cjk)``, the start of both tokenisers."""
    joined = "\n".join(texts)
    if joined.count("\n") != len(texts) - 1:
        joined = "\n".join(t.replace("\n", " ") for t in texts)
    cps = code_points(joined)
    letter, cjk = letter_mask(cps)
    return cps, letter, cjk


def string_hashes(strings):
    """The token hash of each whole string (a token's hash equals that of its string)."""
    strings = list(strings)
    if not strings:
        return np.zeros(0, dtype=np.uint64)
    lengths = np.fromiter(map(len, strings), dtype=np.int64, count=len(strings))
    ends = np.cumsum(lengths)
    return span_hashes(code_points("".join(strings)), ends - lengths, ends)


def line_hashes(text):
    """``string_hashes(text.split("\\n"))``, without making a string per line (word lists)."""
    cps = code_points(text)
    breaks = np.flatnonzero(cps == 10)
    starts = np.concatenate([[0], breaks + 1])
    ends = np.append(breaks, len(cps))
    return span_hashes(cps, starts, ends)


def batch_token_hashes(texts):
    """Tokens of each line as hashes: ``(hashes, counts)`` (see the module docstring).

    The same tokens as :func:`batch_tokens`, vectorised the same way (code points classed with
    numpy, the batch lower-cased in one call), but the tokens are then delimited and hashed
    with numpy instead of being split into strings.
    """
    texts = list(texts)
    if len(texts) > TOKEN_CHUNK_LINES:
        parts = [batch_token_hashes(texts[i:i + TOKEN_CHUNK_LINES])
                 for i in range(0, len(texts), TOKEN_CHUNK_LINES)]
        return (np.concatenate([h for h, _ in parts]),
                np.concatenate([c for _, c in parts]))
    n = len(texts)
    if n == 0:
        return np.zeros(0, dtype=np.uint64), np.zeros(0, dtype=np.int64)
    cps, letter, cjk = batch_code_points(texts)
    newline = cps == 10
    mapped = np.where(letter | cjk | newline, cps, np.uint32(32)).astype(np.uint32)
    lowered = lower_code_points(mapped)
    if lowered is None:  # "İ", "Σ" or past the BMP: Python's own lower-casing
        lowered = code_points(mapped.tobytes().decode("utf-32-le", "surrogatepass").lower())
        if len(lowered) != len(cps):  # lower-casing changed lengths (e.g. "İ" -> "i̇")
            cjk = letter_mask(lowered)[1]
    kernels = compiled()
    if kernels is not None:
        return kernels.token_hashes(lowered, cjk.view(np.uint8), n)
    newline = lowered == 10
    word = (lowered != 32) & ~newline
    # a token starts at a word character after a non-word one, and at every CJK character
    # and the character after it; it ends where the next one starts or at a non-word one
    before = np.concatenate([[False], word[:-1] & ~cjk[:-1]])
    start = word & (~before | cjk)
    after = np.concatenate([word[1:] & ~cjk[1:], [False]])
    end = word & (~after | cjk)
    starts = np.flatnonzero(start)
    ends = np.flatnonzero(end) + 1
    line_of = np.cumsum(newline)[starts]
    counts = np.bincount(line_of, minlength=n).astype(np.int64)
    return span_hashes(lowered, starts, ends), counts


def to_column(hashes, counts):
    """One bytes value per line holding its token hashes (a lines-table column that survives
    row selection)."""
    buffer = hashes.astype(np.uint64, copy=False).tobytes()
    bounds = np.concatenate([[0], np.cumsum(counts)]) * 8
    return [buffer[a:b] for a, b in zip(bounds[:-1].tolist(), bounds[1:].tolist())]


def from_column(values):
    """``(hashes, counts)`` back from :func:`to_column` values."""
    values = list(values)
    counts = np.fromiter(map(len, values), dtype=np.int64, count=len(values)) // 8
    return np.frombuffer(b"".join(values), dtype=np.uint64), counts


def first_tokens(hashes, counts, limit):
    """Only each line's first `limit` tokens: ``(hashes, counts)``."""
    if not len(hashes) or counts.max(initial=0) <= limit:
        return hashes, counts
    position = np.arange(len(hashes)) - np.repeat(np.cumsum(counts) - counts, counts)
    return hashes[position < limit], np.minimum(counts, limit)


def tokens(text):
    """Lower-cased word tokens of one line (a CJK character is one token)."""
    return batch_tokens([text])[0]


def batch_tokens(texts):
    """Lower-cased word tokens of each line: runs of letters (with their combining marks), and
    every CJK character alone. Digits, punctuation, symbols and spaces separate tokens.

    Vectorised over the batch: the lines' code points are classed with numpy in one pass
    (:mod:`linesift.columns.charclass`), every non-letter becomes a space, and Python's
    C-level ``split`` cuts the words. The feature steps use the same tokens as hashes
    (:func:`batch_token_hashes`); these strings are the reference they are tested against.
    """
    texts = list(texts)
    chunk = TOKEN_CHUNK_LINES
    if len(texts) > chunk:  # numpy passes stay in cache
        return [toks for i in range(0, len(texts), chunk)
                for toks in batch_tokens(texts[i:i + chunk])]
    if not texts:
        return []
    cps, letter, cjk = batch_code_points(texts)
    newline = cps == 10
    mapped = np.where(letter | newline, cps, np.uint32(32)).astype(np.uint32)
    if cjk.any():
        # A CJK character stands alone: give every character a second slot, a space where a
        # CJK character ends or the next one starts, NUL (removed below) elsewhere.
        pair = np.zeros((len(cps), 2), dtype=np.uint32)
        pair[:, 0] = np.where(cjk, cps, mapped)
        pair[cjk, 1] = 32
        pair[:-1][cjk[1:], 1] = 32
        text = pair.tobytes().decode("utf-32-le", "surrogatepass").replace("\0", "")
    else:
        text = mapped.tobytes().decode("utf-32-le", "surrogatepass")
    return [line.split() for line in text.lower().split("\n")]
