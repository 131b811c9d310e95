"""A person in a browser: log into the local Label Studio, change one line's label, submit.

Drives Debian's Chromium (/usr/bin/chromium) through Playwright, headless.
"""

import time

import pytest
from playwright.sync_api import expect, sync_playwright

from linesift.annotate.pull import pull_labels
from linesift.annotate.push import push_pages
from linesift.formats import read_labelled_pages, read_pages

pytestmark = [pytest.mark.labelstudio, pytest.mark.browser]

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
TIMEOUT_MS = 60_000
C, B = "content", "boilerplate"
ROW = 1
"""Which row of the page the annotator changes."""


@pytest.fixture
def browser_page():
    """A Chromium tab."""
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True,
                                             args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1400, "height": 900})
        page.set_default_timeout(TIMEOUT_MS)
        yield page
        browser.close()


def _log_in(tab, url, login):
    tab.goto(f"{url}/user/login/")
    tab.fill("input[name=email]", login.email)
    tab.fill("input[name=password]", login.password)
    tab.click("button[type=submit]")
    tab.wait_for_url(lambda address: "/user/login" not in address)


def _box(row, label):
    """The checkbox of `label` in a row: content first, boilerplate second."""
    return row.locator("input[type=checkbox]").nth(0 if label == C else 1)


def _expect_choice(row, label):
    """Wait until `row` shows `label` checked and the other choice not."""
    expect(row.locator("input[type=checkbox]")).to_have_count(2)
    expect(_box(row, label)).to_be_checked()
    expect(_box(row, B if label == C else C)).not_to_be_checked()


def _wait_for_annotation(sdk, task_id, seconds=30):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        task = sdk.tasks.get(id=task_id)
        if task.total_annotations:
            return
        time.sleep(0.5)
    raise AssertionError(f"no annotation on task {task_id} after {seconds} s")


def test_annotator_changes_one_line_and_pull_shows_it(browser_page, ls_server, ls_sdk, ls_login,
                                                       ls_sifter, example_page_path,
                                                       project_name, tmp_path):
    summary = push_pages(ls_server, read_pages([example_page_path]), project_name,
                         sifter=ls_sifter, progress=False)
    (task,) = ls_sdk.tasks.list(project=summary.project_id, fields="all")
    predicted = [item["value"]["choices"][0] for item in task.predictions[0].result]
    line_nos = [line["line_no"] for line in task.data["lines"]]

    _log_in(browser_page, ls_server.url, ls_login)
    browser_page.goto(f"{ls_server.url}/projects/{summary.project_id}/data?task={task.id}")
    rows = browser_page.locator(".linesift-row")
    expect(rows).to_have_count(len(line_nos))
    row = rows.nth(ROW)
    expect(row.locator(".linesift-no")).to_have_text(str(line_nos[ROW]))
    _expect_choice(row, predicted[ROW])  # pre-filled from the prediction

    browser_page.keyboard.press("1")  # Label Studio's default hotkeys would flip a line
    _expect_choice(rows.nth(0), predicted[0])

    flipped = B if predicted[ROW] == C else C
    _box(row, flipped).click()
    _expect_choice(row, flipped)
    browser_page.get_by_role("button", name="Submit").click()
    _wait_for_annotation(ls_sdk, task.id)

    output = tmp_path / "labels.jsonl"
    pull_labels(ls_server, project_name, output)
    (page,) = read_labelled_pages([output])
    expected = [None] * len(page.lines)
    for k, line_no in enumerate(line_nos):
        expected[line_no] = flipped if k == ROW else predicted[k]
    assert page.labels == expected
