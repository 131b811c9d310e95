"""Throughput of `linesift filter` with the default model: lines/s, MB/s, peak memory.

Runs the real command in a child process pinned to one core, over shared data files, and
prints a table. Targets: >= 50,000 lines/s per core (issue 2); ten times trafilatura's lines/s
on the same pages (issue 23; ``--extractors`` runs it and resiliparse beside linesift).

    python bench/throughput.py                       # dragnet, trafilatura_eval, all sets
    python bench/throughput.py --sets cleaneval --model models/default
    python bench/throughput.py --sets dragnet --repeat 5   # fastest of five runs
    python bench/throughput.py --extractors          # trafilatura, resiliparse beside it
"""

import argparse
import gzip
import os
import subprocess
import sys
import time

from common import ROOT, SHARED_DATA, print_table, shared_file

from linesift.sift import BATCH_LINES

DEFAULT_SETS = ("dragnet", "trafilatura_eval", "all")
"""`all`: every shared set in one command (800,000 lines), where start-up weighs least."""
TARGET_LINES_PER_S = 50_000


def count(path):
    """Pages, lines and text megabytes of a JSONL.gz file."""
    import json

    pages = lines = chars = 0
    with gzip.open(path, "rt", encoding="utf-8") as fh:
        for raw in fh:
            text = json.loads(raw)["text"]
            pages += 1
            lines += text.count("\n") + 1
            chars += len(text.encode("utf-8"))
    return pages, lines, chars / 1e6


def run_filter(path, model, cores, extra=()):
    """Run `linesift filter` on `path` (or a list of paths) pinned to `cores`; returns
    (seconds, peak RSS in MB)."""
    import shutil

    paths = [str(p) for p in path] if isinstance(path, (list, tuple)) else [str(path)]
    out = ROOT / "bench" / (".throughput-out" if len(paths) > 1 else ".throughput-out.jsonl")
    cmd = [sys.executable, "-m", "linesift.cli", "filter", *paths, "-o", str(out), "--quiet",
           *extra]
    if model:
        cmd += ["--model", str(model)]
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    start = time.perf_counter()
    child = subprocess.Popen(cmd, env=env, cwd=ROOT,
                             preexec_fn=lambda: os.sched_setaffinity(0, set(cores)))
    _, status, usage = os.wait4(child.pid, 0)
    seconds = time.perf_counter() - start
    if os.waitstatus_to_exitcode(status) != 0:
        sys.exit(f"bench: {' '.join(cmd)} failed")
    shutil.rmtree(out) if out.is_dir() else out.unlink(missing_ok=True)
    return seconds, usage.ru_maxrss / 1024


def time_steps(path, model=None, repeat=1):
    """Seconds spent in each step of the model's pipeline over the pages of `path`, batched as
    `linesift filter` batches them, in this process pinned to one core; with `repeat`, each
    step's fastest of that many passes."""
    from linesift.classifier import chunked_proba
    from linesift.features.site import count_site_lines, with_site_columns
    from linesift.formats import read_pages
    from linesift.frame import PAGE, lines_frame
    from linesift.scorer import refine_context
    from linesift.sift import gc_paused, load

    os.sched_setaffinity(0, {0})
    sifter = load(model)
    pipeline = sifter.pipeline
    clf = pipeline[-1]
    pages = list(read_pages([str(path)]))
    stats = count_site_lines(pages) if sifter.uses_site_stats else None
    batches, batch, n = [], [], 0
    for page in pages:
        batch.append(page)
        n += len(page.lines)
        if n >= BATCH_LINES:
            batches.append(batch)
            batch, n = [], 0
    batches += [batch] if batch else []
    seconds = {}

    def timed(name, fn, *args):
        start = time.perf_counter()
        result = fn(*args)
        seconds[name] = seconds.get(name, 0.0) + time.perf_counter() - start
        return result

    from threadpoolctl import threadpool_limits

    best = {}
    for _ in range(max(repeat, 1)):
        seconds.clear()
        with threadpool_limits(limits=1), gc_paused():  # as `linesift filter` scores
            for batch in batches:
                X = timed("lines table", lines_frame, batch)
                if stats is not None:  # counted over the whole input, as `linesift filter` does
                    X = timed("lines table", with_site_columns, X, batch, stats)
                for name, step in pipeline.steps[:-1]:
                    X = timed(name, step.transform, X)
                third = clf._third
                full = timed("stage one", lambda: clf._dense_head(X, third is not None)[0])
                first = timed("stage one",
                              lambda: clf.first_stage_proba(X, clf._fill_dense(X, full)))
                Z = timed("stage two: input", clf._context_matrix, X, first, full)
                second = timed("stage two: trees", clf._second_proba, Z)
                if third is not None:
                    timed("stage three: input", refine_context, full, Z.shape[1], second,
                          X[PAGE].to_numpy(), clf.offsets, clf.windows, clf.article_span)
                    timed("stage three: trees", chunked_proba, third, full)
        best = {k: min(v, best.get(k, v)) for k, v in seconds.items()}
    seconds = best
    total = sum(seconds.values())
    return [{"step": k, "seconds": v, "share": v / total} for k, v in seconds.items()] + [
        {"step": "total", "seconds": total, "share": 1.0}]


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sets", nargs="+", default=list(DEFAULT_SETS))
    parser.add_argument("--model", default=None, help="model directory (default: models/default)")
    parser.add_argument("--steps", action="store_true",
                        help="also time each step of the loaded model over the first set, in "
                             "this process, pinned to one core (where the time goes)")
    parser.add_argument("--repeat", type=int, default=1,
                        help="run each command (and --steps) this many times and report the "
                             "fastest (the least disturbed by other work on the machine)")
    parser.add_argument("--extractors", action="store_true",
                        help="also trafilatura and resiliparse on the same pages, rebuilt as "
                             "HTML (bench/extractors.py; needs the bench extra)")
    parser.add_argument("--scale", action="store_true",
                        help="also --jobs 1/2, peak memory at 1x/10x/100x and Dask (bench/scale.py)")
    args = parser.parse_args()
    all_sets = sorted(SHARED_DATA.glob("*.jsonl.gz"))

    one_line = ROOT / "bench" / ".throughput-one-line.txt"
    one_line.write_text("One short line of text.\n", encoding="utf-8")
    startup = min(run_filter(one_line, args.model, cores=[0])[0]
                  for _ in range(max(3, args.repeat)))
    one_line.unlink()
    rows = []
    for name in args.sets:
        path = all_sets if name == "all" else shared_file(name)
        pages, lines, mb = map(sum, zip(*(count(p) for p in path))) if name == "all" \
            else count(path)
        seconds, peak = min(run_filter(path, args.model, cores=[0])
                            for _ in range(max(args.repeat, 1)))
        rows.append({"input": name, "pages": pages, "lines": lines, "MB": mb,
                     "cores": 1, "seconds": seconds, "lines/s/core": lines / seconds,
                     "MB/s": mb / seconds, "pages/s": pages / seconds, "peak MB": peak,
                     "lines/s after start-up": lines / max(seconds - startup, 1e-9)})
    print(f"linesift filter, whole command (start-up, reading, writing included); "
          f"target {TARGET_LINES_PER_S:,} lines/s per core")
    print(f"start-up (imports, model load; the command on a one-line file): {startup:.2f} s")
    print_table(rows, ["input", "pages", "lines", "MB", "cores", "seconds", "lines/s/core",
                       "MB/s", "pages/s", "peak MB", "lines/s after start-up"])
    if args.extractors:
        import extractors

        print(f"\nthe same pages through HTML extractors, one core; {extractors.NOTE}")
        found = extractors.rows_for(args.sets)
        ours = {r["input"]: r for r in rows}
        for r in found:
            mine = ours[r["input"]]
            r["linesift x (whole)"] = mine["lines/s/core"] / r["lines/s"]
            r["linesift x (after start-up)"] = mine["lines/s after start-up"] / r["lines/s"]
        print_table(found, ["extractor", "input", "pages", "CPU s", "pages/s", "lines/s",
                            "linesift x (whole)", "linesift x (after start-up)"])
    if args.steps:
        first = args.sets[0] if args.sets[0] != "all" else "dragnet"
        print(f"\nseconds per step over {first}, once started (one core, "
              f"{BATCH_LINES:,}-line batches; each step's fastest of {max(args.repeat, 1)})")
        print_table(time_steps(shared_file(first), args.model, args.repeat),
                    ["step", "seconds", "share"])
    if args.scale:
        import scale

        scale.main([] if args.model is None else ["--model", args.model])


if __name__ == "__main__":
    main()
