"""LineShape: its features in any script, and its line ends and marks against their definitions."""

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from frames import FRAME
from linesift.columns.shape import (CLOSERS, COLONS, COPYRIGHT_MARKS, SEPARATOR_SET, TERMINALS,
                                    URL_MARKS, _line_ends, _pattern_marks)
from linesift.features import LineShape


def test_shape_features_see_terminal_punctuation_in_any_script():
    out = LineShape().fit(FRAME).transform(FRAME).set_index("text")
    for line in ["Le ministre a affirmé que Moscou serait prêt.",
                 "这是一篇关于经济的文章。它讨论了市场的发展。",
                 "Ο υπουργός δήλωσε ότι η κυβέρνηση είναι έτοιμη;"]:
        assert out.loc[line, "ends_terminal"] == 1.0
    assert out.loc["Czytaj więcej »", "ends_terminal"] == 0.0
    assert out.loc["Czytaj więcej »", "ends_separator"] == 1.0
    assert out.loc["这是一篇关于经济的文章。它讨论了市场的发展。", "ratio_cjk"] > 0.8


_ENDINGS = st.text(st.sampled_from(list("ab1 .;:!?…。؟|»«\"')]）」/\\>–") + ["\u037e", "\u2028",
                                                                         "\x85", "\U0001d7d8"]))


@settings(max_examples=300, deadline=None)
@given(st.lists(_ENDINGS, max_size=20))
def test_line_ends_follow_their_definition_on_any_text(lines):
    raws = [line[-50:].rstrip() for line in lines]
    lasts = [raw.rstrip(CLOSERS)[-1:] or " " for raw in raws]
    expected = [[last in TERMINALS, last in COLONS, raw[-1:] in SEPARATOR_SET, last.isalnum()]
                for raw, last in zip(raws, lasts)]
    assert _line_ends(lines).tolist() == np.asarray(expected, dtype=float).reshape(-1, 4).tolist()


@settings(max_examples=200, deadline=None)
@given(st.lists(st.text(st.sampled_from(list("wW.cComhtps:/©()@19 2İK\u212a")), max_size=30),
                max_size=12))
def test_pattern_marks_find_marks_in_their_own_line(lines):
    import re

    out = _pattern_marks(lines, 20)
    for line, (url, year, copyright) in zip(lines, out):
        low = line[:20].lower()
        assert bool(copyright) == any(mark in low for mark in COPYRIGHT_MARKS)
        email = any(low[i] == "@" and low[i - 1] > " " and low[i + 1] > " "
                    for i in range(1, len(low) - 1))
        assert bool(url) == (any(mark in low for mark in URL_MARKS) or email)
        assert bool(year) == bool(re.search(r"(?<![0-9])(?:19|20)[0-9]{2}(?![0-9])", line[:20]))


def test_no_character_but_ascii_capitals_lower_cases_into_a_mark():
    """The marks are matched on ASCII-lower-cased code points (shape._pattern_marks): that
    finds what str.lower would only while no other character lower-cases to one of theirs."""
    chars = set("".join(URL_MARKS + COPYRIGHT_MARKS))
    others = (chr(c) for c in range(0x110000) if not 0xD800 <= c <= 0xDFFF
              and not 65 <= c <= 90 and chr(c) not in chars)
    assert [c for c in others if chars & set(c.lower())] == []
