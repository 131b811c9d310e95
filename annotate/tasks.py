"""Pages into Label Studio tasks, with the model's pre-annotations (pure functions).

Every task's data names its page (``page_id``), a hash of the page's text (``text_hash``) and
enough to rebuild the text from the project alone: ``n_lines``, the non-blank lines with their
``line_no``, and ``blanks`` for the rare blank lines that are not empty (only whitespace).
``(page_id, text_hash, line_no)`` identifies a task: ``line_no`` is None in the page layouts
(``runs`` and ``page``). :func:`page_of_task` turns a page task's data back into its page.
"""

import hashlib
import json

from linesift.labels import BOILERPLATE, CONTENT
from linesift.lines import join_lines
from linesift.pages import Page

from .config import (HEAD_DIGITS, LINE_CONTROL, LINE_LAYOUT, LINE_OBJECT, PAGE_LAYOUT,
                     RUNS_CONTROL, RUNS_LAYOUT, RUNS_OBJECT, RUNS_RESULT_TYPE)

CONTEXT_LINES = 2
"""Non-blank lines shown before and after the line of a ``line``-layout task."""
DOUBT = 0.8
"""In the ``runs`` layout a line's number is followed by the model's confidence in its guess
when the confidence is below this, so the eye finds the doubtful lines."""
PAGE_LAYOUTS = (RUNS_LAYOUT, PAGE_LAYOUT)


def text_hash(page):
    """sha256 (hex) of the page's text with newlines normalised."""
    return hashlib.sha256(join_lines(page.lines).encode("utf-8", "surrogatepass")).hexdigest()


def task_key(data):
    """``(page_id, text_hash, line_no)`` of a task's data; ``line_no`` None for a page task."""
    return data.get("page_id"), data.get("text_hash"), data.get("line_no")


def page_tasks(page, layout, sifted=None, model_version=None):
    """The tasks for one page: one in the ``runs`` and ``page`` layouts, one per non-blank line
    in ``line``.

    Parameters
    ----------
    page : linesift.Page
    layout : str
        ``"runs"``, ``"page"`` or ``"line"``.
    sifted : linesift.SiftedPage, optional
        The model's verdicts for `page`; with it every task carries a prediction.
    model_version : str, optional
        Stamped on the prediction (``Sifter.version``).

    Returns
    -------
    list of dict
        Label Studio task dicts (``data`` and, with `sifted`, ``predictions``); empty for a
        page with no non-blank line.
    """
    line_nos = page.nonblank_line_nos()
    if not line_nos:
        return []
    common = _common_data(page)
    if layout in PAGE_LAYOUTS:
        return [_page_task(page, line_nos, layout, common, sifted, model_version)]
    if layout == LINE_LAYOUT:
        return [_line_task(page, line_nos, k, common, sifted, model_version)
                for k in range(len(line_nos))]
    raise ValueError(f"unknown layout {layout!r}")


def _common_data(page):
    meta = json.loads(json.dumps(page.meta, ensure_ascii=False, default=str))
    data = {"page_id": page.id, "text_hash": text_hash(page), "n_lines": len(page.lines),
            "blanks": {str(i): line for i, line in enumerate(page.lines)
                       if line and line.isspace()},
            "meta": meta}
    for key in ("url", "domain"):
        if meta.get(key):
            data[key] = meta[key]
    return data


def _title(page, line_no=None):
    parts = [page.id] + ([page.domain] if page.domain else [])
    if line_no is not None:
        parts.append(f"line {line_no}")
    return " · ".join(parts)


EXPECTED_WRONG = "expected_wrong"
"""Task data field: the lines the model expects to have wrong on the task (the sum over its
lines of the chance the guess is wrong, 1 - its confidence). A column of the task list: sorted
high to low, it puts the pages to correct first."""


def _page_task(page, line_nos, layout, common, sifted, model_version):
    task = {"data": {**common, "title": _title(page), **model_data(page, layout, sifted)}}
    if sifted is not None:
        task["predictions"] = [page_prediction(sifted, layout, model_version)]
    return task


def model_data(page, layout, sifted, line_no=None):
    """The fields of a task's data that come from the model: the lines with their confidence
    marks (page layouts) and :data:`EXPECTED_WRONG`; what a refreshed pre-fill replaces."""
    if layout == LINE_LAYOUT:
        return {} if sifted is None else {
            EXPECTED_WRONG: round(1.0 - _confidence(sifted, line_no), 2)}
    line_nos = page.nonblank_line_nos()
    data = {"lines": [_line_item(page, i, layout, sifted) for i in line_nos]}
    if sifted is not None:
        data[EXPECTED_WRONG] = round(sum(1.0 - _confidence(sifted, i) for i in line_nos), 1)
    return data


def _line_item(page, line_no, layout, sifted):
    confidence = None if sifted is None else _confidence(sifted, line_no)
    if layout == RUNS_LAYOUT:
        doubt = confidence is not None and confidence < DOUBT
        head = f"{line_no:>{HEAD_DIGITS}}" + (f" · {confidence:.0%}" if doubt else "")
        return {"line_no": line_no, "head": head, "text": page.lines[line_no]}
    conf = "" if confidence is None else f"{confidence:.0%}"
    return {"line_no": line_no, "conf": conf, "text": page.lines[line_no]}


def page_prediction(sifted, layout, model_version=None):
    """The model's guess for a page task of the ``runs`` or ``page`` layout, as a prediction.

    ``runs``: one region per run of consecutive non-blank lines with the same label, from the
    first character of its first line to the last of its last. ``page``: one choice per line.
    The score is the model's lowest confidence in a line's label: the mean over a page says
    96-98 % on nearly every page, while the weakest line ranks the pages to check.
    """
    line_nos = sifted.page.nonblank_line_nos()
    labels = [CONTENT if sifted.keep[i] else BOILERPLATE for i in line_nos]
    if layout == RUNS_LAYOUT:
        texts = [sifted.page.lines[i] for i in line_nos]
        results = [_region(k, first, last, texts, label)
                   for k, (first, last, label) in enumerate(label_runs(labels))]
    elif layout == PAGE_LAYOUT:
        results = [_choice(f"label_{k}", f"line_{k}", label == CONTENT)
                   for k, label in enumerate(labels)]
    else:
        raise ValueError(f"not a page layout: {layout!r}")
    score = min(_confidence(sifted, i) for i in line_nos)
    return _prediction(results, score, model_version)


def label_runs(labels):
    """``(first, last, label)`` for each run of equal labels in a list, in order."""
    runs = []
    for k, label in enumerate(labels):
        if runs and runs[-1][2] == label and runs[-1][1] == k - 1:
            runs[-1] = (runs[-1][0], k, label)
        else:
            runs.append((k, k, label))
    return runs


def js_length(text):
    """The length of `text` as Label Studio's browser code counts it (UTF-16 code units)."""
    return len(text.encode("utf-16-le", "surrogatepass")) // 2


def _region(k, first, last, texts, label):
    return {"id": f"run{k}", "from_name": RUNS_CONTROL, "to_name": RUNS_OBJECT,
            "type": RUNS_RESULT_TYPE,
            "value": {"start": str(first), "end": str(last), "startOffset": 0,
                      "endOffset": js_length(texts[last]), RUNS_RESULT_TYPE: [label]}}


def page_of_task(data):
    """The page a ``runs`` or ``page`` task was made from, rebuilt from its data.

    Returns
    -------
    linesift.Page or None
        None when `data` is not such a task or its lines do not give back its ``text_hash``.
    """
    if not isinstance(data, dict) or not isinstance(data.get("lines"), list):
        return None
    try:
        lines = [""] * int(data.get("n_lines", 0))
        for line_no, text in (data.get("blanks") or {}).items():
            lines[int(line_no)] = text
        for item in data["lines"]:
            lines[int(item["line_no"])] = item["text"]
    except (IndexError, KeyError, TypeError, ValueError):
        return None
    page = Page(id=str(data.get("page_id")), text=join_lines(lines),
                meta=dict(data.get("meta") or {}))
    return page if text_hash(page) == data.get("text_hash") else None


def _line_task(page, line_nos, k, common, sifted, model_version):
    line_no = line_nos[k]
    before = line_nos[max(0, k - CONTEXT_LINES):k]
    after = line_nos[k + 1:k + 1 + CONTEXT_LINES]
    data = {**common, "title": _title(page, line_no), "line_no": line_no,
            "text": page.lines[line_no], "before": _context(page, before),
            "after": _context(page, after), **model_data(page, LINE_LAYOUT, sifted, line_no)}
    task = {"data": data}
    if sifted is not None:
        task["predictions"] = [line_prediction(sifted, line_no, model_version)]
    return task


def line_prediction(sifted, line_no, model_version=None):
    """The model's guess for the ``line``-layout task of one line, as a prediction."""
    result = [_choice(LINE_CONTROL, LINE_OBJECT, sifted.keep[line_no])]
    return _prediction(result, _confidence(sifted, line_no), model_version)


def _context(page, line_nos):
    return "\n".join(f"{i:>5}  {page.lines[i]}" for i in line_nos)


def _choice(from_name, to_name, keep):
    return {"from_name": from_name, "to_name": to_name, "type": "choices",
            "value": {"choices": [CONTENT if keep else BOILERPLATE]}}


def _confidence(sifted, line_no):
    """The model's probability of the label it proposes for a line."""
    p_content = sifted.scores[line_no]
    return p_content if sifted.keep[line_no] else 1.0 - p_content


def _prediction(result, score, model_version):
    return {"model_version": model_version or "linesift", "score": round(float(score), 4),
            "result": result}
