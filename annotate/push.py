"""``linesift annotate push``: pages into a Label Studio project, never twice.

A task is known by ``(page_id, text_hash, line_no)`` (see :mod:`annotate.tasks`). Before
importing, push lists the project's tasks and sends only the missing ones, so pushing the same
pages again, or again after an interrupted push, creates no duplicate and loses no task. A page
whose id is in the project with another text is reported and left alone.

Push first reads and scores the pages (a bar over pages), then uploads their tasks (a bar over
tasks, with the total). A project it creates gets a Data Manager tab that shows the page id,
domain, number of lines and the model's page score instead of linesift's internal fields.
"""

import itertools
import sys
import time
from collections import Counter, defaultdict, deque
from dataclasses import asdict, dataclass, field

from tqdm import tqdm

from linesift.labels import DEFAULT_THRESHOLD
from linesift.logs import get_logger

from .client import LabelStudioError, ProjectNotFound, UncertainWrite
from .config import BATCH_SIZE, DEFAULT_LAYOUT, LAYOUTS, LINE_LAYOUT, existing_layout, label_config
from .predict import prefill_line, prefill_versions, refresh_predictions
from .select import expected_wrong_lines, select_lines, select_pages
from .tasks import page_tasks, task_key, text_hash

IMPORT_ATTEMPTS = 4
"""Attempts per batch whose import failed midway; each first checks what already arrived."""
RECHECK_WAIT = 2.0
"""Seconds to wait before checking which tasks of a failed import arrived."""
PROJECT_DESCRIPTION = ("Made by linesift: mark each line of a page as content (the page's own "
                       "text) or boilerplate (menus, ads, footers, links to other pages).")
LOGGER = get_logger("linesift.annotate")
SHOW_CHANGED = 10
TASK_LIST_TAB = "Pages"
SHOWN_COLUMNS = ("id", "data.page_id", "data.domain", "data.n_lines", "data.expected_wrong",
                 "predictions_score", "total_annotations", "cancelled_annotations",
                 "completed_at", "annotators")
"""Data Manager columns of the tab push makes: page id, domain, lines, the lines the model
expects to have wrong, its weakest line's confidence (the prediction score) and the labelling
progress. Every other column of Label Studio's and of the task data (the ``lines`` JSON,
``text_hash``, ``blanks`` ...) is hidden; a user can show them again."""
TASK_LIST_ORDERING = ("-tasks:data.expected_wrong",)
"""The tab lists the pages the model expects to have most wrong first: the ones to correct."""
HIDDEN_DATA = ("title", "text_hash", "blanks", "lines", "meta", "url", "line_no", "text",
               "before", "after")
HIDDEN_BUILTIN = ("inner_id", "total_predictions", "predictions_results", "annotations_results",
                  "annotations_ids", "predictions_model_versions", "file_upload",
                  "storage_filename", "created_at", "updated_at", "updated_by", "avg_lead_time",
                  "draft_exists", "comment_count", "unresolved_comment_count",
                  "last_comment_updated_at", "comment_authors")


@dataclass
class PushSummary:
    """What a push did."""

    project_id: int
    project_title: str
    layout: str
    created_project: bool
    model_version: str | None
    pages: int = 0
    empty_pages: int = 0
    present_pages: int = 0
    pushed_pages: int = 0
    tasks_created: int = 0
    changed_pages: list = field(default_factory=list)
    selection: dict | None = None
    prefills: Counter = field(default_factory=Counter)
    refreshed: object = None

    def as_dict(self):
        out = asdict(self)
        out["prefills"] = dict(self.prefills)
        if self.refreshed is not None:
            out["refreshed"] = self.refreshed.as_dict()
        return out

    def report(self):
        """A few lines for stderr."""
        made = "created" if self.created_project else "existing"
        lines = [f"project {self.project_title!r} (id {self.project_id}, {made}, "
                 f"{self.layout} layout): {self.pages} pages read, {self.tasks_created} tasks "
                 f"created for {self.pushed_pages} pages, {self.present_pages} already there, "
                 f"{self.empty_pages} without text, {len(self.changed_pages)} changed",
                 f"pre-annotations of the tasks created: "
                 f"{self.model_version or 'none (no model)'}"]
        if self.selection:
            sel = self.selection
            lines.append(f"selected {sel['chosen']} {sel['unit']} of {sel['pool']} not yet in "
                         f"the project by {sel['strategy']}"
                         + (f" (expected wrong lines per page: {sel['chosen_mean']:.1f} "
                            f"chosen, {sel['pool_mean']:.1f} in the pool)"
                            if sel.get("chosen_mean") is not None else ""))
        if self.refreshed is not None:
            lines.append(f"refreshed {self.refreshed.refreshed} pre-fills of tasks nobody "
                         f"labelled yet ({self.refreshed.labelled} labelled or started, left "
                         "alone)")

        lines.append(prefill_line(self.prefills))
        if self.changed_pages:
            shown = ", ".join(self.changed_pages[:SHOW_CHANGED])
            more = len(self.changed_pages) - SHOW_CHANGED
            lines.append("text changed since these pages were pushed, so they were not pushed "
                         f"again: {shown}" + (f" and {more} more" if more > 0 else ""))
        return "\n".join(lines)


def open_project(server, ref, layout=None):
    """Find project `ref` (id or title) or create it with a generated labelling config.

    Parameters
    ----------
    server : annotate.client.Server
    ref : str
        A project id (digits) or title; only a title can be created.
    layout : str, optional
        ``"runs"``, ``"page"`` or ``"line"``; default the project's own, or ``"runs"`` for a new
        one.

    Returns
    -------
    tuple
        ``(project, layout, created)``.
    """
    if layout is not None and layout not in LAYOUTS:
        raise ValueError(f"unknown layout {layout!r}; expected one of {LAYOUTS}")
    project = server.find_project(ref)
    if project is None:
        if str(ref).isdigit():
            raise ProjectNotFound(f"no project with id {ref} on Label Studio at {server.url}; "
                                  "give a title to create a new project")
        layout = layout or DEFAULT_LAYOUT
        created = server.create_project(str(ref), label_config(layout), PROJECT_DESCRIPTION)
        server.create_view(created.id, TASK_LIST_TAB, task_list_hidden_columns(),
                           TASK_LIST_ORDERING)
        return created, layout, True
    found = existing_layout(project)
    if layout is not None and layout != found:
        raise LabelStudioError(f"project {project.title!r} uses the {found} layout, not "
                               f"{layout}", hint="layout")
    return project, found, False


def task_list_hidden_columns():
    """The Data Manager columns the tab made by push hides (``tasks:`` ids)."""
    return [f"tasks:{name}" for name in HIDDEN_BUILTIN] + \
        [f"tasks:data.{name}" for name in HIDDEN_DATA]


def push_pages(server, pages, project, *, layout=None, sifter=None, batch_size=BATCH_SIZE,
               progress=True, select=None, budget=None, seed=0, refresh=False):
    """Push pages to a project as tasks, with the model's pre-annotations.

    Parameters
    ----------
    server : annotate.client.Server
    pages : iterable of linesift.Page
    project : str
        Project id or title (created when a title is not found).
    layout : str, optional
        ``"runs"`` or ``"page"`` (one task per page) or ``"line"`` (one per line); see
        :func:`open_project`.
    sifter : linesift.Sifter, optional
        Scores the lines for the predictions; None pushes tasks without predictions.
    batch_size : int
        Tasks per import request.
    progress : bool
        Show a progress bar on stderr.
    select : str, optional
        Push only the `budget` pages (lines, in the line layout) of `pages` that are not yet
        in the project and that the strategy picks (:mod:`annotate.select`: ``"uncertain"``,
        ``"diverse"``, ``"random"``).
    seed : int
        Seeds the ``random`` and ``diverse`` strategies.
    refresh : bool
        Afterwards, replace the pre-fills of the project's tasks nobody labelled yet with
        `sifter`'s (:func:`annotate.predict.refresh_predictions`).

    Returns
    -------
    PushSummary
    """
    if select is not None and budget is None:
        raise ValueError("a selection needs a budget")
    pages = iter(pages)
    first = list(itertools.islice(pages, 1))  # an unreadable input fails before a project is made
    project, layout, created = open_project(server, project, layout)
    summary = PushSummary(project.id, project.title, layout, created,
                          sifter.version if sifter is not None else None)
    states = server.task_states(project.id)  # one listing: Label Studio may ask an ML backend
    known = _KnownTasks([state.data for state in states])  # to pre-fill what it lists
    read = [] if refresh else None
    with tqdm(itertools.chain(first, pages), unit=" pages", desc="read", file=sys.stderr,
              disable=not progress) as bar:
        todo_pages = _pages_to_push(_noted(bar, read), layout, known, summary)
        if select is None:
            todo = [task for tasks in _new_tasks(todo_pages, layout, sifter) for task in tasks]
        else:
            todo = _selected_tasks(list(todo_pages), layout, sifter, select, budget, seed,
                                   summary)
    with tqdm(total=len(todo), unit="task", desc="upload", file=sys.stderr,
              disable=not progress or not todo) as bar:
        for start in range(0, len(todo), batch_size):
            batch = todo[start:start + batch_size]
            summary.tasks_created += _import(server, project.id, batch)
            bar.update(len(batch))

    summary.prefills = prefill_versions(states)
    summary.prefills[summary.model_version] += summary.tasks_created
    if refresh and sifter is not None:
        summary.refreshed = refresh_predictions(server, str(project.id), sifter, pages=read,
                                                batch_size=batch_size, progress=progress)
        summary.prefills = summary.refreshed.prefills
    return summary


def _noted(pages, read):
    """`pages`, each also appended to `read` when it is a list."""
    for page in pages:
        if read is not None:
            read.append(page)
        yield page


def _selected_tasks(pool, layout, sifter, strategy, budget, seed, summary):
    """The tasks of the pages (or lines) of `pool` that `strategy` picks, with predictions.

    `pool` holds ``(page, missing task keys)`` for every page not yet wholly in the project;
    each is scored once (the model's verdicts make the pre-fills and rank ``uncertain``)."""
    pages = [page for page, _ in pool]
    sifted = list(sifter.sift_pages(pages)) if sifter is not None else None
    threshold = sifter.threshold if sifter is not None else DEFAULT_THRESHOLD
    if layout == LINE_LAYOUT:
        candidates = {k: sorted(key[2] for key in missing) for k, (_, missing) in enumerate(pool)}
        chosen = select_lines(pages, strategy, budget, sifted=sifted, candidates=candidates,
                              threshold=threshold, seed=seed)
        wanted = defaultdict(set)
        for k, line_no in chosen:
            wanted[k].add((pages[k].id, text_hash(pages[k]), line_no))
        unit, pool_size = "lines", sum(len(c) for c in candidates.values())
    else:
        chosen = select_pages(pages, strategy, budget, sifted=sifted, threshold=threshold,
                              seed=seed)
        wanted = {k: pool[k][1] for k in chosen}
        unit, pool_size = "pages", len(pages)
    summary.pushed_pages = len(wanted)
    summary.selection = {"strategy": strategy, "budget": budget, "unit": unit,
                         "pool": pool_size, "chosen": len(chosen), "seed": seed}
    if sifted is not None and layout != LINE_LAYOUT and pages:
        wrong = [expected_wrong_lines(s, threshold) for s in sifted]
        summary.selection.update(chosen_mean=sum(wrong[k] for k in chosen) / max(len(chosen), 1),
                                 pool_mean=sum(wrong) / len(wrong),
                                 chosen_pages=[pages[k].id for k in chosen])
    todo = []
    for k in sorted(wanted):
        tasks = page_tasks(pages[k], layout, sifted[k] if sifted is not None else None,
                           sifter.version if sifter is not None else None)
        todo += _keep(tasks, wanted[k])
    return todo


class _KnownTasks:
    """The task keys in a project, and which texts each page id was pushed with."""

    def __init__(self, task_data):
        self.keys = set()
        self.hashes = defaultdict(set)
        for data in task_data:
            self.add([task_key(data)])

    def add(self, keys):
        for key in keys:
            self.keys.add(key)
            self.hashes[key[0]].add(key[1])

    def changed(self, page_id, hash_):
        return bool(self.hashes.get(page_id)) and hash_ not in self.hashes[page_id]


def _expected_keys(page, hash_, layout):
    if layout == LINE_LAYOUT:
        return {(page.id, hash_, i) for i in page.nonblank_line_nos()}
    return {(page.id, hash_, None)}


def _pages_to_push(pages, layout, known, summary):
    """Yield ``(page, missing task keys)`` for each page with tasks still to import."""
    for page in pages:
        summary.pages += 1
        if not page.nonblank_line_nos():
            summary.empty_pages += 1
            continue
        hash_ = text_hash(page)
        if known.changed(page.id, hash_):
            summary.changed_pages.append(page.id)
            continue
        missing = _expected_keys(page, hash_, layout) - known.keys
        if not missing:
            summary.present_pages += 1
            continue
        known.add(missing)
        summary.pushed_pages += 1
        yield page, missing


def _new_tasks(todo, layout, sifter):
    """Yield the list of missing tasks of each page, with predictions when there is a model.

    ``Sifter.sift_pages`` scores pages in batches and yields them in order, so each page's
    missing keys wait in a queue until its verdicts come back.
    """
    if sifter is None:
        for page, missing in todo:
            yield _keep(page_tasks(page, layout), missing)
        return
    waiting = deque()
    pages = (waiting.append(missing) or page for page, missing in todo)
    for sifted in sifter.sift_pages(pages):
        yield _keep(page_tasks(sifted.page, layout, sifted, sifter.version), waiting.popleft())


def _keep(tasks, keys):
    return [task for task in tasks if task_key(task["data"]) in keys]


def _import(server, project_id, tasks):
    """Import a batch; after a failure whose outcome is unknown, send only what is missing."""
    todo = tasks
    for attempt in range(1, IMPORT_ATTEMPTS + 1):
        try:
            server.import_tasks(project_id, todo)
            return len(tasks)
        except UncertainWrite as exc:
            if attempt == IMPORT_ATTEMPTS:
                raise
            LOGGER.warning(f"import failed ({exc}); checking which tasks arrived before "
                           "sending the rest")
            time.sleep(RECHECK_WAIT * attempt)
            present = {task_key(data) for data in server.task_data(project_id)}
            todo = [task for task in todo if task_key(task["data"]) not in present]
            if not todo:
                return len(tasks)
