"""The ``runs`` layout: Paragraphs regions over runs of lines, in and out of Label Studio.

tests/data/ls_export_runs.json comes from tests/make_ls_exports.py (label-studio 1.23.2): the
three made-up pages of the other exports, annotated by three users with regions that overlap,
drags that end at the start of a line or begin after the end of one, lines left blank, a
skipped and an empty annotation (see ``RUNS_VOTES`` there).
"""

import json
from pathlib import Path

import pytest

from linesift.annotate.config import RUNS_CONFIG, detect_layout, label_config
from linesift.annotate.export import annotation_labels, covered_lines, labelled_pages
from linesift.annotate.pull import format_summary
from linesift.annotate.tasks import js_length, label_runs, page_prediction, page_tasks, page_of_task, \
    text_hash
from linesift import Page, SiftedPage

DATA = Path(__file__).parent / "data"
C, B = "content", "boilerplate"
TEXT = "Home | News\n\nThe article, as a sentence.\n   \nMore of the article.\n© 2024"


def _export():
    return json.loads((DATA / "ls_export_runs.json").read_text(encoding="utf-8"))


def _page(text=TEXT, **meta):
    return Page(id=meta.pop("id", "p1"), text=text, meta=meta)


def _sifted(page, scores):
    full = [None] * len(page.lines)
    for line_no, score in zip(page.nonblank_line_nos(), scores):
        full[line_no] = score
    return SiftedPage(page=page, scores=full, keep=[s is not None and s >= 0.5 for s in full])


def _region(first, last, label, start_offset=0, end_offset=5):
    return {"from_name": "label", "to_name": "lines", "type": "paragraphlabels",
            "value": {"start": str(first), "end": str(last), "startOffset": start_offset,
                      "endOffset": end_offset, "paragraphlabels": [label]}}


def test_runs_is_the_default_layout_and_is_recognised():
    from linesift.annotate.config import DEFAULT_LAYOUT

    assert DEFAULT_LAYOUT == "runs"
    assert detect_layout(RUNS_CONFIG) == "runs" == detect_layout(label_config("runs"))


@pytest.mark.parametrize("config", [
    RUNS_CONFIG.replace('value="boilerplate"', 'value="ad"'),
    RUNS_CONFIG.replace('value="$lines"', 'value="$dialogue"'),
    RUNS_CONFIG.replace('toName="lines"', 'toName="other"'),
])
def test_other_paragraph_configs_are_not_linesifts(config):
    assert detect_layout(config) is None


def test_label_runs():
    assert label_runs([B, B, C, C, C, B]) == [(0, 1, B), (2, 4, C), (5, 5, B)]
    assert label_runs([]) == []


def test_runs_task_shows_line_numbers_and_doubt():
    page = _page()
    (task,) = page_tasks(page, "runs", _sifted(page, [0.1, 0.9, 0.7, 0.3]), "tiny@abc")
    assert [line["line_no"] for line in task["data"]["lines"]] == [0, 2, 4, 5]
    # confidence in its guess: 0.9, 0.9, 0.7, 0.7; shown below DOUBT (0.8)
    assert [line["head"] for line in task["data"]["lines"]] == [
        "    0", "    2", "    4 · 70%", "    5 · 70%"]  # padded: CSS cuts the mark once corrected
    (no_model,) = page_tasks(page, "runs")
    assert [line["head"] for line in no_model["data"]["lines"]] == [
        "    0", "    2", "    4", "    5"]


def test_runs_prediction_is_one_region_per_run_of_equal_labels():
    page = _page("Menu\nA sentence.\nAnother one 😀.\n\nFooter")
    prediction = page_prediction(_sifted(page, [0.1, 0.9, 0.8, 0.2]), "runs", "tiny@abc")
    assert prediction["model_version"] == "tiny@abc"
    values = [(r["value"]["start"], r["value"]["end"], r["value"]["startOffset"],
               r["value"]["endOffset"], r["value"]["paragraphlabels"])
              for r in prediction["result"]]
    # the emoji counts as two UTF-16 code units, as in the browser
    assert values == [("0", "0", 0, 4, [B]), ("1", "2", 0, 15, [C]), ("3", "3", 0, 6, [B])]
    assert {r["type"] for r in prediction["result"]} == {"paragraphlabels"}
    assert js_length("Another one 😀.") == 15 == len("Another one 😀.") + 1


def test_predictions_pass_label_studios_own_validation():
    """The validator Label Studio runs on import (label-studio-sdk's LabelInterface)."""
    from label_studio_sdk.label_interface import LabelInterface

    page = _page()
    (task,) = page_tasks(page, "runs", _sifted(page, [0.1, 0.9, 0.8, 0.3]), "m")
    interface = LabelInterface(RUNS_CONFIG)
    assert interface.validate_prediction(task["predictions"][0], return_errors=True) == []
    (line_task, *_) = page_tasks(page, "line", _sifted(page, [0.1, 0.9, 0.8, 0.3]), "m")
    assert LabelInterface(label_config("line")).validate_prediction(
        line_task["predictions"][0], return_errors=True) == []


@pytest.mark.parametrize("value, covered", [
    ({"start": "1", "end": "3", "startOffset": 0, "endOffset": 2}, [1, 2, 3]),
    ({"start": 1, "end": 3, "startOffset": 2, "endOffset": 1}, [1, 2, 3]),  # numbers, mid-line
    ({"start": "1", "end": "3", "startOffset": 0, "endOffset": 0}, [1, 2]),  # ends at 3's start
    ({"start": "1", "end": "3", "startOffset": 5, "endOffset": 3}, [2, 3]),  # begins after line 1
    ({"start": "2", "end": "2", "startOffset": 0, "endOffset": 0}, [2]),  # one line, however
    ({"start": "3", "end": "4", "startOffset": 0, "endOffset": 1}, []),  # past the last line
    ({"start": "x", "end": "2"}, []),
    ({"end": "2"}, []),
])
def test_covered_lines(value, covered):
    texts = ["aaaaa", "bbbbb", "ccccc", "ddddd"]
    assert list(covered_lines(value, texts)) == covered


def test_later_region_wins_and_other_items_are_ignored():
    data = {"lines": [{"line_no": n, "text": "xxxxx"} for n in (0, 2, 3, 7)]}
    result = [_region(0, 3, C), _region(1, 2, B), _region(2, 2, C),
              {"from_name": "other", "to_name": "lines", "type": "paragraphlabels",
               "value": {"start": "0", "end": "0", "paragraphlabels": [B]}},
              {**_region(3, 3, B), "value": {**_region(3, 3, B)["value"],
                                             "paragraphlabels": [B, C]}}]
    assert annotation_labels(result, data, "runs") == {0: C, 2: B, 3: C, 7: C}


def test_runs_export_majority_overlaps_offsets_and_blank_lines():
    pages, stats = labelled_pages(_export(), "runs")
    by_id = {page.id: page for page in pages}
    # votes: 0 bbb, 2 ccc, 3 ccc, 5 ccc, 6 bbb, 7 bbc -> b, 8 c-c -> c, 9 b-c tie -> None
    assert by_id["synthetic:bridge"].labels == [B, None, C, C, None, C, B, B, C, None]
    assert by_id["synthetic:bridge"].lines[4] == "   "
    assert by_id["synthetic:partial"].labels == [B, None, C, None]
    assert "synthetic:skipped" not in by_id
    summary = stats.as_dict()
    assert summary["annotations"] == {"used": 4, "cancelled_or_skipped": 1, "empty": 1}
    assert summary["ties"] == 1
    assert summary["left_blank"]["lines"] == 3  # 8 and 9 by one annotator, 3 by another
    assert sorted(summary["left_blank"]["by_annotator"].values()) == [1, 2]


def test_left_blank_lines_are_in_the_pull_summary_text():
    _, stats = labelled_pages(_export(), "runs")
    summary = {**stats.as_dict(), "output": "labels.jsonl"}
    assert "3 lines left blank" in format_summary(summary)


def test_task_page_rebuilds_the_page():
    page = _page(url="u")
    for layout in ("runs", "page"):
        (task,) = page_tasks(page, layout)
        rebuilt = page_of_task(json.loads(json.dumps(task["data"])))
        assert rebuilt.text == page.text and rebuilt.id == page.id and rebuilt.meta == {"url": "u"}
        assert text_hash(rebuilt) == task["data"]["text_hash"]
    (task,) = page_tasks(page, "runs")
    assert page_of_task({**task["data"], "text_hash": "0" * 64}) is None
    assert page_of_task({"text": "not a page task"}) is None


def test_regions_made_in_the_browser_pull_back_as_the_true_labels():
    """tests/data/ls_export_runs_browser.json: a 112-line page corrected in Chromium by
    test_annotate_effort.py (three drags over the model's regions), exported by the server."""
    import gzip

    export = json.loads((DATA / "ls_export_runs_browser.json").read_text(encoding="utf-8"))
    (task,) = export
    pages, stats = labelled_pages(export, "runs")
    with gzip.open(DATA / "gate_pages.jsonl.gz", "rt", encoding="utf-8") as fh:
        truth = next(r for r in map(json.loads, fh) if r["id"] == task["data"]["page_id"])
    (page,) = pages
    assert page.text == truth["text"] and page.labels == truth["labels"]
    assert stats.as_dict()["left_blank"]["lines"] == 0
    result = task["annotations"][0]["result"]
    model = [item for item in result if item["origin"] == "prediction"]  # the model's regions
    guess = annotation_labels(model, task["data"], "runs")
    assert [item["origin"] for item in result[len(model):]] == ["manual"] * 3
    wrong = [n for n, label in guess.items() if label != truth["labels"][n]]
    assert wrong == [56, 57, 58, 59, 69, 70, 71, 81, 82, 83]
