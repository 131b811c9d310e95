"""Where a chunk of pages is scored: in this process, a local process pool, or a Dask cluster.

The filtering job reads pages, cuts them into chunks and writes results in input order; a
backend only decides where each chunk is scored. The job scores a chunk itself whenever the
oldest one out is not back (workers first spend as long importing scikit-learn as this process
did), and at most ``IN_FLIGHT_PER_WORKER`` chunks per worker are out at a time, so memory stays
flat however large the input. Chunks run across input files, so a directory of one-page
``.txt`` files is parallel too.

- :class:`LocalPool`: ``jobs - 1`` processes started from a fork server that imports the model's
  modules once, started before this process imports scikit-learn so both imports run at once.
  Small inputs (:func:`plan_jobs`) are scored in-process: a worker's start-up is longer than
  scoring them.
- :class:`DaskBackend`: the workers of a Dask cluster (a new local one, or a running scheduler);
  the model is sent to each worker once.
"""

import importlib.util
import logging
import multiprocessing
from multiprocessing import forkserver
import os
import select
import signal
import sys
import threading
import time
from collections import deque
from contextlib import contextmanager

from ..errors import LinesiftError
from ..pages import Page
from ..sift import SiftedPage

CHUNK_PAGES = 50
"""Pages sent to a worker at a time: enough chunks to share out on inputs of a few hundred
thousand lines (bench/RESULTS.md)."""
CHUNK_CHARS = 4_000_000
"""A chunk is also cut when its pages hold this many characters (huge pages)."""
IN_FLIGHT_PER_WORKER = 2
"""Chunks out per worker: one being scored, one waiting, so no worker idles on the reader."""
SMALL_INPUT_BYTES = 2_000_000
"""Files holding less than this together are scored in this process whatever ``jobs`` says:
a worker's start-up is longer than scoring them."""
ENGINES = ("local", "dask")
"""Where pages are scored: this machine (``--jobs`` processes), or a Dask cluster."""
WORKER_EXIT_SECONDS = 5
"""How long a run that stops on an error waits for each killed worker to be gone."""
PARENT_POLL_SECONDS = 0.5
"""Where processes have no pidfd: how often a worker checks that the command still runs."""

_PRELOAD = ("linesift.run.backends", "linesift.sift")
TRACKER_QUIET = "ignore::UserWarning:multiprocessing.resource_tracker"
_WORKER = {}


def default_jobs():
    """The cores this process may run on (``os.process_cpu_count`` where there is one)."""
    count = getattr(os, "process_cpu_count", None)
    if count is not None:
        return count() or 1
    try:
        return len(os.sched_getaffinity(0)) or 1
    except AttributeError:  # pragma: no cover - not Linux
        return os.cpu_count() or 1


def plan_jobs(jobs, inputs=()):
    """The processes to score `inputs` with: `jobs`, but no more than the cores this process
    may use, nor more workers than whole SMALL_INPUT_BYTES in the input files (1 process for
    files smaller than that together). With more than one, the server that workers fork
    from is started now, so that its imports run on another core while this process makes
    its own. Call before importing the model."""
    jobs = min(jobs, default_jobs())
    if jobs <= 1 or _small_files(inputs):
        return 1
    size = _total_size(inputs)
    if size is not None:  # a worker only for each further SMALL_INPUT_BYTES to score
        jobs = min(jobs, 1 + size // SMALL_INPUT_BYTES)
    _context()
    forkserver.ensure_running()
    return jobs


def _context():
    """Workers start from a clean server process (``forkserver``), not a fork of a parent
    that may hold threads; the server imports the scoring modules once, for every worker."""
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(list(_PRELOAD))
    if TRACKER_QUIET not in sys.warnoptions:
        # the resource tracker, a process of its own, gets this process's -W options: after a
        # kill -9 it unlinks what the dead run left, without a warning on the next run's
        # terminal
        sys.warnoptions.append(TRACKER_QUIET)
    return context


def _small_files(inputs):
    """True when every input is a regular file and together they hold < SMALL_INPUT_BYTES."""
    total = _total_size(inputs)
    return total is not None and total < SMALL_INPUT_BYTES


def _total_size(inputs):
    """Bytes of the inputs when every one is a regular file, else None (stdin, a
    directory, a pattern: size unknown)."""
    total = 0
    for path in inputs or ["-"]:
        if path == "-" or not os.path.isfile(path):
            return None
        total += os.path.getsize(path)
    return total


# --- backends -------------------------------------------------------------------------------

class LocalPool:
    """``workers`` processes on this machine, each holding the model once; started on the
    first chunk sent (an input that fails before then starts none)."""

    def __init__(self, sifter, workers, site_stats=None, reasons=0):
        self.workers = workers
        self._initargs = (sifter, site_stats, reasons, os.getpid())
        self._pool = None

    def submit(self, pages):
        if self._pool is None:
            from concurrent.futures import ProcessPoolExecutor

            self._pool = ProcessPoolExecutor(max_workers=self.workers, mp_context=_context(),
                                             initializer=_init_worker, initargs=self._initargs)
        with _signals_deferred():  # a worker may be starting: do not cut its set-up short
            return self._pool.submit(_sift_chunk, pages)

    def result(self, future):
        from concurrent.futures.process import BrokenProcessPool

        try:
            return future.result()
        except BrokenProcessPool:
            raise LinesiftError("a scoring process died (out of memory?)", hint="jobs") from None

    def close(self, abort=False):
        """Shut the pool down; with `abort` (an error, Ctrl-C, SIGTERM) kill the workers
        rather than let them finish their chunks."""
        if self._pool is None:
            return
        pool, self._pool = self._pool, None
        manager = getattr(pool, "_executor_manager_thread", None)
        if not abort:
            # every chunk is back: the idle workers exit at once; then Python's exit must not
            # wake the pool's ended thread (see _forget_manager_thread). A signal is held until
            # then: raised inside the wait, it left the worker waiting for the word to exit and
            # Python's exit waiting for the worker, for ever.
            with _signals_deferred():
                pool.shutdown(wait=True, cancel_futures=True)
                _forget_manager_thread(manager)
            return
        processes = list((getattr(pool, "_processes", None) or {}).values())
        for process in processes:
            try:
                process.kill()
            except (OSError, ValueError, AttributeError):  # already gone
                pass
        for process in processes:
            try:
                process.join(timeout=WORKER_EXIT_SECONDS)
            except (OSError, ValueError, AssertionError, AttributeError):
                pass
        pool.shutdown(wait=True, cancel_futures=True)  # its thread sees the workers gone
        _forget_manager_thread(manager)


def _forget_manager_thread(thread):
    """Keep Python's exit from waking a pool thread that already ended: on Python 3.11 that
    writes to a closed pipe and prints a traceback ("Bad file descriptor") after the run."""
    from concurrent.futures import process as futures_process

    wakeups = getattr(futures_process, "_threads_wakeups", None)
    if thread is not None and wakeups is not None:
        wakeups.pop(thread, None)


class DaskBackend:
    """The workers of a Dask cluster: a running scheduler's, or a new local cluster's."""

    def __init__(self, sifter, client, site_stats=None, reasons=0):
        self.client = client
        self.workers = max(len(client.scheduler_info().get("workers", {})), 1)
        self._sifter = client.scatter(sifter, broadcast=True)
        self._site_stats = client.scatter(site_stats, broadcast=True) if site_stats else None
        self._reasons = reasons

    def submit(self, pages):
        return self.client.submit(_sift_with, self._sifter, pages, self._site_stats,
                                  self._reasons, pure=False)

    def result(self, future):
        return future.result()

    def close(self, abort=False):
        pass


def require_dask():
    """LinesiftError (one line naming the extra) now, before any work, when Dask is missing."""
    if importlib.util.find_spec("distributed") is None:
        raise LinesiftError("the Dask engine needs Dask: pip install 'linesift[dask]'")


def dask_client(scheduler=None, workers=None):
    """A Dask client (a context manager): on the cluster at `scheduler`, else on a new local
    cluster of `workers` single-threaded processes (default: all cores)."""
    try:
        from distributed import Client, LocalCluster
    except ImportError:
        raise LinesiftError("the Dask engine needs Dask: pip install 'linesift[dask]'") from None

    @contextmanager
    def client():
        if scheduler:
            with Client(scheduler) as connected:
                if workers:
                    connected.wait_for_workers(workers)
                yield connected
            return
        with LocalCluster(n_workers=workers or default_jobs(), threads_per_worker=1,
                          processes=True, dashboard_address=None,
                          silence_logs=logging.ERROR) as cluster, Client(cluster) as connected:
            yield connected
    return client()


# --- scoring streams of pages ---------------------------------------------------------------

def sift_streams(sifter, streams, *, backend=None, site_stats=None, reasons=0,
                 chunk_pages=None):
    """Sift several page streams (one per input file), in order, on `backend`.

    Parameters
    ----------
    sifter : linesift.Sifter
    streams : sequence of iterables of Page
        Lazy page streams; read in order, once.
    backend : LocalPool or DaskBackend, optional
        Where chunks are scored besides this process; None scores everything here.
    site_stats : SiteStats, optional
        Line counts for a model that uses them.
    reasons : int
        Ask for each line's top stage-one features (see :meth:`Sifter.sift_pages`).
    chunk_pages : int, optional
        Pages per chunk (default :data:`CHUNK_PAGES`).

    Yields
    ------
    iterator of SiftedPage
        One per stream, in order; consume each fully before asking for the next. An error
        while reading a stream is raised by that stream's iterator.
    """
    streams = list(streams)
    if backend is None:
        for stream in streams:
            yield sifter.sift_pages(stream, site_stats=site_stats, reasons=reasons)
        return
    scored = _Scheduler(sifter, backend, site_stats, reasons)
    items = _Peekable(scored.run(_chunks(_tagged(streams), chunk_pages or CHUNK_PAGES)))
    try:
        for index in range(len(streams)):
            view = _view(items, index)
            yield view
            for _ in view:  # whatever the caller left of this stream
                pass
    finally:
        items.close()


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


class _Scheduler:
    """Chunks scored by the backend's workers and by this process, results in input order."""

    def __init__(self, sifter, backend, site_stats, reasons):
        self.sifter = sifter
        self.backend = backend
        self.site_stats = site_stats
        self.reasons = reasons
        self.pending = deque()  # (chunk, "sent" or "here", a future or its results)

    def run(self, chunks):
        """(stream index, SiftedPage or _Failed) for every chunk, in order."""
        first = next(chunks, None)
        second = next(chunks, None) if first is not None else None
        if second is None:  # at most one chunk: not worth a worker
            if first is not None:
                yield from _merge(first, self._here(first))
            return
        chunks = _chain(first, second, chunks)
        self._fill(chunks)
        while self.pending:
            chunk, where, job = self.pending[0]
            if where == "sent" and not job.done() and self._out("here") < IN_FLIGHT_PER_WORKER:
                following = next(chunks, None)
                if following is not None:
                    self.pending.append((following, "here", self._here(following)))
                    continue
            self.pending.popleft()
            results = self.backend.result(job) if where == "sent" else job
            self._fill(chunks)
            yield from _merge(chunk, results)

    def _out(self, where):
        return sum(1 for _, w, _ in self.pending if w == where)

    def _fill(self, chunks):
        while self._out("sent") < IN_FLIGHT_PER_WORKER * self.backend.workers:
            chunk = next(chunks, None)
            if chunk is None:
                return
            pages = [_slim(p) for _, p in chunk if isinstance(p, Page)]
            self.pending.append((chunk, "sent", self.backend.submit(pages) if pages
                                 else _Done([])))

    def _here(self, chunk):
        pages = [p for _, p in chunk if isinstance(p, Page)]
        return _verdicts(self.sifter.sift_pages(pages, site_stats=self.site_stats,
                                                reasons=self.reasons))


class _Done:
    """A result already at hand, with a future's interface."""

    def __init__(self, value):
        self.value = value

    def done(self):
        return True

    def result(self):
        return self.value


def _chain(first, second, rest):
    yield first
    yield second
    yield from rest


def _verdicts(sifted_pages):
    """What a worker sends back for each page: (scores, keep, stage1, reasons)."""
    return [(s.scores, s.keep, s.stage1, s.reasons) for s in sifted_pages]


def _merge(chunk, results):
    """Pair each page of a chunk with its verdicts; pass read errors through."""
    verdicts = iter(results)
    for index, page in chunk:
        if isinstance(page, _Failed):
            yield index, page
            continue
        scores, keep, stage1, reasons = next(verdicts)
        yield index, SiftedPage(page=page, scores=scores, keep=keep, stage1=stage1,
                                reasons=reasons)


def _slim(page):
    """The page as sent to a worker: id, text and domain (the rest stays here)."""
    meta = {"domain": page.domain} if page.domain else {}
    return Page(id=page.id, text=page.text, meta=meta)


@contextmanager
def _signals_deferred():
    """Hold Ctrl-C and SIGTERM until the block is done, then deliver them.

    Submitting a chunk may start a worker: this process then sends the new process its set-up
    through a pipe. A signal that interrupted that write would leave the worker to die on a
    truncated message, printing a traceback; deferred, it arrives a moment later, when the
    run can unwind cleanly.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    pending = []
    previous = {sig: signal.signal(sig, lambda signum, frame: pending.append(signum))
                for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        for sig in pending:
            signal.raise_signal(sig)


def _init_worker(sifter, site_stats, reasons, parent):
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle
    watch_parent(parent)
    _WORKER.update(sifter=sifter, site_stats=site_stats, reasons=reasons)


def watch_parent(pid):
    """End this worker as soon as the command `pid` ends, however it ends (SIGKILL
    included): a worker holds the fork server's and the resource tracker's pipes open, so
    all three would otherwise outlive the command."""
    threading.Thread(target=_exit_with, args=(pid,), name="linesift-parent-watch",
                     daemon=True).start()


def _exit_with(pid):
    try:
        handle = os.pidfd_open(pid)
    except ProcessLookupError:
        os._exit(1)
    except (AttributeError, OSError):  # no pidfd (not Linux, or older than 5.3): poll
        handle = None
    if handle is not None:
        select.select([handle], [], [])
        os._exit(1)
    while True:
        time.sleep(PARENT_POLL_SECONDS)
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            os._exit(1)
        except OSError:
            pass


def _sift_chunk(pages):
    return _sift_with(_WORKER["sifter"], pages, _WORKER["site_stats"], _WORKER["reasons"])


def _sift_with(sifter, pages, site_stats, reasons):
    return _verdicts(sifter.sift_pages(pages, site_stats=site_stats, reasons=reasons))


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
