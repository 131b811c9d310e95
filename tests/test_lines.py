import pytest
from hypothesis import given
from hypothesis import strategies as st

from linesift.lines import is_blank, join_lines, normalize_newlines, split_lines


def test_split_keeps_blank_lines_and_indexes():
    assert split_lines("a\n\nb") == ["a", "", "b"]
    assert split_lines("") == [""]
    assert split_lines("a\n") == ["a", ""]


@pytest.mark.parametrize("text", ["a\r\nb\r\n", "a\rb\r", "a\nb\n"])
def test_crlf_and_lone_cr_equal_lf(text):
    assert split_lines(text) == ["a", "b", ""]


def test_split_rejects_non_strings():
    with pytest.raises(TypeError, match="must be a str"):
        split_lines(b"bytes")


def test_join_rejects_a_bare_string():
    with pytest.raises(TypeError, match="single string"):
        join_lines("abc")


def test_is_blank():
    assert is_blank("") and is_blank("  \t") and not is_blank(" x ")


@given(st.text())
def test_split_then_join_gives_back_the_normalised_text(text):
    assert join_lines(split_lines(text)) == normalize_newlines(text)


@given(st.text(alphabet=st.sampled_from("ab\r\n ")))
def test_line_count_is_newlines_plus_one(text):
    norm = normalize_newlines(text)
    assert len(split_lines(text)) == norm.count("\n") + 1
    assert "\r" not in "".join(split_lines(text))
