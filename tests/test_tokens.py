"""Token hashes (linesift.tokens) against the string tokenizer they replace."""

from itertools import chain

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from linesift.stopwords import batch_tokens
from linesift.tokens import (batch_token_hashes, first_tokens, from_column, string_hashes,
                             to_column)

LINES = ["Hello, World! İstanbul'da ДОБРО пожаловать", "这是一篇关于经济的文章。abc中def", "",
         "   ", "naïve café 123 x2y", "हिन्दी भाषा, 2024", "a\nb", "Ελληνικά κείμενα;",
         "ΟΔΥΣΣΕΥΣ ΣΙΣΥΦΟΣ", "𐐀𐐨 DESERET"]  # Deseret letters, past the BMP, are not letters here


def _reference(lines):
    tokens = batch_tokens(lines)
    return string_hashes(chain.from_iterable(tokens)), [len(t) for t in tokens]


def test_token_hashes_are_the_hashes_of_the_string_tokens():
    hashes, counts = batch_token_hashes(LINES)
    expected, expected_counts = _reference(LINES)
    assert counts.tolist() == expected_counts == [6, 14, 0, 0, 4, 2, 2, 2, 2, 1]
    np.testing.assert_array_equal(hashes, expected)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.text(), max_size=30))
def test_token_hashes_equal_the_string_tokens_on_any_text(lines):
    hashes, counts = batch_token_hashes(lines)
    expected, expected_counts = _reference(lines)
    assert counts.tolist() == expected_counts
    np.testing.assert_array_equal(hashes, expected)


def test_token_hashes_cross_chunk_boundaries(monkeypatch):
    import linesift.tokens as tk

    whole = batch_token_hashes(LINES)
    monkeypatch.setattr(tk, "TOKEN_CHUNK_LINES", 3)
    chunked = tk.batch_token_hashes(LINES)
    np.testing.assert_array_equal(chunked[0], whole[0])
    np.testing.assert_array_equal(chunked[1], whole[1])


def test_equal_words_hash_equal_and_different_words_differ():
    hashes, _ = batch_token_hashes(["le chat et le chien", "Le CHAT"])
    h = hashes.tolist()
    assert h[0] == h[3] == h[5] and h[1] == h[6]  # "le" x3, "chat" x2
    assert len({h[0], h[1], h[2], h[4]}) == 4
    assert string_hashes(["ab", "ba", "a", "b", "abc"]).tolist() == string_hashes(
        ["ab", "ba", "a", "b", "abc"]).tolist()
    assert len(set(string_hashes(["ab", "ba", "a", "b", "abc", "aab"]).tolist())) == 6


def test_column_round_trip_survives_row_selection():
    hashes, counts = batch_token_hashes(LINES)
    column = to_column(hashes, counts)
    assert len(column) == len(LINES)
    back, back_counts = from_column(column)
    np.testing.assert_array_equal(back, hashes)
    np.testing.assert_array_equal(back_counts, counts)
    rows = [4, 1]
    some, some_counts = from_column([column[i] for i in rows])
    expected, expected_counts = batch_token_hashes([LINES[i] for i in rows])
    np.testing.assert_array_equal(some, expected)
    np.testing.assert_array_equal(some_counts, expected_counts)


def test_first_tokens_keeps_each_lines_head():
    hashes = np.arange(10, dtype=np.uint64)
    head, counts = first_tokens(hashes, np.array([4, 0, 6]), 3)
    assert head.tolist() == [0, 1, 2, 4, 5, 6] and counts.tolist() == [3, 0, 3]
    same = first_tokens(hashes, np.array([4, 0, 6]), 6)
    assert same[0] is hashes


def test_distinct_tokens_per_line_by_either_path():
    from linesift import features

    lines = ["le chat et le chat", "", "Publicité 2 Publicité 2 En savoir plus", "中文中文"]
    hashes, counts = batch_token_hashes(lines)
    expected = [len(set(t)) for t in batch_tokens(lines)]
    assert features.distinct_per_line(hashes, counts).tolist() == expected == [3, 0, 4, 2]
    # the 64-bit packing needs fewer than 2**24 lines; past that, a two-key sort
    many = np.zeros(1 << 24, dtype=np.int64)
    many[:len(counts)] = counts
    assert features.distinct_per_line(hashes, many)[:len(lines)].tolist() == expected


@settings(max_examples=100, deadline=None)
@given(st.lists(st.integers(0, 2**64 - 1), max_size=200),
       st.lists(st.integers(0, 2**64 - 1), max_size=200), st.sampled_from(["64", "32", "clustered"]))
def test_sorted_lookup_equals_a_binary_search(known, queries, kind):
    from linesift.tokens import sorted_lookup

    if kind == "32":  # 32-bit hashes, as the n-gram vocabulary holds
        known, queries = [k % 2**32 for k in known], [q % 2**32 for q in queries]
    if kind == "clustered":  # low bits shared: every hash probes past the same slots
        known, queries = [k << 40 for k in known], [q << 40 for q in queries]
        known, queries = [k % 2**64 for k in known], [q % 2**64 for q in queries]
    known = np.unique(np.asarray(known, dtype=np.uint64))
    queries = np.asarray(queries + known[::3].tolist(), dtype=np.uint64)
    at = np.minimum(np.searchsorted(known, queries), max(len(known) - 1, 0))
    expected = np.where(known[at] == queries, at, -1) if len(known) else np.full(len(queries), -1)
    np.testing.assert_array_equal(sorted_lookup(known, queries), expected)
    np.testing.assert_array_equal(sorted_lookup(known, queries), expected)  # its table, kept


def test_sorted_lookup_tables_are_kept_per_array_and_dropped_with_it():
    from linesift import tokens

    known = np.unique(np.arange(0, 3000, 7, dtype=np.uint64) * np.uint64(2**33 + 1))
    tokens.sorted_lookup(known, known[:5])
    table = tokens._lookup_table(known)
    assert tokens._lookup_table(known) is table
    assert id(known) in tokens._TABLES
    key = id(known)
    del known
    assert key not in tokens._TABLES


def test_line_hashes_are_the_hashes_of_the_lines():
    from linesift.tokens import line_hashes

    text = "le\nla\n\nλέξη\n的\nquelque chose"
    np.testing.assert_array_equal(line_hashes(text), string_hashes(text.split("\n")))


@settings(max_examples=300, deadline=None)
@given(st.text())
def test_lower_code_points_is_str_lower_or_declines(text):
    from linesift.tokens import lower_code_points

    cps = np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
    low = lower_code_points(cps)
    if low is None:
        assert any(c in text for c in "İΣ") or max(map(ord, text)) >= 0x10000 or any(
            len(c.lower()) != 1 for c in text)
    else:
        assert low.tobytes().decode("utf-32-le", "surrogatepass") == text.lower()
