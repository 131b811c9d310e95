"""Calibration of P(content): an isotonic map fitted on out-of-fold scores, and an honest
report of how well it calibrates (fitted on one half of the groups, scored on the other)."""

import numpy as np
from sklearn.base import clone
from sklearn.model_selection import GroupKFold

from linesift.classifier import ContextClassifier
from linesift.frame import GROUP
from linesift.labels import UNLABELLED_CODE

from .metrics import brier, calibration_error


def calibration_report(frame, y, oof, groups=None):
    """How well out-of-fold P(content) is calibrated, raw and after an isotonic fit, honestly:
    the isotonic map is fitted on one half of the groups (sites) and scored on the other, both
    ways."""
    mask = (y != UNLABELLED_CODE) & ~np.isnan(oof)
    groups = (frame[GROUP].to_numpy() if groups is None else np.asarray(groups))[mask]
    scores, labels = oof[mask], y[mask]
    report = {"method": "isotonic regression on grouped out-of-fold scores "
                        "(as CalibratedClassifierCV(method='isotonic', ensemble=False))",
              "ece_raw": calibration_error(labels, scores), "brier_raw": brier(labels, scores)}
    if len(np.unique(groups)) >= 2:
        calibrated = np.zeros_like(scores)
        for fit_half, score_half in GroupKFold(n_splits=2).split(scores, labels, groups):
            step = ContextClassifier().set_calibration(scores[fit_half], labels[fit_half])
            calibrated[score_half] = step._calibrated(scores[score_half])[:, 1]
        report.update(ece_calibrated_held_out=calibration_error(labels, calibrated),
                      brier_calibrated_held_out=brier(labels, calibrated))
    return {k: round(v, 4) if isinstance(v, float) else v for k, v in report.items()}


def calibrated_with(classifier, calibration, scores):
    """`scores` (NaN where none) through the isotonic map `calibration` of
    :func:`calibrated_oof`."""
    calibrator = clone(classifier)
    calibrator.calibration_ = calibration
    out = scores.copy()
    known = ~np.isnan(scores)
    out[known] = calibrator._calibrated(scores[known])[:, 1]
    return out


def calibrated_oof(classifier, y, oof):
    """Out-of-fold scores through an isotonic map fitted on them, and the map (what the
    fitted model's classifier then applies: ``calibration_``)."""
    mask = (y != UNLABELLED_CODE) & ~np.isnan(oof)
    calibration = clone(classifier).set_calibration(oof[mask], y[mask]).calibration_
    return calibrated_with(classifier, calibration, oof), calibration
