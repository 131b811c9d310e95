"""LineRuns: each line's run of similarly shaped lines, and of lines opening alike, in its page."""

import numpy as np

from conftest import get_page
from linesift.columns.runs import (ALTERNATING_NAMES, NAMES, _opening_key, _shape_key,
                                   run_columns)
from linesift.features import LineRuns
from linesift.frame import lines_frame


def _runs(keys, pages):
    """The plain definition: the length of the run of equal keys (and pages) around each line."""
    out = []
    for i in range(len(keys)):
        lo = i
        while lo > 0 and keys[lo - 1] == keys[i] and pages[lo - 1] == pages[i]:
            lo -= 1
        hi = i
        while hi + 1 < len(keys) and keys[hi + 1] == keys[i] and pages[hi + 1] == pages[i]:
            hi += 1
        out.append(hi - lo + 1)
    return np.array(out, dtype=float)


def test_runs_follow_their_plain_definition_within_pages():
    texts = ["Group A: Brazil", "Group B: Spain", "Group C: Japan",
             "The article goes on in a long sentence about the matches.", "12 May: Lyon",
             "13 May: Nice", "Group D: Chile"]
    pages = np.array([0, 0, 0, 0, 0, 0, 1])
    shape, opening, share = run_columns(texts, pages)
    want_shape = _runs([_shape_key(t) for t in texts], pages)
    want_opening = _runs([_opening_key(t) for t in texts], pages)
    assert np.allclose(shape, np.log1p(want_shape))
    assert np.allclose(opening, np.log1p(want_opening))
    assert np.allclose(share, want_shape / np.array([6, 6, 6, 6, 6, 6, 1]))
    assert want_opening[:3].tolist() == [3, 3, 3] and want_opening[6] == 1  # page 1 apart
    assert want_opening[4:6].tolist() == [2, 2]


def test_a_list_inside_an_article_is_one_run():
    page = get_page("Headline of the story\n"
                    "A first paragraph of the article, with several words in it.\n"
                    "- 5.5-inch touchscreen display\n- 16 GB of storage\n- 3,000 mAh battery\n"
                    "A closing paragraph of the article, with several words in it.")
    frame = lines_frame([page])
    out = LineRuns().fit(frame).transform(frame)
    # the items share a shape (short, opening with a dash, no colon, ending on a letter); their
    # openings differ ("- 5.", "- 00", "- 0,"): openings compare character by character
    assert out["run_shape_lines"].round(6).tolist()[2:5] == [round(np.log1p(3), 6)] * 3
    assert out["run_shape_lines"].round(6).tolist()[1] == round(np.log1p(1), 6)


ARTICLE = ["A headline of the story", "First paragraph of the article, with a full stop.",
           "Second paragraph, ending the same way.", "Third paragraph, and so on."]
TEASERS = ["Another story you may like", "One sentence that sums that story up.",
           "Yet another headline", "And its summary sentence, too.",
           "A third headline", "Summed up in one sentence."]


def columns(lines, pages=None):
    pages = np.zeros(len(lines), dtype=np.int64) if pages is None else np.asarray(pages)
    names = NAMES + ALTERNATING_NAMES
    return dict(zip(names, run_columns(lines, pages, alternating=True)))


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


def test_a_step_pickled_before_alternating_existed_loads_without_it():
    import pickle

    old = LineRuns()
    del old.__dict__["alternating"]  # what an older linesift pickled
    loaded = pickle.loads(pickle.dumps(old))
    assert loaded.alternating is False and loaded.get_params() == {"alternating": False}
