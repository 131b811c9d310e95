"""The example page with each variant's fold models: is the glued ad line and the tail dropped,
every article paragraph kept?

    python bench/quality.py run --variants recipe --folds 2      # the fold models
    python bench/quality.py report --variants recipe --folds 2   # their CV threshold
    python bench/check_example.py --variants recipe

Scores ``../shared/examples/doingbuzz-fr.txt`` (never a training page) alone, as
``linesift filter page.txt`` does (site columns counted over the page alone), with the models
``bench/quality.py run`` saved for each fold, at the variant's CV threshold (written by
``bench/quality.py report``). Takes a few seconds. ``--smoke-pages N`` (or ``QCV_SMOKE_PAGES``)
reads the models of a smoke run.
"""

import argparse
import json
import sys

import joblib
import numpy as np

from common import SHARED_DATA
from quality import VARIANTS, out_dir, site_columns_single, smoke_pages

from linesift.frame import lines_frame
from linesift.pages import Page

EXAMPLE = SHARED_DATA.parent / "examples" / "doingbuzz-fr.txt"
DROP = (0, 20, 22, 24, 26, 28, 30, 31, 33, 35)
"""line_no of the glued ad line (0), the six premium / newsletter / "DIRECT" lines at the end
(20-30) and the keyword, newsletter and subscribe lines after them."""
KEEP = (2, 6, 8, 10, 12, 14, 16, 18)
"""The headline and every article paragraph."""


def check(variant, smoke):
    folder = out_dir(smoke) / variant
    path = folder / "threshold.json"
    if not path.exists():
        sys.exit(f"{path} missing: run `bench/quality.py run` and `report --variants {variant}`")
    saved = json.loads(path.read_text())
    # the page is scored alone: its threshold is the page-alone one where the report saved it
    threshold, k = saved.get("threshold_alone", saved["threshold"]), saved["k"]
    page = Page("doingbuzz-fr.txt", EXAMPLE.read_text(encoding="utf-8"))
    frame = lines_frame([page])
    if VARIANTS[variant].recipe.site_stats:
        frame = site_columns_single(frame, [page])
    scores = np.array([joblib.load(folder / f"fold{i}.joblib").predict_proba(frame)[:, 1]
                       for i in range(k)])
    line_no = frame["line_no"].to_numpy()
    print(f"\n{variant} (threshold {threshold:.2f}; P(content) from {k} fold models)")
    ok_all = []
    for j, no in enumerate(line_no):
        want = "drop" if no in DROP else "keep" if no in KEEP else "?"
        kept = scores[:, j] >= threshold
        ok = [bool(kp) if want == "keep" else not kp if want == "drop" else True for kp in kept]
        ok_all.append(ok)
        mark = "   " if want == "?" else "ok " if all(ok) else "BAD" if not any(ok) else "mix"
        cells = " ".join(f"{s:.2f}" for s in scores[:, j])
        print(f"  {no:3d} {want:4s} {mark} {cells}  {page.lines[no][:60]}")
    per_model = np.array(ok_all).all(axis=0)
    print(f"  models with every line right: {per_model.sum()} of {len(per_model)}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--variants", nargs="+", default=["recipe"])
    parser.add_argument("--smoke-pages", type=int, default=None,
                        help="the models of a smoke run (default QCV_SMOKE_PAGES, 0: full)")
    args = parser.parse_args()
    smoke = smoke_pages(args.smoke_pages)
    for variant in args.variants:
        if variant not in VARIANTS:
            sys.exit(f"unknown variant {variant}; known: {', '.join(VARIANTS)}")
        check(variant, smoke)


if __name__ == "__main__":
    main()
