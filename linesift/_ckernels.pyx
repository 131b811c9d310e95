# cython: language_level=3, boundscheck=False, wraparound=False, cdivision=True
"""Compiled kernels: loops that numpy can only run as many small passes.

Each function here computes exactly what a pure-numpy or plain-Python function of
:mod:`linesift._kernels` or :mod:`linesift.columns` computes (named in its docstring);
``tests/test_ckernels.py`` checks them against each other. The package works without this
module (a machine without a C compiler at install time): :mod:`linesift._kernels` falls back
to numpy.
"""

from cpython.unicode cimport (PyUnicode_GET_LENGTH, PyUnicode_READ_CHAR, Py_UNICODE_ISALNUM,
                              Py_UNICODE_ISALPHA, Py_UNICODE_ISDIGIT, Py_UNICODE_ISSPACE,
                              Py_UNICODE_ISUPPER)
from libc.stdint cimport int64_t, uint8_t, uint64_t

import numpy as np

ctypedef Py_UCS4 ucs4

cdef enum:
    BLOCK_ROWS = 256  # rows whose walks through one tree go on together
    SORT_BY_INSERTION = 32  # keys of a run sorted by insertion up to this many


def tree_sums(const double[::1, :] Z, const int64_t[::1] feature, const double[::1] threshold,
              const int64_t[::1] left, const uint8_t[::1] nan_left, const double[::1] value,
              const int64_t[::1] roots, double baseline):
    """`baseline` plus each tree's leaf value for each row of `Z` (Fortran order), trees added
    in order: what :meth:`linesift.scorer.CompactModel._trees` computes with numpy.

    A tree of depth d is walked d steps from its root by every row of a block of rows at once:
    a step is ``node = left[node] + (x > threshold[node])`` (or the side missing values go, for
    NaN), and a leaf is its own left child with an infinite threshold, so a walk that reached
    one stays there. The block's walks are independent, so the processor overlaps them."""
    if feature.shape[0] and np.max(feature) >= Z.shape[1]:
        raise ValueError("a tree reads a column the rows do not have")
    cdef Py_ssize_t n = Z.shape[0], n_trees = roots.shape[0], i, t, lo, hi
    cdef int64_t node, root
    cdef double x
    cdef int64_t[BLOCK_ROWS] nodes
    cdef Py_ssize_t[BLOCK_ROWS] going
    cdef Py_ssize_t m, j, k
    out = np.full(n, baseline)
    cdef double[::1] raw = out
    with nogil:
        lo = 0
        while lo < n:
            hi = min(lo + BLOCK_ROWS, n)
            for t in range(n_trees):
                root = roots[t]
                for i in range(hi - lo):
                    nodes[i] = root
                    going[i] = i
                m = hi - lo if left[root] != root else 0
                while m:  # one level of the walks still going; those that reach a leaf stop
                    k = 0
                    for j in range(m):
                        i = going[j]
                        node = nodes[i]
                        x = Z[lo + i, feature[node]]
                        node = left[node] + ((x > threshold[node])
                                             | ((x != x) & (nan_left[node] == 0)))
                        nodes[i] = node
                        going[k] = i
                        k += left[node] != node
                    m = k
                for i in range(hi - lo):
                    raw[lo + i] += value[nodes[i]]
            lo = hi
    return out


cdef inline bint _is_sentence_end(ucs4 c) noexcept:
    return c == u'.' or c == u'!' or c == u'?' or c == 0x3002 or c == 0xFF01 or c == 0xFF1F


cdef inline int64_t _bucket(Py_ssize_t length) noexcept:
    cdef int64_t bits = 0
    while length > 0 and bits < 12:
        bits += 1
        length >>= 1
    return bits


def shape_keys(list texts):
    """``linesift.columns.runs._shape_key`` of each line, packed into an int64."""
    cdef Py_ssize_t n = len(texts), i, k, length, end, head
    cdef ucs4 first, last, c
    cdef int64_t key
    cdef bint colon, last_alnum, last_end
    out = np.empty(n, dtype=np.int64)
    cdef int64_t[::1] keys = out
    cdef str text
    for i in range(n):
        text = texts[i]
        length = PyUnicode_GET_LENGTH(text)
        key = _bucket(length)
        if length:
            first = PyUnicode_READ_CHAR(text, 0)
            key |= (Py_UNICODE_ISDIGIT(first) << 4) \
                | ((Py_UNICODE_ISALPHA(first) and Py_UNICODE_ISUPPER(first)) << 5) \
                | (Py_UNICODE_ISALNUM(first) << 6)
        colon = False
        head = min(length, 40)
        for k in range(head):
            if PyUnicode_READ_CHAR(text, k) == u':':
                colon = True
                break
        end = length
        while end > 0 and Py_UNICODE_ISSPACE(PyUnicode_READ_CHAR(text, end - 1)):
            end -= 1
        if end:
            last = PyUnicode_READ_CHAR(text, end - 1)
            last_alnum, last_end = Py_UNICODE_ISALNUM(last), _is_sentence_end(last)
        else:  # "" is in every string: an empty line "ends a sentence"
            last_alnum, last_end = False, True
        keys[i] = key | (colon << 7) | (last_alnum << 8) | (last_end << 9)
    return out


def opening_keys(list texts, int chars):
    """``linesift.columns.runs._opening_key`` of each line as `chars` code points (letters as
    ``a``, digits as ``0``; past the line's end 0x110000, which no character has)."""
    cdef Py_ssize_t n = len(texts), i, k, start, length
    cdef ucs4 c
    out = np.full((n, chars), 0x110000, dtype=np.uint32)
    cdef unsigned int[:, ::1] keys = out
    cdef str text
    for i in range(n):
        text = texts[i]
        length = PyUnicode_GET_LENGTH(text)
        start = 0
        while start < length and Py_UNICODE_ISSPACE(PyUnicode_READ_CHAR(text, start)):
            start += 1
        for k in range(min(chars, length - start)):
            c = PyUnicode_READ_CHAR(text, start + k)
            keys[i, k] = u'0' if Py_UNICODE_ISDIGIT(c) else u'a' if Py_UNICODE_ISALPHA(c) else c
    return out


cdef uint64_t _Q = 0x9E3779B97F4A7C15ULL


cdef inline uint64_t _finish(uint64_t h, uint64_t length) noexcept nogil:
    h ^= length << 56
    h = (h ^ (h >> 30)) * 0xBF58476D1CE4E5B9ULL
    h = (h ^ (h >> 27)) * 0x94D049BB133111EBULL
    return h ^ (h >> 31)


def collapsed_part_hashes(str joined):
    """``span_hashes`` of each NUL-separated part of ``collapse_whitespace(code_points(joined))``
    (:mod:`linesift._kernels`): each part with its whitespace runs made one space and none at
    either end, hashed, in one pass with no string built."""
    cdef Py_ssize_t n = PyUnicode_GET_LENGTH(joined), k, part = 0, length = 0
    cdef ucs4 c
    cdef uint64_t raw = 0, power = 1
    cdef bint pending = False
    out = np.empty(joined.count("\0") + 1, dtype=np.uint64)
    cdef uint64_t[::1] hashes = out
    for k in range(n + 1):
        c = PyUnicode_READ_CHAR(joined, k) if k < n else 0
        if c == 0:
            hashes[part] = _finish(raw, length)
            part += 1
            raw, power, length, pending = 0, 1, 0, False
        elif Py_UNICODE_ISSPACE(c):
            pending = length > 0
        else:
            if pending:
                raw += 32 * power
                power *= _Q
                length += 1
                pending = False
            raw += (<uint64_t>c) * power
            power *= _Q
            length += 1
    return out


def probe(const uint64_t[:, ::1] slots, uint64_t mask, const uint64_t[::1] queries):
    """Each query's position in the open-addressing table ``(slots, mask)`` of
    ``linesift._kernels._lookup_table`` (-1 where absent): slot ``q & mask`` first, then the
    next ones, until the query's key or an empty slot."""
    cdef Py_ssize_t n = queries.shape[0], i
    cdef uint64_t slot, q
    cdef uint64_t EMPTY = 0xFFFFFFFFFFFFFFFFULL
    if slots.shape[1] != 2 or <uint64_t>slots.shape[0] != mask + 1 or mask & (mask + 1):
        raise ValueError("slots must be (mask + 1, 2), mask + 1 a power of two")
    out = np.empty(n, dtype=np.int64)
    cdef int64_t[::1] pos = out
    with nogil:
        for i in range(n):
            q = queries[i]
            slot = q & mask
            while slots[slot, 1] != EMPTY and slots[slot, 0] != q:
                slot = (slot + 1) & mask
            pos[i] = <int64_t>slots[slot, 1]
    return out


def line_class_counts(const unsigned int[::1] cps, const signed char[::1] classes,
                      const int64_t[::1] lengths, const unsigned int[::1] separators,
                      int n_classes, int space, int cjk, int upper):
    """``linesift.columns.charclass.char_class_counts`` from the batch's code points `cps`,
    their `classes` and each line's length: ``(counts, words, capitalised, separators,
    first)``, counted in one pass."""
    cdef Py_ssize_t n = lengths.shape[0], i, k, at = 0, s, n_sep = separators.shape[0]
    cdef signed char c
    cdef bint prev_space
    counts_out = np.zeros((n, n_classes))
    words_out, capital_out, sep_out = np.zeros(n), np.zeros(n), np.zeros(n)
    first_out = np.full(n, -1, dtype=np.int8)
    cdef double[:, ::1] counts = counts_out
    cdef double[::1] words = words_out, capital = capital_out, seps = sep_out
    cdef signed char[::1] first = first_out
    with nogil:
        for i in range(n):
            if lengths[i]:
                first[i] = classes[at]
            prev_space = True
            for k in range(at, at + lengths[i]):
                c = classes[k]
                counts[i, c] += 1
                if (c != space and prev_space) or c == cjk:
                    words[i] += 1
                    if c == upper:
                        capital[i] += 1
                prev_space = c == space
                for s in range(n_sep):
                    if cps[k] == separators[s]:
                        seps[i] += 1
                        break
            at += lengths[i]
    return counts_out, words_out, capital_out, sep_out, first_out


cdef inline bint _among(ucs4 c, const unsigned int[::1] chars) noexcept:
    cdef Py_ssize_t s
    for s in range(chars.shape[0]):
        if c == chars[s]:
            return True
    return False


def line_ends(list texts, int window, const unsigned int[::1] closers,
              const unsigned int[::1] terminals, const unsigned int[::1] colons,
              const unsigned int[::1] separators):
    """``linesift.columns.shape._line_ends``: of each line's last `window` characters with
    trailing whitespace stripped, whether the last character before closing quotes or brackets
    is a terminal, a colon or alphanumeric, and whether the very last is a separator."""
    cdef Py_ssize_t n = len(texts), i, length, lo, end, end_open
    cdef ucs4 last
    out = np.zeros((n, 4))
    cdef double[:, ::1] ends = out
    cdef str text
    for i in range(n):
        text = texts[i]
        length = PyUnicode_GET_LENGTH(text)
        lo = max(length - window, 0)
        end = length
        while end > lo and Py_UNICODE_ISSPACE(PyUnicode_READ_CHAR(text, end - 1)):
            end -= 1
        if end == lo:
            continue  # nothing left: " " stands in, which is none of these
        if _among(PyUnicode_READ_CHAR(text, end - 1), separators):
            ends[i, 2] = 1
        end_open = end
        while end_open > lo and _among(PyUnicode_READ_CHAR(text, end_open - 1), closers):
            end_open -= 1
        if end_open == lo:
            continue
        last = PyUnicode_READ_CHAR(text, end_open - 1)
        ends[i, 0] = _among(last, terminals)
        ends[i, 1] = _among(last, colons)
        ends[i, 3] = Py_UNICODE_ISALNUM(last)
    return out


def token_hashes(const unsigned int[::1] cps, const uint8_t[::1] cjk, Py_ssize_t n_lines):
    """``linesift.columns.tokens.batch_token_hashes`` from the batch's lower-cased code points
    (newline between lines, space for every character that is no letter) and which are CJK:
    ``(hashes, counts)``. A token is a run of letters, or one CJK character; each is hashed as
    ``span_hashes`` hashes it."""
    cdef Py_ssize_t n = cps.shape[0], i, line = 0, n_tokens = 0, length = 0
    cdef unsigned int c
    cdef uint64_t raw = 0, power = 1
    hashes_out = np.empty(n, dtype=np.uint64)
    counts_out = np.zeros(n_lines, dtype=np.int64)
    cdef uint64_t[::1] hashes = hashes_out
    cdef int64_t[::1] counts = counts_out
    with nogil:
        for i in range(n + 1):
            c = cps[i] if i < n else 10
            if length and (c == 10 or c == 32 or cjk[i]):  # the open token ends before c
                hashes[n_tokens] = _finish(raw, length)
                n_tokens += 1
                counts[line] += 1
                raw, power, length = 0, 1, 0
            if c == 10:
                line += 1
            elif c != 32:
                raw += (<uint64_t>c) * power
                power *= _Q
                length += 1
                if cjk[i]:  # a CJK character is a token by itself
                    hashes[n_tokens] = _finish(raw, length)
                    n_tokens += 1
                    counts[line] += 1
                    raw, power, length = 0, 1, 0
    return hashes_out[:n_tokens].copy(), counts_out


cdef extern from "stdlib.h" nogil:
    void qsort(void *base, size_t n, size_t size, int (*compar)(const void *, const void *))


cdef Py_ssize_t _longest_run(const int64_t[::1] counts, Py_ssize_t total, str what) except -1:
    """The largest of `counts`, after checking they are runs that cover `total` items exactly
    (ValueError otherwise: the loops that read them would run past their arrays)."""
    cdef Py_ssize_t i, longest = 0
    cdef int64_t covered = 0
    for i in range(counts.shape[0]):
        if counts[i] < 0:
            raise ValueError(f"{what}: a negative count")
        covered += counts[i]
        longest = max(longest, counts[i])
    if covered != total:
        raise ValueError(f"{what}: the counts do not add up")
    return longest


cdef int _within(const int64_t[::1] values, int64_t low, int64_t high, str what) except -1:
    """ValueError unless every value is in [low, high)."""
    cdef Py_ssize_t i
    for i in range(values.shape[0]):
        if not low <= values[i] < high:
            raise ValueError(f"{what}: {values[i]} is outside [{low}, {high})")
    return 0


cdef int _compare_keys(const void *a, const void *b) noexcept nogil:
    cdef uint64_t x = (<const uint64_t *>a)[0], y = (<const uint64_t *>b)[0]
    return (x > y) - (x < y)


cdef int _compare_signed(const void *a, const void *b) noexcept nogil:
    cdef int64_t x = (<const int64_t *>a)[0], y = (<const int64_t *>b)[0]
    return (x > y) - (x < y)


ctypedef fused sort_key:
    uint64_t
    int64_t


cdef void _sort_keys(sort_key *keys, Py_ssize_t n) noexcept nogil:
    """Sort `n` keys in place: insertion sort for a line's few dozen (most lines), qsort past
    SORT_BY_INSERTION."""
    cdef Py_ssize_t k, j
    cdef sort_key key
    if n > SORT_BY_INSERTION:
        if sort_key is uint64_t:
            qsort(keys, n, sizeof(uint64_t), _compare_keys)
        else:
            qsort(keys, n, sizeof(int64_t), _compare_signed)
        return
    for k in range(1, n):
        key = keys[k]
        j = k - 1
        while j >= 0 and keys[j] > key:
            keys[j + 1] = keys[j]
            j -= 1
        keys[j + 1] = key


cdef void _sorted_copy(const sort_key *run, sort_key *keys, Py_ssize_t n, int shift) noexcept nogil:
    """One line's `n` keys copied from `run` into `keys`, shifted right by `shift` bits, and
    sorted there."""
    cdef Py_ssize_t k
    for k in range(n):
        keys[k] = run[k] >> shift
    _sort_keys(keys, n)


def distinct_per_line(const uint64_t[::1] hashes, const int64_t[::1] counts):
    """``linesift._kernels.distinct_per_line``: the distinct tokens of each line, two tokens
    the same when their hashes share the top 40 bits (all 64 from 2**24 lines on), as there."""
    cdef Py_ssize_t n = counts.shape[0], i, k, at = 0, size
    cdef int shift = 0 if n >= 1 << 24 else 24
    cdef Py_ssize_t longest = _longest_run(counts, hashes.shape[0], "token hashes")
    out = np.zeros(n, dtype=np.int64)
    cdef int64_t[::1] distinct = out
    buffer_out = np.empty(max(longest, 1), dtype=np.uint64)
    cdef uint64_t[::1] buffer = buffer_out
    with nogil:
        for i in range(n):
            size = counts[i]
            _sorted_copy(&hashes[at], &buffer[0], size, shift)
            at += size
            for k in range(size):
                distinct[i] += k == 0 or buffer[k] != buffer[k - 1]
    return out


cdef extern from "math.h" nogil:
    double rint(double x)
    double sqrt(double x)


def window_means(const double[:, ::1] values, const int64_t[::1] starts,
                 const int64_t[::1] ends, const int64_t[::1] half_widths, double quantum):
    """``linesift._kernels.window_means`` of a (rows, columns) array, pages given by their
    first and end rows: one (widths, rows, columns) array. The values are rounded to
    multiples of `quantum` and summed down each column in order, as ``np.cumsum`` does, so
    every mean is the numpy kernel's to the last bit."""
    cdef Py_ssize_t n = values.shape[0], m = values.shape[1], i, j, p, w, lo, hi
    cdef Py_ssize_t n_pages = starts.shape[0], n_widths = half_widths.shape[0]
    cdef double width
    csum_out = np.zeros((n + 1, m))
    out = np.empty((n_widths, n, m))
    cdef double[:, ::1] csum = csum_out
    cdef double[:, :, ::1] means = out
    with nogil:
        for i in range(n):
            for j in range(m):
                csum[i + 1, j] = csum[i, j] + rint(values[i, j] / quantum) * quantum
        for w in range(n_widths):
            for p in range(n_pages):
                for i in range(starts[p], ends[p]):
                    lo = max(i - half_widths[w], starts[p])
                    hi = min(i + half_widths[w] + 1, ends[p])
                    width = <double>(hi - lo)
                    for j in range(m):
                        means[w, i, j] = (csum[hi, j] - csum[lo, j]) / width
    return out


def stopword_hits(const int64_t[::1] rows, const int64_t[::1] counts,
                  const int64_t[::1] page_starts, const int64_t[::1] indptr,
                  const int64_t[::1] members, int64_t n_lists, int64_t sample):
    """``linesift.columns.stopwords.stopword_hits`` from each token's row in the stoplists
    (0: in none): per page, the list holding most of its first `sample` tokens (the first
    such list on a tie; none when no token is listed), then each line's tokens in it."""
    cdef Py_ssize_t n_lines = counts.shape[0], n_pages = page_starts.shape[0]
    cdef Py_ssize_t p, line, end_line, t, first_token, end_token, k, token = 0
    cdef int64_t r, best, best_count, key
    _longest_run(counts, rows.shape[0], "token rows")
    _within(rows, 0, indptr.shape[0] - 1, "a token row of the stoplists")
    votes_out = np.zeros(n_lists, dtype=np.int64)
    hits_out = np.zeros(n_lines)
    cdef int64_t[::1] votes = votes_out
    cdef double[::1] hits = hits_out
    with nogil:
        for p in range(n_pages):
            end_line = page_starts[p + 1] if p + 1 < n_pages else n_lines
            first_token = token
            end_token = token
            for line in range(page_starts[p], end_line):
                end_token += counts[line]
            for k in range(n_lists):
                votes[k] = 0
            for t in range(first_token, min(end_token, first_token + sample)):
                r = rows[t]
                for k in range(indptr[r], indptr[r + 1]):
                    votes[members[k] % n_lists] += 1
            best, best_count = -1, 0
            for k in range(n_lists):
                if votes[k] > best_count:
                    best, best_count = k, votes[k]
            for line in range(page_starts[p], end_line):
                for t in range(token, token + counts[line]):
                    r = rows[t]
                    if best >= 0 and r > 0:
                        key = r * n_lists + best
                        for k in range(indptr[r], indptr[r + 1]):
                            if members[k] == key:
                                hits[line] += 1
                                break
                token += counts[line]
    return hits_out


def pattern_marks(list texts, Py_ssize_t max_chars, const unsigned int[:, ::1] marks,
                  const int64_t[::1] mark_lengths, const int64_t[::1] mark_columns):
    """``linesift.columns.shape._pattern_marks``: for each line's first `max_chars`
    characters, ASCII-lower-cased, whether it holds one of `marks` (rows, zero-padded to their
    `mark_lengths`; each sets column ``mark_columns[m]``), a 19xx or 20xx standing alone
    (column 1), or an "@" with no space or control character either side (column 0)."""
    cdef Py_ssize_t n = len(texts), n_marks = marks.shape[0], i, j, k, m, length
    cdef unsigned int c, before, after
    cdef bint match
    cdef unsigned char[256] opens  # which characters a mark starts with (all below 256)
    for k in range(256):
        opens[k] = 0
    for m in range(n_marks):
        if marks[m, 0] >= 256 or mark_lengths[m] < 1 or mark_lengths[m] > marks.shape[1] \
                or not 0 <= mark_columns[m] <= 2:
            raise ValueError("a mark must start below U+0100, fit its row and set column 0-2")
        opens[marks[m, 0]] = 1
    out = np.zeros((n, 3))
    cdef double[:, ::1] found = out
    cdef str text
    for i in range(n):
        text = texts[i]
        length = min(PyUnicode_GET_LENGTH(text), max_chars)
        for j in range(length):
            c = _ascii_lower(PyUnicode_READ_CHAR(text, j))
            if c < 256 and opens[c]:
                for m in range(n_marks):
                    if marks[m, 0] != c or found[i, mark_columns[m]] or j + mark_lengths[m] > length:
                        continue
                    match = True
                    for k in range(1, mark_lengths[m]):
                        if _ascii_lower(PyUnicode_READ_CHAR(text, j + k)) != marks[m, k]:
                            match = False
                            break
                    if match:
                        found[i, mark_columns[m]] = 1
            elif c == 64 and 0 < j < length - 1 and not found[i, 0]:  # "@"
                if PyUnicode_READ_CHAR(text, j - 1) > 32 and PyUnicode_READ_CHAR(text, j + 1) > 32:
                    found[i, 0] = 1
            elif (c == 49 or c == 50) and j + 4 <= length and not found[i, 1]:  # "1", "2"
                after = PyUnicode_READ_CHAR(text, j + 1)
                if not ((c == 49 and after == 57) or (c == 50 and after == 48)):
                    continue
                if not (_ascii_digit(PyUnicode_READ_CHAR(text, j + 2))
                        and _ascii_digit(PyUnicode_READ_CHAR(text, j + 3))):
                    continue
                before = PyUnicode_READ_CHAR(text, j - 1) if j > 0 else 32
                after = PyUnicode_READ_CHAR(text, j + 4) if j + 4 < length else 32
                if not _ascii_digit(before) and not _ascii_digit(after):
                    found[i, 1] = 1
    return out


cdef inline unsigned int _ascii_lower(unsigned int c) noexcept:
    return c | 32 if 65 <= c <= 90 else c


cdef inline bint _ascii_digit(unsigned int c) noexcept:
    return 48 <= c <= 57


def line_ngrams(const uint64_t[::1] hashes, const int64_t[::1] counts, Py_ssize_t max_tokens,
                Py_ssize_t low, Py_ssize_t high):
    """``linesift._kernels.ngram_hashes`` of each line's first `max_tokens` tokens, line by
    line (each line's n-grams together, by n then start): ``(n-grams per line, hashes)``."""
    cdef Py_ssize_t n = counts.shape[0], i, j, k, size, m, total = 0, at = 0, out_at = 0
    _longest_run(counts, hashes.shape[0], "token hashes")
    if low < 1 or high < low:
        raise ValueError("n-gram sizes must be 1 <= low <= high")
    for i in range(n):
        m = min(counts[i], max_tokens)
        for size in range(low, high + 1):
            total += max(m - size + 1, 0)
    per_line_out = np.zeros(n, dtype=np.int64)
    hashes_out = np.empty(total, dtype=np.uint64)
    cdef int64_t[::1] per_line = per_line_out
    cdef uint64_t[::1] grams = hashes_out
    cdef uint64_t h
    with nogil:
        for i in range(n):
            m = min(counts[i], max_tokens)
            for size in range(low, high + 1):
                for k in range(m - size + 1):
                    h = hashes[at + k]
                    for j in range(1, size):
                        h = (h * _Q + hashes[at + k + j] + <uint64_t>(j + 1)) & 0xFFFFFFFFULL
                    grams[out_at] = h
                    out_at += 1
                    per_line[i] += 1
            at += counts[i]
    return per_line_out, hashes_out



cdef inline Py_ssize_t _run_end(const int64_t *keys, Py_ssize_t k, Py_ssize_t n) noexcept nogil:
    """The end of the run of keys equal to ``keys[k]`` in sorted `keys` (n of them)."""
    cdef Py_ssize_t j = k
    while j < n and keys[j] == keys[k]:
        j += 1
    return j


def ngram_terms(const int64_t[::1] per_line, const int64_t[::1] columns,
                const double[::1] weights):
    """``linesift.columns.ngrams.ngram_decision`` from each line's n-gram columns (runs of
    `columns`, ``per_line[i]`` long; -1 for an n-gram outside the vocabulary): the counts of
    each column, l2-normalised over all the line's n-grams, times `weights`. The same float32
    counts and the same float64 sums, in the same order (columns ascending), as there."""
    cdef Py_ssize_t n = per_line.shape[0], i, k, j, at = 0, size, unknown
    cdef float count, norm32
    cdef double squares, total
    cdef Py_ssize_t longest = _longest_run(per_line, columns.shape[0], "n-grams per line")
    _within(columns, -1, weights.shape[0], "an n-gram column past the weights")
    out = np.zeros(n)
    cdef double[::1] terms = out
    buffer_out = np.empty(max(longest, 1), dtype=np.int64)
    cdef int64_t[::1] buffer = buffer_out
    with nogil:
        for i in range(n):
            size = per_line[i]
            _sorted_copy(&columns[at], &buffer[0], size, 0)
            at += size
            unknown = 0
            while unknown < size and buffer[unknown] < 0:
                unknown += 1
            squares = 0.0
            k = unknown
            while k < size:  # each column's count: the length of its run of equal keys
                j = _run_end(&buffer[0], k, size)
                count = <float>(j - k)
                squares += <double>(count * count)
                k = j
            norm32 = <float>max(sqrt(squares + unknown), 1e-12)
            total = 0.0
            k = unknown
            while k < size:
                j = _run_end(&buffer[0], k, size)
                total += <double>(<float>(j - k) / norm32) * weights[buffer[k]]
                k = j
            terms[i] = total
    return out


def shifts_within_pages(const double[:, ::1] values, const int64_t[::1] pages,
                        const int64_t[::1] offsets):
    """``linesift._kernels.shifts_within_pages``: for each offset, each row's values at the
    row that far away in the same page (0 where there is none), and 1.0 where there is one."""
    cdef Py_ssize_t n = values.shape[0], k = values.shape[1], o, i, j, src
    if pages.shape[0] != n:
        raise ValueError("one page code per row is needed")
    shifted_out = np.zeros((offsets.shape[0], n, k))
    exists_out = np.zeros((offsets.shape[0], n))
    cdef double[:, :, ::1] shifted = shifted_out
    cdef double[:, ::1] exists = exists_out
    with nogil:
        for o in range(offsets.shape[0]):
            for i in range(n):
                src = i + offsets[o]
                if 0 <= src < n and pages[src] == pages[i]:
                    exists[o, i] = 1.0
                    for j in range(k):
                        shifted[o, i, j] = values[src, j]
    return shifted_out, exists_out


def run_bounds(const int64_t[::1] codes):
    """``linesift._kernels.run_bounds``: start and end row of each run of equal codes."""
    cdef Py_ssize_t n = codes.shape[0], i, runs = 1 if n else 0, r = 0
    for i in range(1, n):
        runs += codes[i] != codes[i - 1]
    starts_out = np.empty(runs, dtype=np.int64)
    ends_out = np.empty(runs, dtype=np.int64)
    cdef int64_t[::1] starts = starts_out
    cdef int64_t[::1] ends = ends_out
    if n:
        starts[0] = 0
        for i in range(1, n):
            if codes[i] != codes[i - 1]:
                ends[r] = i
                r += 1
                starts[r] = i
        ends[r] = n
    return starts_out, ends_out
