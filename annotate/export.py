"""Label Studio's JSON export into labelled pages: votes, ties and agreement (pure functions).

Each task's annotations are read as one vote per annotator and line. Cancelled (skipped)
annotations and annotations without a single content/boilerplate label are left out. A line
takes the label most of its votes give; a tie, or no vote at all, leaves it None. Agreement is
Fleiss' kappa over the lines that got two votes or more. Lines that a used annotation of a page
task leaves without a label are counted per annotator (``left_blank``), so none goes missing
unnoticed.

In the ``runs`` layout a region labels every line it touches, from its ``start`` to its ``end``
paragraph, except a first line it only touches after its last character or a last line it only
touches before its first; where regions overlap, the later one in the result wins (Label
Studio lists regions in the order they were made, the model's first).
"""

import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field

from linesift.labels import (BOILERPLATE, CONTENT, DISAGREEMENTS_FIELD, LABELS, UNLABELLED_KEY,
                             label_key)
from linesift.lines import join_lines
from linesift.pages import Page

from .config import (LINE_LAYOUT, LINE_CONTROL, PAGE_LAYOUT, RUNS_LAYOUT, RUNS_CONTROL,
                     RUNS_RESULT_TYPE)
from .tasks import PAGE_LAYOUTS, js_length, page_of_task, text_hash

_PAGE_CONTROL = re.compile(r"^label_(\d+)$")


@dataclass
class PullStats:
    """What a pull found, for the summary (see :meth:`as_dict`)."""

    tasks: int = 0
    foreign_tasks: int = 0
    annotations: int = 0
    cancelled: int = 0
    empty: int = 0
    pages: int = 0
    unannotated_pages: int = 0
    incomplete_pages: list = field(default_factory=list)
    conflicting_pages: list = field(default_factory=list)
    labels: Counter = field(default_factory=Counter)
    ties: int = 0
    annotators: set = field(default_factory=set)
    vote_counts: list = field(default_factory=list)
    blank_lines: Counter = field(default_factory=Counter)

    def as_dict(self):
        """A JSON-ready summary: counts, per-label line counts, ties and agreement."""
        return {
            "tasks": self.tasks, "foreign_tasks": self.foreign_tasks,
            "annotations": {"used": self.annotations, "cancelled_or_skipped": self.cancelled,
                            "empty": self.empty},
            "annotators": len(self.annotators),
            "pages": {"written": self.pages, "unannotated": self.unannotated_pages,
                      "incomplete": self.incomplete_pages,
                      "conflicting": self.conflicting_pages},
            "labels": {key: self.labels.get(key, 0) for key in (*LABELS, UNLABELLED_KEY)},
            "ties": self.ties,
            "left_blank": {"lines": sum(self.blank_lines.values()),
                           "by_annotator": {str(who): n for who, n in
                                            sorted(self.blank_lines.items(), key=str) if n}},
            "agreement": fleiss_kappa(self.vote_counts),
        }


def labelled_pages(export, layout):
    """Labelled pages from a project's JSON export.

    Parameters
    ----------
    export : list of dict
        Label Studio's JSON export (``download_all_tasks=true``): tasks with ``data`` and
        ``annotations``.
    layout : str
        The project's layout, ``"runs"``, ``"page"`` or ``"line"`` (see :mod:`annotate.config`).

    Returns
    -------
    pages : list of linesift.Page
        Pages with at least one usable annotation, in the order of their first task, with
        ``labels`` aligned with ``text.split("\\n")``.
    stats : PullStats
    """
    if layout not in (RUNS_LAYOUT, PAGE_LAYOUT, LINE_LAYOUT):
        raise ValueError(f"unknown layout {layout!r}")
    stats = PullStats(tasks=len(export))
    pages = []
    for page_id, by_hash in _group_by_page(export, layout, stats).items():
        if len(by_hash) > 1:
            stats.conflicting_pages.append(page_id)
            continue
        (hash_, tasks), = by_hash.items()
        votes = _page_votes(tasks, layout, stats)
        if votes is None:
            stats.unannotated_pages += 1
            continue
        page = rebuild_page(page_id, hash_, tasks, layout)
        if page is None:
            stats.incomplete_pages.append(page_id)
            continue
        page.labels = _decide(page, votes, stats)
        pages.append(page)
    stats.pages = len(pages)
    return pages, stats


def annotated_page(task, annotation):
    """The labelled page one annotation of a ``runs`` or ``page`` task gives (a webhook's
    ``task`` and ``annotation``), or None: another task, a cancelled or empty annotation."""
    if not isinstance(task, dict) or not isinstance(annotation, dict) \
            or annotation.get("was_cancelled"):
        return None
    data = task.get("data")
    page = page_of_task(data)
    result = annotation.get("result")
    if page is None or not isinstance(result, list):
        return None
    runs = any(isinstance(item, dict) and item.get("type") == RUNS_RESULT_TYPE
               for item in result)
    try:
        labels = annotation_labels([item for item in result if isinstance(item, dict)], data,
                                   RUNS_LAYOUT if runs else PAGE_LAYOUT)
    except (KeyError, TypeError, ValueError, IndexError):
        return None
    if not labels:
        return None
    page.labels = [labels.get(i) for i in range(len(page.lines))]
    return page


def is_linesift_task(data, layout):
    if not isinstance(data, dict) or not data.get("page_id") or not data.get("text_hash"):
        return False
    if layout in PAGE_LAYOUTS:
        return isinstance(data.get("lines"), list)
    return "line_no" in data


def _group_by_page(export, layout, stats):
    groups = defaultdict(lambda: defaultdict(list))
    for task in export:
        data = task.get("data")
        if not is_linesift_task(data, layout):
            stats.foreign_tasks += 1
            continue
        groups[str(data["page_id"])][data["text_hash"]].append(task)
    return groups


def rebuild_page(page_id, hash_, tasks, layout):
    """The page as pushed, from its tasks' data; None if lines are missing or it differs."""
    data = tasks[0]["data"]
    lines = [""] * int(data.get("n_lines", 0))
    try:
        for line_no, text in (data.get("blanks") or {}).items():
            lines[int(line_no)] = text
        for task in tasks:
            for line_no, text in _task_lines(task["data"], layout):
                lines[line_no] = text
    except IndexError:
        return None
    page = Page(id=page_id, text=join_lines(lines), meta=dict(data.get("meta") or {}))
    return page if text_hash(page) == hash_ else None


def _task_lines(data, layout):
    if layout in PAGE_LAYOUTS:
        return [(int(item["line_no"]), item["text"]) for item in data["lines"]]
    return [(int(data["line_no"]), data["text"])]


def _page_votes(tasks, layout, stats):
    """line_no -> list of labels from every usable annotation; None if there was none."""
    votes = defaultdict(list)
    used = 0
    for task in tasks:
        for annotation in _latest_per_annotator(task.get("annotations") or []):
            labels = _usable_labels(annotation, task["data"], layout, stats)
            if labels:
                used += 1
                stats.annotators.add(_annotator(annotation))
                if layout in PAGE_LAYOUTS:
                    stats.blank_lines[_annotator(annotation)] += \
                        len(task["data"]["lines"]) - len(labels)
                for line_no, label in labels.items():
                    votes[line_no].append(label)
    stats.annotations += used
    return votes if used else None


def _annotator(annotation):
    who = annotation.get("completed_by")
    return who.get("id", who.get("email")) if isinstance(who, dict) else who


def _latest_per_annotator(annotations):
    latest = {}
    for annotation in sorted(annotations, key=lambda a: a.get("id") or 0):
        latest[_annotator(annotation)] = annotation
    return list(latest.values())


def _usable_labels(annotation, data, layout, stats):
    """line_no -> label of one annotation, or {} (counted) if cancelled or empty."""
    if annotation.get("was_cancelled"):
        stats.cancelled += 1
        return {}
    labels = annotation_labels(annotation.get("result") or [], data, layout)
    if not labels:
        stats.empty += 1
    return labels


def annotation_labels(result, data, layout):
    """The labels one annotation's result gives, keyed by the original ``line_no``.

    Result items that are not a single content/boilerplate choice (or region) of a known line
    are ignored.

    Parameters
    ----------
    result : list of dict
        The annotation's ``result`` (``from_name``, ``type``, ``value.choices`` or, in the runs
        layout, ``value.start``/``end``/``startOffset``/``endOffset``/``paragraphlabels``).
    data : dict
        The task's data, whose ``lines`` (runs and page layouts) or ``line_no`` (line layout)
        map the result back to the page's lines.
    layout : str

    Returns
    -------
    dict
        ``{line_no: "content" | "boilerplate"}``.
    """
    if layout == RUNS_LAYOUT:
        return _region_labels(result, data)
    labels = {}
    for item in result:
        choices = (item.get("value") or {}).get("choices") or []
        if item.get("type") != "choices" or len(choices) != 1 or choices[0] not in LABELS:
            continue
        line_no = _line_no_of(item.get("from_name", ""), data, layout)
        if line_no is not None:
            labels[line_no] = choices[0]
    return labels


def _line_no_of(from_name, data, layout):
    if layout == LINE_LAYOUT:
        return int(data["line_no"]) if from_name == LINE_CONTROL else None
    match = _PAGE_CONTROL.match(from_name)
    if match is None or int(match.group(1)) >= len(data["lines"]):
        return None
    return int(data["lines"][int(match.group(1))]["line_no"])


def _region_labels(result, data):
    """Labels from ``paragraphlabels`` regions: each labels the lines it covers, later wins."""
    texts = [item["text"] for item in data["lines"]]
    labels = {}
    for item in result:
        value = item.get("value") or {}
        chosen = value.get(RUNS_RESULT_TYPE) or []
        if item.get("type") != RUNS_RESULT_TYPE or item.get("from_name") != RUNS_CONTROL \
                or len(chosen) != 1 or chosen[0] not in LABELS:
            continue
        covered = covered_lines(value, texts)
        for k in covered:
            labels[int(data["lines"][k]["line_no"])] = chosen[0]
    return labels


def covered_lines(value, texts):
    """Positions of the lines a ``Paragraphs`` region covers (a range, empty if invalid).

    Parameters
    ----------
    value : dict
        The region's ``value``: ``start`` and ``end`` paragraph positions (numbers or digit
        strings), ``startOffset`` and ``endOffset`` in UTF-16 code units.
    texts : list of str
        The task's lines, in order.
    """
    try:
        first, last = int(value["start"]), int(value["end"])
    except (KeyError, TypeError, ValueError):
        return range(0)
    if not 0 <= first <= last < len(texts):
        return range(0)
    if last > first and value.get("endOffset") == 0:
        last -= 1  # the drag ended at the very start of the next line
    if last > first and (value.get("startOffset") or 0) >= js_length(texts[first]):
        first += 1  # it began after the last character of the line before
    return range(first, last + 1)


def majority(votes):
    """The label most votes give, or None for no vote or a tie; and whether it was a tie."""
    ranked = Counter(votes).most_common()
    if not ranked:
        return None, False
    if len(ranked) > 1 and ranked[0][1] == ranked[1][1]:
        return None, True
    return ranked[0][0], False


def _decide(page, votes, stats):
    labels = [None] * len(page.lines)
    disagreements = []
    for line_no in page.nonblank_line_nos():
        line_votes = votes.get(line_no, [])
        labels[line_no], tie = majority(line_votes)
        stats.ties += tie
        stats.labels[label_key(labels[line_no])] += 1
        if len(line_votes) >= 2:
            counts = (line_votes.count(CONTENT), line_votes.count(BOILERPLATE))
            stats.vote_counts.append(counts)
            if min(counts):
                disagreements.append([line_no, *counts])
    if disagreements:
        page.meta[DISAGREEMENTS_FIELD] = disagreements
    return labels


def fleiss_kappa(counts):
    """Fleiss' kappa for lines rated by varying numbers of annotators.

    Fleiss, J. L. (1971), "Measuring nominal scale agreement among many raters",
    Psychological Bulletin 76(5), 378-382; each line's agreement uses its own number of
    ratings, as in the usual extension to unequal numbers of raters.

    Parameters
    ----------
    counts : list of tuple of int
        Per line with two ratings or more, how many gave each label.

    Returns
    -------
    dict
        ``fleiss_kappa`` (None when undefined: no such line, or every rating the same label),
        ``observed_agreement`` (None without lines), ``expected_agreement`` and ``lines``.
    """
    counts = [c for c in counts if sum(c) >= 2]
    if not counts:
        return {"fleiss_kappa": None, "observed_agreement": None, "expected_agreement": None,
                "lines": 0}
    observed = sum((sum(n * n for n in c) - sum(c)) / (sum(c) * (sum(c) - 1))
                   for c in counts) / len(counts)
    totals = [sum(column) for column in zip(*counts)]
    expected = sum((t / sum(totals)) ** 2 for t in totals)
    kappa = None if expected >= 1.0 else (observed - expected) / (1.0 - expected)
    return {"fleiss_kappa": None if kappa is None else round(kappa, 4),
            "observed_agreement": round(observed, 4), "expected_agreement": round(expected, 4),
            "lines": len(counts)}
