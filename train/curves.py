"""Learning curves a team can read: held-out content F1 against the number of labelled pages,
and precision / recall against the threshold, drawn with matplotlib."""

import time

import numpy as np

from linesift.classifier import fit_weighted
from linesift.errors import LinesiftError
from linesift.frame import PAGE
from linesift.labels import DEFAULT_THRESHOLD, UNLABELLED_CODE

from .cv import cv_splits
from .metrics import THRESHOLD_GRID, prf
from .notes import log

CURVE_SIZES = (1, 2, 3, 5, 10, 20, 50, 100, 200, 500, 1000, 2000)
"""Numbers of labelled pages a learning curve trains on (those below a fold's training pages,
then all of them)."""
CURVE_SEED = 0
PNG_DPI = 110


def training_curve(pipeline, frame, y, groups, own, *, folds=5, weights=None, sizes=CURVE_SIZES,
                   progress=True):
    """Held-out content F1 (at threshold 0.5, uncalibrated) of `pipeline` trained on growing
    numbers of labelled pages, in grouped folds.

    Each fold's training pages are taken in one seeded random order; a point trains on the
    first n of them. When `own` marks some lines only (a team's pages trained with shared
    ones), only those pages vary, the others are always in, and only they are scored.

    Returns
    -------
    list of dict
        ``{"pages": n, "content_f1": mean over folds, "folds": [F1 per fold]}``, by n.
    """
    from sklearn.base import clone


    vary = own if own.any() and not own.all() else np.ones(len(frame), bool)
    page_of = frame[PAGE].to_numpy()
    rng = np.random.default_rng(CURVE_SEED)
    points = {}
    for k, (train, test) in enumerate(cv_splits(frame, y, groups, folds), 1):
        candidates = rng.permutation(np.unique(page_of[train][vary[train]]))
        scored = test[vary[test] & (y[test] != UNLABELLED_CODE)]
        counts = [n for n in sizes if n < len(candidates)] + [len(candidates)]
        for n in counts:
            rows = train[~vary[train] | np.isin(page_of[train], candidates[:n])]
            labelled = y[rows][y[rows] != UNLABELLED_CODE]
            if len(np.unique(labelled)) < 2 or not len(scored):
                continue
            start = time.perf_counter()
            model = fit_weighted(clone(pipeline), frame.iloc[rows], y[rows],
                                 None if weights is None else weights[rows])
            proba = model.predict_proba(frame.iloc[scored])[:, 1]
            f1 = prf(y[scored], (proba >= DEFAULT_THRESHOLD).astype(int))[2]
            key = n if n < len(candidates) else -1  # "all", whose size differs per fold
            points.setdefault(key, []).append((n, f1))
            if progress:
                log(f"  curve: fold {k}, {n} pages, content F1 {f1:.3f} "
                     f"({time.perf_counter() - start:.0f} s)")
    return [{"pages": round(float(np.mean([n for n, _ in v])), 1),
             "content_f1": round(float(np.mean([f for _, f in v])), 4),
             "folds": [round(f, 4) for _, f in v]}
            for _, v in sorted(points.items(), key=lambda kv: np.mean([n for n, _ in kv[1]]))]


def adaptation_curve(base, adaptation, *, folds=5, sizes=CURVE_SIZES, progress=True):
    """Held-out content F1 of ``train --base`` (the whole decision: :func:`~linesift.train.
    adapt.adapt`) on growing numbers of labelled pages, in folds grouped by page.

    Each fold's training pages are taken in one seeded order; a point adapts `base` (a model
    directory) to the first n of them and scores the fold's pages, filtered together with the
    memory of those n pages, at the base model's threshold.

    Returns
    -------
    list of dict, as :func:`training_curve`.
    """
    from sklearn.model_selection import GroupKFold

    from linesift.features.site import count_site_lines
    from linesift.frame import lines_frame
    from linesift.model import load_pipeline
    from linesift.sift import Sifter

    from .adapt import adapt

    pages = adaptation.pages
    base_pipeline, _ = load_pipeline(base)
    threshold = adaptation.threshold
    n_pages = len(pages)
    if n_pages < 2:
        return []
    rng = np.random.default_rng(CURVE_SEED)
    index = np.arange(n_pages)
    points = {}
    for k, (train, test) in enumerate(GroupKFold(n_splits=min(folds, n_pages)).split(
            index, groups=index), 1):
        order = rng.permutation(train)
        held = [pages[i] for i in test]
        counts = [n for n in sizes if n < len(order)] + [len(order)]
        for n in counts:
            chosen = [pages[i] for i in order[:n]]
            frame, y = lines_frame(chosen, with_labels=True)
            labelled = y[y != UNLABELLED_CODE]
            if len(np.unique(labelled)) < 2:
                continue
            start = time.perf_counter()
            fitted = adapt(base_pipeline, threshold, chosen, frame, y, folds=folds)
            sifter = Sifter(fitted.pipeline, {"threshold": threshold}, memory=fitted.memory)
            truth, proba = [], []
            for sifted in sifter.sift_pages(held, site_stats=count_site_lines(held)):
                for label, score in zip(sifted.page.labels, sifted.scores):
                    if label is not None and score is not None:
                        truth.append(label == "content")
                        proba.append(score)
            if not truth:
                continue
            f1 = prf(np.asarray(truth, int), (np.asarray(proba) >= threshold).astype(int))[2]
            key = n if n < len(order) else -1
            points.setdefault(key, []).append((n, f1))
            if progress:
                log(f"  curve: fold {k}, {n} pages ({fitted.choice}), content F1 {f1:.3f} "
                    f"({time.perf_counter() - start:.1f} s)")
    return [{"pages": round(float(np.mean([n for n, _ in v])), 1),
             "content_f1": round(float(np.mean([f for _, f in v])), 4),
             "folds": [round(f, 4) for _, f in v]}
            for _, v in sorted(points.items(), key=lambda kv: np.mean([n for n, _ in kv[1]]))]


def require_matplotlib():
    """LinesiftError (one line) now, before any fitting, when matplotlib is missing."""
    _pyplot()


def threshold_curve(y, proba, grid=THRESHOLD_GRID):
    """Content precision, recall and F1 at each threshold of `grid` (labelled lines only)."""
    y, proba = np.asarray(y), np.asarray(proba, dtype=float)
    keep = (y != UNLABELLED_CODE) & ~np.isnan(proba)
    rows = [prf(y[keep], (proba[keep] >= t).astype(int)) for t in grid]
    return np.asarray(grid), np.asarray(rows)


def _pyplot():
    try:
        import matplotlib
    except ImportError:
        raise LinesiftError("drawing a curve needs matplotlib, which is not installed",
                            hint="matplotlib") from None
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def _threshold_panel(ax, y, proba, label="", threshold=None, colour=None):
    """Precision (dashed), recall (dotted) and F1 (solid) against the threshold; one colour per
    model when several share the panel."""
    grid, rows = threshold_curve(y, proba)
    prefix = f"{label} " if label else ""
    styles = (("precision", "--", "tab:blue"), ("recall", ":", "tab:orange"),
              ("F1", "-", "tab:green"))
    for k, (name, style, own) in enumerate(styles):
        ax.plot(grid, rows[:, k], linestyle=style, color=colour or own,
                linewidth=2 if name == "F1" else 1.2, label=f"{prefix}{name}")
    if threshold is not None:
        ax.axvline(threshold, color="grey", linestyle="-.", label=f"threshold {threshold:.2f}")
    ax.set(xlabel="threshold on P(content)", ylabel="content lines", ylim=(0, 1.02), xlim=(0, 1))
    ax.grid(alpha=0.3)
    ax.legend(fontsize=7, loc="lower left")


def write_training_png(path, points, y, oof, title="", threshold=None):
    """Two panels: `points` of :func:`training_curve`, and precision / recall against the
    threshold of the out-of-fold scores `oof` (left out when None)."""
    plt = _pyplot()
    fig, (left, right) = plt.subplots(1, 2, figsize=(11, 4.2))
    xs = [p["pages"] for p in points]
    for p in points:
        left.scatter([p["pages"]] * len(p["folds"]), p["folds"], color="tab:blue", alpha=0.3,
                     s=12)
    left.plot(xs, [p["content_f1"] for p in points], marker="o", color="tab:blue",
              label="mean over folds")
    left.set(xscale="log", xlabel="labelled pages trained on", ylabel="held-out content F1",
             ylim=(0, 1.02), title="learning curve (threshold "
                                   f"{DEFAULT_THRESHOLD if threshold is None else threshold:.2f})")
    left.grid(alpha=0.3, which="both")
    left.legend(fontsize=8, loc="lower right")
    if oof is not None:
        _threshold_panel(right, y, oof, threshold=threshold)
        right.set_title("cross-validated scores, all pages")
    else:
        right.text(0.5, 0.5, "no cross-validated scores", ha="center", va="center")
    fig.suptitle(title)
    _save(fig, path, plt)


def write_evaluation_png(path, results):
    """Two panels for :func:`~linesift.train.evaluate.evaluate_model` results (with scores):
    each model's content F1 against the labelled pages it was trained on, and precision / recall
    against the threshold."""
    plt = _pyplot()
    fig, (left, right) = plt.subplots(1, 2, figsize=(11, 4.2))
    known = [r for r in results if r.get("trained_pages")]
    order = sorted(known, key=lambda r: r["trained_pages"])
    left.plot([r["trained_pages"] for r in order],
              [r["overall"]["content_f1"] for r in order], marker="o", linestyle=":",
              linewidth=0.8)
    for r in order:
        left.annotate(r["model"].split("@")[0], (r["trained_pages"], r["overall"]["content_f1"]),
                      fontsize=7, xytext=(3, -10), textcoords="offset points")
    left.set(xlabel="labelled pages the model was trained on", ylabel="content F1 here",
             ylim=(0, 1.02), title="content F1 by model")
    if order and order[-1]["trained_pages"] / max(order[0]["trained_pages"], 1) > 20:
        left.set_xscale("log")
    left.grid(alpha=0.3, which="both")
    several = len(results) > 1
    for k, r in enumerate(results[-3:]):  # the last models given (more are unreadable)
        scores = r.get("scores")
        if scores:
            _threshold_panel(right, scores["y"], scores["proba"],
                             r["model"].split("@")[0] if several else "",
                             None if several else r["threshold"],
                             colour=f"C{k}" if several else None)
    right.set_title("precision / recall against the threshold")
    _save(fig, path, plt)


def _save(fig, path, plt):
    from pathlib import Path

    from linesift.formats.atomic import atomic_path

    fig.tight_layout()
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    with atomic_path(Path(path)) as tmp:
        fig.savefig(tmp, dpi=PNG_DPI, format="png")
    plt.close(fig)
