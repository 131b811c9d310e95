"""Stage two's and stage three's scores blended, on the fold models of ``bench/quality.py``: content
F1 per slice as a crawl and page alone at each share of stage two, and how much two fits on
different splits disagree page by page. Each fold model scores its held-out pages once with each
stage (cached in ``bench/out/stage_blend/``, about 2 minutes); the blends need no refit.

    python bench/quality.py run --variants recipe --folds 2 --jobs 2
    python bench/stage_blend.py --folds 2
    python bench/quality.py run --variants recipe --folds 3 --jobs 2   # replaces the 2-fold fits
    python bench/stage_blend.py --folds 3      # also compares with the 2-fold scores, cached

The agreement table takes the scores of the ``--folds`` read and of the other read cached (2 and
3 folds): for each page, content F1 alone under each read's fits (each at its own pooled
threshold), and how often they differ. Two reads train on different sites, as two refits of a
model do, so what moves between them is what moves between refits.
"""

import argparse

import numpy as np

import quality
from common import print_table

from linesift.frame import PAGE, lines_frame
from linesift.train.metrics import best_threshold, prf

SHARES = (0.0, 0.3, 0.5, 0.7, 1.0)
"""Shares of stage two's score: 0 is stage three alone, 1 stage two alone."""
OUT = quality.out_dir(0).parent / "stage_blend"
SLICES = (("all sets", None, None), ("dragnet", "dragnet", None), ("cleaneval", "cleaneval", None),
          ("daniel_a ru", "daniel_a", "ru"), ("daniel_a pl", "daniel_a", "pl"),
          ("daniel_a el", "daniel_a", "el"), ("forum threads", None, "forum"))
"""(name, source, language or page kind: ``quality.page_kind``'s forum threads of htmltotext and
polish_sparse)."""


def stage_scores(variant, k, pages):
    """Stage two's and three's P(content) of every held-out line, crawl and alone, keyed by
    (page, line number); cached per number of folds."""
    import joblib
    from threadpoolctl import threadpool_limits

    path = OUT / f"{variant}_k{k}.npz"
    fits = [quality.out_dir(0) / variant / f"fold{i}.npz" for i in range(k)]
    if path.exists() and all(f.exists() and f.stat().st_mtime < path.stat().st_mtime
                             for f in fits):
        with np.load(path) as data:
            return dict(data)
    for f in fits:
        # the blend is set here at scoring time: fits of any blend serve
        if not quality.fold_is_current(f, variant, k, len(pages), ignore=("refine_blend",)):
            raise SystemExit(f"{f} missing or for other folds: run `quality.py run --variants "
                             f"{variant} --folds {k}`")
    fold = quality.page_folds(pages, k)
    parts = []
    for i in range(k):
        model = joblib.load(quality.out_dir(0) / variant / f"fold{i}.joblib")
        clf = model[-1]
        if getattr(clf, "third_", None) is None:
            raise SystemExit(f"{variant} has no third stage to blend")
        test_idx = np.flatnonzero(fold == i)
        test = [pages[j] for j in test_idx]
        with threadpool_limits(1):
            frame = lines_frame(test)
            row = {"page": test_idx[frame[PAGE].to_numpy()], "line_no": frame["line_no"].to_numpy()}
            for setting, columns in (("crawl", quality.site_columns_crawl),
                                     ("single", quality.site_columns_single)):
                X = model[:-1].transform(columns(frame, test))
                clf.refine_blend = 0.0
                row[f"{setting}_p3"] = clf.predict_proba(X)[:, 1]
                clf.refine_blend = 1.0
                row[f"{setting}_p2"] = clf.predict_proba(X)[:, 1]
        parts.append(row)
    out = {key: np.concatenate([p[key] for p in parts]) for key in parts[0]}
    OUT.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(path, **out)
    return out


def aligned(data, frame):
    """The cached scores in the order of `frame`'s lines."""
    at = quality.line_positions(frame, data["page"], data["line_no"])
    out = {}
    for name in ("crawl_p2", "crawl_p3", "single_p2", "single_p3"):
        out[name] = np.zeros(len(frame))
        out[name][at] = data[name]
    return out


def blended(scores, setting, share):
    return share * scores[f"{setting}_p2"] + (1 - share) * scores[f"{setting}_p3"]


def page_f1(keep, y, labelled, starts):
    def per_page(mask):
        return np.add.reduceat((mask & labelled).astype(float), starts)
    tp, fp, fn = per_page(keep & (y == 1)), per_page(keep & (y == 0)), per_page(~keep & (y == 1))
    return 2 * tp / np.maximum(2 * tp + fp + fn, 1)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--variant", default="recipe")
    parser.add_argument("--folds", type=int, default=2)
    args = parser.parse_args()
    pages, aligned_pages = quality.load_all(0)
    frame, y = quality.training_table(aligned_pages)
    labelled = y != quality.UNLABELLED
    page = frame[PAGE].to_numpy()
    source = np.array([p.meta.get("source", "") for p in pages])[page]
    lang = np.array([p.meta.get("lang", "") for p in pages])[page]
    kind = np.array([quality.page_kind(p) for p in pages])[page]
    reads = {args.folds: aligned(stage_scores(args.variant, args.folds, pages), frame)}
    other = 3 if args.folds == 2 else 2
    if (OUT / f"{args.variant}_k{other}.npz").exists():
        with np.load(OUT / f"{args.variant}_k{other}.npz") as data:
            reads[other] = aligned(dict(data), frame)
    keeps = {}
    f1 = {}
    for share in SHARES:
        for setting in ("crawl", "single"):
            for k, scores in reads.items():
                score = blended(scores, setting, share)
                keeps[k, setting, share] = keep = \
                    score >= best_threshold(y[labelled], score[labelled])
                if k != args.folds:
                    continue
                for name, src, language in SLICES:
                    mask = labelled & ((source == src) if src else True) & \
                        ((lang == language) | (kind == language) if language else True)
                    f1[name, setting, share] = prf(y[mask], keep[mask].astype(int), 1)[2]
    rows = [{"slice": name, "setting": "crawl" if setting == "crawl" else "page alone",
             **{f"{share:.1f}": f1[name, setting, share] for share in SHARES}}
            for name, _, _ in SLICES for setting in ("crawl", "single")]
    print(f"{args.variant}, {args.folds} site-grouped folds: content F1 with the final score "
          "= s x stage two + (1 - s) x stage three, for each share s (columns), each setting "
          "at its pooled threshold")
    print_table(rows, list(rows[0]))
    if len(reads) < 2:
        print(f"\n(no {other}-fold scores cached: run both reads for the agreement table)")
        return
    starts = np.flatnonzero(np.r_[True, page[1:] != page[:-1]])
    rows = []
    for share in SHARES:
        row = {"share of stage two": share}
        for setting, short in (("crawl", "crawl"), ("single", "page")):
            a, b = keeps[2, setting, share], keeps[3, setting, share]
            moved = np.abs(page_f1(a, y, labelled, starts) - page_f1(b, y, labelled, starts))
            row[f"{short}: mean |F1 2 - F1 3|"] = moved.mean()
            row[f"{short}: pages moved > 0.3"] = int((moved > 0.3).sum())
            row[f"{short}: lines kept by one read"] = int((a != b).sum())
        rows.append(row)
    print(f"\nper page, the 2-fold and the 3-fold fits ({len(starts):,} pages)")
    print_table(rows, list(rows[0]))


if __name__ == "__main__":
    main()
