"""Line-level metrics: content and boilerplate precision / recall / F1, page-averaged F1, and
the threshold on P(content) that maximises content F1."""

import numpy as np

THRESHOLD_GRID = np.round(np.arange(0.05, 0.951, 0.01), 2)


def prf(y_true, y_pred, positive=1):
    """Precision, recall and F1 of class `positive` (labelled lines only)."""
    y_true = np.asarray(y_true)
    y_pred = np.asarray(y_pred)
    tp = float(np.sum((y_pred == positive) & (y_true == positive)))
    fp = float(np.sum((y_pred == positive) & (y_true != positive)))
    fn = float(np.sum((y_pred != positive) & (y_true == positive)))
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return precision, recall, f1


def line_metrics(y_true, proba, pages, threshold):
    """All reported metrics for labelled lines (y 1/0) with P(content) `proba` and page keys.

    Page-averaged content F1 skips pages without a labelled content line and with no kept line
    (F1 is undefined there).
    """
    y_true = np.asarray(y_true)
    pred = (np.asarray(proba) >= threshold).astype(int)  # a threshold per line, or one
    cp, cr, cf = prf(y_true, pred, 1)
    bp, br, bf = prf(y_true, pred, 0)
    per_page = []
    pages = np.asarray(pages)
    order = np.argsort(pages, kind="stable")
    keys, starts = np.unique(pages[order], return_index=True)
    for lo, hi in zip(starts, list(starts[1:]) + [len(order)]):
        idx = order[lo:hi]
        if y_true[idx].sum() == 0 and pred[idx].sum() == 0:
            continue
        per_page.append(prf(y_true[idx], pred[idx], 1)[2])
    return {
        "threshold": float(threshold) if np.ndim(threshold) == 0 else None,
        "lines": int(len(y_true)),
        "content_lines": int(y_true.sum()),
        "content_precision": cp, "content_recall": cr, "content_f1": cf,
        "boilerplate_precision": bp, "boilerplate_recall": br, "boilerplate_f1": bf,
        "page_avg_content_f1": float(np.mean(per_page)) if per_page else 0.0,
        "pages": int(len(keys)),
    }


def best_threshold(y_true, proba, grid=THRESHOLD_GRID):
    """The threshold in `grid` that maximises line-level content F1."""
    y_true = np.asarray(y_true)
    proba = np.asarray(proba)
    scores = [prf(y_true, (proba >= t).astype(int), 1)[2] for t in grid]
    return float(grid[int(np.argmax(scores))])


def calibration_error(y_true, proba, bins=10):
    """Expected calibration error: the line-weighted mean gap between the mean P(content) and
    the share of content lines, over `bins` equal-width bins of P(content)."""
    y_true = np.asarray(y_true, dtype=float)
    proba = np.asarray(proba, dtype=float)
    which = np.minimum((proba * bins).astype(int), bins - 1)
    gap = np.abs(np.bincount(which, proba, bins) - np.bincount(which, y_true, bins))
    return float(gap.sum() / max(len(proba), 1))


def brier(y_true, proba):
    """Mean squared error of P(content) against the 0/1 label."""
    return float(np.mean((np.asarray(proba, float) - np.asarray(y_true, float)) ** 2))
