"""The lines table (linesift.frame)."""

from conftest import get_page
from linesift.frame import lines_frame
from linesift.lines import is_blank


def test_lines_frame_leaves_out_exactly_the_blank_lines():
    text = "a\n\n \t\nb\n\u3000\nc "
    frame = lines_frame([get_page(text, id="x"), get_page("", id="empty"),
                         get_page(text, id="y", domain="d.example")])
    kept = [i for i, line in enumerate(text.split("\n")) if not is_blank(line)]
    assert frame["line_no"].tolist() == kept * 2
    assert frame["page"].tolist() == [0] * len(kept) + [2] * len(kept)
    assert frame["group"].tolist() == ["x"] * len(kept) + ["d.example"] * len(kept)
