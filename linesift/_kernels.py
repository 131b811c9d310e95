"""Speed kernels of the feature steps: numpy passes over a whole batch, each behind one function.

Every function here computes something with a plain definition, given first in its docstring,
in a faster way; ``tests/test_kernels.py`` checks each one against that definition written in
plain Python. Nothing here knows about lines tables, models or scikit-learn: this module imports
only numpy and the standard library, and nothing from linesift.
"""

import os
import weakref

import numpy as np

try:  # built at install time where a C compiler is found (setup.py); optional
    from . import _ckernels as _COMPILED
except ImportError:
    _COMPILED = None


USE_COMPILED = os.environ.get("LINESIFT_COMPILED", "1") != "0"
"""False where ``LINESIFT_COMPILED=0`` was set when linesift was imported (tests switch it)."""


def compiled():
    """The compiled kernels (:mod:`linesift._ckernels`), or None where they were not built or
    are switched off (:data:`USE_COMPILED`): then the numpy kernels run, slower, to the same
    results. Read once at import: a page asks some thirty times, and the environment costs a
    microsecond a lookup."""
    return _COMPILED if USE_COMPILED else None


# --- code points ---------------------------------------------------------------------------


def code_points(text):
    """``[ord(c) for c in text]`` as a uint32 array (lone surrogates kept)."""
    return np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)


NOT_LOOKED_UP = -1
"""Entry of a code-point table not filled yet (see :func:`bmp_lookup`)."""


def bmp_lookup(table, cps, compute):
    """``[compute(cp) for cp in cps]``, for code points of the BMP, through `table`.

    `table` (one entry per BMP code point, NOT_LOOKED_UP where not known yet) is filled on
    first sight: ``compute`` runs once per code point a process meets, and every later lookup
    is one numpy indexing.
    """
    looked_up = table[cps]
    unknown = looked_up == NOT_LOOKED_UP
    if unknown.any():
        new = np.unique(cps[unknown])
        table[new] = [compute(cp) for cp in new.tolist()]
        looked_up = table[cps]
    return looked_up


_LOWER_TABLE_SIZE = 0x10000
_LOWER = None
_CONTEXT = -2
_CAPITAL_SIGMA = 0x03A3


def _lower_one(cp):
    """The lower-case code point of `cp`, or _CONTEXT where ``str.lower`` does not map it to
    one code point by itself ("İ" -> "i̇"; "Σ" -> "σ" or, ending a word, "ς")."""
    if cp == _CAPITAL_SIGMA:
        return _CONTEXT
    low = chr(cp).lower()
    return ord(low) if len(low) == 1 else _CONTEXT


def lower_code_points(cps):
    """``code_points(text.lower())`` for ``cps = code_points(text)``, or None.

    None when ``str.lower`` of the text cannot be had code point by code point: a code point
    past the BMP, or one whose lower case is longer or depends on its neighbours ("İ", "Σ").
    Otherwise a table of the BMP filled on first sight (:func:`bmp_lookup`) lower-cases the
    array without a string round trip.
    """
    global _LOWER
    if _LOWER is None:
        _LOWER = np.full(_LOWER_TABLE_SIZE, NOT_LOOKED_UP, dtype=np.int32)
    if not len(cps):
        return cps
    if cps.max() >= _LOWER_TABLE_SIZE:
        return None
    low = bmp_lookup(_LOWER, cps, _lower_one)
    if (low == _CONTEXT).any():
        return None
    return low.astype(np.uint32)


def ascii_lower(cps):
    """`cps` with the code points of "A".."Z" replaced by those of "a".."z" (a bit set)."""
    return cps | (((cps >= 65) & (cps <= 90)).astype(np.uint32) << np.uint32(5))


# --- polynomial span hashes ----------------------------------------------------------------

_Q = np.uint64(0x9E3779B97F4A7C15)  # odd, so invertible modulo 2**64
_Q_INV = np.uint64(pow(int(_Q), -1, 2**64))
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
    """Mix a polynomial hash with the span's length (splitmix64's finaliser), modulo 2**64."""
    with np.errstate(over="ignore"):
        h = raw ^ (lengths.astype(np.uint64) << np.uint64(56))
        h = (h ^ (h >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
        h = (h ^ (h >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
        return h ^ (h >> np.uint64(31))


def span_hashes(cps, starts, ends):
    """The 64-bit hash of each span ``cps[start:end]``.

    Definition: ``finish(sum(cps[start + k] * Q**k for k in range(end - start)) mod 2**64,
    end - start)``, with Q = 0x9E3779B97F4A7C15 and ``finish`` splitmix64's finaliser applied
    after xor-ing the length into the top byte. A span's hash depends only on its code points.

    All spans at once, from one prefix sum of ``cps[i] * Q**i``: the difference of two prefix
    sums is the span's polynomial shifted by Q**start, and multiplying by the inverse of Q
    (Q is odd) shifts it back.
    """
    n = len(cps)
    with np.errstate(over="ignore"):
        prefix = np.zeros(n + 1, dtype=np.uint64)
        np.cumsum(cps.astype(np.uint64) * _powers(_Q, n), dtype=np.uint64, out=prefix[1:])
        raw = (prefix[ends] - prefix[starts]) * _powers(_Q_INV, n + 1)[starts]
    return _finish(raw, ends - starts)


WHITESPACE = "\t\n\x0b\x0c\r\x1c\x1d\x1e\x1f \x85\xa0\u1680" + \
    "".join(map(chr, range(0x2000, 0x200b))) + "\u2028\u2029\u202f\u205f\u3000"
"""Every character ``str.isspace`` holds true (tests/test_kernels.py checks the whole of
Unicode)."""
_WHITESPACE_TABLE = np.zeros(0x3001, dtype=bool)
_WHITESPACE_TABLE[[ord(c) for c in WHITESPACE]] = True


def collapse_whitespace(cps):
    """``code_points("\\0".join(" ".join(part.split()) for part in text.split("\\0")))`` for
    ``cps = code_points(text)``: in every NUL-separated part, whitespace runs become one space
    and none is left at either end.

    A whitespace character is kept (as a space) where it starts a run that has a character
    other than whitespace or NUL before it and after it; every other whitespace character
    goes."""
    ws = (cps < len(_WHITESPACE_TABLE)) & _WHITESPACE_TABLE[np.minimum(cps, len(_WHITESPACE_TABLE) - 1)]
    if not ws.any():
        return cps
    first = ws.copy()
    first[1:] &= ~ws[:-1] & (cps[:-1] != 0)
    first[0] = False
    starts = np.flatnonzero(first)
    solid = np.flatnonzero(~ws)
    after = np.searchsorted(solid, starts)
    ok = after < len(solid)
    ok[ok] = cps[solid[after[ok]]] != 0
    keep = ~ws
    keep[starts[ok]] = True
    return np.where(ws, np.uint32(32), cps)[keep]


# --- looking hashes up -----------------------------------------------------------------------

SEARCH_SHARE = 16
"""An array is binary-searched until it has been asked 1/SEARCH_SHARE of its length in
queries, then given a table (one page's tokens against the stoplists are searched; a batch, or
the tenth page the Python API cleans, builds the table)."""
LOOKUP_LOAD = 3
"""A lookup table has at least this many slots per known hash (a third of them filled)."""
_TABLES = {}


def _lookup_table(known):
    """Open-addressing hash table of the sorted array `known`: ``(slots, mask)``, slots a
    (size, 2) uint64 array of (key, position) pairs, slot ``h & mask`` first, then the next
    ones (linear probing); position 2**64 - 1 (-1 as int64) marks an empty slot. A key and its
    position share a cache line: a table of a large array (the stoplists, 8 MB) is read at
    random, one miss per probe rather than two. Built once per array and kept, keyed by its
    ``id()``, while the array lives (a weak reference drops it with the array): stoplists and
    a model's vocabulary are looked up in every batch."""
    key = id(known)
    entry = _TABLES.get(key)
    if entry is not None and entry[0]() is known:
        return entry[1]
    size = 1 << max(8, (LOOKUP_LOAD * len(known)).bit_length())
    mask = size - 1
    slots = np.zeros((size, 2), dtype=np.uint64)
    slots[:, 1] = np.uint64(2**64 - 1)
    keys, positions = slots[:, 0], slots[:, 1].view(np.int64)
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
    table = (slots, mask)
    try:
        ref = weakref.ref(known, lambda _, key=key: _TABLES.pop(key, None))
    except TypeError:  # not an ndarray that takes weak references: build it each time
        return table
    _TABLES[key] = (ref, table)
    return table


_SEARCHED = {}


def _searched(known, n_queries):
    """Whether `n_queries` more queries on `known` are binary-searched: until the queries made
    so far (these included) reach 1/SEARCH_SHARE of its length, after which its table is built
    and kept."""
    key = id(known)
    entry = _SEARCHED.get(key)
    if entry is None or entry[0]() is not known:
        try:
            entry = [weakref.ref(known, lambda _, key=key: _SEARCHED.pop(key, None)), 0]
        except TypeError:
            return False
        _SEARCHED[key] = entry
    entry[1] += n_queries
    return entry[1] * SEARCH_SHARE < len(known)


def sorted_lookup(known, queries):
    """Position of each query hash in the sorted array `known`, -1 where it is absent.

    Definition: ``known.index(q) if q in known else -1`` for each query (a ``np.searchsorted``
    match). The hashes, uniform in their low bits, go into an open-addressing table built once
    per array (:func:`_lookup_table`) and all queries probe it together, one slot per pass: at
    a third full, most are decided by the first probe, where a binary search takes a cache miss
    at each of its steps.
    """
    queries = np.asarray(queries, dtype=np.uint64)
    pos = np.full(len(queries), -1, dtype=np.int64)
    if not len(known) or not len(queries):
        return pos
    if id(known) not in _TABLES and _searched(known, len(queries)):
        # a few queries (one page) on an array not looked up much yet: a binary search each is
        # cheaper than building the table
        at = np.minimum(np.searchsorted(known, queries), len(known) - 1)
        found = known[at] == queries
        pos[found] = at[found]
        return pos
    slots, mask = _lookup_table(known)
    kernels = compiled()
    if kernels is not None:
        return kernels.probe(slots, mask, np.ascontiguousarray(queries))
    keys, positions = slots[:, 0], slots[:, 1].view(np.int64)
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


# --- rows of pages ---------------------------------------------------------------------------


def run_bounds(codes):
    """Start and end row of each run of equal codes (:func:`linesift.frame.page_bounds`)."""
    codes = np.asarray(codes)
    n = len(codes)
    if n == 0:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    kernels = compiled()
    if kernels is not None and codes.dtype == np.int64 and codes.ndim == 1:
        return kernels.run_bounds(codes)  # called a dozen times per batch: one C call each
    change = np.flatnonzero(codes[1:] != codes[:-1]) + 1
    return np.concatenate([[0], change]), np.concatenate([change, [n]])


def sums_before_in_pages(values, starts, ends):
    """Sum of `values` over the rows before each row in its page (pages from :func:`run_bounds`:
    ``starts``, ``ends``); 0 on a page's first row."""
    before = np.cumsum(values) - values
    if len(before) == 0:
        return before
    return before - np.repeat(before[starts], ends - starts)


def shift_within_pages(values, pages, offset):
    """Values of the row `offset` rows away in the same page (0 where there is none).

    Definition: ``shifted[i] = values[i + offset]`` where row ``i + offset`` exists and
    ``pages[i + offset] == pages[i]``, else 0; ``exists[i]`` is 1.0 there, else 0.0.
    Returns ``(shifted, exists)``. Rows are copied as one slice, then the rows whose neighbour
    lies in another page or past the batch are zeroed.
    """
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


def shifts_within_pages(values, pages, offsets):
    """:func:`shift_within_pages` of the (rows, columns) array `values` for each of `offsets`:
    ``(shifted, exists)``, shifted a (offsets, rows, columns) array and exists (offsets, rows)."""
    values = np.asarray(values, dtype=np.float64)
    kernels = compiled()
    if kernels is not None:  # every offset in one pass over the rows
        return kernels.shifts_within_pages(np.ascontiguousarray(values),
                                           np.ascontiguousarray(pages, dtype=np.int64),
                                           np.asarray(offsets, dtype=np.int64))
    pairs = [shift_within_pages(values, pages, off) for off in offsets]
    shape = (len(offsets),) + values.shape
    return (np.array([p[0] for p in pairs]).reshape(shape),
            np.array([p[1] for p in pairs]).reshape(shape[:2]))


WINDOW_QUANTUM = 2.0 ** -20
"""Values are rounded to multiples of this before window sums, which makes every running sum
exact in float64 (for sums below 2**32), so a page's window means do not depend on the pages
batched with it (trees would split on that rounding)."""


def window_mean(values, pages, half_width):
    """Mean of `values` over rows within `half_width` of each row, in the same page."""
    return window_means(values, pages, [half_width])[0]


def window_means(values, pages, half_widths):
    """For each of `half_widths` w: the mean of the rows within w of each row, in its page.

    Definition: with ``q = round(values / WINDOW_QUANTUM) * WINDOW_QUANTUM``, row i's mean is
    ``sum(q[lo:hi]) / (hi - lo)`` for ``lo, hi`` = ``i - w``, ``i + w + 1`` clipped to the
    rows of i's page (`values` a (rows, columns) array, rows grouped by `pages`). Every width comes from one running sum, exact
    thanks to the rounding.
    """
    n = len(values)
    if n == 0:
        return [np.asarray(values, dtype=np.float64).copy() for _ in half_widths]
    starts, ends = run_bounds(pages)
    kernels = compiled()
    if kernels is not None:
        values = np.asarray(values, dtype=np.float64)
        flat = np.ascontiguousarray(values.reshape(n, -1))
        means = kernels.window_means(flat, starts, ends,
                                     np.asarray(half_widths, dtype=np.int64), WINDOW_QUANTUM)
        return [mean.reshape(values.shape) for mean in means]
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


def equal_codes(values):
    """One code per distinct value, any code below ``len(values)``: equal values share their
    code and only they do. Each value's code is the position of its last occurrence, found by
    one dict built in C and one lookup per value."""
    last = dict(zip(values, range(len(values))))
    return np.fromiter(map(last.__getitem__, values), dtype=np.int64, count=len(values))


# --- tokens of lines -------------------------------------------------------------------------


def distinct_per_line(hashes, counts):
    """Distinct token hashes of each line (``len(set(line's hashes))``).

    Lines are consecutive runs of `hashes`, ``counts[i]`` long. One sort of (line, hash) keys
    packed into 64 bits: the line in the top 24 bits, the hash's top 40 below it (two tokens of
    one line would have to share those 40 bits to be counted once). With 2**24 lines or more,
    an exact sort on both keys.
    """
    kernels = compiled()
    if kernels is not None:  # each line's keys sorted alone, counted in the same pass
        return kernels.distinct_per_line(np.ascontiguousarray(hashes, dtype=np.uint64),
                                         np.ascontiguousarray(counts, dtype=np.int64))
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


NGRAM_MIX = np.uint64(0x9E3779B97F4A7C15)
"""Multiplier mixing each further token's hash into an n-gram's (odd: no bits are lost)."""


def ngram_hashes(hashes, counts, low, high):
    """The 32-bit hash of every n-gram (``low <= n <= high``) of tokens within each line.

    Definition: for each n, for each line, for each run ``t[i:i + n]`` of n consecutive token
    hashes of that line: ``h = t[i]``, then ``h = (h * NGRAM_MIX + t[i + k] + k + 1) mod 2**32``
    for k = 1 .. n-1; in that order (n, then line, then i). Lines are consecutive runs of
    `hashes` (32-bit values), ``counts[i]`` long. Returns ``(rows, ngram hashes)``, rows being
    each n-gram's line. Each n's hashes come from the previous n's in one numpy pass over the
    whole batch; runs crossing a line's end are dropped.
    """
    n = len(counts)
    row = np.repeat(np.arange(n), counts)
    left = np.repeat(np.cumsum(counts), counts) - np.arange(len(hashes))  # tokens to line end
    rows, out = [], []
    h = hashes.copy()
    for size in range(1, high + 1):
        if size > 1:
            h = (h[:-1] * NGRAM_MIX + hashes[size - 1:] + np.uint64(size)) & np.uint64(0xFFFFFFFF)
        if size >= low:
            ok = left[:len(h)] >= size
            rows.append(row[:len(h)][ok])
            out.append(h[ok])
    if not rows:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.uint64)
    return np.concatenate(rows), np.concatenate(out)


def groups_per_key(keys, groups):
    """The distinct keys, sorted, and in how many distinct groups each occurs.

    Definition: for each key k of ``sorted(set(keys))``, ``len({g for key, g in zip(keys,
    groups) if key == k})``. `keys` and `groups` are below 2**32 (uint64 keys, integer group
    codes), so each (key, group) pair packs into one 64-bit integer and two sorts count them.
    """
    pairs = np.unique((keys << np.uint64(32)) | groups.astype(np.uint64))
    return np.unique(pairs >> np.uint64(32), return_counts=True)


NO_KEY = np.uint64(0)
"""The key of a line without tokens in :func:`token_run_hashes` (no key: never counted)."""


def token_run_hashes(hashes, counts, *, first=None, last=None):
    """The 64-bit hash of a run of each line's tokens: its first `first`, its last `last`, or
    all of them.

    Definition: for a line's selected token hashes ``s`` (``t[:first]``, ``t[-last:]``, or
    ``t``), ``finish(sum(s[k] * Q**k for k in range(len(s))) mod 2**64, len(s))`` with the Q and
    finisher of :func:`span_hashes`; :data:`NO_KEY` for a line without tokens, and 1 where the
    hash would be NO_KEY. Lines are consecutive runs of `hashes`, ``counts[i]`` long.
    """
    hashes = np.asarray(hashes, dtype=np.uint64)
    counts = np.asarray(counts, dtype=np.int64)
    n = len(counts)
    if n == 0:
        return np.zeros(0, dtype=np.uint64)
    line_start = np.cumsum(counts) - counts
    position = np.arange(len(hashes)) - np.repeat(line_start, counts)
    if first is not None:
        taken = np.minimum(counts, first)
        keep, rank = position < first, position
    elif last is not None:
        taken = np.minimum(counts, last)
        skipped = np.repeat(counts - taken, counts)
        keep, rank = position >= skipped, position - skipped
    else:
        taken, keep, rank = counts, np.ones(len(hashes), dtype=bool), position
    with np.errstate(over="ignore"):
        terms = np.where(keep, hashes * _powers(_Q, max(int(counts.max()), 1))[
            np.clip(rank, 0, None)], np.uint64(0))
        total = np.zeros(len(hashes) + 1, dtype=np.uint64)
        np.cumsum(terms, dtype=np.uint64, out=total[1:])
        ends = line_start + counts
        raw = total[ends] - total[line_start]
    out = _finish(raw, taken)
    out[out == NO_KEY] = np.uint64(1)
    out[taken == 0] = NO_KEY
    return out


# --- literal marks in text -------------------------------------------------------------------

MARK_ANCHORS = ".:©("
"""Characters a literal mark is looked for at, the first of them it holds (rare in text)."""


def mark_starts(cps, mark, anchors):
    """Start of every occurrence of the string `mark` in the code points `cps`.

    Definition: ``[i for i in range(len(cps)) if cps[i:i + len(mark)] == code_points(mark)]``.
    Found at each occurrence of the mark's first character of MARK_ANCHORS (else its first
    character), then checked character by character around it; `anchors` (a dict) caches each
    anchor character's positions between marks looked for in the same `cps`.
    """
    k = next((i for i, c in enumerate(mark) if c in MARK_ANCHORS), 0)
    if mark[k] not in anchors:
        anchors[mark[k]] = np.flatnonzero(cps == ord(mark[k]))
    begin = anchors[mark[k]] - k
    begin = begin[(begin >= 0) & (begin + len(mark) <= len(cps))]
    for i, char in enumerate(mark):
        if i != k:
            begin = begin[cps[begin + i] == ord(char)]
    return begin


def year_starts(cps):
    """Start of every 19xx or 20xx standing as a four-digit number in the code points `cps`.

    Definition: the starts of the matches of ``(?<![0-9])(?:19|20)[0-9]{2}(?![0-9])`` (ASCII
    digits).
    """
    digit = np.zeros(len(cps) + 2, dtype=bool)
    digit[1:-1] = (cps >= ord("0")) & (cps <= ord("9"))
    i = np.flatnonzero(digit[1:-4] & digit[2:-3] & digit[3:-2] & digit[4:-1]
                       & ~digit[:-5] & ~digit[5:])
    first, second = cps[i], cps[i + 1]
    century = ((first == ord("1")) & (second == ord("9"))) | (
        (first == ord("2")) & (second == ord("0")))
    return i[century]


def lines_with(positions, starts, n):
    """1.0 for each of `n` lines holding one of `positions`, else 0.0.

    Definition: line j spans ``starts[j]`` up to ``starts[j + 1]`` (sorted starts, the first
    0); ``out[j] = any(starts[j] <= p < starts[j + 1] for p in positions)``.
    """
    out = np.zeros(n)
    if len(positions):
        out[np.searchsorted(starts, positions, side="right") - 1] = 1.0
    return out


# --- linear scores -------------------------------------------------------------------------


def standardised_dot(x, positions, weights, mean, scale, intercept=0.0):
    """A linear model over standardised columns of `x`, folded into one dot product.

    Definition: ``intercept + ((x[:, positions] - mean) / scale) @ weights``; with
    ``mean``/``scale`` those of a fitted StandardScaler, it is that scaler followed by a linear
    model's decision function (`intercept`, a number or one per row, may also hold the score of
    the model's other features). Computed as ``x @ s - mean @ (weights / scale)``, with ``s``
    the weights divided by the scales at `positions` and 0 elsewhere: no standardised copy of
    `x` is made.
    """
    scaled = np.zeros(x.shape[1])
    scaled[positions] = weights / scale
    return intercept + (x @ scaled - float(mean @ (weights / scale)))
