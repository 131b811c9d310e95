"""The ``runs`` layout against the real local Label Studio: predictions that validate, regions
that pull back as per-line labels, the task list tab, the upload bar.

Annotations are made through the SDK here, as Label Studio's editor stores them (regions in
the order they were made, the model's first); test_annotate_browser.py makes them in Chromium.
"""

import json

import pytest
from typer.testing import CliRunner

from linesift.annotate.push import SHOWN_COLUMNS, TASK_LIST_TAB, push_pages
from linesift.annotate.tasks import js_length
from linesift import Page
from linesift.cli import app
from linesift.formats import read_labelled_pages, read_pages

pytestmark = pytest.mark.labelstudio

C, B = "content", "boilerplate"
VALIDATION_ERROR = "Prediction validation failed"


def _region(texts, first, last, label):
    return {"from_name": "label", "to_name": "lines", "type": "paragraphlabels",
            "value": {"start": str(first), "end": str(last), "startOffset": 0,
                      "endOffset": js_length(texts[last]), "paragraphlabels": [label]}}


def _task(sdk, project_id):
    (task,) = sdk.tasks.list(project=project_id, fields="all")
    return task


def test_pushed_predictions_pass_label_studios_validation(ls_server, ls_sifter, ls_log,
                                                           example_page_path, project_name):
    ls_log.mark()
    summary = push_pages(ls_server, read_pages([example_page_path]), project_name,
                         sifter=ls_sifter, progress=False)
    assert summary.layout == "runs" and summary.tasks_created == 1
    log = ls_log.since_mark()
    assert "import" in log.lower()  # the log is the server's and it logged this import
    assert VALIDATION_ERROR not in log and "not found in configuration" not in log


def test_the_page_layout_still_fails_validation_in_label_studio_1_23(
        ls_server, ls_sifter, ls_log, example_page_path, project_name):
    """Known limit: Label Studio's validator does not expand a Repeater's {{idx}} names (the
    pre-fills still show). Also proves the test above would see such errors."""
    ls_log.mark()
    push_pages(ls_server, read_pages([example_page_path]), project_name, layout="page",
               sifter=ls_sifter, progress=False)
    log = ls_log.since_mark()
    assert VALIDATION_ERROR in log and "'label_0' not found in configuration" in log


def test_regions_pull_back_as_labels_with_line_numbers_kept(ls_server, ls_sdk, ls_sifter,
                                                            example_page_path, project_name,
                                                            tmp_path):
    page = next(read_pages([example_page_path]))
    summary = push_pages(ls_server, [page], project_name, sifter=ls_sifter, progress=False)
    task = _task(ls_sdk, summary.project_id)
    (prediction,) = task.predictions
    texts = [line["text"] for line in task.data["lines"]]
    line_nos = [line["line_no"] for line in task.data["lines"]]
    assert line_nos == page.nonblank_line_nos() and len(line_nos) < len(page.lines)
    # accept the model's regions, then relabel positions 2-4 as boilerplate and 0 as content
    result = prediction.result + [_region(texts, 2, 4, B), _region(texts, 0, 0, C)]
    ls_sdk.annotations.create(id=task.id, result=result)

    output = tmp_path / "labels.jsonl"
    _invoke("annotate", "pull", "--project", project_name, "-o", output)
    (pulled,) = read_labelled_pages([output])
    assert pulled.text == page.text
    predicted = {}
    for item in prediction.result:
        value = item["value"]
        for k in range(int(value["start"]), int(value["end"]) + 1):
            predicted[line_nos[k]] = value["paragraphlabels"][0]
    expected = [None] * len(page.lines)  # blank lines stay None
    for k, line_no in enumerate(line_nos):
        expected[line_no] = C if k == 0 else B if 2 <= k <= 4 else predicted[line_no]
    assert pulled.labels == expected


def test_a_deleted_region_leaves_its_lines_blank_and_pull_says_so(ls_server, ls_sdk,
                                                                  project_name, tmp_path):
    page = Page(id="blank-test", text="Menu\nFirst sentence here.\n\nSecond one.\nFooter")
    summary = push_pages(ls_server, [page], project_name, progress=False)
    task = _task(ls_sdk, summary.project_id)
    texts = [line["text"] for line in task.data["lines"]]
    ls_sdk.annotations.create(id=task.id, result=[_region(texts, 0, 0, B),
                                                  _region(texts, 1, 2, C)])
    output = tmp_path / "labels.jsonl"
    result = _invoke("annotate", "pull", "--project", project_name, "-o", output)
    (pulled,) = read_labelled_pages([output])
    assert pulled.labels == [B, C, None, C, None]
    assert "1 lines left blank" in result.output
    summary = json.loads((tmp_path / "labels.summary.json").read_text())
    assert summary["left_blank"]["lines"] == 1


def test_task_list_tab_shows_page_id_domain_lines_and_score(ls_server, ls_sdk, project_name):
    page = Page(id="tab-test", text="Menu\nA sentence.", meta={"domain": "example.org"})
    summary = push_pages(ls_server, [page], project_name, progress=False)
    (view,) = [v for v in ls_sdk.views.list(project=summary.project_id)
               if v.data.get("title") == TASK_LIST_TAB]
    hidden = set(view.data["hiddenColumns"]["explore"])
    assert {"tasks:data.text_hash", "tasks:data.blanks", "tasks:data.lines"} <= hidden
    assert not hidden & {f"tasks:{name}" for name in SHOWN_COLUMNS}


def test_push_shows_a_bar_over_tasks_with_a_total(example_page_path, tiny_model, project_name,
                                                  tmp_path):
    pages = tmp_path / "pages.jsonl"
    pages.write_text("".join(json.dumps({"id": f"bar-{i}", "text": f"Menu\nSentence {i}."}) + "\n"
                             for i in range(5)))
    result = _invoke("annotate", "push", example_page_path, pages, "--project", project_name,
                     "--model", tiny_model, "--batch-size", "2")
    assert "upload: 100%" in result.stderr and "6/6" in result.stderr
    assert "task/s" in result.stderr


def _invoke(*args):
    result = CliRunner().invoke(app, [str(a) for a in args])
    assert result.exit_code == 0, result.output
    return result
