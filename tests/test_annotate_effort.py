"""How many actions correcting a page takes in each layout, counted in a real browser.

The page is a real one (tests/data/gate_pages.jsonl.gz, msnbc.com, 112 lines, all non-blank).
The model's guess is its true labels with 10 lines wrong in 5 runs of 2 lines: a byline and two
share links taken for content, then three runs of article lines taken for boilerplate. Two runs
in a row need the same label, with correct lines between them (boilerplate twice, then content
three times). A person in Chromium (tests/ls_browser.py) corrects it the fastest way each layout
allows, submits, and the pull must give back exactly the true labels. In the runs layout the
person first turns on "Keep label selected after creating a region", as the screen's hint says
(once per browser; its actions are reported apart), and presses a key only when the label
changes: the pulled labels show that one key serves several drags. The table is written to
the test's artifacts as effort.md and effort.json; the README's table comes from it. The runs
project's export is saved too (runs-export.json): tests/data/ls_export_runs_browser.json is one,
which test_annotate_runs.py parses.

The line layout (one task per line) is measured on 6 of its 112 tasks, two of them wrong;
its row for the whole page is extrapolated (one submit per line, one click per wrong line).
"""

import gzip
import json
from pathlib import Path

import pytest
from playwright.sync_api import expect

from linesift.annotate.pull import pull_labels
from linesift.annotate.push import push_pages
from linesift import Page, SiftedPage
from linesift.formats import read_labelled_pages
from ls_browser import (PAGE_READY, RUNS_READY, Annotator, Effort, chromium_tab,
                        correct_line_tasks, correct_page, correct_runs, keep_label_selected,
                        log_in, wait_for_annotation)

pytestmark = [pytest.mark.labelstudio, pytest.mark.browser]

PAGE_ID = "cleanportaleval:tv.msnbc.com_news_02"
WRONG_RUNS = [(56, 57), (59, 60), (64, 65), (68, 69), (72, 73)]
"""Line numbers (first, last) of the runs the model gets wrong: 5 x 2 = 10 lines; boilerplate,
boilerplate, content, content, content, each run apart from the next."""
MAX_RUNS_ACTIONS = 8
"""Keys, drags, clicks and the submit for the runs layout: 5 drags, 2 keys (the label changes
once), 1 submit. Scroll steps, reading rather than correcting, are counted apart."""
LINE_TASKS_MEASURED = (0, 1, 2, 3, 56, 57)
C, B = "content", "boilerplate"


class FixedGuess:
    """A stand-in for a model: guesses `labels` (confidence 0.95, 0.6 where it is wrong)."""

    version = "fixed-guess@test"

    def __init__(self, labels, wrong):
        self.labels, self.wrong = labels, wrong

    def sift_pages(self, pages):
        for page in pages:
            scores = [None if label is None else
                      (0.6 if i in self.wrong else 0.95) if label == C else
                      (0.4 if i in self.wrong else 0.05)
                      for i, label in enumerate(self.labels)]
            yield SiftedPage(page=page, scores=scores, keep=[s is not None and s >= 0.5
                                                             for s in scores])


@pytest.fixture(scope="module")
def scenario():
    path = Path(__file__).parent / "data" / "gate_pages.jsonl.gz"
    with gzip.open(path, "rt", encoding="utf-8") as fh:
        record = next(r for r in map(json.loads, fh) if r["id"] == PAGE_ID)
    page = Page(id=record["id"], text=record["text"], meta={"domain": record["domain"]})
    truth = list(record["labels"])
    wrong = {i for first, last in WRONG_RUNS for i in range(first, last + 1)}
    guess = [(B if label == C else C) if i in wrong else label for i, label in enumerate(truth)]
    assert len(wrong) == 10 and len(page.lines) == len(truth) == 112
    return page, truth, FixedGuess(guess, wrong)


def _push(server, sdk, scenario, name, layout):
    page, _, model = scenario
    summary = push_pages(server, [page], name, layout=layout, sifter=model, progress=False)
    tasks = sorted(sdk.tasks.list(project=summary.project_id, fields="all"),
                   key=lambda t: t.data.get("line_no") or 0)
    return summary.project_id, tasks


def _pulled_labels(server, name, tmp_path):
    output = tmp_path / f"{name}.jsonl"
    pull_labels(server, name, output)
    (page,) = read_labelled_pages([output])
    return page.labels


def _cut(head):
    """True when a line head shows less than its text (the doubt mark cut off by the CSS)."""
    return head.evaluate("e => e.scrollWidth > e.clientWidth + 2")


def _position(task, line_no):
    return [line["line_no"] for line in task.data["lines"]].index(line_no)


def test_clicks_and_keys_to_correct_a_page(ls_server, ls_sdk, ls_login, scenario, project_name,
                                           artifacts, tmp_path):
    page, truth, _ = scenario
    efforts, screens = {}, {}
    with chromium_tab() as tab:
        log_in(tab, ls_server.url, ls_login)

        name = f"{project_name}-runs"
        project_id, (task,) = _push(ls_server, ls_sdk, scenario, name, "runs")
        person = Annotator(tab)
        person.open_task(ls_server.url, project_id, task.id, RUNS_READY)
        screens["runs"] = person.screens(tab.locator(RUNS_READY))
        setup = keep_label_selected(Annotator(tab))
        runs = [(_position(task, first), _position(task, last), truth[first])
                for first, last in WRONG_RUNS]
        assert [label for *_, label in runs] == [B, B, C, C, C]
        assert all(b[0] > a[1] + 1 for a, b in zip(runs, runs[1:]))  # correct lines between
        heads = [tab.locator(f'[data-testid="phrase:{k}"] [class*="name--"]')
                 for first, last, _ in runs for k in range(first, last + 1)]
        assert all("%" in head.inner_text() and not _cut(head) for head in heads)
        correct_runs(person, runs, sticky=True)
        # corrected: each line shows its number only, the model's doubt mark cut off, and no
        # list shows the pre-fill's overridden runs beside the corrections
        assert all(_cut(head) for head in heads)
        expect(tab.locator(".lsf-outliner-tree")).to_be_hidden()
        expect(tab.get_by_text("Regions", exact=True).first).to_be_visible()
        tab.screenshot(path=artifacts.path("runs-corrected.png"))
        person.submit()
        wait_for_annotation(ls_sdk, task.id)
        assert _pulled_labels(ls_server, name, tmp_path) == truth
        efforts["runs"] = person.effort
        artifacts.path("runs-export.json").write_text(json.dumps(
            ls_server.export_tasks(project_id), indent=1, ensure_ascii=False), encoding="utf-8")

        name = f"{project_name}-page"
        project_id, (task,) = _push(ls_server, ls_sdk, scenario, name, "page")
        person = Annotator(tab)
        person.open_task(ls_server.url, project_id, task.id, PAGE_READY)
        screens["page"] = person.screens(tab.locator(PAGE_READY).first)
        correct_page(person, [(_position(task, i), truth[i])
                              for first, last in WRONG_RUNS for i in range(first, last + 1)])
        tab.screenshot(path=artifacts.path("page-corrected.png"))
        person.submit()
        wait_for_annotation(ls_sdk, task.id)
        assert _pulled_labels(ls_server, name, tmp_path) == truth
        efforts["page"] = person.effort

        name = f"{project_name}-line"
        project_id, tasks = _push(ls_server, ls_sdk, scenario, name, "line")
        assert len(tasks) == len(page.nonblank_line_nos())
        person = Annotator(tab)
        measured = [t for t in tasks if t.data["line_no"] in LINE_TASKS_MEASURED]
        correct_line_tasks(person, measured, truth, ls_server.url, project_id, ls_sdk)
        tab.screenshot(path=artifacts.path("line-after-last-submit.png"))
        pulled = _pulled_labels(ls_server, name, tmp_path)
        assert [pulled[i] for i in LINE_TASKS_MEASURED] == [truth[i] for i in LINE_TASKS_MEASURED]
        wrong_measured = sum(1 for first, last in WRONG_RUNS for i in range(first, last + 1)
                             if i in LINE_TASKS_MEASURED)
        assert person.effort == Effort(clicks=wrong_measured, submits=len(measured))
        efforts["line"] = Effort(clicks=10, submits=len(tasks))  # the same per task, whole page

    table = _table(efforts, screens, len(page.nonblank_line_nos()))
    table += (f"\nruns: turning on the sticky label once per browser took {setup} actions "
              "(not counted above).\n")
    artifacts.path("effort.md").write_text(table, encoding="utf-8")
    artifacts.path("effort.json").write_text(json.dumps(
        {layout: {**effort.as_dict(), "screens": screens.get(layout)}
         for layout, effort in efforts.items()}, indent=1), encoding="utf-8")
    print(table)
    assert efforts["runs"].actions < efforts["page"].actions < efforts["line"].actions
    runs = efforts["runs"]
    assert (runs.drags, runs.keys, runs.clicks, runs.submits) == (5, 2, 0, 1)
    assert runs.actions - runs.scrolls <= MAX_RUNS_ACTIONS
    assert efforts["page"].clicks == 10


def _table(efforts, screens, lines):
    rows = ["| layout | clicks | keys | drags | scroll steps | submits | actions | "
            "screens to read |", "|---|---:|---:|---:|---:|---:|---:|---:|"]
    for layout, effort in efforts.items():
        shown = screens.get(layout, f"{lines} tasks")
        note = " (6 tasks measured, whole page extrapolated)" if layout == "line" else ""
        rows.append(f"| {layout}{note} | {effort.clicks} | {effort.keys} | {effort.drags} | "
                    f"{effort.scrolls} | {effort.submits} | {effort.actions} | {shown} |")
    return "\n".join(rows) + "\n"
