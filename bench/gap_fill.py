"""Short lines between kept lines: would keeping them gain? On the held-out scores of
``bench/quality.py``'s folds, every dropped line in a run of at most G dropped lines between two
kept lines of its page, scoring at least BAR, is kept as well; the table gives what that fills
and content F1 with it, as a crawl and page alone, at the variant's pooled thresholds. Then
where the content lines a page alone drops sit against the lines it keeps. Needs the variant's
folds and thresholds (``python bench/quality.py run --variants recipe --folds 2``, then
``report``); no refit, about 2 minutes.

    python bench/gap_fill.py
    python bench/gap_fill.py --variant no_runs
"""

import json

import numpy as np

import quality
from common import print_table

from linesift.frame import PAGE, TEXT
from linesift.train.metrics import prf

SHORT_CHARS = 80


def gaps(keep, pages):
    """For each line: the length of the run of dropped lines it is in, when that run has a kept
    line of the same page on both sides (else -1); whether it is dropped before the page's first
    kept line, after its last, or on a page that keeps nothing."""
    n = len(keep)
    at = np.arange(n)
    prev_kept = np.maximum.accumulate(np.where(keep, at, -1))
    next_kept = np.minimum.accumulate(np.where(keep, at, n)[::-1])[::-1]
    has_prev = (prev_kept >= 0) & (pages[np.clip(prev_kept, 0, n - 1)] == pages)
    has_next = (next_kept < n) & (pages[np.clip(next_kept, 0, n - 1)] == pages)
    between = ~keep & has_prev & has_next
    return (np.where(between, next_kept - prev_kept - 1, -1), ~keep & has_next & ~has_prev,
            ~keep & has_prev & ~has_next, ~keep & ~has_prev & ~has_next)


def main():
    args, pages, frame, y, scores = quality.read_folds(__doc__.split("\n")[0])
    thresholds = json.loads((quality.out_dir(0) / args.variant / "threshold.json").read_text())
    page = frame[PAGE].to_numpy()
    short = frame[TEXT].str.len().to_numpy() <= SHORT_CHARS
    labelled = y != quality.UNLABELLED
    rows = []
    for setting, threshold in (("crawl", thresholds["threshold"]),
                               ("single", thresholds["threshold_alone"])):
        score = np.nan_to_num(scores[setting], nan=0.0)
        keep = score >= threshold
        gap, before, after, nothing = gaps(keep, page)
        base = prf(y[labelled], keep[labelled].astype(int), 1)[2]
        for most in (1, 2, 3):
            for bar in (0.0, 0.1, 0.2, 0.3):
                fill = (gap >= 1) & (gap <= most) & (score >= bar)
                rows.append({"setting": setting, "G": most, "BAR": bar,
                             "filled": int(fill.sum()),
                             "content": int((fill & (y == 1)).sum()),
                             "boilerplate": int((fill & (y == 0)).sum()),
                             "F1 before": base,
                             "F1 filled": prf(y[labelled], (keep | fill)[labelled].astype(int),
                                              1)[2]})
    print(f"{args.variant}: dropped lines in runs of at most G between kept lines, scoring at "
          f"least BAR, kept as well (thresholds {thresholds['threshold']:.2f} crawl, "
          f"{thresholds['threshold_alone']:.2f} page alone)")
    print_table(rows, ["setting", "G", "BAR", "filled", "content", "boilerplate", "F1 before",
                       "F1 filled"])
    dropped = ~keep & (y == 1)  # the last setting's: a page alone
    places = [("before the first kept line", before), ("after the last kept line", after),
              ("page keeps nothing", nothing)]
    places += [(f"between kept lines, run of {lo}-{hi}", (gap >= lo) & (gap <= hi))
               for lo, hi in ((1, 1), (2, 3), (4, 10), (11, 40), (41, 10 ** 9))]
    print(f"\nwhere the {int(dropped.sum()):,} content lines a page alone drops sit")
    print_table([{"place": name, "content dropped": int((dropped & m).sum()),
                  "of them short": int((dropped & m & short).sum()),
                  "boilerplate dropped": int((m & (y == 0)).sum())} for name, m in places],
                ["place", "content dropped", "of them short", "boilerplate dropped"])


if __name__ == "__main__":
    main()
