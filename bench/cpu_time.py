"""CPU seconds (user + system) of `linesift filter` per model, alternating runs, one core.

On a loaded machine wall time swings by half between two runs of the same command; the CPU
time the command used does not, so the ratio between two models is read from it:

    python bench/cpu_time.py --sets dragnet --models models/default MODEL2 --runs 3
"""

import argparse
import os
import subprocess
import sys

from common import ROOT, shared_file


def cpu_seconds(paths, model):
    out = ROOT / "bench" / ".cpu-time-out.jsonl"
    cmd = [sys.executable, "-m", "linesift.cli", "filter", *map(str, paths), "-o", str(out),
           "--quiet", "--jobs", "1", "--model", str(model)]
    child = subprocess.Popen(cmd, cwd=ROOT, env={**os.environ, "OMP_NUM_THREADS": "1"},
                             preexec_fn=lambda: os.sched_setaffinity(0, {0}))
    _, status, usage = os.wait4(child.pid, 0)
    out.unlink(missing_ok=True)
    if os.waitstatus_to_exitcode(status):
        sys.exit(f"{' '.join(cmd)} failed")
    return usage.ru_utime + usage.ru_stime


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sets", nargs="+", default=["dragnet"])
    parser.add_argument("--models", nargs="+", required=True)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    paths = [shared_file(s) for s in args.sets]
    times = {m: [] for m in args.models}
    for _ in range(args.runs):
        for model in args.models:
            times[model].append(cpu_seconds(paths, model))
    base = min(times[args.models[0]])
    for model, values in times.items():
        print(f"{model}: CPU s {' '.join(f'{v:.2f}' for v in values)}; fastest {min(values):.2f} "
              f"({min(values) / base - 1:+.1%} against {args.models[0]})")


if __name__ == "__main__":
    main()
