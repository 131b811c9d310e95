"""Fitting a line model, evaluating it honestly and saving it with its card."""

import sys
import time
from pathlib import Path

import numpy as np
from sklearn.base import clone
from sklearn.model_selection import GroupKFold

from linesift.classifier import fit_weighted
from linesift.frame import GROUP, PAGE
from linesift.labels import DEFAULT_THRESHOLD, UNLABELLED_CODE
from linesift.model import save_model
from linesift.recipe import build_pipeline

from .data import (fingerprint, label_counts, line_sources, load_training_pages,
                   source_weights, sources, training_table, unlabel_trailing_prose)
from .metrics import best_threshold, brier, calibration_error, line_metrics

CV_FOLDS = 5
LICENCES = {
    "cleaneval": "none stated", "l3s_gn1": "research only", "dragnet": "AGPL-3.0",
    "big9_chaos": "research only", "cleanportaleval": "none stated",
    "htmltotext": "none stated", "trafilatura_eval": "Apache-2.0 (repository)",
    "polish_sparse": "GPL-3.0",
}


def _log(message):
    print(message, file=sys.stderr, flush=True)


def _fit_and_score(pipeline, train_frame, train_y, test_frame, weights=None):
    """Fit a clone of `pipeline`; P(content) on `test_frame` (None: return the fitted model)."""
    from threadpoolctl import threadpool_limits

    start = time.perf_counter()
    with threadpool_limits(1):  # parallelism comes from running folds side by side
        model = fit_weighted(clone(pipeline), train_frame, train_y, weights)
        result = model if test_frame is None else model.predict_proba(test_frame)[:, 1]
    return result, time.perf_counter() - start


def cross_validated_proba(pipeline, frame, y, folds=CV_FOLDS, progress=True, jobs=1,
                          also_fit_all=False, weights=None):
    """Out-of-fold P(content) for every line, folds grouped by site (domain) or page.

    With `jobs` > 1 the folds are fitted in parallel processes; with `also_fit_all` the model
    on all lines is fitted alongside them.

    Returns
    -------
    oof : ndarray of shape (n_lines,), or None when there are too few groups to split.
    fitted : the pipeline fitted on all lines when `also_fit_all`, else None.
    """
    from joblib import Parallel, delayed

    groups = frame[GROUP].to_numpy()
    n_groups = len(np.unique(groups))
    splits = []
    if n_groups >= 2:
        splitter = GroupKFold(n_splits=min(folds, n_groups))
        splits = [(train, test) for train, test in splitter.split(frame, y, groups)
                  if len(np.unique(y[train][y[train] != UNLABELLED_CODE])) >= 2]
    tasks = [delayed(_fit_and_score)(pipeline, frame.iloc[train], y[train], frame.iloc[test],
                                     None if weights is None else weights[train])
             for train, test in splits]
    if also_fit_all:
        tasks.append(delayed(_fit_and_score)(pipeline, frame, y, None, weights))
    results = Parallel(n_jobs=jobs, return_as="generator")(tasks)  # n_jobs=1: in this process
    oof = np.full(len(frame), np.nan) if splits else None
    fitted = None
    for k, (result, seconds) in enumerate(results, 1):
        if k > len(splits):
            fitted = result
            if progress:
                _log(f"  model on all lines: {seconds:.0f} s")
            continue
        train, test = splits[k - 1]
        oof[test] = result
        if progress:
            _log(f"  fold {k}/{len(splits)}: {len(train):,} training lines, {seconds:.0f} s")
    return oof, fitted


def evaluate_oof(frame, y, oof):
    """CV metrics at the default threshold and at the best one, from out-of-fold scores."""
    mask = (y != UNLABELLED_CODE) & ~np.isnan(oof)
    pages = frame[PAGE].to_numpy()[mask]
    threshold = best_threshold(y[mask], oof[mask])
    return threshold, {
        f"at_{DEFAULT_THRESHOLD}": line_metrics(y[mask], oof[mask], pages, DEFAULT_THRESHOLD),
        "at_threshold": line_metrics(y[mask], oof[mask], pages, threshold),
    }


def calibration_report(frame, y, oof):
    """How well out-of-fold P(content) is calibrated, raw and after an isotonic fit, honestly:
    the isotonic map is fitted on one half of the sites and scored on the other, both ways."""
    from linesift.classifier import ContextClassifier

    mask = (y != UNLABELLED_CODE) & ~np.isnan(oof)
    groups = frame[GROUP].to_numpy()[mask]
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


def fit_with_cv(pipeline, frame, y, *, folds=CV_FOLDS, jobs=1, calibrate=True, progress=True,
                weights=None):
    """Fit `pipeline` on all lines and judge it by grouped cross-validation.

    Returns
    -------
    fitted : the pipeline fitted on all lines, calibrated when `calibrate` (and folds >= 2)
    threshold : float, the threshold on (calibrated) P(content) that maximised held-out
        content F1, DEFAULT_THRESHOLD without cross-validation
    cv : dict of held-out metrics (empty without cross-validation)
    calibration : dict reporting the calibration, or None
    oof : ndarray of (calibrated) held-out P(content) per line, or None
    """
    cv, threshold, oof, calibration, fitted = {}, DEFAULT_THRESHOLD, None, None, None
    if folds and folds > 1:
        if progress:
            _log(f"cross-validating ({folds} folds grouped by site, else page; {jobs} jobs)")
        oof, fitted = cross_validated_proba(pipeline, frame, y, folds, progress, jobs=jobs,
                                            also_fit_all=jobs != 1, weights=weights)
        if oof is not None and calibrate:
            calibration = calibration_report(frame, y, oof)
            mask = (y != UNLABELLED_CODE) & ~np.isnan(oof)
            oof = oof.copy()
            calibrator = clone(_classifier(pipeline)).set_calibration(oof[mask], y[mask])
            oof[mask] = calibrator._calibrated(oof[mask])[:, 1]
        if oof is not None:
            threshold, cv = evaluate_oof(frame, y, oof)
    if fitted is None:
        if progress:
            _log("fitting the final model on all pages")
        fitted = fit_weighted(clone(pipeline), frame, y, weights)
    if calibration is not None:
        _classifier(fitted).calibration_ = calibrator.calibration_
    return fitted, threshold, cv, calibration, oof


def train_model(paths, out_dir, *, name=None, folds=CV_FOLDS, pipeline=None, read_options=None,
                progress=True, site_stats=False, calibrate=True, unlabel_trailing=False,
                balance=0.0, jobs=1, page_relative=False, ngram_min_sites=None):
    """Train on labelled pages, cross-validate, choose the threshold and save the model.

    Parameters
    ----------
    paths : list of str
        Labelled pages (JSONL, JSONL.gz, Parquet; the ``shared/data`` format).
    out_dir : str or Path
        Model directory to write (``model.joblib``, ``card.json``, ``README.md``).
    folds : int
        Grouped CV folds; 0 or 1 skips cross-validation (the default threshold).
    site_stats : bool
        Count each line's pages per site over `paths` and learn from it
        (:mod:`linesift.sitestats`); the model then needs such counts to filter.
    calibrate : bool
        Map P(content) through an isotonic fit of the cross-validated scores.
    unlabel_trailing : bool
        Fit on :func:`~train.data.unlabel_trailing_prose` labels (comments as context only).
    balance : float
        Weigh sources by their labelled lines to the power -`balance`
        (:func:`~train.data.source_weights`; 0: every line counts the same).
    jobs : int
        Processes fitting the CV folds and the final model side by side.
    page_relative : bool
        Add each line's features against its page's mean
        (:class:`~linesift.features.PageRelative`).
    ngram_min_sites : int or None
        Keep only the word n-grams found on at least this many training sites, each its own
        column (:class:`~linesift.features.LineText`'s ``min_sites``); None hashes them all.

    Returns
    -------
    dict : the saved card.
    """
    started = time.perf_counter()
    pages = load_training_pages(paths, read_options)
    unlabelled_prose = 0
    if unlabel_trailing:
        pages, unlabelled_prose = unlabel_trailing_prose(pages)
    frame, y = training_table(pages)
    if site_stats:
        from linesift.features.site import count_site_lines, with_site_columns

        frame = with_site_columns(frame, pages, count_site_lines(pages))
    counts = label_counts(pages)
    check_training_labels(paths, pages, counts)
    if progress:
        _log(f"read {len(pages):,} pages, {len(frame):,} non-blank lines: {counts}")
    pipeline = pipeline if pipeline is not None else build_pipeline(
        site_stats=site_stats, page_relative=page_relative, ngram_min_sites=ngram_min_sites)
    weights = source_weights(pages, frame, y, balance) if balance else None
    fitted, threshold, cv, calibration, oof = fit_with_cv(
        pipeline, frame, y, folds=folds, jobs=jobs, calibrate=calibrate, progress=progress,
        weights=weights)
    if oof is not None:
        cv["per_source"] = per_source_metrics(pages, frame, y, oof, threshold)
    out_dir = Path(out_dir)
    used_sources = sources(pages)
    card = {
        "name": name or out_dir.name,
        "description": "linesift line classifier: P(content) for each non-blank line of a page.",
        "features": describe_features(fitted),
        "threshold": threshold,
        "cv": _flatten_cv(cv),
        "cv_detail": cv,
        "data": {
            "pages": len(pages), "lines": int(len(frame)), "label_counts": counts,
            "fingerprint": fingerprint(pages), "paths": [str(p) for p in paths],
            "sources": [f"{k}: {v} pages" for k, v in sorted(used_sources.items())],
            "licences": {k: LICENCES.get(k, "unknown") for k in sorted(used_sources)},
        },
        "training_seconds": round(time.perf_counter() - started, 1),
        "uses_site_stats": bool(site_stats),
        "calibration": calibration,
        "unlabelled_trailing_prose_lines": unlabelled_prose,
        "source_balance": balance,
    }
    card = save_model(fitted, out_dir, card)
    if progress:
        _log(f"saved {out_dir} (threshold {threshold:.2f}, "
             f"CV content F1 {card['cv'].get('content_f1', float('nan')):.3f})")
    return card


def check_training_labels(paths, pages, counts):
    """InputError (one line, naming the data) unless the pages hold lines of both labels."""
    from linesift.errors import InputError
    from linesift.labels import BOILERPLATE, CONTENT, UNLABELLED_KEY

    where = ", ".join(str(p) for p in paths)
    if not pages:
        raise InputError(where, "no labelled pages to train on")
    if not counts.get(CONTENT) and not counts.get(BOILERPLATE):
        raise InputError(where, f"no line is labelled (all {counts.get(UNLABELLED_KEY, 0):,} "
                                "labels are null); training needs lines labelled content "
                                "and lines labelled boilerplate")
    for label, other in ((CONTENT, BOILERPLATE), (BOILERPLATE, CONTENT)):
        if not counts.get(other):
            raise InputError(where, f"every labelled line is {label!r} ({counts[label]:,} "
                                    f"lines) and none is {other!r}; training needs both")


def per_source_metrics(pages, frame, y, oof, threshold):
    """Held-out content precision, recall and F1 at `threshold` for each page source."""
    names = line_sources(pages, frame)
    out = {}
    for name in sorted(set(names)):
        mask = (names == name) & (y != UNLABELLED_CODE) & ~np.isnan(oof)
        if mask.any():
            m = line_metrics(y[mask], oof[mask], frame[PAGE].to_numpy()[mask], threshold)
            out[name] = {k: round(m[k], 4) for k in ("content_precision", "content_recall",
                                                     "content_f1")} | {"lines": m["lines"]}
    return out


def _classifier(pipeline):
    """The pipeline's ContextClassifier step (its last step)."""
    return pipeline.steps[-1][1] if hasattr(pipeline, "steps") else pipeline


def _flatten_cv(cv):
    best = cv.get("at_threshold", {})
    return {k: round(v, 4) if isinstance(v, float) else v for k, v in best.items()}


def describe_features(pipeline):
    """Short description of the model's feature groups, for the card."""
    from linesift.classifier import WORD_NGRAMS

    steps = dict(pipeline.named_steps)
    clf = steps.get("classify")
    out = [f"{key}: {len(step.get_feature_names_out())} columns" for key, step in steps.items()
           if key != "classify"]
    if clf is not None:
        text = clf.first_.named_steps["features"].named_transformers_.get("text")
        vocabulary = getattr(text, "vocabulary_", None)
        words = (f"word n-grams {WORD_NGRAMS} found on >= {clf.ngram_min_sites} training "
                 f"sites ({len(vocabulary):,} kept)" if vocabulary is not None
                 else f"hashed word n-grams {WORD_NGRAMS}")
        out.append(f"text: {words}")
        out.append("stage one: logistic regression fitted by averaged SGD")
        out.append(f"context stage over first-stage scores (offsets {list(clf.offsets)}, "
                   f"windows {list(clf.windows)})")
    return out
