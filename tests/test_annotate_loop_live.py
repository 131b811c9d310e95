"""The labelling loop against the real local Label Studio: what to label next (`push
--select`), pre-fills that follow the latest model (`annotate predict`, `push --refresh`) and
the audit's review project (`labels audit --review-project`)."""

import gzip
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

import linesift
from conftest import train_sample_model
from linesift.annotate.select import select_pages
from linesift.cli import app
from linesift.formats import read_labelled_pages, read_pages

pytestmark = pytest.mark.labelstudio


def _run(*args):
    result = CliRunner().invoke(app, [str(a) for a in args])
    assert result.exit_code == 0, result.output
    return result.output


def _tasks(sdk, title):
    (project,) = [p for p in sdk.projects.list(title=title) if p.title == title]
    return list(sdk.tasks.list(project=project.id, fields="all"))


@pytest.fixture(scope="module")
def other_model(tmp_path_factory):
    """A second model (no CV: seconds), so that pre-fills can change hands."""
    from linesift.recipe import Recipe

    return train_sample_model(tmp_path_factory.mktemp("models") / "second",
                              Recipe(page_relative=True))


def test_select_uncertain_pushes_the_budget_where_the_model_doubts_and_never_twice(
        ls_sdk, tiny_model, sample_path, project_name):
    pages = list(read_pages([sample_path]))
    sifter = linesift.load(tiny_model)
    expected = select_pages(pages, "uncertain", 6, sifted=list(sifter.sift_pages(pages)),
                            threshold=sifter.threshold)
    first = _run("annotate", "push", sample_path, "--project", project_name, "--model",
                 tiny_model, "--select", "uncertain", "--budget", 3, "-q")
    assert "selected 3 pages of 25 not yet in the project by uncertain" in first
    pushed = {t.data["page_id"] for t in _tasks(ls_sdk, project_name)}
    assert pushed == {pages[k].id for k in expected[:3]}
    second = _run("annotate", "push", sample_path, "--project", project_name, "--model",
                  tiny_model, "--select", "uncertain", "--budget", 3, "-q")
    assert "selected 3 pages of 22 not yet in the project" in second
    ids = [t.data["page_id"] for t in _tasks(ls_sdk, project_name)]
    assert len(ids) == len(set(ids)) == 6
    assert set(ids) == {pages[k].id for k in expected}


def test_select_random_in_the_line_layout_picks_lines(ls_sdk, tiny_model, sample_path,
                                                      project_name):
    for _ in range(2):
        _run("annotate", "push", sample_path, "--project", project_name, "--model", tiny_model,
             "--layout", "line", "--select", "random", "--budget", 4, "--seed", 1, "-q")
    keys = [(t.data["page_id"], t.data["line_no"]) for t in _tasks(ls_sdk, project_name)]
    assert len(keys) == len(set(keys)) == 8  # the second push drew other lines


def test_predict_replaces_the_prefills_nobody_labelled_yet(ls_sdk, tiny_model, other_model,
                                                           sample_path, project_name):
    first, second = linesift.load(tiny_model), linesift.load(other_model)
    _run("annotate", "push", sample_path, "--project", project_name, "--model", tiny_model,
         "--select", "random", "--budget", 3, "-q")
    tasks = _tasks(ls_sdk, project_name)
    labelled = tasks[0]
    ls_sdk.annotations.create(id=labelled.id, result=labelled.predictions[0].result)
    output = _run("annotate", "predict", "--project", project_name, "--model", other_model, "-q")
    assert (f"1 labelled or started (left alone), 2 pre-filled again by {second.version} "
            f"(replacing 2 of {first.version}), 0 already by it") in output
    assert f"pre-fills of the tasks nobody labelled yet: 2 by {second.version}" in output
    after = {t.id: t for t in _tasks(ls_sdk, project_name)}
    assert [p.model_version for p in after[labelled.id].predictions] == [first.version]
    for task in tasks[1:]:
        (prediction,) = after[task.id].predictions
        assert prediction.model_version == second.version
        page = next(p for p in read_pages([sample_path]) if p.id == task.data["page_id"])
        from linesift.annotate.tasks import model_data, page_prediction

        sifted = next(second.sift_pages([page]))
        assert prediction.result == page_prediction(sifted, "runs", second.version)["result"]
        # the page score and the confidence marks are the new model's too
        assert after[task.id].data == {**task.data, **model_data(page, "runs", sifted)}
    assert after[labelled.id].data == labelled.data  # a labelled task keeps what it showed
    again = _run("annotate", "predict", "--project", project_name, "--model", other_model, "-q")
    assert "0 pre-filled again" in again and "2 already by it" in again


def test_the_task_list_sorts_pages_by_the_lines_the_model_expects_wrong(ls_sdk, project_name):
    """The tab push makes lists the pages by the ``expected_wrong`` column, the pages to
    correct first; the prediction score (the weakest line's confidence) differs between
    pages."""
    gate = Path(__file__).parent / "data" / "gate_pages.jsonl.gz"
    _run("annotate", "push", gate, "--project", project_name, "-q")
    (project,) = [p for p in ls_sdk.projects.list(title=project_name) if p.title == project_name]
    (view,) = [v for v in ls_sdk.views.list(project=project.id) if v.data["title"] == "Pages"]
    assert view.data["ordering"] == ["-tasks:data.expected_wrong"]
    listed = list(ls_sdk.tasks.list(project=project.id, view=view.id, fields="all"))
    wrong = [t.data["expected_wrong"] for t in listed]
    assert len(wrong) == 16 and wrong == sorted(wrong, reverse=True) and wrong[0] > 2 * wrong[-1]
    scores = {round(t.predictions[0].score, 2) for t in listed}
    assert len(scores) > 4  # not the same 96-98 % on every page


def test_push_refresh_updates_line_tasks_from_the_pages_given(ls_sdk, tiny_model, other_model,
                                                             sample_path, project_name):
    second = linesift.load(other_model)
    _run("annotate", "push", sample_path, "--project", project_name, "--model", tiny_model,
         "--layout", "line", "--select", "uncertain", "--budget", 3, "-q")
    stale = _run("annotate", "push", sample_path, "--project", project_name, "--model",
                 other_model, "--select", "uncertain", "--budget", 1, "-q")
    assert "3 tasks nobody labelled yet show another model's pre-fill" in stale
    refreshed = _run("annotate", "push", sample_path, "--project", project_name, "--model",
                     other_model, "--select", "uncertain", "--budget", 1, "--refresh", "-q")
    assert "refreshed 3 pre-fills of tasks nobody labelled yet" in refreshed
    assert f"pre-fills of the tasks nobody labelled yet: 5 by {second.version}" in refreshed
    versions = [p.model_version for t in _tasks(ls_sdk, project_name) for p in t.predictions]
    assert versions == [second.version] * 5


def test_audit_pushes_flagged_pages_for_review_prefilled_with_their_labels(
        ls_sdk, sample_path, tmp_path, project_name):
    records = [json.loads(line) for line in gzip.open(sample_path, "rt", encoding="utf-8")]
    flips = []
    for record in records[:4]:  # one confident slip on each of four pages
        k = next(i for i, label in enumerate(record["labels"]) if label == "boilerplate")
        record["labels"][k] = "content"
        flips.append((record["id"], k))
    noisy = tmp_path / "noisy.jsonl"
    noisy.write_text("".join(json.dumps(r) + "\n" for r in records))
    review = f"{project_name}-review"
    output = _run("labels", "audit", noisy, "-o", tmp_path / "report.csv", "--folds", 3,
                  "--review-project", review)
    report = (tmp_path / "report.csv").read_text().splitlines()
    assert report[0] == "page,line_no,text,label,p_content,reason"
    flagged_pages = {line.split(",")[0] for line in report[1:]}
    assert "flagged" in output and f"project {review!r}" in output
    tasks = _tasks(ls_sdk, review)
    assert {t.data["page_id"] for t in tasks} == flagged_pages
    labelled = {p.id: p for p in read_labelled_pages([noisy])}
    for task in tasks:
        (prediction,) = task.predictions
        assert prediction.model_version == "labels:noisy.jsonl"
        page = labelled[task.data["page_id"]]
        lines = task.data["lines"]
        for region in prediction.result:  # the regions give back the labels, not a model's
            value = region["value"]
            for k in range(int(value["start"]), int(value["end"]) + 1):
                label = page.labels[lines[k]["line_no"]]
                assert label in (None, value["paragraphlabels"][0])
