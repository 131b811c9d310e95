"""Word tokens of a batch of lines as 64-bit hashes, without making a string per token.

The tokens are those of :func:`linesift.stopwords.batch_tokens` (lower-cased runs of letters
with their combining marks, every CJK character alone), found with numpy over the batch's code
points. Each token is hashed where it lies, by a polynomial over its code points taken from
prefix sums, so no token string is ever built: building and looking up a Python string per
token was most of the feature steps' time. :func:`string_hashes` gives the same hash for a
whole string, so word lists (stopwords, cue words) hash the same way as the tokens.

A batch of tokens is ``(hashes, counts)``: every token's hash, lines in order, and each line's
number of tokens.
"""

import weakref

import numpy as np

from .charclass import bmp_lookup, letter_mask

_Q = np.uint64(0x9E3779B97F4A7C15)  # odd, so invertible modulo 2**64
_Q_INV = np.uint64(pow(int(_Q), -1, 2**64))
TOKEN_CHUNK_LINES = 4096
"""Lines tokenised at once (numpy passes stay in cache)."""


def _utf32(text):
    return np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)


def batch_code_points(texts):
    """The lines' code points joined by ``\\n`` (a ``\\n`` inside a line separates words like a
    space), and which of them are letters (with combining marks) and which CJK characters:
    ``(cps, letter, cjk)``, the start of both tokenisers."""
    joined = "\n".join(texts)
    if joined.count("\n") != len(texts) - 1:
        joined = "\n".join(t.replace("\n", " ") for t in texts)
    cps = _utf32(joined)
    letter, cjk = letter_mask(cps)
    return cps, letter, cjk


_POWERS = {}


def _powers(base, n):
    """base**0 .. base**(n-1) modulo 2**64 (a view of a cached table grown as needed)."""
    table = _POWERS.get(int(base))
    if table is None or len(table) < n:
        size = max(n, 2 * len(table) if table is not None else 1 << 18)
        table = np.full(size, base, dtype=np.uint64)
        table[0] = 1
        with np.errstate(over="ignore"):
            table = np.cumprod(table, dtype=np.uint64)
        _POWERS[int(base)] = table
    return table[:n]


def _finish(raw, lengths):
    """Mix a polynomial hash with the token length (splitmix64's finaliser)."""
    with np.errstate(over="ignore"):
        h = raw ^ (lengths.astype(np.uint64) << np.uint64(56))
        h = (h ^ (h >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
        h = (h ^ (h >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
        return h ^ (h >> np.uint64(31))


def _span_hashes(cps, starts, ends):
    """Hash of each span ``cps[start:end]``: sum of cp * Q**k over the span, shifted to start at
    Q**0, then mixed with the span's length."""
    n = len(cps)
    with np.errstate(over="ignore"):
        prefix = np.zeros(n + 1, dtype=np.uint64)
        np.cumsum(cps.astype(np.uint64) * _powers(_Q, n), dtype=np.uint64, out=prefix[1:])
        raw = (prefix[ends] - prefix[starts]) * _powers(_Q_INV, n + 1)[starts]
    return _finish(raw, ends - starts)


def string_hashes(strings):
    """The token hash of each whole string (a token's hash equals that of its string)."""
    strings = list(strings)
    if not strings:
        return np.zeros(0, dtype=np.uint64)
    lengths = np.fromiter(map(len, strings), dtype=np.int64, count=len(strings))
    ends = np.cumsum(lengths)
    return _span_hashes(_utf32("".join(strings)), ends - lengths, ends)


def line_hashes(text):
    """``string_hashes(text.split("\\n"))``, without making a string per line (word lists)."""
    cps = _utf32(text)
    breaks = np.flatnonzero(cps == 10)
    starts = np.concatenate([[0], breaks + 1])
    ends = np.append(breaks, len(cps))
    return _span_hashes(cps, starts, ends)


_LOWER_TABLE_SIZE = 0x10000
_LOWER = None
_NOT_LOOKED_UP, _CONTEXT = -1, -2  # -1 is what charclass.bmp_lookup fills
_CAPITAL_SIGMA = 0x03A3


def _lower_one(cp):
    """The lower-case code point of `cp`, or _CONTEXT where ``str.lower`` does not map it to
    one code point by itself ("İ" -> "i̇"; "Σ" -> "σ" or, ending a word, "ς")."""
    if cp == _CAPITAL_SIGMA:
        return _CONTEXT
    low = chr(cp).lower()
    return ord(low) if len(low) == 1 else _CONTEXT


def lower_code_points(cps):
    """``str.lower`` of an array of code points, through a table of the BMP filled on first
    sight (no string round trip); None when one of them needs Python's own lower-casing (see
    :func:`_lower_one`, or past the BMP)."""
    global _LOWER
    if _LOWER is None:
        _LOWER = np.full(_LOWER_TABLE_SIZE, _NOT_LOOKED_UP, dtype=np.int32)
    if not len(cps):
        return cps
    if cps.max() >= _LOWER_TABLE_SIZE:
        return None
    low = bmp_lookup(_LOWER, cps, _lower_one)
    if (low == _CONTEXT).any():
        return None
    return low.astype(np.uint32)


def batch_token_hashes(texts):
    """Tokens of each line as hashes: ``(hashes, counts)`` (see the module docstring).

    The same tokens as :func:`linesift.stopwords.batch_tokens`, vectorised the same way (code
    points classed with numpy, the batch lower-cased in one call), but the tokens are then
    delimited and hashed with numpy instead of being split into strings.
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
        lowered = _utf32(mapped.tobytes().decode("utf-32-le", "surrogatepass").lower())
        if len(lowered) != len(cps):  # lower-casing changed lengths (e.g. "İ" -> "i̇")
            cjk = letter_mask(lowered)[1]
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
    return _span_hashes(lowered, starts, ends), counts


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


LOOKUP_LOAD = 3
"""A lookup table has at least this many slots per known hash (a third of them filled)."""
_TABLES = {}


def _lookup_table(known):
    """Open-addressing hash table of the sorted array `known`: ``(keys, positions, mask)``,
    slot ``h & mask`` first, then the next ones (linear probing); position -1 marks an empty
    slot. Built once per array and kept while the array lives (stoplists, cue words and a
    model's vocabulary are looked up in every batch)."""
    key = id(known)
    entry = _TABLES.get(key)
    if entry is not None and entry[0]() is known:
        return entry[1]
    size = 1 << max(8, (LOOKUP_LOAD * len(known)).bit_length())
    mask = size - 1
    keys = np.zeros(size, dtype=np.uint64)
    positions = np.full(size, -1, dtype=np.int64)
    pending = np.arange(len(known))
    slot = (known.astype(np.uint64, copy=False) & np.uint64(mask)).astype(np.int64)
    while len(pending):  # insert: one key per free slot and pass, the rest probe on
        free = positions[slot] < 0
        taken, first = np.unique(slot[free], return_index=True)
        winners = pending[free][first]
        keys[taken], positions[taken] = known[winners], winners
        left = np.ones(len(pending), dtype=bool)
        left[np.flatnonzero(free)[first]] = False
        pending, slot = pending[left], (slot[left] + 1) & mask
    table = (keys, positions, mask)
    try:
        ref = weakref.ref(known, lambda _, key=key: _TABLES.pop(key, None))
    except TypeError:  # not an ndarray that takes weak references: build it each time
        return table
    _TABLES[key] = (ref, table)
    return table


def sorted_lookup(known, queries):
    """Position of each query hash in the sorted array `known`, -1 where it is absent.

    Equal to a ``np.searchsorted`` match, and about three times faster than one: the hashes
    (uniform in their low bits) go into an open-addressing table built once per array
    (:func:`_lookup_table`), and all queries probe it together, one slot per pass; at a third
    full, most are decided by the first, instead of a binary search with a cache miss at each
    of its 17 steps.
    """
    queries = np.asarray(queries, dtype=np.uint64)
    pos = np.full(len(queries), -1, dtype=np.int64)
    if not len(known) or not len(queries):
        return pos
    keys, positions, mask = _lookup_table(known)
    slot = (queries & np.uint64(mask)).astype(np.int64)
    todo = None  # every query, in the first pass
    while True:
        at = positions[slot]
        hit = (keys[slot] == (queries if todo is None else queries[todo])) & (at >= 0)
        index = np.flatnonzero(hit) if todo is None else todo[hit]
        pos[index] = at[hit]
        go_on = (at >= 0) & ~hit
        if not go_on.any():
            return pos
        todo = np.flatnonzero(go_on) if todo is None else todo[go_on]
        slot = (slot[go_on] + 1) & mask
