"""What one page costs: `linesift filter` on the example page (CPU and peak memory of the whole
command, one core), `linesift --help` beside it, and `Sifter.clean` on pages of about 200 lines
once the model is loaded.

    python bench/startup.py             # 5 runs of each command; clean(): 20 pages x 10, 5 rounds
    python bench/startup.py --model models/old   # another model directory
"""

import argparse
import gzip
import json
import os
import statistics
import subprocess
import sys
import time

from common import ROOT, SHARED_DATA, print_table

PAGE = ROOT / "examples" / "doingbuzz-fr.txt"


def command_cost(args):
    """(CPU seconds, peak RSS in MB) of `linesift ARGS`, pinned to one core."""
    cmd = [sys.executable, "-m", "linesift.cli", *args]
    child = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.DEVNULL,
                             preexec_fn=lambda: os.sched_setaffinity(0, {0}))
    _, status, usage = os.wait4(child.pid, 0)
    if os.waitstatus_to_exitcode(status):
        sys.exit(f"bench: {' '.join(cmd)} failed")
    return usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024


def clean_milliseconds(model, pages, repeat, rounds):
    """Per-call milliseconds of ``sifter.clean(text)`` over `pages` (`repeat` passes), in each
    of `rounds` rounds after a first pass, on one pinned core as the commands run."""
    import linesift

    os.sched_setaffinity(0, {0})
    sifter = linesift.load(model)
    for text in pages:
        sifter.clean(text)
    per_round = []
    for _ in range(rounds):
        times = []
        for _ in range(repeat):
            for text in pages:
                start = time.perf_counter()
                sifter.clean(text)
                times.append((time.perf_counter() - start) * 1000)
        per_round.append(times)
    return per_round, sifter


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--model", default="models/default")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--repeat", type=int, default=10)
    parser.add_argument("--rounds", type=int, default=5,
                        help="rounds of clean() calls; the fastest round's figures are printed "
                             "(this VM's speed drifts by up to 1.7x between seconds)")
    args = parser.parse_args()
    rows = []
    for name, cmd in (("linesift --help", ["--help"]),
                      ("linesift filter (example page)",
                       ["filter", str(PAGE), "-q", "--model", args.model])):
        costs = [command_cost(cmd) for _ in range(args.runs)]
        cpu = [c for c, _ in costs]
        rows.append({"what": name, "runs": args.runs, "CPU s median": statistics.median(cpu),
                     "CPU s max": max(cpu), "peak MB": max(m for _, m in costs)})
    print_table(rows, list(rows[0]))

    with gzip.open(SHARED_DATA / "dragnet.jsonl.gz", "rt", encoding="utf-8") as fh:
        pages = [text for text in (json.loads(line)["text"] for line in fh)
                 if 180 <= sum(1 for x in text.split("\n") if x.strip()) <= 220][:20]
    per_round, sifter = clean_milliseconds(args.model, pages, args.repeat, args.rounds)
    form = "compact scorer" if sifter.compact is not None else "scikit-learn pipeline"
    p50s = [statistics.median(times) for times in per_round]
    best = per_round[p50s.index(min(p50s))]
    print(f"\nsifter.clean(text), {len(pages)} dragnet pages of 180-220 lines x {args.repeat}, "
          f"{form}, fastest of {args.rounds} rounds: p50 {statistics.median(best):.2f} ms, "
          f"p90 {statistics.quantiles(best, n=10)[-1]:.2f} ms (p50 of every round: "
          f"{', '.join(f'{p:.2f}' for p in p50s)})")

if __name__ == "__main__":
    main()
