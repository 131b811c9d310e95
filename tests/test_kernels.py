"""Each speed kernel (linesift._kernels) against the plain Python definition in its docstring."""

import re

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from linesift import _kernels as k

M64 = 2**64

page_sizes = st.lists(st.integers(0, 4), max_size=25)


def pages_of(sizes):
    """Page code of each row, for pages of the given sizes (rows grouped by page)."""
    return np.repeat(np.arange(len(sizes)), sizes)


def runs(counts):
    """The row ranges of consecutive runs `counts` long."""
    ends = np.cumsum(counts).tolist()
    return [range(end - c, end) for end, c in zip(ends, counts)]


@settings(max_examples=100, deadline=None)
@given(st.text())
def test_code_points_are_ord_of_each_character(text):
    assert k.code_points(text).tolist() == [ord(c) for c in text]


@settings(max_examples=100, deadline=None)
@given(st.lists(st.integers(0, 0xFFFF), max_size=60))
def test_bmp_lookup_computes_each_code_point_once(cps):
    table = np.full(0x10000, k.NOT_LOOKED_UP, dtype=np.int32)
    calls = []

    def compute(cp):
        calls.append(cp)
        return cp % 7

    cps = np.asarray(cps, dtype=np.uint32)
    assert k.bmp_lookup(table, cps, compute).tolist() == [cp % 7 for cp in cps.tolist()]
    assert sorted(calls) == sorted(set(cps.tolist()))
    assert k.bmp_lookup(table, cps, compute).tolist() == [cp % 7 for cp in cps.tolist()]
    assert len(calls) == len(set(cps.tolist()))  # filled on first sight only


@settings(max_examples=300, deadline=None)
@given(st.text())
def test_lower_code_points_is_str_lower_or_declines(text):
    cps = k.code_points(text)
    low = k.lower_code_points(cps)
    if low is None:
        assert any(c in text for c in "İΣ") or max(map(ord, text)) >= 0x10000 or any(
            len(c.lower()) != 1 for c in text)
    else:
        assert low.tobytes().decode("utf-32-le", "surrogatepass") == text.lower()


@settings(max_examples=100, deadline=None)
@given(st.text())
def test_ascii_lower_lower_cases_only_ascii_capitals(text):
    expected = [ord(c.lower()) if "A" <= c <= "Z" else ord(c) for c in text]
    assert k.ascii_lower(k.code_points(text)).tolist() == expected


def _span_hash(cps, length_shift=56):
    """The definition of a span's hash, in Python integers."""
    q = 0x9E3779B97F4A7C15
    h = sum(cp * pow(q, i, M64) for i, cp in enumerate(cps)) % M64
    h ^= (len(cps) << length_shift) % M64
    h = ((h ^ (h >> 30)) * 0xBF58476D1CE4E5B9) % M64
    h = ((h ^ (h >> 27)) * 0x94D049BB133111EB) % M64
    return h ^ (h >> 31)


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=40), st.lists(st.tuples(st.integers(0, 40), st.integers(0, 40)),
                                      max_size=10))
def test_span_hashes_follow_their_definition(text, spans):
    cps = k.code_points(text)
    spans = [(min(a, b, len(cps)), min(max(a, b), len(cps))) for a, b in spans]
    starts = np.asarray([s for s, _ in spans], dtype=np.int64)
    ends = np.asarray([e for _, e in spans], dtype=np.int64)
    expected = [_span_hash(cps[s:e].tolist()) for s, e in spans]
    assert k.span_hashes(cps, starts, ends).tolist() == expected


def test_span_hashes_depend_only_on_the_span():
    cps = k.code_points("abc abc xabc")
    h = k.span_hashes(cps, np.array([0, 4, 9, 0]), np.array([3, 7, 12, 0])).tolist()
    assert h[0] == h[1] == h[2] != h[3]


@settings(max_examples=100, deadline=None)
@given(st.lists(st.integers(0, M64 - 1), max_size=200),
       st.lists(st.integers(0, M64 - 1), max_size=200), st.sampled_from(["64", "32", "clustered"]))
def test_sorted_lookup_is_the_position_in_known(known, queries, kind):
    if kind == "32":  # 32-bit hashes, as the n-gram vocabulary holds
        known, queries = [x % 2**32 for x in known], [q % 2**32 for q in queries]
    if kind == "clustered":  # low bits shared: every hash probes past the same slots
        known, queries = [(x << 40) % M64 for x in known], [(q << 40) % M64 for q in queries]
    known = np.unique(np.asarray(known, dtype=np.uint64))
    queries = np.asarray(queries + known[::3].tolist(), dtype=np.uint64)
    plain = known.tolist()
    expected = [plain.index(q) if q in plain else -1 for q in queries.tolist()]
    assert k.sorted_lookup(known, queries).tolist() == expected
    k._lookup_table(known)  # with its table built, every query probes it
    assert id(known) in k._TABLES
    assert k.sorted_lookup(known, queries).tolist() == expected


def test_sorted_lookup_tables_are_kept_per_array_and_dropped_with_it():
    known = np.unique(np.arange(0, 3000, 7, dtype=np.uint64) * np.uint64(2**33 + 1))
    k.sorted_lookup(known, known[:5])
    table = k._lookup_table(known)
    assert k._lookup_table(known) is table
    assert id(known) in k._TABLES
    key = id(known)
    del known
    assert key not in k._TABLES


@settings(max_examples=200, deadline=None)
@given(page_sizes, st.integers(-40, 40))
def test_shift_within_pages_takes_the_row_that_far_in_the_same_page(sizes, offset):
    pages = pages_of(sizes)
    values = np.arange(len(pages) * 2, dtype=float).reshape(-1, 2) + 1
    shifted, exists = k.shift_within_pages(values, pages, offset)
    for i in range(len(pages)):
        j = i + offset
        same = 0 <= j < len(pages) and pages[j] == pages[i]
        assert exists[i] == float(same)
        assert shifted[i].tolist() == (values[j].tolist() if same else [0.0, 0.0])


_VALUES = st.floats(-1e6, 1e6, allow_nan=False)


@settings(max_examples=200, deadline=None)
@given(page_sizes.flatmap(lambda sizes: st.tuples(
    st.just(sizes), st.lists(_VALUES, min_size=sum(sizes), max_size=sum(sizes)))),
    st.lists(st.integers(0, 6), min_size=1, max_size=3))
def test_window_means_are_means_of_the_rounded_values_in_the_page(sizes_values, widths):
    sizes, values = sizes_values
    pages = pages_of(sizes)
    q = [round(v / k.WINDOW_QUANTUM) * k.WINDOW_QUANTUM for v in values]
    column = np.asarray(values, dtype=np.float64).reshape(-1, 1)
    means = k.window_means(column, pages, widths)
    for w, got in zip(widths, means):
        expected = []
        for rows in runs(sizes):
            for i in rows:
                lo, hi = max(i - w, rows.start), min(i + w + 1, rows.stop)
                expected.append(sum(q[lo:hi]) / (hi - lo))
        assert got[:, 0].tolist() == expected  # exact: the running sums are exact
        assert k.window_mean(column, pages, w)[:, 0].tolist() == expected


def test_window_means_take_columns_alike():
    pages = np.array([0, 0, 0, 1, 1])
    values = np.array([[1.0, 10.0], [2.0, 20.0], [3.0, 30.0], [4.0, 40.0], [6.0, 60.0]])
    both = k.window_means(values, pages, [1])[0]
    assert both[:, 0].tolist() == [1.5, 2.0, 2.5, 5.0, 5.0]
    assert both[:, 1].tolist() == (10 * both[:, 0]).tolist()


@settings(max_examples=200, deadline=None)
@given(st.lists(st.integers(0, 3), max_size=30))
def test_run_bounds_are_the_runs_of_equal_codes(codes):
    from itertools import groupby

    starts, ends, at = [], [], 0
    for _, run in groupby(codes):
        length = len(list(run))
        starts.append(at)
        ends.append(at + length)
        at += length
    got = k.run_bounds(codes)
    assert (got[0].tolist(), got[1].tolist()) == (starts, ends)


@given(st.lists(st.sampled_from(["a", "b", "A", "é", "", "a b"]) | st.text(max_size=3),
                max_size=20))
def test_equal_codes_are_equal_exactly_for_equal_values(values):
    codes = k.equal_codes(values).tolist()
    assert all(0 <= c < len(values) for c in codes)
    for i, v in enumerate(values):
        for j, w in enumerate(values):
            assert (codes[i] == codes[j]) == (v == w)


_HASHES = st.lists(st.integers(0, 2**64 - 1) | st.sampled_from([5, 2**40, 2**63]), max_size=12)


@settings(max_examples=200, deadline=None)
@given(st.lists(_HASHES, max_size=12))
def test_distinct_per_line_counts_distinct_hashes(lines):
    hashes = np.asarray([h for line in lines for h in line], dtype=np.uint64)
    counts = np.asarray([len(line) for line in lines], dtype=np.int64)
    # the packing keeps a hash's top 40 bits: equal in them counts as equal
    expected = [len({h >> 24 for h in line}) for line in lines]
    assert k.distinct_per_line(hashes, counts).tolist() == expected


def test_distinct_per_line_past_2_to_the_24_lines_is_exact():
    lines = [[2**40, 2**41, 2**40], [], [2**40, 2**40 + 1, 7, 7]]
    hashes = np.asarray([h for line in lines for h in line], dtype=np.uint64)
    many = np.zeros(1 << 24, dtype=np.int64)
    many[:len(lines)] = [len(line) for line in lines]
    assert k.distinct_per_line(hashes, many)[:len(lines)].tolist() == [2, 0, 3]
    packed = np.asarray([len(line) for line in lines], dtype=np.int64)
    assert k.distinct_per_line(hashes, packed).tolist() == [2, 0, 2]  # share their top 40 bits


def _ngram_hashes(lines, low, high):
    """The definition of the n-gram hashes, in Python integers: (rows, hashes)."""
    mix = int(k.NGRAM_MIX)
    rows, out = [], []
    for n in range(low, high + 1):
        for row, t in enumerate(lines):
            for i in range(len(t) - n + 1):
                h = t[i]
                for j in range(1, n):
                    h = (h * mix + t[i + j] + j + 1) % 2**32
                rows.append(row)
                out.append(h)
    return rows, out


@settings(max_examples=200, deadline=None)
@given(st.lists(st.lists(st.integers(0, 2**32 - 1), max_size=6), max_size=8),
       st.integers(1, 3), st.integers(0, 2))
def test_ngram_hashes_follow_their_definition(lines, low, extra):
    hashes = np.asarray([h for line in lines for h in line], dtype=np.uint64)
    counts = np.asarray([len(line) for line in lines], dtype=np.int64)
    rows, got = k.ngram_hashes(hashes, counts, low, low + extra)
    expected_rows, expected = _ngram_hashes(lines, low, low + extra)
    assert rows.tolist() == expected_rows
    assert got.tolist() == expected


def _run_hash(tokens):
    if not tokens:
        return 0
    raw = sum(int(t) * pow(int(k._Q), i, 2**64) for i, t in enumerate(tokens)) % 2**64
    h = int(k._finish(np.array([raw], dtype=np.uint64), np.array([len(tokens)]))[0])
    return h or 1


@given(st.lists(st.lists(st.integers(0, 2**64 - 1), max_size=7), max_size=6),
       st.integers(1, 5))
@settings(max_examples=200, deadline=None)
def test_token_run_hashes_follow_their_definition(lines, size):
    hashes = np.array([t for line in lines for t in line], dtype=np.uint64)
    counts = np.array([len(line) for line in lines], dtype=np.int64)
    for options, pick in (({"first": size}, lambda t: t[:size]),
                          ({"last": size}, lambda t: t[-size:]), ({}, lambda t: t)):
        got = k.token_run_hashes(hashes, counts, **options)
        assert got.tolist() == [_run_hash(pick(line)) for line in lines], options


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 2**32 - 1) | st.integers(0, 3), st.integers(0, 5)),
                max_size=40))
def test_groups_per_key_counts_distinct_groups(pairs):
    keys = np.asarray([x for x, _ in pairs], dtype=np.uint64)
    groups = np.asarray([g for _, g in pairs], dtype=np.int64)
    got_keys, got_counts = k.groups_per_key(keys, groups)
    expected = sorted(set(keys.tolist()))
    assert got_keys.tolist() == expected
    assert got_counts.tolist() == [len({g for x, g in pairs if x == key}) for key in expected]


_MARK_TEXT = st.text(st.sampled_from(list("wW.cComhtps:/©()@19 20x\n")), max_size=60)


@settings(max_examples=300, deadline=None)
@given(_MARK_TEXT, st.sampled_from(["www.", ".com", "http://", "(c)", "©", "c", "o.m:"]))
def test_mark_starts_are_the_occurrences_of_the_mark(text, mark):
    cps = k.code_points(text)
    expected = [i for i in range(len(text)) if text.startswith(mark, i)]
    anchors = {}
    assert k.mark_starts(cps, mark, anchors).tolist() == expected
    assert k.mark_starts(cps, mark, anchors).tolist() == expected  # with the cached anchors


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(list("0123456789 x٠١") + ["19", "20", "2024", "1999"]),
                max_size=20).map("".join))
def test_year_starts_are_standalone_years_of_the_two_centuries(text):
    expected = [m.start() for m in re.finditer(r"(?<![0-9])(?:19|20)[0-9]{2}(?![0-9])", text)]
    assert k.year_starts(k.code_points(text)).tolist() == expected


@settings(max_examples=200, deadline=None)
@given(st.lists(st.integers(1, 5), min_size=1, max_size=10), st.data())
def test_lines_with_marks_the_lines_holding_a_position(lengths, data):
    starts = np.concatenate([[0], np.cumsum(lengths)[:-1]])
    total = int(np.sum(lengths))
    positions = np.asarray(data.draw(st.lists(st.integers(0, total - 1), max_size=8)),
                           dtype=np.int64)
    ends = starts + np.asarray(lengths)
    expected = [float(any(s <= p < e for p in positions.tolist()))
                for s, e in zip(starts.tolist(), ends.tolist())]
    assert k.lines_with(positions, starts, len(lengths)).tolist() == expected


@settings(max_examples=100, deadline=None)
@given(st.integers(0, 6), st.integers(1, 5), st.data())
def test_standardised_dot_is_a_scaler_then_a_dot_product(n_rows, width, data):
    rng = np.random.default_rng(data.draw(st.integers(0, 2**32 - 1)))
    x = rng.normal(size=(n_rows, width)) * 100
    positions = sorted(data.draw(st.sets(st.integers(0, width - 1), min_size=1)))
    weights = rng.normal(size=len(positions))
    mean, scale = rng.normal(size=len(positions)), rng.uniform(0.1, 10, size=len(positions))
    intercept = rng.normal(size=n_rows)
    expected = intercept + ((x[:, positions] - mean) / scale) @ weights
    got = k.standardised_dot(x, positions, weights, mean, scale, intercept)
    np.testing.assert_allclose(got, expected, rtol=1e-9, atol=1e-9)


def test_standardised_dot_equals_a_fitted_scaler_and_linear_model():
    from sklearn.linear_model import LogisticRegression
    from sklearn.preprocessing import StandardScaler

    rng = np.random.default_rng(0)
    x = rng.normal(size=(50, 4)) * [1, 100, 0.01, 5]
    y = (x[:, 1] + rng.normal(size=50) * 50 > 0).astype(int)
    scaler = StandardScaler().fit(x[:, [1, 3]])
    model = LogisticRegression().fit(scaler.transform(x[:, [1, 3]]), y)
    got = k.standardised_dot(x, [1, 3], model.coef_.ravel(), scaler.mean_, scaler.scale_,
                             model.intercept_[0])
    np.testing.assert_allclose(got, model.decision_function(scaler.transform(x[:, [1, 3]])),
                               rtol=1e-12)


def test_the_kernels_import_nothing_from_linesift():
    import ast
    from pathlib import Path

    tree = ast.parse(Path(k.__file__).read_text(encoding="utf-8"))
    imported = {alias.name.split(".")[0] for node in ast.walk(tree)
                if isinstance(node, ast.Import) for alias in node.names}
    imported |= {node.module.split(".")[0] if node.level == 0 else "." for node in ast.walk(tree)
                 if isinstance(node, ast.ImportFrom) and node.level == 0}
    relative = {alias.name for node in ast.walk(tree)
                if isinstance(node, ast.ImportFrom) and node.level for alias in node.names}
    assert imported <= {"numpy", "os", "weakref"}, imported
    assert relative <= {"_ckernels"}, relative  # its compiled twin, which imports only numpy


@pytest.mark.parametrize("name", [n for n in dir(k) if callable(getattr(k, n))
                                  and not n.startswith("_") and getattr(k, n).__module__ == k.__name__])
def test_every_kernel_states_its_definition(name):
    assert getattr(k, name).__doc__.strip()


def test_whitespace_is_what_str_isspace_holds_in_all_of_unicode():
    assert set(k.WHITESPACE) == {chr(c) for c in range(0x110000) if chr(c).isspace()}


@settings(max_examples=300, deadline=None)
@given(st.lists(st.text(alphabet=st.sampled_from(list(" \t\u3000\u2028\x85\xa0ab\u00e9\U0001d538")),
                        max_size=8), min_size=1, max_size=6))
def test_collapse_whitespace_splits_and_joins_every_nul_separated_part(parts):
    text = "\0".join(parts)
    expected = "\0".join(" ".join(part.split()) for part in parts)
    assert k.collapse_whitespace(k.code_points(text)).tolist() == k.code_points(expected).tolist()


def test_sums_before_in_pages_follow_their_definition():
    from linesift._kernels import run_bounds, sums_before_in_pages

    rng = np.random.default_rng(0)
    pages = np.sort(rng.integers(0, 6, 60))
    values = rng.integers(0, 5, 60).astype(float)
    want = [values[(pages == pages[i]) & (np.arange(60) < i)].sum() for i in range(60)]
    assert sums_before_in_pages(values, *run_bounds(pages)).tolist() == want
    assert len(sums_before_in_pages(np.zeros(0), *run_bounds(np.zeros(0, dtype=np.int64)))) == 0
