"""Pages into Label Studio tasks, with the model's pre-annotations (pure functions).

Every task's data names its page (``page_id``), a hash of the page's text (``text_hash``) and
enough to rebuild the text from the project alone: ``n_lines``, the non-blank lines with their
``line_no``, and ``blanks`` for the rare blank lines that are not empty (only whitespace).
``(page_id, text_hash, line_no)`` identifies a task: ``line_no`` is None in the page layout.
"""

import hashlib
import json

from linesift.labels import BOILERPLATE, CONTENT
from linesift.lines import join_lines

from .config import LINE, LINE_CONTROL, LINE_OBJECT, PAGE

CONTEXT_LINES = 2
"""Non-blank lines shown before and after the line of a ``line``-layout task."""


def text_hash(page):
    """sha256 (hex) of the page's text with newlines normalised."""
    return hashlib.sha256(join_lines(page.lines).encode("utf-8", "surrogatepass")).hexdigest()


def task_key(data):
    """``(page_id, text_hash, line_no)`` of a task's data; ``line_no`` None for a page task."""
    return data.get("page_id"), data.get("text_hash"), data.get("line_no")


def page_tasks(page, layout, sifted=None, model_version=None):
    """The tasks for one page: one in the ``page`` layout, one per non-blank line in ``line``.

    Parameters
    ----------
    page : linesift.Page
    layout : str
        ``"page"`` or ``"line"``.
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
    if layout == PAGE:
        return [_page_task(page, line_nos, common, sifted, model_version)]
    if layout == LINE:
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


def _page_task(page, line_nos, common, sifted, model_version):
    lines = [{"line_no": i, "text": page.lines[i]} for i in line_nos]
    task = {"data": {**common, "title": _title(page), "lines": lines}}
    if sifted is not None:
        results = [_choice(f"label_{k}", f"line_{k}", sifted.keep[i])
                   for k, i in enumerate(line_nos)]
        score = sum(_confidence(sifted, i) for i in line_nos) / len(line_nos)
        task["predictions"] = [_prediction(results, score, model_version)]
    return task


def _line_task(page, line_nos, k, common, sifted, model_version):
    line_no = line_nos[k]
    before = line_nos[max(0, k - CONTEXT_LINES):k]
    after = line_nos[k + 1:k + 1 + CONTEXT_LINES]
    data = {**common, "title": _title(page, line_no), "line_no": line_no,
            "text": page.lines[line_no], "before": _context(page, before),
            "after": _context(page, after)}
    task = {"data": data}
    if sifted is not None:
        result = [_choice(LINE_CONTROL, LINE_OBJECT, sifted.keep[line_no])]
        task["predictions"] = [_prediction(result, _confidence(sifted, line_no), model_version)]
    return task


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
