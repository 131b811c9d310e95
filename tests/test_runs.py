"""Runs of similar lines (linesift.columns.runs): a list's items, a table's rows, a block of
teasers."""

import numpy as np

from linesift.columns.runs import ALTERNATING_NAMES, NAMES, run_columns

ARTICLE = ["A headline of the story", "First paragraph of the article, with a full stop.",
           "Second paragraph, ending the same way.", "Third paragraph, and so on."]
TEASERS = ["Another story you may like", "One sentence that sums that story up.",
           "Yet another headline", "And its summary sentence, too.",
           "A third headline", "Summed up in one sentence."]


def columns(lines, pages=None):
    pages = np.zeros(len(lines), dtype=np.int64) if pages is None else np.asarray(pages)
    names = NAMES + ALTERNATING_NAMES
    return dict(zip(names, run_columns(lines, pages, alternating=True)))


def test_a_list_is_one_run_of_lines_shaped_alike():
    items = ["Switzerland (Group D): Fifth appearance", "Brazil (Group E): 21st appearance",
             "Spain (Group B): 15th appearance"]
    got = columns(["Who is playing.", *items, "The end of the article."])
    assert np.rint(np.expm1(got["run_shape_lines"])).tolist() == [1, 3, 3, 3, 1]
    assert np.rint(np.expm1(got["run_opening_lines"]))[1:4].tolist() == [3, 3, 3]  # "Aaaa"


def test_a_block_of_teasers_alternates_and_paragraphs_do_not():
    got = columns(ARTICLE + TEASERS)
    span = np.rint(np.expm1(got["run_alternating_lines"]))
    assert span[:3].tolist() == [0, 0, 0]  # headline then paragraphs: no alternation
    assert (span[4:] == 7).all()  # the six teaser lines and the paragraph before them
    assert np.allclose(got["run_alternating_share"][4:], 7 / 10)


def test_runs_stop_at_page_ends():
    lines = TEASERS[:4] + TEASERS[2:]
    got = columns(lines, [0, 0, 0, 0, 1, 1, 1, 1])
    assert np.rint(np.expm1(got["run_alternating_lines"])).tolist() == [4] * 8
    assert np.allclose(got["run_alternating_share"], 1.0)


def test_short_pages_and_no_lines():
    assert np.rint(np.expm1(columns(TEASERS[:3])["run_alternating_lines"])).tolist() == [0, 0, 0]
    assert all(len(c) == 0 for c in run_columns([], np.zeros(0), alternating=True))
    assert len(run_columns([], np.zeros(0))) == len(NAMES)
