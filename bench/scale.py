"""Scale: `filter --jobs 1/2`, peak memory at 1x / 10x / 100x the input, Dask against one process.

Every row runs the real `linesift filter` command in a child process and measures the whole
command (start-up, reading, writing included). Peak memory is the largest sum of PSS
(proportional set size, so pages shared by forked workers count once) over the command's
process tree, sampled every 50 ms. Larger inputs repeat the base pages under new ids.

    python bench/scale.py                                  # ~10 min on 2 busy cores
    python bench/scale.py --base-pages 40 --sizes 1 10     # quick look
"""

import argparse
import gzip
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from common import ROOT, print_table, shared_file

BASE_SET = "dragnet"
BASE_PAGES = 100
SIZES = (1, 10, 100)
DASK_SIZE = 10
DASK_SHARDS = 10
SAMPLE_SECONDS = 0.05
MODEL_TRAIN_SETS = ("cleaneval", "big9_chaos")
MODEL_TRAIN_PAGES = 400


def base_records(name, n_pages):
    """The first `n_pages` records of a shared set, labels dropped (filter input)."""
    out = []
    with gzip.open(shared_file(name), "rt", encoding="utf-8") as fh:
        for raw in fh:
            record = json.loads(raw)
            record.pop("labels", None)
            out.append(record)
            if len(out) >= n_pages:
                break
    return out


def write_copies(records, copies, paths):
    """Write `copies` x `records` (ids suffixed ``#k``) round-robin over the JSONL.gz `paths`."""
    handles = [gzip.open(p, "wt", encoding="utf-8", compresslevel=1) for p in paths]
    try:
        n = 0
        for k in range(copies):
            for record in records:
                handles[n % len(handles)].write(json.dumps({**record, "id": f"{record['id']}#{k}"})
                                                + "\n")
                n += 1
    finally:
        for fh in handles:
            fh.close()
    return paths


def _children(pid):
    out = []
    try:
        for tid in os.listdir(f"/proc/{pid}/task"):
            with open(f"/proc/{pid}/task/{tid}/children") as fh:
                out += [int(c) for c in fh.read().split()]
    except OSError:
        pass
    return out


def _pss_kb(pid):
    try:
        with open(f"/proc/{pid}/smaps_rollup") as fh:
            for line in fh:
                if line.startswith("Pss:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def tree_pss_mb(root):
    """Sum of PSS over `root` and all its descendants, in MB."""
    total, todo = 0, [root]
    while todo:
        pid = todo.pop()
        total += _pss_kb(pid)
        todo += _children(pid)
    return total / 1024


def run(cmd):
    """Run `cmd`; returns (seconds, peak PSS of its process tree in MB)."""
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    start = time.perf_counter()
    child = subprocess.Popen(cmd, env=env, cwd=ROOT, stdout=subprocess.DEVNULL)
    peak = 0.0
    while child.poll() is None:
        peak = max(peak, tree_pss_mb(child.pid))
        time.sleep(SAMPLE_SECONDS)
    seconds = time.perf_counter() - start
    if child.returncode != 0:
        sys.exit(f"bench: {' '.join(map(str, cmd))} failed ({child.returncode})")
    return seconds, peak


def filter_cmd(model, inputs, out, *extra):
    return [sys.executable, "-m", "linesift.cli", "filter", *map(str, inputs), "-o", str(out),
            "--model", str(model), "--quiet", *extra]


def ensure_model(model, workdir):
    """`model`, else models/default, else a quick model trained on a few shared pages."""
    if model:
        return Path(model)
    default = ROOT / "models" / "default"
    if (default / "card.json").exists():
        return default
    out = workdir / "bench-model"
    data = workdir / "train.jsonl.gz"
    with gzip.open(data, "wt", encoding="utf-8") as fh:
        for name in MODEL_TRAIN_SETS:
            with gzip.open(shared_file(name), "rt", encoding="utf-8") as src:
                for i, raw in enumerate(src):
                    if i >= MODEL_TRAIN_PAGES // len(MODEL_TRAIN_SETS):
                        break
                    fh.write(raw)
    print(f"no models/default: training a bench model on {MODEL_TRAIN_PAGES} pages of "
          f"{', '.join(MODEL_TRAIN_SETS)}", file=sys.stderr)
    subprocess.run([sys.executable, "-m", "linesift.cli", "train", str(data), "-o", str(out),
                    "--folds", "0"], check=True, cwd=ROOT, env={**os.environ, "OMP_NUM_THREADS": "1"})
    return out


def row(kind, engine, size, pages, lines, seconds, peak):
    return {"measure": kind, "engine": engine, "input": f"{size}x", "pages": pages,
            "lines": lines, "seconds": seconds, "lines/s": lines / seconds,
            "pages/s": pages / seconds, "peak MB": peak}


def scale_rows(model, workdir, base_pages=BASE_PAGES, sizes=SIZES, dask=True, jobs=(1, 2)):
    """All rows of the table (see the module docstring).

    Speed rows run on the ``DASK_SIZE``x input (several chunks, so the pool starts); memory rows
    repeat the ``--jobs 2`` command on every size; the Dask row runs the same pages in shards.
    """
    records = base_records(BASE_SET, base_pages)
    base_lines = sum(r["text"].count("\n") + 1 for r in records)
    inputs = {size: write_copies(records, size, [workdir / f"in-{size}x.jsonl.gz"])
              for size in sorted(set(sizes) | {DASK_SIZE})}
    pages, lines = DASK_SIZE * len(records), DASK_SIZE * base_lines
    rows, timed = [], {}
    for n in jobs:
        seconds, peak = run(filter_cmd(model, inputs[DASK_SIZE], workdir / "out.jsonl", "--jobs",
                                       str(n)))
        timed[n] = row("speed", f"--jobs {n}", DASK_SIZE, pages, lines, seconds, peak)
        rows.append(timed[n])
    top = max(jobs)
    for size in sizes:
        if size == DASK_SIZE:
            rows.append({**timed[top], "measure": "memory"})
            continue
        seconds, peak = run(filter_cmd(model, inputs[size], workdir / "out.jsonl", "--jobs",
                                       str(top)))
        rows.append(row("memory", f"--jobs {top}", size, size * len(records), size * base_lines,
                        seconds, peak))
    if dask:
        rows.append({**timed[min(jobs)], "measure": "dask vs 1"})
        rows.append(dask_row(model, workdir, records, pages, lines))
    return rows


def dask_row(model, workdir, records, pages, lines):
    """Dask on a 2-worker LocalCluster over the ``DASK_SIZE``x pages in ``DASK_SHARDS`` files."""
    shards = workdir / "shards"
    shards.mkdir(exist_ok=True)
    write_copies(records, DASK_SIZE, [shards / f"s{i:02d}.jsonl.gz" for i in range(DASK_SHARDS)])
    outdir = workdir / "dask-out"
    shutil.rmtree(outdir, ignore_errors=True)
    seconds, peak = run(filter_cmd(model, sorted(shards.glob("*.jsonl.gz")), outdir,
                                   "--engine", "dask", "--workers", "2"))
    return row("dask vs 1", f"dask 2 workers, {DASK_SHARDS} parts", DASK_SIZE, pages, lines,
               seconds, peak)


def _spin(n):
    total = 0
    for i in range(n):
        total += i * i
    return total


def core_check(n=10_000_000):
    """How much faster 2 processes do 2 units of pure-Python work than 1 (2.0: both cores free).

    The speed rows mean little when other work holds the cores; this says how free they were.
    """
    import multiprocessing

    start = time.perf_counter()
    _spin(n), _spin(n)
    serial = time.perf_counter() - start
    # a multiprocessing pool: Python 3.11's ProcessPoolExecutor can print "Bad file
    # descriptor" from its exit hook when the interpreter exits
    with multiprocessing.get_context("forkserver").Pool(2) as pool:
        pool.map(_spin, [1000, 1000])  # start the processes first
        start = time.perf_counter()
        pool.map(_spin, [n, n])
        parallel = time.perf_counter() - start
    return serial / parallel


COLUMNS = ["measure", "engine", "input", "pages", "lines", "seconds", "lines/s", "pages/s",
           "peak MB"]


def print_scale_table(rows, base_pages, speedups):
    print(f"linesift filter at scale: 1x = the first {base_pages} pages of {BASE_SET} (a subset of "
          f"the shared data, so 100x stays minutes); {os.cpu_count()} cores; whole command "
          "(start-up included); peak MB = PSS summed over the process tree")
    print("core check (2 processes vs 1 on pure-Python work; 2.0 = both cores free): "
          f"{speedups[0]:.2f} before, {speedups[1]:.2f} after")
    print_table(rows, COLUMNS)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--model", default=None, help="model directory (default: models/default, "
                        "else a quick bench model)")
    parser.add_argument("--base-pages", type=int, default=BASE_PAGES)
    parser.add_argument("--sizes", type=int, nargs="+", default=list(SIZES))
    parser.add_argument("--no-dask", action="store_true")
    args = parser.parse_args(argv)
    print()
    with tempfile.TemporaryDirectory(prefix="linesift-scale-") as tmp:
        workdir = Path(tmp)
        model = ensure_model(args.model, workdir)
        before = core_check()
        rows = scale_rows(model, workdir, args.base_pages, args.sizes, dask=not args.no_dask)
        after = core_check()
    print_scale_table(rows, args.base_pages, (before, after))


if __name__ == "__main__":
    main()
