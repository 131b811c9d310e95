"""Learning curves a team can read: held-out content F1 against the number of labelled pages,
and precision / recall against the threshold, drawn with matplotlib."""

import time
from pathlib import Path

import numpy as np

from linesift.classifier import fit_weighted
from linesift.errors import LinesiftError
from linesift.formats.atomic import atomic_path
from linesift.frame import PAGE, lines_frame
from linesift.labels import DEFAULT_THRESHOLD, UNLABELLED_CODE
from linesift.model import load_pipeline
from linesift.sift import Sifter

from .adapt import adapt
from .cv import CV_FOLDS, cv_splits
from .metrics import THRESHOLD_GRID, prf
from .notes import log

CURVE_SIZES = (1, 2, 3, 5, 10, 20, 50, 100, 200, 500, 1000, 2000)
"""Numbers of labelled pages a learning curve trains on (those below a fold's training pages,
then all of them)."""
CURVE_SEED = 0
PNG_DPI = 110


def training_curve(pipeline, frame, y, groups, own, *, folds=CV_FOLDS, weights=None,
                   sizes=CURVE_SIZES,
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


def adaptation_curve(base, adaptation, *, folds=CV_FOLDS, sizes=CURVE_SIZES, progress=True):
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
            for sifted in sifter.sift_pages(list(held)):
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


def _threshold_panel(ax, y, proba, label="", threshold=None, colour=None, measures=None):
    """Precision (dashed), recall (dotted) and F1 (solid) against the threshold; one colour per
    model when several share the panel. `measures` limits the lines drawn (F1 only, when many
    models share the panel)."""
    grid, rows = threshold_curve(y, proba)
    prefix = f"{label} " if label else ""
    styles = (("precision", "--", "tab:blue"), ("recall", ":", "tab:orange"),
              ("F1", "-", "tab:green"))
    for k, (name, style, own) in enumerate(styles):
        if measures is None or name in measures:
            ax.plot(grid, rows[:, k], linestyle=style, color=colour or own,
                    linewidth=2 if name == "F1" else 1.2, label=f"{prefix}{name}")
    if threshold is not None:
        ax.axvline(threshold, color="grey", linestyle="-.", label=f"threshold {threshold:.2f}")
    ax.set(xlabel="threshold on P(content)", ylabel="precision / recall / F1 (content lines)",
           ylim=(0, 1.02), xlim=(0, 1))
    ax.grid(alpha=0.3)
    _legend_outside(ax)


def _legend_outside(ax):
    """The legend right of the panel, where it covers no curve."""
    ax.legend(fontsize=7, loc="upper left", bbox_to_anchor=(1.01, 1.0), borderaxespad=0.0)


def _plain_log_ticks(ax, ticks=None):
    """A log x axis labelled with plain numbers (not 2×10⁰): `ticks`, else 1, 2, 5, 10 ..."""
    from matplotlib.ticker import FixedLocator, FuncFormatter, NullLocator

    low, high = ax.get_xlim()
    ticks = ticks or [m * 10 ** e for e in range(0, 7) for m in (1, 2, 5)
                      if low <= m * 10 ** e <= high]
    ax.xaxis.set_major_locator(FixedLocator(ticks or [1]))
    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _pos: f"{v:g}"))
    ax.xaxis.set_minor_locator(NullLocator())


def write_training_png(path, points, y, oof, title="", threshold=None):
    """Two panels: `points` of :func:`training_curve`, and precision / recall against the
    threshold of the out-of-fold scores `oof` (left out when None)."""
    plt = _pyplot()
    fig, (left, right) = plt.subplots(1, 2, figsize=(13, 4.6))
    xs = [p["pages"] for p in points]
    for p in points:
        left.scatter([p["pages"]] * len(p["folds"]), p["folds"], color="tab:blue", alpha=0.3,
                     s=12)
    left.plot(xs, [p["content_f1"] for p in points], marker="o", color="tab:blue",
              label="mean over folds")
    left.set(xscale="log", xlabel="labelled pages trained on", ylabel="held-out content F1",
             ylim=(0, 1.02), title="learning curve (threshold "
                                   f"{DEFAULT_THRESHOLD if threshold is None else threshold:.2f})")
    _plain_log_ticks(left, ticks=xs)
    left.grid(alpha=0.3, which="major")
    _legend_outside(left)
    if oof is not None:
        _threshold_panel(right, y, oof, threshold=threshold)
        right.set_title("cross-validated scores, all pages")
    else:
        right.text(0.5, 0.5, "no cross-validated scores", ha="center", va="center")
    fig.suptitle(title)
    _save(fig, path, plt)


MAX_FULL_THRESHOLD_MODELS = 3
"""Above this many models, the threshold panel draws F1 alone for each (precision and recall of
four or more models are unreadable together)."""


def write_evaluation_png(path, results):
    """Two panels for :func:`~linesift.train.evaluate.evaluate_model` results (with scores):
    each model's content F1 against the labelled pages it was trained on, and precision / recall
    against the threshold.

    A model is a horizontal line on the left panel when another result was trained on top of it
    (``--base``) or when the pages it learned from are unknown; a ``--base`` model is a point at
    the pages it added, labelled with its base.
    """
    plt = _pyplot()
    fig, (left, right) = plt.subplots(1, 2, figsize=(13, 4.6))
    bases = {r.get("base") for r in results if r.get("base")}
    lines = [r for r in results if r["model"] in bases or not r.get("trained_pages")]
    points = [r for r in results if r not in lines]
    for series, marker in ((False, "o"), (True, "s")):
        order = sorted((r for r in points if bool(r.get("base")) == series),
                       key=lambda r: r["trained_pages"])
        if not order:
            continue
        left.plot([r["trained_pages"] for r in order],
                  [r["overall"]["content_f1"] for r in order], marker=marker, linestyle=":",
                  linewidth=0.8,
                  label="trained on its base + these pages" if series else "trained on these pages")
        for r in order:
            left.annotate(_short(r["model"]), (r["trained_pages"], r["overall"]["content_f1"]),
                          fontsize=7, xytext=(3, -10), textcoords="offset points")
    for k, r in enumerate(lines):
        left.axhline(r["overall"]["content_f1"], color=f"C{k + 2}", linestyle="--",
                     linewidth=1.2, label=f"{_short(r['model'])} (base)" if r["model"] in bases
                     else _short(r["model"]))
    left.set(xlabel="labelled pages the model was trained on (added to its base, if any)",
             ylabel="content F1 on these pages", ylim=(0, 1.02), title="content F1 by model")
    xs = [r["trained_pages"] for r in points]
    if xs and max(xs) / max(min(xs), 1) > 20:
        left.set_xscale("log")
        _plain_log_ticks(left)
    left.grid(alpha=0.3, which="major")
    if lines or points:
        _legend_outside(left)
    scored = [r for r in results if r.get("scores")]
    several = len(scored) > 1
    measures = ("F1",) if len(scored) > MAX_FULL_THRESHOLD_MODELS else None
    for k, r in enumerate(scored):
        _threshold_panel(right, r["scores"]["y"], r["scores"]["proba"],
                         _short(r["model"]) if several else "",
                         None if several else r["threshold"],
                         colour=f"C{k}" if several else None, measures=measures)
    right.set_title("F1 against the threshold, every model" if measures
                    else "precision / recall against the threshold")
    _save(fig, path, plt)


def _short(version):
    return version.split("@")[0]


def _save(fig, path, plt):
    fig.tight_layout()
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    with atomic_path(Path(path)) as tmp:
        fig.savefig(tmp, dpi=PNG_DPI, format="png")
    plt.close(fig)
