"""How well `linesift labels audit` finds wrong labels: flip a share of a shared set's labels at
random, audit, and count the flipped lines among the top of the ranking.

    python bench/audit_noise.py                     # cleanportaleval, 5 % flipped, 5 folds
    python bench/audit_noise.py --set htmltotext --flip 0.05 --seeds 0 1 2

The ranking is the audit's: every labelled line ordered by the out-of-fold model's confidence
in the other label (folds grouped by page). A random ranking puts 10 % of the flipped lines in
its top 10 %.
"""

import argparse
import gzip
import json
import tempfile
import time
from pathlib import Path

import numpy as np

from common import print_table, shared_file

from linesift.train.audit import audit_labels

FLIP = {"content": "boilerplate", "boilerplate": "content"}


def flipped_copy(source, out, share, seed):
    """Write `source` with `share` of its labelled lines flipped; the flipped (id, line_no)."""
    rng = np.random.default_rng(seed)
    records = [json.loads(line) for line in gzip.open(source, "rt", encoding="utf-8")]
    where = [(r, i) for r in records for i, label in enumerate(r["labels"]) if label]
    picks = rng.choice(len(where), size=int(round(share * len(where))), replace=False)
    flipped = set()
    for k in picks:
        record, i = where[k]
        record["labels"][i] = FLIP[record["labels"][i]]
        flipped.add((record["id"], i))
    with gzip.open(out, "wt", encoding="utf-8") as fh:
        fh.writelines(json.dumps(r, ensure_ascii=False) + "\n" for r in records)
    return flipped, len(where)


def run(name, share, seed, folds, top):
    with tempfile.TemporaryDirectory() as tmp:
        noisy = Path(tmp) / f"{name}.jsonl.gz"
        flipped, labelled = flipped_copy(shared_file(name), noisy, share, seed)
        start = time.perf_counter()
        _, ranking = audit_labels([str(noisy)], folds=folds, progress=False)
        seconds = time.perf_counter() - start
    ranked = ranking[ranking["label"] != ""]
    head = ranked.head(int(round(top * len(ranked))))
    found = sum((p, int(n)) in flipped for p, n in zip(head["page"], head["line_no"]))
    flagged = ranked[ranked["flagged"]]
    in_flagged = sum((p, int(n)) in flipped for p, n in zip(flagged["page"], flagged["line_no"]))
    return {"set": name, "seed": seed, "labelled": labelled, "flipped": len(flipped),
            f"in top {top:.0%}": found, "share found": found / max(len(flipped), 1),
            "flagged": len(flagged), "flipped flagged": in_flagged, "seconds": round(seconds)}


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--set", default="cleanportaleval")
    parser.add_argument("--flip", type=float, default=0.05)
    parser.add_argument("--top", type=float, default=0.10)
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--seeds", type=int, nargs="+", default=[0])
    args = parser.parse_args()
    rows = [run(args.set, args.flip, seed, args.folds, args.top) for seed in args.seeds]
    print_table(rows, list(rows[0]))


if __name__ == "__main__":
    main()
