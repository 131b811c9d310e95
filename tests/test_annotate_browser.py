"""A person in a browser: log into the local Label Studio, open a pushed page in the default
(runs) layout, relabel a run of lines the fast way (a key, then one drag), submit, pull.

Drives Debian's Chromium (/usr/bin/chromium) through Playwright, headless. Screenshots of the
page before and after the correction, and of the task list (page id, lines, the model's page
score; no internal fields), are saved as test artifacts.
"""

import pytest
from playwright.sync_api import expect

from linesift.annotate.config import RUNS_HOTKEYS
from linesift.annotate.pull import pull_labels
from linesift.annotate.push import push_pages
from linesift.formats import read_labelled_pages, read_pages
from ls_browser import RUNS_READY, Annotator, chromium_tab, log_in, phrase_text, \
    wait_for_annotation

pytestmark = [pytest.mark.labelstudio, pytest.mark.browser]

C, B = "content", "boilerplate"
RUN = (2, 4)
"""Positions (first, last) in the task's lines of the run the annotator relabels."""


def _predicted(prediction, n):
    labels = [None] * n
    for item in prediction.result:
        value = item["value"]
        for k in range(int(value["start"]), int(value["end"]) + 1):
            labels[k] = value["paragraphlabels"][0]
    return labels


def test_annotator_relabels_a_run_with_a_key_and_a_drag(ls_server, ls_sdk, ls_login, ls_sifter,
                                                         example_page_path, project_name,
                                                         artifacts, tmp_path):
    summary = push_pages(ls_server, read_pages([example_page_path]), project_name,
                         sifter=ls_sifter, progress=False)
    assert summary.layout == "runs"
    (task,) = ls_sdk.tasks.list(project=summary.project_id, fields="all")
    line_nos = [line["line_no"] for line in task.data["lines"]]
    predicted = _predicted(task.predictions[0], len(line_nos))
    assert None not in predicted  # every line pre-filled
    wanted = B if predicted[RUN[0]] == C else C

    with chromium_tab() as tab:
        log_in(tab, ls_server.url, ls_login)
        person = Annotator(tab)
        person.open_task(ls_server.url, summary.project_id, task.id, RUNS_READY)
        phrases = tab.locator('[data-testid^="phrase:"]')
        expect(phrases).to_have_count(len(line_nos))
        expect(phrases.nth(RUN[0])).to_contain_text(str(line_nos[RUN[0]]))  # line numbers shown
        tab.screenshot(path=artifacts.path("1-prefilled.png"))

        person.press(RUNS_HOTKEYS[wanted])
        person.drag(phrase_text(tab, RUN[0]), phrase_text(tab, RUN[1]))
        regions = tab.locator(".htx-highlight")
        expect(regions.first).to_be_visible()
        tab.screenshot(path=artifacts.path("2-corrected.png"))
        person.press("Control+Enter")  # submit
        wait_for_annotation(ls_sdk, task.id)
        tab.wait_for_timeout(2000)
        tab.screenshot(path=artifacts.path("3-submitted.png"))

        tab.goto(f"{ls_server.url}/projects/{summary.project_id}/data")
        for column in ("page_id", "n_lines", "Prediction score"):
            expect(tab.get_by_text(column, exact=True).first).to_be_visible()
        expect(tab.get_by_text("text_hash", exact=True)).to_have_count(0)
        tab.screenshot(path=artifacts.path("4-task-list.png"))
    assert (person.effort.keys, person.effort.drags, person.effort.clicks) == (2, 1, 0)

    output = tmp_path / "labels.jsonl"
    pull_labels(ls_server, project_name, output)
    (page,) = read_labelled_pages([output])
    expected = [None] * len(page.lines)
    for k, line_no in enumerate(line_nos):
        expected[line_no] = wanted if RUN[0] <= k <= RUN[1] else predicted[k]
    assert page.labels == expected


SCRIPTS = {
    "zh": "北京时间今天上午，国家统计局发布了最新的经济数据。",
    "ja": "東京都は本日、新しい交通計画を発表しました。",
    "ar": "أعلنت الحكومة اليوم عن خطة جديدة لتطوير التعليم في البلاد.",
    "he": "הממשלה הודיעה היום על תוכנית חדשה לשיפור החינוך.",
    "th": "รัฐบาลประกาศแผนใหม่เพื่อพัฒนาการศึกษาในวันนี้",
    "hi": "सरकार ने आज शिक्षा के विकास के लिए एक नई योजना की घोषणा की।",
}
"""One line in each script whose glyphs a machine without fonts draws as empty boxes."""
RTL = ("ar", "he")

_DRAWN_JS = """([text, probe]) => {
  // the glyphs of `text`'s first two letters, drawn with the editor's font, differ from each
  // other and from a character no font has (U+10FFFD): a missing glyph is the same box
  const el = document.querySelector(probe);
  const font = getComputedStyle(el).font;
  const draw = (s) => {
    const c = document.createElement("canvas"); c.width = 64; c.height = 64;
    const x = c.getContext("2d"); x.font = font.replace(/\\d+(\\.\\d+)?px/, "40px");
    x.fillStyle = "#000"; x.textBaseline = "top"; x.fillText(s, 4, 8);
    return Array.from(x.getImageData(0, 0, 64, 64).data).join(",");
  };
  const chars = Array.from(text.replace(/\\s/g, ""));
  const a = draw(chars[0]), b = draw(chars[1]), none = draw("\\u{10FFFD}");
  return a !== b && a !== none && b !== none;
}"""

_READS_RTL_JS = """el => {
  // the line's first letter stands right of its last one, and its final stop, in a
  // right-to-left line, at its left end
  const node = el.querySelector('[class*="text--"]');
  const walker = document.createTreeWalker(node, NodeFilter.SHOW_TEXT);
  const text = walker.nextNode();
  const box = (i) => { const r = document.createRange(); r.setStart(text, i);
                       r.setEnd(text, i + 1); return r.getBoundingClientRect(); };
  const n = text.length;
  return box(0).left > box(n - 2).left && box(n - 1).left < box(n - 2).left;
}"""


def test_every_script_is_drawn_and_right_to_left_lines_read_so(
        ls_server, ls_sdk, ls_login, project_name, artifacts):
    from linesift import Page

    text = "\n".join(f"[{lang}] {line}" if lang not in RTL else line
                     for lang, line in SCRIPTS.items())
    page = Page(id="scripts", text=text, meta={"domain": "scripts.example"})
    summary = push_pages(ls_server, [page], project_name, progress=False)
    (task,) = ls_sdk.tasks.list(project=summary.project_id, fields="all")
    with chromium_tab() as tab:
        log_in(tab, ls_server.url, ls_login)
        Annotator(tab).open_task(ls_server.url, summary.project_id, task.id, RUNS_READY)
        tab.screenshot(path=artifacts.path("scripts.png"))
        # the check can fail: two characters no font has are the same box
        assert not tab.evaluate(_DRAWN_JS, ["\ue000\ue001", '[data-testid="phrase:0"]'])
        for k, (lang, line) in enumerate(SCRIPTS.items()):
            probe = f'[data-testid="phrase:{k}"] [class*="text--"]'
            assert tab.evaluate(_DRAWN_JS, [line, probe]), f"{lang}: glyphs not drawn (tofu)"
            phrase = tab.locator(f'[data-testid="phrase:{k}"]')
            assert phrase.evaluate(_READS_RTL_JS) == (lang in RTL), lang
