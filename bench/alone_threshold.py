"""Pages alone at their own threshold: content F1 of the page-alone scores of
``bench/quality.py``'s folds, kept at a threshold chosen on the *other* fold (cross-fitted), one
chosen on crawl scores against one chosen on page-alone scores. Needs the variant's folds
(``python bench/quality.py run --variants recipe --folds 2``); no refit, about 2 minutes.

    python bench/alone_threshold.py                 # the recipe's folds
    python bench/alone_threshold.py --variant no_runs
"""

import numpy as np

import quality
from common import print_table

from linesift.frame import PAGE
from linesift.train.metrics import best_threshold, prf


def main():
    args, pages, frame, y, scores = quality.read_folds(__doc__.split("\n")[0])
    fold = quality.page_folds(pages, args.folds)[frame[PAGE].to_numpy()]
    labelled = (y != quality.UNLABELLED) & ~np.isnan(scores["crawl"])
    keeps, chosen = {}, {}
    for setting in ("crawl", "single"):
        keep = np.zeros(len(y), dtype=int)
        for f in range(args.folds):
            other = labelled & (fold != f)
            threshold = best_threshold(y[other], scores[setting][other])
            chosen.setdefault(setting, []).append(threshold)
            test = fold == f
            keep[test] = np.nan_to_num(scores["single"][test], nan=0.0) >= threshold
        keeps[setting] = keep
    rows = [{"set": name, "slice": part, "lines": int(m.sum()),
             "crawl threshold": prf(y[m], keeps["crawl"][m], 1)[2],
             "page-alone threshold": prf(y[m], keeps["single"][m], 1)[2]}
            for name, part, m in quality.row_masks(pages, frame, y)]
    print(f"{args.variant}: pages alone, content F1, thresholds cross-fitted over "
          f"{args.folds} site-grouped folds (crawl: {chosen['crawl']}, page alone: "
          f"{chosen['single']})")
    print_table(rows, ["set", "slice", "lines", "crawl threshold", "page-alone threshold"])


if __name__ == "__main__":
    main()
