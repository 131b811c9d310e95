"""PagePosition: where a line sits in its page, and in-page repeats."""

import numpy as np

from conftest import get_page
from linesift.features import MAX_FEATURE_CHARS, PagePosition
from linesift.columns.position import _dups_in_page
from linesift.frame import lines_frame


def test_within_page_duplicates_are_counted():
    frame = lines_frame([get_page("Share\nText here.\nshare\nOther", id="d")])
    out = PagePosition().fit(frame).transform(frame)
    assert out["log_dups_in_page"].round(3).tolist() == [round(np.log(2), 3), 0.0,
                                                         round(np.log(2), 3), 0.0]


def test_within_page_duplicates_casefold_and_stay_in_their_page():
    long = "x" * MAX_FEATURE_CHARS
    pages = [get_page("STRASSE\nStraße\nΣΊΣΥΦΟΣ\nσίσυφος\nstrasse", id="a"),
             get_page(f"strasse\n{long}a\n{long}b\n{long}ab\nΣΊΣΥΦΟΣ", id="b")]
    frame = lines_frame(pages)
    length = frame["text"].str.len().to_numpy(dtype=float)
    # the definition: equal casefolded prefix, equal length past the prefix, same page
    head = frame["text"].str.slice(0, MAX_FEATURE_CHARS).str.casefold()
    long_len = np.where(length > MAX_FEATURE_CHARS, length, -1.0)
    expected = frame.groupby([frame["page"], head, long_len])["text"].transform("size")
    assert _dups_in_page(frame["text"].tolist(), frame["page"].to_numpy(), length).tolist() == expected.tolist() == [
        3, 3, 2, 2, 3, 1, 2, 2, 1, 1]


def test_positions_count_from_each_page_start():
    frame = lines_frame([get_page("a\nb\nc", id="x"), get_page("d", id="y")])
    out = PagePosition().fit(frame).transform(frame)
    assert out["rel_pos"].tolist() == [0.0, 0.5, 1.0, 0.0]
    assert out["log_page_lines"].tolist() == np.log1p([3, 3, 3, 1]).tolist()
