"""`filter --jobs N`: a process pool over bounded chunks, output in input order."""

import io
import json

import pytest
from typer.testing import CliRunner

import linesift
from linesift.cli import app
from linesift.run import FilterOptions, backends, filter_inputs
from linesift.run.backends import LocalPool, default_jobs, sift_streams
from linesift.run.progress import RateBar, advance

from conftest import sample_records


@pytest.fixture(scope="module")
def sifter(tiny_model):
    return linesift.load(tiny_model)


def many_records(copies):
    """The sample's pages repeated `copies` times under new ids."""
    out = []
    for k in range(copies):
        for record in sample_records():
            out.append({**record, "id": f"{record['id']}#{k}"})
    return out


def write_jsonl(path, records):
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    return path


def sift_pooled(sifter, pages, jobs=2, chunk_pages=None):
    """One stream of pages sifted by this process and a pool of `jobs - 1` workers."""
    pool = LocalPool(sifter, jobs - 1)
    try:
        for view in sift_streams(sifter, [pages], backend=pool, chunk_pages=chunk_pages):
            yield from view
    finally:
        pool.close()


def test_parallel_scores_equal_in_process_scores_in_order(sifter):
    pages = [linesift.Page(id=r["id"], text=r["text"], meta=r) for r in many_records(2)]
    expected = [(s.page.id, s.scores, s.keep) for s in sifter.sift_pages(pages)]
    got = [(s.page.id, s.scores, s.keep)
           for s in sift_pooled(sifter, iter(pages), chunk_pages=7)]
    assert got == expected
    assert [s.page.id for s in sift_pooled(sifter, iter(pages[:3]))] == [
        p.id for p in pages[:3]]  # one chunk: scored in-process


def test_reader_is_never_far_ahead_of_the_writer(sifter):
    """Memory stays flat: at most 2 chunks per job (plus the one being read) are out."""
    records = many_records(2)
    pulled = []

    def pages():
        for r in records:
            pulled.append(r["id"])
            yield linesift.Page(id=r["id"], text=r["text"])

    chunk, jobs = 3, 2
    ahead = []
    for done, sifted in enumerate(sift_pooled(sifter, pages(), jobs=jobs, chunk_pages=chunk), 1):
        ahead.append(len(pulled) - done)
    assert done == len(records)
    assert max(ahead) <= (backends.IN_FLIGHT_PER_WORKER * jobs + 1) * chunk


def test_streams_keep_their_pages_and_a_read_error_waits_for_its_stream(sifter):
    def stream(prefix, n, fail=False):
        for i in range(n):
            yield linesift.Page(id=f"{prefix}{i}", text="Home | News\nA sentence of text here.")
        if fail:
            raise linesift.InputError("b.jsonl", "malformed JSON", line=n + 1)

    streams = [stream("a", 5), stream("b", 4, fail=True), stream("c", 3)]
    pool = LocalPool(sifter, 1)
    views = sift_streams(sifter, streams, backend=pool, chunk_pages=2)
    assert [s.page.id for s in next(views)] == [f"a{i}" for i in range(5)]
    second = next(views)
    got = []
    with pytest.raises(linesift.InputError, match=r"b\.jsonl:5"):
        for s in second:
            got.append(s.page.id)
    assert got == [f"b{i}" for i in range(4)]
    views.close()
    pool.close()


def test_filter_jobs_2_writes_what_jobs_1_writes(sifter, tmp_path, monkeypatch):
    monkeypatch.setattr(backends, "CHUNK_PAGES", 8)
    src = write_jsonl(tmp_path / "in.jsonl", many_records(2))
    pages_dir = tmp_path / "pages"
    pages_dir.mkdir()
    for i, record in enumerate(sample_records()[:12]):  # one page per file: chunks span files
        (pages_dir / f"{i:02d}.txt").write_text(record["text"], encoding="utf-8")
    outputs = {}
    for jobs in (1, 2):
        out = tmp_path / f"out{jobs}"
        stats = filter_inputs([str(src), str(pages_dir)], str(out), sifter,
                              FilterOptions(scores=True, jobs=jobs))
        assert stats.pages == 50 + 12 and stats.files == 13
        outputs[jobs] = {p.relative_to(out).as_posix(): p.read_bytes() for p in out.rglob("*")
                         if p.is_file() and not p.name.startswith(".")}
    assert outputs[1] == outputs[2] and len(outputs[2]) == 13


def filter_with_jobs(model, source, target, jobs):
    """`linesift filter SOURCE -o TARGET --jobs JOBS` through the CLI; returns TARGET."""
    result = CliRunner().invoke(app, ["filter", str(source), "-o", str(target), "-m", str(model),
                                      "--jobs", jobs, "-q"])
    assert result.exit_code == 0, result.output
    return target


def test_cli_jobs_option(tiny_model, sample_path, tmp_path):
    out = {jobs: filter_with_jobs(tiny_model, sample_path, tmp_path / f"o{jobs}.jsonl", jobs)
           .read_text(encoding="utf-8") for jobs in ("1", "2")}
    assert out["1"] == out["2"] and out["1"].count("\n") == 25
    bad = CliRunner().invoke(app, ["filter", str(sample_path), "--jobs", "0"])
    assert bad.exit_code != 0


def test_default_jobs_is_the_cores_we_may_use():
    assert default_jobs() >= 1


def test_rate_bar_counts_lines_and_plain_bars_still_work():
    bar = RateBar(file=io.StringIO(), mininterval=0)
    advance(bar, 2, 30)
    advance(bar, 1, 12)
    assert (bar.n, bar.lines) == (3, 42)
    advance(None, 1, 1)

    class Plain:
        n = 0

        def update(self, k):
            self.n += k

    plain = Plain()
    advance(plain, 4, 100)
    assert plain.n == 4


def test_small_inputs_are_scored_here_and_workers_start_early_for_the_rest(tmp_path,
                                                                             monkeypatch):
    started = []
    monkeypatch.setattr("multiprocessing.forkserver.ensure_running", lambda: started.append(1))
    monkeypatch.setattr(backends, "default_jobs", lambda: 8)  # a machine of 8 cores
    small = tmp_path / "small.jsonl"
    small.write_text('{"id": 1, "text": "x"}\n', encoding="utf-8")
    assert backends.plan_jobs(1, [str(tmp_path)]) == 1
    assert backends.plan_jobs(4, [str(small)]) == 1
    assert started == []  # one job, or one small file: no workers
    assert backends.plan_jobs(4, [str(tmp_path)]) == 4  # a directory: its size is not known
    assert backends.plan_jobs(4, ["-"]) == 4
    big = tmp_path / "big.jsonl"
    big.write_bytes(b" " * backends.SMALL_INPUT_BYTES)
    assert backends.plan_jobs(4, [str(small), str(big)]) == 2  # one worker per 2 MB
    assert started == [1, 1, 1]


def test_jobs_are_capped_by_the_cores_and_the_input_size(tmp_path, monkeypatch):
    """`--jobs 1000` starts no more processes than there are cores, or 2 MB pieces."""
    monkeypatch.setattr("multiprocessing.forkserver.ensure_running", lambda: None)
    monkeypatch.setattr(backends, "default_jobs", lambda: 8)
    assert backends.plan_jobs(1000, ["-"]) == 8
    big = tmp_path / "big.jsonl"
    big.write_bytes(b" " * (3 * backends.SMALL_INPUT_BYTES))
    assert backends.plan_jobs(1000, [str(big)]) == 4
    assert backends.plan_jobs(3, [str(big)]) == 3


def test_cli_jobs_2_on_a_directory_starts_workers_early_and_writes_what_jobs_1_writes(
        tiny_model, tmp_path, monkeypatch):
    monkeypatch.setattr(backends, "CHUNK_PAGES", 3)  # several chunks: a pool, and this process
    pages_dir = tmp_path / "pages"
    pages_dir.mkdir()
    for i, record in enumerate(sample_records()[:14]):
        (pages_dir / f"{i:02d}.txt").write_text(record["text"], encoding="utf-8")
    out = {jobs: {p.name: p.read_bytes() for p in
                  filter_with_jobs(tiny_model, pages_dir, tmp_path / f"out{jobs}", jobs).iterdir()
                  if not p.name.startswith(".")}
           for jobs in ("1", "2")}
    assert out["1"] == out["2"] and len(out["2"]) == 14


def test_a_finished_pool_leaves_python_s_exit_nothing_to_wake(sifter):
    """Python 3.11's exit wakes each pool thread it knows through a pipe the ended thread has
    closed, and prints "Exception ignored ... Bad file descriptor" (seen after a resumed run):
    a pool closed after its last chunk is joined and forgotten."""
    from concurrent.futures import process as futures_process

    pages = [linesift.Page(id=r["id"], text=r["text"], meta=r) for r in many_records(2)]
    pool = LocalPool(sifter, 1)
    try:
        got = [s.page.id for view in sift_streams(sifter, [iter(pages)], backend=pool,
                                                   chunk_pages=7) for s in view]
        manager = pool._pool._executor_manager_thread
        assert manager in futures_process._threads_wakeups  # the pool was really used
    finally:
        pool.close()
    assert got == [p.id for p in pages]
    assert not manager.is_alive() and manager not in futures_process._threads_wakeups


def test_a_sigterm_while_the_finished_pool_shuts_down_waits_for_it(sifter, monkeypatch):
    """SIGTERM (raised as an exception where the command is) that lands while an idle pool is
    being shut down is held until the worker has exited: raised inside the wait, it left the
    worker waiting for the word to exit and Python's exit waiting for the worker (a hang the
    kill-and-resume test met)."""
    import os
    import signal
    from concurrent.futures import ProcessPoolExecutor

    from linesift.cli.app import Terminated, _raise_terminated

    pages = [linesift.Page(id=r["id"], text=r["text"], meta=r) for r in many_records(1)]
    pool = LocalPool(sifter, 1)
    got = [s.page.id for view in sift_streams(sifter, [iter(pages)], backend=pool,
                                               chunk_pages=7) for s in view]
    workers = list(pool._pool._processes.values())
    real_shutdown = ProcessPoolExecutor.shutdown

    def shutdown_signalled(self, *args, **kwargs):
        os.kill(os.getpid(), signal.SIGTERM)  # delivered at the next bytecode, inside close()
        return real_shutdown(self, *args, **kwargs)

    monkeypatch.setattr(ProcessPoolExecutor, "shutdown", shutdown_signalled)
    previous = signal.signal(signal.SIGTERM, _raise_terminated)
    try:
        with pytest.raises(Terminated):
            pool.close()
    finally:
        signal.signal(signal.SIGTERM, previous)
    assert got == [p.id for p in pages] and workers
    assert all(not w.is_alive() for w in workers)  # the worker exited before the signal rose
