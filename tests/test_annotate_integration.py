"""`linesift annotate` against the real local Label Studio: push, annotate, pull, train.

The flow of a labelling session, through the `linesift` command, in the page layout (a choice
per line; the default runs layout has its own tests in test_annotate_runs_live.py): push the
example page and two JSONL pages with pre-annotations; annotate through the SDK as two users (the admin with a
legacy token, a second user with a personal access token) who disagree on one line of the
example page and both leave one line alone; the admin labels the second page and skips the
third, which the second user submits empty; pull, push again, and train on what was pulled.
"""

import json
import uuid

import pytest
from label_studio_sdk import LabelStudio
from typer.testing import CliRunner

from linesift.annotate.config import detect_layout
from annotate_fixtures import delete_projects
from linesift.cli import app
from linesift.formats import read_labelled_pages, read_pages

pytestmark = pytest.mark.labelstudio

C, B = "content", "boilerplate"
JSONL_PAGE = {"id": "synthetic:jsonl", "url": "https://news.example.org/a", "lang": "en",
              "domain": "news.example.org", "text": "Menu\nA sentence of the article.\nFooter"}
SECOND_PAGE = {"id": "synthetic:second", "url": "https://blog.example.com/p", "lang": "en",
               "domain": "blog.example.com", "text": "\n".join([
                   "Home | Archive | About", "How we rebuilt the old mill",
                   "The mill had stood empty for thirty years before the village bought it back.",
                   "Volunteers spent two summers replacing the roof and the great wheel itself.",
                   "Subscribe to our newsletter", "© 2024 Village Blog"])}


def _run(*args):
    result = CliRunner().invoke(app, [str(a) for a in args])
    assert result.exit_code == 0, result.output
    return result


def _truth(line):
    """The labels the annotators mean to give: long lines without ads are content."""
    return C if len(line) > 60 and "Publicité" not in line else B


def _choice(position, label):
    return {"from_name": f"label_{position}", "to_name": f"line_{position}", "type": "choices",
            "value": {"choices": [label]}}


@pytest.fixture(scope="module")
def session(ls_sdk, ls_credentials, tiny_model, example_page_path, make_annotator,
            tmp_path_factory):
    """Push the pages into a fresh project; yield what the tests look at."""
    tmp = tmp_path_factory.mktemp("session")
    jsonl = tmp / "pages.jsonl"
    jsonl.write_text("".join(json.dumps(p) + "\n" for p in (SECOND_PAGE, JSONL_PAGE)))
    name = f"linesift-test-{uuid.uuid4().hex[:12]}"
    pushed = _run("annotate", "push", example_page_path, jsonl, "--project", name,
                  "--model", tiny_model, "--layout", "page")
    (project,) = [p for p in ls_sdk.projects.list(title=name) if p.title == name]
    tasks = {t.data["page_id"]: t for t in ls_sdk.tasks.list(project=project.id, fields="all")}
    page = next(read_pages([example_page_path]))
    yield {"tmp": tmp, "name": name, "project": project, "tasks": tasks, "page": page,
           "jsonl": jsonl, "push_output": pushed.output, "sdk": ls_sdk,
           "annotator2": LabelStudio(base_url=ls_credentials.url,
                                     api_key=make_annotator("jwt")[3])}
    delete_projects(ls_sdk, name)


@pytest.fixture(scope="module")
def annotated(session):
    """Both users annotate; the second disagrees on one line; neither labels the last line."""
    page = session["page"]
    task = session["tasks"][page.id]
    line_nos = [line["line_no"] for line in task.data["lines"]]
    disputed, untouched = line_nos[2], line_nos[-1]
    truth = {n: _truth(page.lines[n]) for n in line_nos if n != untouched}
    second = {**truth, disputed: B if truth[disputed] == C else C}
    for client, labels in ((session["sdk"], truth), (session["annotator2"], second)):
        client.annotations.create(id=task.id, result=[
            _choice(line_nos.index(n), label) for n, label in labels.items()])
    second_page = session["tasks"][SECOND_PAGE["id"]]
    session["sdk"].annotations.create(id=second_page.id, result=[
        _choice(k, _truth(line["text"])) for k, line in enumerate(second_page.data["lines"])])
    other = session["tasks"][JSONL_PAGE["id"]].id
    session["sdk"].annotations.create(id=other, result=[], was_cancelled=True)
    session["annotator2"].annotations.create(id=other, result=[])
    output = session["tmp"] / "labels.jsonl.gz"
    pulled = _run("annotate", "pull", "--project", session["name"], "-o", output)
    return {"truth": truth, "second": second, "disputed": disputed, "untouched": untouched,
            "output": output, "pull_output": pulled.output,
            "summary": json.loads((session["tmp"] / "labels.summary.json").read_text())}


def test_push_creates_a_project_with_linesifts_page_config(session):
    assert detect_layout(session["project"].label_config) == "page"
    assert set(session["tasks"]) == {session["page"].id, JSONL_PAGE["id"], SECOND_PAGE["id"]}
    assert "3 tasks created for 3 pages" in session["push_output"]


def test_task_data_lists_each_nonblank_line_with_its_line_no(session):
    page, data = session["page"], session["tasks"][session["page"].id].data
    assert [line["line_no"] for line in data["lines"]] == page.nonblank_line_nos()
    assert [line["text"] for line in data["lines"]] == [page.lines[i]
                                                         for i in page.nonblank_line_nos()]
    assert data["n_lines"] == len(page.lines)
    jsonl = session["tasks"][JSONL_PAGE["id"]].data
    assert (jsonl["url"], jsonl["domain"]) == (JSONL_PAGE["url"], JSONL_PAGE["domain"])
    assert jsonl["meta"]["lang"] == "en"


def test_each_task_carries_the_models_prediction(session, ls_sifter):
    page, task = session["page"], session["tasks"][session["page"].id]
    (prediction,) = task.predictions
    sifted = next(ls_sifter.sift_pages([page]))
    assert prediction.model_version == ls_sifter.version
    expected = [C if sifted.keep[n] else B for n in page.nonblank_line_nos()]
    assert [item["value"]["choices"][0] for item in prediction.result] == expected
    assert [item["from_name"] for item in prediction.result] == \
        [f"label_{k}" for k in range(len(expected))]
    assert 0.5 <= prediction.score <= 1.0


def test_pull_writes_agreed_labels_and_leaves_ties_and_unlabelled_lines_null(session, annotated):
    pages = {p.id: p for p in read_labelled_pages([annotated["output"]])}
    assert set(pages) == {session["page"].id, SECOND_PAGE["id"]}
    assert pages[SECOND_PAGE["id"]].labels == [_truth(line)
                                               for line in SECOND_PAGE["text"].split("\n")]
    page = pages[session["page"].id]
    assert page.text == session["page"].text
    for line_no, label in enumerate(page.labels):
        if line_no in (annotated["disputed"], annotated["untouched"]):
            assert label is None
        elif line_no in annotated["truth"]:
            assert label == annotated["truth"][line_no]
        else:
            assert label is None and not session["page"].lines[line_no].strip()


def test_pull_summary_counts_votes_ties_and_agreement(annotated):
    summary = annotated["summary"]
    assert summary["annotations"] == {"used": 3, "cancelled_or_skipped": 1, "empty": 1}
    assert summary["annotators"] == 2 and summary["ties"] == 1
    assert summary["pages"] == {"written": 2, "unannotated": 1, "incomplete": [],
                                "conflicting": []}
    n = len(annotated["truth"])
    assert summary["labels"]["unlabelled"] == 2
    assert summary["agreement"]["lines"] == n
    assert summary["agreement"]["fleiss_kappa"] == pytest.approx(
        _scotts_pi(annotated["truth"], annotated["second"]), abs=1e-4)
    assert "Fleiss' kappa" in annotated["pull_output"]


def _scotts_pi(first, second):
    """Two raters: Fleiss' kappa is Scott's pi (Scott 1955)."""
    n = len(first)
    observed = sum(first[k] == second[k] for k in first) / n
    share = (list(first.values()) + list(second.values())).count(C) / (2 * n)
    expected = share ** 2 + (1 - share) ** 2
    return (observed - expected) / (1 - expected)


def test_the_token_is_in_no_output(session, annotated, ls_credentials):
    texts = [annotated["pull_output"], session["push_output"],
             (session["tmp"] / "labels.summary.json").read_text(),
             json.dumps([p.meta for p in read_labelled_pages([annotated["output"]])])]
    assert all(ls_credentials.api_key not in text for text in texts)


def test_pushing_again_creates_no_task(session, example_page_path, tiny_model):
    again = _run("annotate", "push", example_page_path, session["jsonl"], "--project",
                 session["name"], "--model", tiny_model)
    assert "0 tasks created for 0 pages, 3 already there" in again.output
    assert len(list(session["sdk"].tasks.list(project=session["project"].id))) == 3


def test_a_page_whose_text_changed_is_reported_not_duplicated(session):
    changed = session["tmp"] / "changed.jsonl"
    changed.write_text(json.dumps({**JSONL_PAGE, "text": JSONL_PAGE["text"] + "\nNew line"}))
    result = _run("annotate", "push", changed, "--project", session["name"], "--no-model")
    assert "1 changed" in result.output and JSONL_PAGE["id"] in result.output
    assert len(list(session["sdk"].tasks.list(project=session["project"].id))) == 3


def test_linesift_train_reads_the_pulled_labels(annotated, tmp_path):
    _run("train", annotated["output"], "-o", tmp_path / "model", "--folds", "0")
    card = json.loads((tmp_path / "model" / "card.json").read_text())
    assert card["data"]["pages"] == 2
    assert card["data"]["label_counts"]["unlabelled"] == sum(  # non-blank lines: the table's
        label is None and bool(line.strip())
        for page in read_labelled_pages([annotated["output"]])
        for line, label in zip(page.lines, page.labels))


def test_line_layout_round_trip(ls_sdk, tiny_model, example_page_path, project_name, tmp_path):
    _run("annotate", "push", example_page_path, "--project", project_name, "--layout", "line",
         "--model", tiny_model)
    (project,) = [p for p in ls_sdk.projects.list(title=project_name)]
    tasks = sorted(ls_sdk.tasks.list(project=project.id, fields="all"),
                   key=lambda t: t.data["line_no"])
    page = next(read_pages([example_page_path]))
    assert [t.data["line_no"] for t in tasks] == page.nonblank_line_nos()
    assert all(len(t.predictions) == 1 for t in tasks)
    first = tasks[0]
    ls_sdk.annotations.create(id=first.id, result=[{
        "from_name": "label", "to_name": "line", "type": "choices",
        "value": {"choices": [B]}}])
    _run("annotate", "pull", "--project", project.id, "-o", tmp_path / "labels.jsonl")
    (pulled,) = read_labelled_pages([tmp_path / "labels.jsonl"])
    assert pulled.text == page.text
    assert pulled.labels == [B if n == first.data["line_no"] else None
                             for n in range(len(page.lines))]
    again = _run("annotate", "push", example_page_path, "--project", project_name,
                 "--model", tiny_model)
    assert "0 tasks created" in again.output
