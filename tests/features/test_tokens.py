"""Tokens (linesift.columns.tokens): the string tokenizer against its reference pattern, and
the token hashes against the string tokens."""

from itertools import chain

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from linesift.columns import tokens as tk
from linesift.columns.tokens import (TOKEN, batch_token_hashes, batch_tokens, first_tokens,
                                      from_column, line_hashes, string_hashes, to_column, tokens)

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


def test_line_hashes_are_the_hashes_of_the_lines():
    text = "le\nla\n\nλέξη\n的\nquelque chose"
    np.testing.assert_array_equal(line_hashes(text), string_hashes(text.split("\n")))


_LATIN = st.text(st.sampled_from(list("abcXYZéüßØ 0123.,;:-_!?()«»'\"") + ["中", "文", "の"]))


@settings(max_examples=300, deadline=None)
@given(_LATIN)
def test_tokenizer_equals_the_reference_pattern_on_letters_digits_and_punctuation(text):
    assert tokens(text) == TOKEN.findall(text.lower())


@settings(max_examples=200, deadline=None)
@given(st.lists(st.text(), max_size=30))
def test_batch_tokens_equal_one_line_at_a_time(lines):
    batch = batch_tokens(lines)
    assert batch == [tokens(line) for line in lines]
    assert all(tok and not any(c.isspace() for c in tok) for toks in batch for tok in toks)


def test_tokens_keep_combining_marks_inside_words():
    # Devanagari vowel signs and the virama are combining marks: the word stays whole.
    assert tokens("हिन्दी भाषा, 2024") == ["हिन्दी", "भाषा"]
    assert tokens("Ελληνικά κείμενα") == ["ελληνικά", "κείμενα"]
    assert tokens("Новости дня") == ["новости", "дня"]
    assert tokens("中文abc") == ["中", "文", "abc"]


def test_batch_tokens_cross_chunk_boundaries(monkeypatch):
    monkeypatch.setattr(tk, "TOKEN_CHUNK_LINES", 3)
    lines = ["Un deux", "trois", "", "中文 quatre", "cinq-six", "sept"]
    assert batch_tokens(lines) == [["un", "deux"], ["trois"], [], ["中", "文", "quatre"],
                                   ["cinq", "six"], ["sept"]]
