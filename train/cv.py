"""Cross-validation grouped by site or page: the splits, out-of-fold scores, the threshold
they give (calibrated by :mod:`.calibrate`), and held-out metrics per source."""

import contextlib
import os
import time

import numpy as np
from sklearn.base import clone
from sklearn.model_selection import GroupKFold

from linesift.classifier import fit_weighted
from linesift.columns.site import MIN_SITE_PAGES
from linesift.features.site import SITE_PAGES
from linesift.frame import GROUP, PAGE
from linesift.labels import DEFAULT_THRESHOLD, UNLABELLED_CODE
from linesift.recipe import CV_FOLDS
from linesift.run.backends import watch_parent

from .calibrate import calibrated_oof, calibrated_with, calibration_report
from .data import line_sources, own_lines
from .metrics import best_threshold, line_metrics
from .notes import log

BY_SITE, BY_PAGE, MIXED = "site", "page", "site, own pages by page"
"""How cross-validation groups lines (see :func:`cv_groups`)."""


def cv_groups(pages, frame, folds=CV_FOLDS, notes=None):
    """The group of each line for cross-validation, and how the lines were grouped.

    Lines are grouped by site (the page's domain, else the page), so the figures are for sites
    the model has not seen. With too few sites for `folds` folds, they are grouped by page (the
    figures are then for new pages of the same sites). When a team's own pages (any source that
    is not a shared benchmark set) are trained together with shared ones, the own pages are
    grouped by page and the shared ones by site: the model is meant for the team's sites, and
    scoring its pages only as an unseen site would hide what their labels taught it.

    Returns
    -------
    groups : ndarray of object
    grouping : str
        :data:`BY_SITE`, :data:`BY_PAGE` or :data:`MIXED`.
    """
    sites = frame[GROUP].to_numpy()
    by_page = np.char.add("page:", frame[PAGE].to_numpy().astype(str)).astype(object)
    own = own_lines(pages, frame)
    if own.any() and not own.all():
        if notes is not None and notes.progress:
            n_own = len(np.unique(frame[PAGE].to_numpy()[own]))
            log(f"cross-validation: shared pages grouped by site, your {n_own} own pages by "
                 "page")
        return np.where(own, by_page, sites), MIXED
    n_sites = len(np.unique(sites))
    if folds and n_sites < folds:
        if notes is not None:
            notes.warn(f"only {n_sites} site(s) for {folds} folds: cross-validation is grouped "
                       "by page, so its figures are for new pages of these sites, not for "
                       "other sites")
        return by_page, BY_PAGE
    return sites, BY_SITE


def fit_and_score(pipeline, train_frame, train_y, test_frame, weights=None):
    """Fit a clone of `pipeline`; P(content) on `test_frame`, or on each of a list of test
    frames (None: return the fitted model)."""
    from threadpoolctl import threadpool_limits

    start = time.perf_counter()
    with threadpool_limits(1):  # parallelism comes from running folds side by side
        model = fit_weighted(clone(pipeline), train_frame, train_y, weights)
        if test_frame is None:
            result = model
        elif isinstance(test_frame, list):
            result = [model.predict_proba(f)[:, 1] for f in test_frame]
        else:
            result = model.predict_proba(test_frame)[:, 1]
    return result, time.perf_counter() - start


def _workers_die_with_this_process(jobs):
    """Loky's workers watch this process and end with it, however it ends (SIGKILL
    included): otherwise they idle on for minutes after a killed `train --jobs`."""
    from joblib import parallel_config

    if jobs == 1:
        return contextlib.nullcontext()
    return parallel_config(backend="loky", initializer=watch_parent, initargs=(os.getpid(),))


def cv_splits(frame, y, groups, folds=CV_FOLDS, notes=None):
    """``(train, test)`` row indices of grouped K-fold, keeping folds whose training part has
    both labels (a skipped fold is noted)."""
    n_groups = len(np.unique(groups))
    if n_groups < 2:
        if notes is not None:
            notes.warn("one group only (one page, or one site without page ids): no "
                       "cross-validated figure, threshold and calibration can be computed")
        return []
    splits = []
    for train, test in GroupKFold(n_splits=min(folds, n_groups)).split(frame, y, groups):
        labelled = y[train][y[train] != UNLABELLED_CODE]
        if len(np.unique(labelled)) >= 2:
            splits.append((train, test))
        elif notes is not None:
            notes.warn(f"a fold's training pages hold only one label; its {len(test):,} "
                       "held-out lines get no cross-validated score")
    return splits


def cross_validated_proba(pipeline, frame, y, folds=CV_FOLDS, progress=True, jobs=1,
                          also_fit_all=False, weights=None, groups=None, notes=None,
                          alone_frame=None):
    """Out-of-fold P(content) for every line, folds grouped by `groups` (default: site).

    With `jobs` > 1 the folds are fitted in parallel processes; with `also_fit_all` the model
    on all lines is fitted alongside them. With `alone_frame` (the same lines, their site
    columns counted page by page: :func:`train.sites.alone_site_columns`) each fold's model
    also scores its held-out lines as pages alone.

    Returns
    -------
    oof : ndarray of shape (n_lines,), or None when there are too few groups to split.
    oof_alone : the same scores of the lines as pages alone (None without `alone_frame`).
    fitted : the pipeline fitted on all lines when `also_fit_all`, else None.
    """
    from joblib import Parallel, delayed

    groups = frame[GROUP].to_numpy() if groups is None else np.asarray(groups)
    splits = cv_splits(frame, y, groups, folds, notes)
    tasks = [delayed(fit_and_score)(pipeline, frame.iloc[train], y[train],
                                     frame.iloc[test] if alone_frame is None
                                     else [frame.iloc[test], alone_frame.iloc[test]],
                                     None if weights is None else weights[train])
             for train, test in splits]
    if also_fit_all:
        tasks.append(delayed(fit_and_score)(pipeline, frame, y, None, weights))
    with _workers_die_with_this_process(jobs):  # n_jobs=1: in this process
        results = Parallel(n_jobs=jobs, return_as="generator")(tasks)
    oof = np.full(len(frame), np.nan) if splits else None
    oof_alone = np.full(len(frame), np.nan) if splits and alone_frame is not None else None
    fitted = None
    for k, (result, seconds) in enumerate(results, 1):
        if k > len(splits):
            fitted = result
            if progress:
                log(f"  model on all lines: {seconds:.0f} s")
            continue
        train, test = splits[k - 1]
        if alone_frame is None:
            oof[test] = result
        else:
            oof[test], oof_alone[test] = result
        if progress:
            log(f"  fold {k}/{len(splits)}: {len(train):,} training lines, {seconds:.0f} s")
    return oof, oof_alone, fitted


ALONE_MIN_LINES = 200
"""Labelled lines of each class the held-out lines need for a page-alone threshold of their
own (fewer: one threshold for every page)."""


def line_thresholds(frame, threshold, threshold_alone=None):
    """The threshold of each line of `frame`, as :class:`linesift.sift.Sifter` applies them:
    `threshold_alone` on lines of pages scored alone (their site counted on fewer than
    MIN_SITE_PAGES pages, or no site counts), `threshold` on the others."""
    if threshold_alone is None or SITE_PAGES not in frame.columns:
        return np.full(len(frame), float(threshold))
    return np.where(frame[SITE_PAGES].to_numpy() < MIN_SITE_PAGES, threshold_alone, threshold)


def evaluate_oof(frame, y, oof, oof_alone=None):
    """The threshold(s) and CV metrics from out-of-fold scores.

    `oof` scores the lines with their site columns as trained (most sites counted over all
    their pages); `oof_alone`, when given, scores every held-out line as on a page filtered
    alone. Each gets the threshold that maximises its content F1: alone, the boilerplate after
    an article has no site repetition against it and scores higher, so the best threshold
    there is higher (bench/RESULTS.md). Returns ``(threshold, cv)``; ``cv`` has
    ``threshold_alone`` (None without `oof_alone` or with fewer than ALONE_MIN_LINES labelled
    lines of a class), the metrics at the default threshold and at the chosen one, and with
    pages alone their metrics at both thresholds.
    """
    mask = (y != UNLABELLED_CODE) & ~np.isnan(oof)
    pages = frame[PAGE].to_numpy()
    threshold = best_threshold(y[mask], oof[mask])
    at_threshold = line_metrics(y[mask], oof[mask], pages[mask], threshold)
    cv = {"threshold_alone": None,
          f"at_{DEFAULT_THRESHOLD}": line_metrics(y[mask], oof[mask], pages[mask],
                                                  DEFAULT_THRESHOLD),
          "at_threshold": at_threshold}
    if oof_alone is None:
        return threshold, cv
    alone = (y != UNLABELLED_CODE) & ~np.isnan(oof_alone)
    if min((y[alone] == 1).sum(), (y[alone] == 0).sum()) < ALONE_MIN_LINES:
        return threshold, cv
    threshold_alone = best_threshold(y[alone], oof_alone[alone])
    cv["threshold_alone"] = at_threshold["threshold_alone"] = threshold_alone
    cv["pages_alone"] = line_metrics(y[alone], oof_alone[alone], pages[alone], threshold_alone)
    cv["pages_alone_at_threshold"] = line_metrics(y[alone], oof_alone[alone], pages[alone],
                                                  threshold)
    return threshold, cv


def fit_with_cv(pipeline, frame, y, *, folds=CV_FOLDS, jobs=1, calibrate=True, progress=True,
                weights=None, groups=None, notes=None, alone_frame=None):
    """Fit `pipeline` on all lines and judge it by grouped cross-validation.

    Parameters
    ----------
    groups : array-like, optional
        CV group of each line (:func:`cv_groups`); default the site (``group`` column).
    alone_frame : DataFrame, optional
        `frame` with every page's site columns counted alone: the held-out lines are scored
        that way too, and the page-alone threshold chosen on them (:func:`evaluate_oof`).
    notes : Notes, optional
        Collects warnings (a figure that cannot be computed).

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
            log(f"cross-validating ({folds} folds; {jobs} job{'s' if jobs != 1 else ''})")
        oof, oof_alone, fitted = cross_validated_proba(
            pipeline, frame, y, folds, progress, jobs=jobs, also_fit_all=jobs != 1,
            weights=weights, groups=groups, notes=notes, alone_frame=alone_frame)
        if oof is not None and calibrate:
            calibration = calibration_report(frame, y, oof, groups)
            oof, calibration_map = calibrated_oof(_classifier(pipeline), y, oof)
            if oof_alone is not None:  # the same map: the model applies one to every page
                oof_alone = calibrated_with(_classifier(pipeline), calibration_map, oof_alone)
        if oof is not None:
            threshold, cv = evaluate_oof(frame, y, oof, oof_alone)
    elif notes is not None:
        notes.warn("no cross-validation (folds 0 or 1): the card has no held-out figure, the "
                   f"threshold is {DEFAULT_THRESHOLD} and P(content) is not calibrated")
    if fitted is None:
        if progress:
            log("fitting the final model on all pages")
        fitted = fit_weighted(clone(pipeline), frame, y, weights)
    if calibration is not None:
        _classifier(fitted).calibration_ = calibration_map
    return fitted, threshold, cv, calibration, oof


def per_source_metrics(pages, frame, y, oof, threshold, groups=None, notes=None):
    """Held-out content precision, recall and F1 at `threshold` (a number, or one per line of
    `frame`) for each page source, with how its lines were held out (by site or by page)."""
    names = line_sources(pages, frame)
    page_rows = np.char.startswith(np.asarray(groups, dtype=str), "page:") \
        if groups is not None else np.zeros(len(frame), bool)
    out = {}
    for name in sorted(set(names)):
        mask = (names == name) & (y != UNLABELLED_CODE) & ~np.isnan(oof)
        if not mask.any():
            if notes is not None:
                notes.warn(f"source {name}: no labelled line got a held-out score")
            continue
        m = line_metrics(y[mask], oof[mask], frame[PAGE].to_numpy()[mask],
                         threshold[mask] if np.ndim(threshold) else threshold)
        if m["content_lines"] == 0 and notes is not None:
            notes.warn(f"source {name}: no content line among its held-out lines, so its "
                       "content recall and F1 mean nothing")
        split = BY_PAGE if page_rows[mask].all() else BY_SITE
        out[name] = {k: round(m[k], 4) for k in ("content_precision", "content_recall",
                                                 "content_f1")} | {"lines": m["lines"],
                                                                   "split": split}
    return out


def _classifier(pipeline):
    """The pipeline's ContextClassifier step (its last step)."""
    return pipeline.steps[-1][1] if hasattr(pipeline, "steps") else pipeline
