"""Scoring pages on several cores: a process pool over bounded chunks, results in input order.

The parent reads the inputs, writes the outputs, and scores a chunk itself whenever the oldest
one out is not back; ``jobs - 1`` worker processes, each holding the model once (sent by the
pool's initializer), score the others single-threaded. At most ``IN_FLIGHT_PER_JOB * jobs``
chunks are out at a time, so memory stays flat however large the input. Chunks run across
input files, so a directory of one-page ``.txt`` files is parallel too. An input that fits in
one chunk, or small input files (:func:`plan_jobs`), are scored in-process (no pool to start);
for the rest the server workers fork from starts before the parent imports scikit-learn, so
both imports run at once.
"""

import multiprocessing
import os
import signal
from collections import deque
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool

from .errors import LinesiftError
from .pages import Page

CHUNK_PAGES = 50
"""Pages sent to a worker at a time. 200 left too few chunks to share out on inputs of a few
hundred thousand lines (bench/scale.py, 10x: 5.1 s against 4.7 s with 50)."""
CHUNK_CHARS = 4_000_000
"""A chunk is also cut when its pages hold this many characters (huge pages)."""
IN_FLIGHT_PER_JOB = 2
"""Chunks out per worker: one being scored, one waiting, so no worker idles on the reader."""
START_METHOD = "forkserver"
"""Workers start from a clean server process, not a fork of a parent that may hold threads."""

_PRELOAD = ("linesift.parallel", "linesift.model")
_WORKER = {}


SMALL_INPUT_BYTES = 2_000_000
"""Files holding less than this together are scored in this process whatever ``--jobs`` says:
a worker's start-up (1.2-1.8 s) is longer than scoring them."""


def plan_jobs(jobs, inputs=()):
    """The processes to score `inputs` with, and their start: 1 for files smaller than
    SMALL_INPUT_BYTES together; otherwise `jobs`, and the server that workers fork from is
    started now, so that its imports (scikit-learn, as long as this process's own) run on
    another core while this process makes its own instead of after. Call before importing
    the model."""
    if jobs <= 1 or _small_files(inputs):
        return 1
    _context()
    if START_METHOD == "forkserver":
        from multiprocessing import forkserver

        forkserver.ensure_running()
    return jobs


def _context():
    """The multiprocessing context workers start from; a fork server imports _PRELOAD once and
    workers fork from it."""
    context = multiprocessing.get_context(START_METHOD)
    if START_METHOD == "forkserver":
        context.set_forkserver_preload(list(_PRELOAD))
    return context


def _small_files(inputs):
    """True when every input is a regular file and together they hold < SMALL_INPUT_BYTES."""
    total = 0
    for path in inputs or ["-"]:
        if path == "-" or not os.path.isfile(path):
            return False  # stdin, a directory or a pattern: size unknown
        total += os.path.getsize(path)
    return total < SMALL_INPUT_BYTES


def default_jobs():
    """The cores this process may run on (``os.process_cpu_count`` where there is one)."""
    count = getattr(os, "process_cpu_count", None)
    if count is not None:
        return count() or 1
    try:
        return len(os.sched_getaffinity(0)) or 1
    except AttributeError:  # pragma: no cover - not Linux
        return os.cpu_count() or 1


def sift_streams(sifter, streams, *, jobs=1, site_stats=None, chunk_pages=None):
    """Sift several page streams (one per input file) on `jobs` processes, in order.

    Parameters
    ----------
    sifter : linesift.Sifter
    streams : sequence of iterables of Page
        Lazy page streams (e.g. ``read_file`` generators); read in order, once.
    jobs : int
        Processes scoring pages; 1 scores in this process.
    site_stats : SiteStats, optional
        Line counts for a model that uses them.
    chunk_pages : int, optional
        Pages per chunk sent to a worker (default ``CHUNK_PAGES``).

    Yields
    ------
    iterator of SiftedPage
        One per stream, in order; consume each fully before asking for the next. An error
        while reading a stream is raised by that stream's iterator.
    """
    streams = list(streams)
    chunk_pages = chunk_pages or CHUNK_PAGES
    if jobs <= 1:
        for stream in streams:
            yield sifter.sift_pages(stream, site_stats=site_stats)
        return
    items = _Peekable(_sift_tagged(sifter, _tagged(streams), jobs, site_stats, chunk_pages))
    try:
        for index in range(len(streams)):
            view = _view(items, index)
            yield view
            for _ in view:  # whatever the caller left of this stream
                pass
    finally:
        items.close()


def sift_pages_parallel(sifter, pages, *, jobs, site_stats=None, chunk_pages=None):
    """Yield a SiftedPage for each page of one stream, in order, scored on `jobs` processes."""
    for view in sift_streams(sifter, [pages], jobs=jobs, site_stats=site_stats,
                             chunk_pages=chunk_pages):
        yield from view


class _Failed:
    """A read error, carried in order to the stream it belongs to."""

    def __init__(self, exc):
        self.exc = exc


def _tagged(streams):
    """(stream index, page) for every page of every stream; a read error ends the run."""
    for index, stream in enumerate(streams):
        try:
            for page in stream:
                yield index, page
        except Exception as exc:  # re-raised when the caller reaches this stream
            yield index, _Failed(exc)
            return


def _chunks(tagged, chunk_pages):
    chunk, chars = [], 0
    for index, page in tagged:
        chunk.append((index, page))
        chars += len(page.text) if isinstance(page, Page) else 0
        if len(chunk) >= chunk_pages or chars >= CHUNK_CHARS:
            yield chunk
            chunk, chars = [], 0
    if chunk:
        yield chunk


def _sift_tagged(sifter, tagged, jobs, site_stats, chunk_pages):
    """(stream index, SiftedPage or _Failed) in input order."""
    chunks = _chunks(tagged, chunk_pages)
    first = next(chunks, None)
    second = next(chunks, None) if first is not None else None
    if second is None:  # at most one chunk: not worth starting processes
        if first is not None:
            pages = [p for _, p in first if isinstance(p, Page)]
            yield from _merge(first, [(s.scores, s.keep) for s in
                                      sifter.sift_pages(pages, site_stats=site_stats)])
        return
    yield from _pool_results(sifter, _chain(first, second, chunks), jobs, site_stats)


def _chain(first, second, rest):
    yield first
    yield second
    yield from rest


def _pool_results(sifter, chunks, jobs, site_stats):
    """(stream index, SiftedPage or _Failed) for every chunk, in order, scored by `jobs - 1`
    worker processes and by this one.

    This process scores the next chunk itself whenever the oldest one out is not back yet:
    workers first spend as long importing scikit-learn as this process did (1.2-1.8 s), and
    without it a 2-core run of a few hundred thousand lines was slower than one process. At
    most ``IN_FLIGHT_PER_JOB`` chunks per job are out or waiting to be written.
    """
    workers = jobs - 1
    pool = ProcessPoolExecutor(max_workers=workers, mp_context=_context(),
                               initializer=_init_worker, initargs=(sifter, site_stats))
    pending = deque()  # (chunk, where it is scored, a future or its results), in input order

    def out(where):
        return sum(1 for _, w, _ in pending if w == where)

    def send(chunk):
        pages = [_slim(p) for _, p in chunk if isinstance(p, Page)]
        pending.append((chunk, "sent", pool.submit(_sift_chunk, pages) if pages else []))

    def score_here(chunk):
        pages = [p for _, p in chunk if isinstance(p, Page)]
        pending.append((chunk, "here", [(s.scores, s.keep) for s in
                                        sifter.sift_pages(pages, site_stats=site_stats)]))

    def fill():
        while out("sent") < IN_FLIGHT_PER_JOB * workers:
            chunk = next(chunks, None)
            if chunk is None:
                return
            send(chunk)

    try:
        fill()
        while pending:
            chunk, _, job = pending[0]
            if isinstance(job, Future) and not job.done() and out("here") < IN_FLIGHT_PER_JOB:
                following = next(chunks, None)
                if following is not None:
                    score_here(following)
                    continue
            pending.popleft()
            if isinstance(job, Future):
                try:
                    job = job.result()
                except BrokenProcessPool:
                    raise LinesiftError("a scoring process died (out of memory?); try fewer "
                                        "--jobs")
            fill()
            yield from _merge(chunk, job)
    finally:
        pool.shutdown(wait=False, cancel_futures=True)


def _merge(chunk, results):
    """Pair each page of a chunk with its (scores, keep); pass read errors through."""
    from .sift import SiftedPage
    verdicts = iter(results)
    for index, page in chunk:
        if isinstance(page, _Failed):
            yield index, page
            continue
        scores, keep = next(verdicts)
        yield index, SiftedPage(page=page, scores=scores, keep=keep)


def _slim(page):
    """The page as sent to a worker: id, text and domain (the rest stays in the parent)."""
    meta = {"domain": page.domain} if page.domain else {}
    return Page(id=page.id, text=page.text, meta=meta)


def _init_worker(sifter, site_stats):
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle
    _WORKER["sifter"] = sifter
    _WORKER["site_stats"] = site_stats


def _sift_chunk(pages):
    sifter = _WORKER["sifter"]
    return [(s.scores, s.keep) for s in sifter.sift_pages(pages, site_stats=_WORKER["site_stats"])]


class _Peekable:
    _END = object()

    def __init__(self, iterator):
        self._it = iterator
        self._head = None

    def peek(self):
        if self._head is None:
            self._head = next(self._it, self._END)
        return self._head

    def pop(self):
        item, self._head = self.peek(), None
        return item

    def close(self):
        self._it.close()


def _view(items, index):
    """The items of stream `index`, taken from the shared ordered stream."""
    while True:
        item = items.peek()
        if item is _Peekable._END or item[0] != index:
            return
        items.pop()
        if isinstance(item[1], _Failed):
            raise item[1].exc
        yield item[1]
