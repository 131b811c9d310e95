"""A person in Chromium correcting a linesift task in each layout, with every action counted.

Used by test_annotate_browser.py (the chosen layout, end to end) and test_annotate_effort.py
(the clicks-per-page table of the README). Drives Debian's Chromium (/usr/bin/chromium)
through Playwright, headless; never downloads a browser.

An :class:`Annotator` acts only through its methods, and each counts what a person would do:
a mouse click, a key press, a drag (mouse down, move, up: one gesture) or a scroll step (one
turn of the wheel of :data:`SCROLL_STEP` pixels, about two thirds of a screen), made only
when the next target is not already on screen.
"""

import time
from contextlib import contextmanager
from dataclasses import asdict, dataclass

from playwright.sync_api import expect, sync_playwright

from linesift.annotate.config import RUNS_HOTKEYS

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
VIEWPORT = {"width": 1400, "height": 900}
TIMEOUT_MS = 60_000
SCROLL_STEP = 600
BOTTOM_BAR = 80
"""Pixels at the bottom of the window that the editor's bottom bar (Submit) covers."""
SETTLE_MS = 150
"""Pause after each action so the editor's state follows before the next one."""

_SCROLLER_JS = """el => {
  let node = el.parentElement;
  while (node) {
    const style = getComputedStyle(node);
    if (/(auto|scroll)/.test(style.overflowY) && node.scrollHeight > node.clientHeight) {
      const box = node.getBoundingClientRect();
      return {top: box.top, bottom: box.bottom, left: box.left, right: box.right,
              scrollHeight: node.scrollHeight, clientHeight: node.clientHeight};
    }
    node = node.parentElement;
  }
  return {top: 0, bottom: window.innerHeight, left: 0, right: window.innerWidth,
          scrollHeight: document.documentElement.scrollHeight,
          clientHeight: window.innerHeight};
}"""


@contextmanager
def chromium_tab():
    """A headless Chromium tab of :data:`VIEWPORT` size."""
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True,
                                             args=CHROMIUM_ARGS)
        try:
            tab = browser.new_page(viewport=VIEWPORT)
            tab.set_default_timeout(TIMEOUT_MS)
            yield tab
        finally:
            browser.close()


def log_in(tab, url, login):
    tab.goto(f"{url}/user/login/")
    tab.fill("input[name=email]", login.email)
    tab.fill("input[name=password]", login.password)
    tab.click("button[type=submit]")
    tab.wait_for_url(lambda address: "/user/login" not in address)


@dataclass
class Effort:
    """What correcting one page took."""

    clicks: int = 0
    keys: int = 0
    drags: int = 0
    scrolls: int = 0
    submits: int = 0

    @property
    def actions(self):
        return self.clicks + self.keys + self.drags + self.scrolls + self.submits

    def as_dict(self):
        return {**asdict(self), "actions": self.actions}


class Annotator:
    """Acts in a tab and counts each action in :attr:`effort`."""

    def __init__(self, tab):
        self.tab = tab
        self.effort = Effort()

    def open_task(self, url, project_id, task_id, ready):
        """Open a task from the project's task list (not counted: the same for every layout)
        and wait for the locator `ready`."""
        self.tab.goto(f"{url}/projects/{project_id}/data?task={task_id}")
        self.tab.locator(ready).first.wait_for()
        self.tab.wait_for_timeout(1000)

    def press(self, key):
        self.tab.keyboard.press(key)
        self.effort.keys += 1
        self.tab.wait_for_timeout(SETTLE_MS)

    def click(self, locator):
        self.bring_into_view(locator)
        locator.click()
        self.effort.clicks += 1
        self.tab.wait_for_timeout(SETTLE_MS)

    def drag(self, first, last):
        """Press the mouse at the start of `first`'s text, release it at the end of `last`'s."""
        self.bring_into_view(first, last, covered=True)  # a drag released on the bar is lost
        start, end = first.bounding_box(), last.bounding_box()
        self.tab.mouse.move(start["x"] + 2, start["y"] + 4)
        self.tab.mouse.down()
        self.tab.mouse.move(end["x"] + end["width"] - 2, end["y"] + end["height"] - 4, steps=8)
        self.tab.mouse.up()
        self.effort.drags += 1
        self.tab.wait_for_timeout(SETTLE_MS)

    def submit(self):
        self.tab.get_by_role("button", name="Submit").click()
        self.effort.submits += 1

    def bring_into_view(self, first, last=None, covered=False):
        """Turn the wheel over the scrolling panel until `first` (down to `last`) is visible."""
        last = last or first
        for _ in range(200):
            area = first.evaluate(_SCROLLER_JS)
            top, bottom = first.bounding_box()["y"], _bottom(last.bounding_box())
            if covered:  # the editor's bottom bar covers the panel's last pixels
                area["bottom"] = min(area["bottom"],
                                     self.tab.viewport_size["height"] - BOTTOM_BAR)
            if top >= area["top"] and bottom <= area["bottom"]:
                return
            # down until the span's bottom shows, up until its top does; a turn of the wheel
            # moves at most SCROLL_STEP, and never past the span's top (a full turn can step
            # over a span taller than a third of the panel, back and forth); going down, the
            # span comes up to the top, where what follows it shows too
            if top >= area["top"]:
                step = min(SCROLL_STEP, top - area["top"] - 8)
            else:
                step = -min(SCROLL_STEP, area["top"] - top + 24)
            step = step if abs(step) >= 1 else SCROLL_STEP
            self.tab.mouse.move((area["left"] + area["right"]) / 2, area["top"] + 40)
            self.tab.mouse.wheel(0, step)
            self.effort.scrolls += 1
            self.tab.wait_for_timeout(SETTLE_MS)
        raise AssertionError("could not scroll the target into view")

    def screens(self, locator):
        """How many screens the panel that scrolls `locator` is tall (the page to read)."""
        area = locator.evaluate(_SCROLLER_JS)
        return round(area["scrollHeight"] / area["clientHeight"], 1)


def _bottom(box):
    return box["y"] + box["height"]


# --- the layouts ---------------------------------------------------------------------------

RUNS_READY = '[data-testid="phrase:0"]'
PAGE_READY = ".linesift-row"
LINE_READY = ".linesift-target"


def phrase_text(tab, k):
    """The text of the k-th line of a runs task (what a drag starts or ends on)."""
    return tab.locator(f'[data-testid="phrase:{k}"] [class*="wrapperText--"]')


KEEP_LABEL_SETTING = "Keep label selected after creating a region"


def keep_label_selected(annotator):
    """Turn on the editor's setting that keeps a label selected across regions, as the hint
    says: open Settings, click its switch, close. Label Studio keeps it in the browser's
    localStorage, so a person does this once per browser; returns the actions it took."""
    before = annotator.effort.actions
    annotator.click(annotator.tab.get_by_role("button", name="Settings"))
    field = annotator.tab.locator("label.lsf-settings__field").filter(
        has_text=KEEP_LABEL_SETTING)
    switch = field.locator("input[type=checkbox]")
    if not switch.is_checked():
        annotator.click(field.locator('[class*="toggle--"]').first)
    expect(switch).to_be_checked()
    annotator.press("Escape")
    expect(field).to_be_hidden()  # a key pressed while the dialog closes picks no label
    annotator.tab.wait_for_timeout(500)
    stored = annotator.tab.evaluate("() => localStorage.getItem('labelStudio:settings')")
    assert '"continuousLabeling":true' in stored, stored
    return annotator.effort.actions - before


def correct_runs(annotator, runs, sticky=True):
    """Runs layout: for each run ``(first, last, label)`` of positions, press the label's key
    and drag from the first line to the last. With `sticky` (the setting of
    :func:`keep_label_selected` on) the key is pressed only when the label changes; without it,
    before every drag."""
    picked = None
    for first, last, label in runs:
        if label != picked or not sticky:
            annotator.press(RUNS_HOTKEYS[label])
            picked = label
        annotator.drag(phrase_text(annotator.tab, first), phrase_text(annotator.tab, last))


def correct_page(annotator, fixes):
    """Page layout: click the right radio button of each wrong line ``(position, label)``."""
    rows = annotator.tab.locator(".linesift-row")
    for k, label in fixes:
        annotator.click(rows.nth(k).locator(f'input[name="{label}"]'))
        expect(rows.nth(k).locator(f'input[name="{label}"]')).to_be_checked()


def correct_line_tasks(annotator, tasks, truth, url, project_id, sdk):
    """Line layout: each task in turn; click the right choice when the guess is wrong, then
    submit. Returns the tasks done."""
    for task in tasks:
        annotator.open_task(url, project_id, task.id, LINE_READY)
        predicted = task.predictions[0].result[0]["value"]["choices"][0]
        wanted = truth[task.data["line_no"]]
        if predicted != wanted:
            choice = annotator.tab.locator(".linesift-target .lsf-choice").filter(has_text=wanted)
            annotator.click(choice.locator("input"))
        annotator.submit()
        wait_for_annotation(sdk, task.id)
    return len(tasks)


def wait_for_annotation(sdk, task_id, seconds=30):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if sdk.tasks.get(id=task_id).total_annotations:
            return
        time.sleep(0.5)
    raise AssertionError(f"no annotation on task {task_id} after {seconds} s")
