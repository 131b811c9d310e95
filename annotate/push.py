"""``linesift annotate push``: pages into a Label Studio project, never twice.

A task is known by ``(page_id, text_hash, line_no)`` (see :mod:`annotate.tasks`). Before
importing, push lists the project's tasks and sends only the missing ones, so pushing the same
pages again, or again after an interrupted push, creates no duplicate and loses no task. A page
whose id is in the project with another text is reported and left alone.
"""

import itertools
import sys
import time
from collections import defaultdict, deque
from dataclasses import asdict, dataclass, field

from tqdm import tqdm

from .client import LabelStudioError, ProjectNotFound, UncertainWrite
from .config import BATCH_SIZE, LAYOUTS, LINE, PAGE, detect_layout, label_config
from .tasks import page_tasks, task_key, text_hash

IMPORT_ATTEMPTS = 4
"""Attempts per batch whose import failed midway; each first checks what already arrived."""
RECHECK_WAIT = 2.0
"""Seconds to wait before checking which tasks of a failed import arrived."""
PROJECT_DESCRIPTION = ("Made by linesift: mark each line of a page as content (the page's own "
                       "text) or boilerplate (menus, ads, footers, links to other pages).")
SHOW_CHANGED = 10


class NotLinesiftProject(LabelStudioError):
    """A project whose labelling config linesift did not make."""


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

    def as_dict(self):
        return asdict(self)

    def report(self):
        """A few lines for stderr."""
        made = "created" if self.created_project else "existing"
        lines = [f"project {self.project_title!r} (id {self.project_id}, {made}, "
                 f"{self.layout} layout): {self.pages} pages read, {self.tasks_created} tasks "
                 f"created for {self.pushed_pages} pages, {self.present_pages} already there, "
                 f"{self.empty_pages} without text, {len(self.changed_pages)} changed",
                 f"pre-annotations: {self.model_version or 'none (--no-model)'}"]
        if self.changed_pages:
            shown = ", ".join(self.changed_pages[:SHOW_CHANGED])
            more = len(self.changed_pages) - SHOW_CHANGED
            lines.append("text changed since these pages were pushed, so they were not pushed "
                         f"again: {shown}" + (f" and {more} more" if more > 0 else ""))
        return "\n".join(lines)


def existing_layout(project):
    """The layout of a project linesift made; NotLinesiftProject for any other project."""
    layout = detect_layout(project.label_config)
    if layout is None:
        raise NotLinesiftProject(
            f"project {project.title!r} (id {project.id}) was not made by linesift: its "
            "labelling config has no content/boilerplate choice per line. Push to a new "
            "project name to create one.")
    return layout


def open_project(server, ref, layout=None):
    """Find project `ref` (id or title) or create it with a generated labelling config.

    Parameters
    ----------
    server : annotate.client.Server
    ref : str
        A project id (digits) or title; only a title can be created.
    layout : str, optional
        ``"page"`` or ``"line"``; default the project's own, or ``"page"`` for a new one.

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
        layout = layout or PAGE
        created = server.create_project(str(ref), label_config(layout), PROJECT_DESCRIPTION)
        return created, layout, True
    found = existing_layout(project)
    if layout is not None and layout != found:
        raise LabelStudioError(f"project {project.title!r} uses the {found} layout, not "
                               f"{layout}; drop --layout or push to another project")
    return project, found, False


def push_pages(server, pages, project, *, layout=None, sifter=None, batch_size=BATCH_SIZE,
               progress=True):
    """Push pages to a project as tasks, with the model's pre-annotations.

    Parameters
    ----------
    server : annotate.client.Server
    pages : iterable of linesift.Page
    project : str
        Project id or title (created when a title is not found).
    layout : str, optional
        ``"page"`` (one task per page) or ``"line"`` (one per line); see :func:`open_project`.
    sifter : linesift.Sifter, optional
        Scores the lines for the predictions; None pushes tasks without predictions.
    batch_size : int
        Tasks per import request.
    progress : bool
        Show a progress bar on stderr.

    Returns
    -------
    PushSummary
    """
    pages = iter(pages)
    first = list(itertools.islice(pages, 1))  # an unreadable input fails before a project is made
    project, layout, created = open_project(server, project, layout)
    summary = PushSummary(project.id, project.title, layout, created,
                          sifter.version if sifter is not None else None)
    known = _KnownTasks(server.task_data(project.id))
    with tqdm(itertools.chain(first, pages), unit="page", desc="push", file=sys.stderr,
              disable=not progress) as bar:
        batch = []
        for tasks in _new_tasks(_pages_to_push(bar, layout, known, summary), layout, sifter):
            batch.extend(tasks)
            if len(batch) >= batch_size:
                summary.tasks_created += _import(server, project.id, batch)
                bar.set_postfix(created=summary.tasks_created)
                batch = []
        if batch:
            summary.tasks_created += _import(server, project.id, batch)
    return summary


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
    if layout == LINE:
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
            print(f"import failed ({exc}); checking which tasks arrived before sending the "
                  "rest", file=sys.stderr, flush=True)
            time.sleep(RECHECK_WAIT * attempt)
            present = {task_key(data) for data in server.task_data(project_id)}
            todo = [task for task in todo if task_key(task["data"]) not in present]
            if not todo:
                return len(tasks)
