"""``linesift annotate predict``: the pre-fills of tasks nobody labelled yet, from a new model.

Label Studio keeps the predictions a task was imported with. After retraining, the tasks still
waiting for an annotator show the old model's guesses; this replaces them. A task that anyone
annotated, skipped or saved a draft of is left alone, and so is a task whose only prediction is
already the new model's. The new predictions are imported first and the old ones deleted after,
so an interrupted run leaves a task with two pre-fills at worst, never none; running again
finishes the job.

Each prediction is stamped with the model's version (``name@sha256-prefix``), and the summary
counts the pre-fills of the waiting tasks by the model that made them.
"""

import sys
from collections import Counter, defaultdict
from dataclasses import asdict, dataclass, field

from tqdm import tqdm

from .config import BATCH_SIZE, LINE_LAYOUT, existing_layout
from .export import is_linesift_task, rebuild_page
from .tasks import (PAGE_LAYOUTS, line_prediction, model_data, page_prediction, task_key,
                    page_of_task, text_hash)


@dataclass
class PredictSummary:
    """What a refresh of a project's pre-fills did."""

    project_id: int
    project_title: str
    model_version: str
    tasks: int = 0
    labelled: int = 0
    current: int = 0
    refreshed: int = 0
    not_rebuilt: int = 0
    replaced: Counter = field(default_factory=Counter)
    prefills: Counter = field(default_factory=Counter)

    def as_dict(self):
        return {**asdict(self), "replaced": dict(self.replaced), "prefills": dict(self.prefills)}

    def report(self):
        """A few lines for stderr."""
        old = ", ".join(f"{n} of {v}" for v, n in self.replaced.most_common()) or "none"
        lines = [f"project {self.project_title!r} (id {self.project_id}): {self.tasks} tasks, "
                 f"{self.labelled} labelled or started (left alone), {self.refreshed} "
                 f"pre-filled again by {self.model_version} (replacing {old}), {self.current} "
                 "already by it",
                 prefill_line(self.prefills)]
        if self.not_rebuilt:
            lines.append(f"{self.not_rebuilt} line tasks kept their pre-fill: their pages are "
                         "not wholly in the project; give the pages to push to refresh them")
        return "\n".join(lines)


def prefill_line(prefills):
    """'pre-fills of the tasks nobody labelled yet: N by VERSION, ...'."""
    if not prefills:
        return "pre-fills of the tasks nobody labelled yet: none"
    return "pre-fills of the tasks nobody labelled yet: " + ", ".join(
        f"{n} by {version or 'no model'}" for version, n in prefills.most_common())


def prefill_versions(states):
    """Counter of the model versions whose pre-fill the untouched tasks show (None: no
    pre-fill; several predictions on one task: the latest)."""
    return Counter((state.predictions[-1][1] if state.predictions else None)
                   for state in states if not state.touched)


def refresh_predictions(server, project, sifter, *, pages=None, batch_size=BATCH_SIZE,
                        progress=True):
    """Replace the pre-fills of a project's untouched tasks with `sifter`'s.

    Parameters
    ----------
    server : annotate.client.Server
    project : str
        Project id or title.
    sifter : linesift.Sifter
    pages : iterable of linesift.Page, optional
        Pages the tasks were made from (matched by id and text hash); without them pages are
        rebuilt from the tasks, which in the ``line`` layout needs every line of the page.

    Returns
    -------
    PredictSummary
    """
    found = server.get_project(project)
    layout = existing_layout(found)
    states = server.task_states(found.id)
    summary = PredictSummary(found.id, found.title, sifter.version, tasks=len(states))
    waiting = []
    for state in states:
        if state.touched:
            summary.labelled += 1
        elif [v for _, v in state.predictions] == [sifter.version]:
            summary.current += 1
        elif is_linesift_task(state.data, layout):
            waiting.append(state)
    given = {(p.id, text_hash(p)): p for p in pages} if pages is not None else {}
    todo = list(_predictions(waiting, states, layout, sifter, given, summary))
    done = set()
    with tqdm(total=len(todo), unit="task", desc="pre-fill", file=sys.stderr,
              disable=not progress or not todo) as bar:
        for start in range(0, len(todo), batch_size):
            batch = todo[start:start + batch_size]
            server.import_predictions(found.id, [prediction for _, prediction, _ in batch])
            for state, _, data in batch:
                if any(state.data.get(key) != value for key, value in data.items()):
                    # the confidence marks and the page score are the new model's too
                    server.update_task_data(state.id, {**state.data, **data})
                for prediction_id, version in state.predictions:
                    server.delete_prediction(prediction_id)
                    summary.replaced[version] += 1
                done.add(state.id)
            summary.refreshed += len(batch)
            bar.update(len(batch))
    summary.prefills = prefill_versions(
        [state for state in states if state.id not in done]) + Counter(
            {sifter.version: len(done)} if done else {})
    return summary


def _predictions(waiting, states, layout, sifter, given, summary):
    """Yield ``(task state, new prediction, new model data)`` for each waiting task whose page
    is known."""
    by_page, every_task = defaultdict(list), defaultdict(list)
    for state in waiting:
        by_page[task_key(state.data)[:2]].append(state)
    for state in states:
        every_task[task_key(state.data)[:2]].append(state)
    pages, owners = [], []
    for key, states in by_page.items():
        page = given.get(key) or _page_of(every_task[key], layout)
        if page is None:
            summary.not_rebuilt += len(states)
            continue
        pages.append(page)
        owners.append(states)
    for states, sifted in zip(owners, sifter.sift_pages(pages)):
        for state in states:
            if layout in PAGE_LAYOUTS:
                prediction = page_prediction(sifted, layout, sifter.version)
                data = model_data(sifted.page, layout, sifted)
            else:
                line_no = int(state.data["line_no"])
                prediction = line_prediction(sifted, line_no, sifter.version)
                data = model_data(sifted.page, layout, sifted, line_no)
            yield state, {**prediction, "task": state.id}, data


def _page_of(states, layout):
    """The page of a task (runs, page layouts) or of a page's line tasks, or None."""
    if layout != LINE_LAYOUT:
        return page_of_task(states[0].data)
    page_id, hash_ = task_key(states[0].data)[:2]
    tasks = [{"data": state.data} for state in states if is_linesift_task(state.data, layout)]
    return rebuild_page(str(page_id), hash_, tasks, layout)
