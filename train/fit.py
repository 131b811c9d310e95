"""Fitting a line model, evaluating it honestly and saving it with its card."""

import sys
import time
from dataclasses import replace
from pathlib import Path

import numpy as np
from sklearn.base import clone
from sklearn.model_selection import GroupKFold

from linesift.classifier import fit_weighted
from linesift.frame import GROUP, PAGE
from linesift.labels import DEFAULT_THRESHOLD, UNLABELLED_CODE
from linesift.model import save_model
from linesift.recipe import DEFAULT_RECIPE

from .data import (SHARED_SOURCES, fingerprint, label_counts, line_sources, load_training_pages,
                   own_lines, source_weights, sources, training_table, unlabel_trailing_prose)
from .metrics import best_threshold, brier, calibration_error, line_metrics

CV_FOLDS = 5
LICENCES = SHARED_SOURCES
NGRAM_SITES_PER_MIN_SITE = 10
"""With fewer than ``NGRAM_SITES_PER_MIN_SITE * ngram_min_sites`` training sites, the recipe's
``ngram_min_sites`` is lowered to one site in this many (at least 1): the shipped value (10)
is meant for thousands of sites, and on one site it keeps no n-gram at all."""
BY_SITE, BY_PAGE, MIXED = "site", "page", "site, own pages by page"
"""How cross-validation groups lines (see :func:`cv_groups`)."""


def _log(message):
    print(message, file=sys.stderr, flush=True)


class Notes(list):
    """Warnings gathered while training: printed as they come, kept for the card."""

    def __init__(self, progress=True):
        super().__init__()
        self.progress = progress

    def warn(self, message):
        self.append(message)
        if self.progress:
            _log(f"warning: {message}")


def effective_ngram_min_sites(requested, n_sites, notes=None):
    """The ``ngram_min_sites`` to train with on `n_sites` sites (see NGRAM_SITES_PER_MIN_SITE).

    Returns
    -------
    int or None
        `requested` when there are enough sites (or it is None), else the lowered value.
    """
    if not requested or n_sites >= NGRAM_SITES_PER_MIN_SITE * requested:
        return requested
    lowered = max(1, n_sites // NGRAM_SITES_PER_MIN_SITE)
    if notes is not None and lowered != requested:
        notes.warn(f"the training pages come from {n_sites} site(s): n-grams are kept when "
                   f"found on at least {lowered} site(s) instead of the recipe's "
                   f"{requested}, which would keep almost none")
    return lowered


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
            _log(f"cross-validation: shared pages grouped by site, your {n_own} own pages by "
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


def _fit_and_score(pipeline, train_frame, train_y, test_frame, weights=None):
    """Fit a clone of `pipeline`; P(content) on `test_frame` (None: return the fitted model)."""
    from threadpoolctl import threadpool_limits

    start = time.perf_counter()
    with threadpool_limits(1):  # parallelism comes from running folds side by side
        model = fit_weighted(clone(pipeline), train_frame, train_y, weights)
        result = model if test_frame is None else model.predict_proba(test_frame)[:, 1]
    return result, time.perf_counter() - start


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
                          also_fit_all=False, weights=None, groups=None, notes=None):
    """Out-of-fold P(content) for every line, folds grouped by `groups` (default: site).

    With `jobs` > 1 the folds are fitted in parallel processes; with `also_fit_all` the model
    on all lines is fitted alongside them.

    Returns
    -------
    oof : ndarray of shape (n_lines,), or None when there are too few groups to split.
    fitted : the pipeline fitted on all lines when `also_fit_all`, else None.
    """
    from joblib import Parallel, delayed

    groups = frame[GROUP].to_numpy() if groups is None else np.asarray(groups)
    splits = cv_splits(frame, y, groups, folds, notes)
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


def calibration_report(frame, y, oof, groups=None):
    """How well out-of-fold P(content) is calibrated, raw and after an isotonic fit, honestly:
    the isotonic map is fitted on one half of the groups (sites) and scored on the other, both
    ways."""
    from linesift.classifier import ContextClassifier

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


def fit_with_cv(pipeline, frame, y, *, folds=CV_FOLDS, jobs=1, calibrate=True, progress=True,
                weights=None, groups=None, notes=None):
    """Fit `pipeline` on all lines and judge it by grouped cross-validation.

    Parameters
    ----------
    groups : array-like, optional
        CV group of each line (:func:`cv_groups`); default the site (``group`` column).
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
            _log(f"cross-validating ({folds} folds; {jobs} jobs)")
        oof, fitted = cross_validated_proba(pipeline, frame, y, folds, progress, jobs=jobs,
                                            also_fit_all=jobs != 1, weights=weights,
                                            groups=groups, notes=notes)
        if oof is not None and calibrate:
            calibration = calibration_report(frame, y, oof, groups)
            mask = (y != UNLABELLED_CODE) & ~np.isnan(oof)
            oof = oof.copy()
            calibrator = clone(_classifier(pipeline)).set_calibration(oof[mask], y[mask])
            oof[mask] = calibrator._calibrated(oof[mask])[:, 1]
        if oof is not None:
            threshold, cv = evaluate_oof(frame, y, oof)
    elif notes is not None:
        notes.warn("no cross-validation (folds 0 or 1): the card has no held-out figure, the "
                   f"threshold is {DEFAULT_THRESHOLD} and P(content) is not calibrated")
    if fitted is None:
        if progress:
            _log("fitting the final model on all pages")
        fitted = fit_weighted(clone(pipeline), frame, y, weights)
    if calibration is not None:
        _classifier(fitted).calibration_ = calibrator.calibration_
    return fitted, threshold, cv, calibration, oof


def based_pipeline(base, ngram_min_sites=None):
    """A pipeline that learns on top of the fitted pipeline `base`.

    It runs `base`'s feature steps (they learn nothing but their column names, so refitting
    them changes nothing), adds `base`'s verdicts as features (:class:`BaseModelScores`, which
    keeps `base`'s classifier as it is) and fits a new :class:`ContextClassifier` over all of
    them and the word n-grams of the new labels.
    """
    from sklearn.pipeline import Pipeline

    from linesift.classifier import ContextClassifier
    from linesift.features import BaseModelScores

    *features, (_, classifier) = base.steps
    return Pipeline([*features, ("base", BaseModelScores(classifier=classifier)),
                     ("classify", ContextClassifier(ngram_min_sites=ngram_min_sites))])


def _read(paths, read_options, recipe, notes, progress):
    """The labelled pages of `paths` as the recipe wants them, their lines table and labels."""
    return training_table_of(load_training_pages(paths, read_options), recipe, notes, progress,
                             paths)


def training_table_of(pages, recipe, notes, progress=False, paths=("the training pages",)):
    """The recipe's training table of labelled `pages`: ``(pages, frame, y, prepared)``.

    Applies the recipe's label steps (alignment of the shared sources with the definition,
    trailing prose) and glued lines, checks the labels (one-line errors naming `paths`), and
    returns the pages as changed, their lines table, the label codes and what the steps did
    (``prepared``, for the card). Site columns are added by :func:`site_columns`.
    """
    unlabelled_prose, aligned = 0, None
    if recipe.align_definition:
        from .align import align_with_definition

        # only the shared sources: a team's own labels are its definition
        pages, aligned = align_with_definition(pages, SHARED_SOURCES)
        if progress and any(aligned.values()):
            _log(f"aligned with the settled definition: {aligned['comment_section_lines']:,} "
                 f"comment-section and {aligned['meta_lines']:,} byline/dateline/caption lines "
                 "labelled content made context only")
    if recipe.unlabel_trailing_prose:
        pages, unlabelled_prose = unlabel_trailing_prose(pages)
    counts = label_counts(pages)
    check_training_labels(paths, pages, counts)
    glued = None
    if recipe.glue_lines:
        from .augment import glue_boilerplate_runs

        # after the checks, which speak of the labels as given; seeded: same pages, same model
        before = sum(len(p.lines) for p in pages)
        pages = glue_boilerplate_runs(pages, np.random.default_rng(0))
        glued = before - sum(len(p.lines) for p in pages)
    frame, y = training_table(pages)
    check_non_blank_labels(paths, y, counts)  # glued lines change no line's label
    labelled = y[y != UNLABELLED_CODE]
    if progress:
        _log(f"read {len(pages):,} pages, {len(frame):,} non-blank lines: {counts}")
    if unlabelled_prose and unlabelled_prose >= 0.5 * (labelled == 0).sum():
        notes.warn(f"unlabelling trailing prose made {unlabelled_prose:,} boilerplate lines "
                   "context only, half the boilerplate labels or more")
    prepared = {"unlabelled_trailing_prose_lines": unlabelled_prose,
                "definition_alignment": aligned,
                "glued_lines_removed": glued}
    return pages, frame, y, prepared


def site_columns(pages, frame, pipeline, notes, single_share=0.0):
    """The lines table with the site counts a site-statistics `pipeline` reads (counted over
    `pages`, a `single_share` of the sites page by page); unchanged for other pipelines."""
    from linesift.features.site import uses_site_stats

    from .sites import mixed_site_columns

    if not uses_site_stats(pipeline):
        return frame
    frame = mixed_site_columns(frame, pages, single_share)
    if frame[GROUP].groupby(frame[PAGE]).first().value_counts().max() < 2:
        notes.warn("site statistics: no site has two training pages, so they give no signal")
    return frame


def _base_figures(base_dir, pages, frame, y, mask):
    """The base model's own metrics on the labelled lines of `mask`, at its threshold."""
    from linesift.sift import load

    sifter = load(base_dir)
    site_stats = None
    if sifter.uses_site_stats:
        from linesift.features.site import count_site_lines

        site_stats = count_site_lines(pages)
    scores = np.full(len(frame), np.nan)
    rows = {(p, n): i for i, (p, n) in enumerate(zip(frame[PAGE], frame["line_no"]))}
    for p, sifted in enumerate(sifter.sift_pages(pages, site_stats=site_stats)):
        for n, s in enumerate(sifted.scores):
            if s is not None:
                scores[rows[(p, n)]] = s
    keep = mask & ~np.isnan(scores) & (y != UNLABELLED_CODE)
    metrics = line_metrics(y[keep], scores[keep], frame[PAGE].to_numpy()[keep], sifter.threshold)
    return {"model": sifter.version, **_rounded(metrics)}


def _compare_with_base(cv, notes):
    """Warn when the model learned on top does worse than its base on the held-out lines."""
    own, base = cv.get("at_threshold", {}).get("content_f1"), cv["base_on_same_lines"]
    if own is not None and own < base["content_f1"]:
        notes.warn(f"on these pages held out, the model learned on top scores content F1 "
                   f"{own:.3f}, its base {base['model']} alone {base['content_f1']:.3f}: "
                   "label more pages, or keep using the base")


def train_model(paths, out_dir, *, name=None, folds=CV_FOLDS, recipe=DEFAULT_RECIPE, base=None,
                pipeline=None, read_options=None, progress=True, calibrate=True, jobs=1,
                curve=None):
    """Train on labelled pages, cross-validate, choose the threshold and save the model.

    Parameters
    ----------
    paths : list of str
        Labelled pages (JSONL, JSONL.gz, Parquet; the ``shared/data`` format).
    out_dir : str or Path
        Model directory to write (``model.joblib``, ``card.json``, ``README.md``).
    folds : int
        Grouped CV folds (:func:`cv_groups`); 0 or 1 skips cross-validation (the default
        threshold).
    recipe : linesift.recipe.Recipe
        Training options; default the shipped model's (:data:`~linesift.recipe.DEFAULT_RECIPE`).
        ``ngram_min_sites`` is lowered on few sites (:func:`effective_ngram_min_sites`).
    base : str or Path, optional
        A saved model to learn on top of (:func:`based_pipeline`): its verdicts become features
        of a new classifier fitted on `paths` alone. Its feature steps replace the recipe's.
    calibrate : bool
        Map P(content) through an isotonic fit of the cross-validated scores.
    jobs : int
        Processes fitting the CV folds and the final model side by side.
    curve : str or Path, optional
        Also write a PNG: held-out content F1 against the number of labelled pages (own pages
        when mixed with shared ones) and precision / recall against the threshold
        (:mod:`linesift.train.curves`; folds x sizes more fits).

    Returns
    -------
    dict : the saved card.
    """
    started = time.perf_counter()
    notes = Notes(progress)
    pages, frame, y, prepared = _read(paths, read_options, recipe, notes, progress)
    n_sites = len(np.unique(frame[GROUP].to_numpy()))
    min_sites = effective_ngram_min_sites(recipe.ngram_min_sites, n_sites, notes)
    used_recipe = replace(recipe, ngram_min_sites=min_sites)
    base_card = None
    if pipeline is None and base is not None:
        from linesift.model import load_pipeline

        base_pipeline, base_card = load_pipeline(base)
        pipeline = based_pipeline(base_pipeline, min_sites)
    elif pipeline is None:
        pipeline = used_recipe.pipeline()
    frame = site_columns(pages, frame, pipeline, notes, recipe.site_single_share)
    weights = None
    if recipe.balance_sources and len(sources(pages)) > 1:
        weights = source_weights(pages, frame, y, recipe.balance_sources)
    groups, grouping = cv_groups(pages, frame, folds, notes)
    fitted, threshold, cv, calibration, oof = fit_with_cv(
        pipeline, frame, y, folds=folds, jobs=jobs, calibrate=calibrate, progress=progress,
        weights=weights, groups=groups, notes=notes)
    if oof is not None:
        cv["per_source"] = per_source_metrics(pages, frame, y, oof, threshold, groups, notes)
    if base is not None:
        mask = ~np.isnan(oof) if oof is not None else np.ones(len(frame), bool)
        cv["base_on_same_lines"] = _base_figures(base, pages, frame, y, mask)
        _compare_with_base(cv, notes)
    card = _card(name, out_dir, fitted, threshold, cv, calibration, pages, frame, paths,
                 started, used_recipe, prepared, grouping, base, base_card, notes)
    _check_vocabulary(fitted, notes)
    card["warnings"] = list(notes)
    card = save_model(fitted, Path(out_dir), card)
    _report(card, out_dir, progress)
    if curve is not None:
        from .curves import training_curve, write_training_png

        points = training_curve(pipeline, frame, y, groups, own_lines(pages, frame),
                                folds=folds or CV_FOLDS, weights=weights, progress=progress)
        write_training_png(curve, points, y, oof, title=card["name"])
        card["learning_curve"] = points
        card = save_model(fitted, Path(out_dir), card)
        if progress:
            _log(f"learning curve: {curve}")
    return card


def _card(name, out_dir, fitted, threshold, cv, calibration, pages, frame, paths, started,
          recipe, prepared, grouping, base, base_card, notes):
    out_dir = Path(out_dir)
    used_sources = sources(pages)
    card = {
        "name": name or out_dir.name,
        "description": "linesift line classifier: P(content) for each non-blank line of a page.",
        "features": describe_features(fitted),
        "threshold": threshold,
        "cv": _flatten_cv(cv),
        "cv_detail": cv,
        "cv_grouping": grouping if cv else None,
        "data": {
            "pages": len(pages), "lines": int(len(frame)), "label_counts": label_counts(pages),
            "fingerprint": fingerprint(pages), "paths": [str(p) for p in paths],
            "sites": int(len(np.unique(frame[GROUP].to_numpy()))),
            "sources": [f"{k}: {v} pages" for k, v in sorted(used_sources.items())],
            "licences": {k: LICENCES.get(k, "unknown") for k in sorted(used_sources)},
        },
        "training_seconds": round(time.perf_counter() - started, 1),
        "recipe": recipe.as_dict(),
        "uses_site_stats": _uses_site_stats(fitted),
        "calibration": calibration,
        **prepared,
        "source_balance": recipe.balance_sources,
    }
    if base is not None:
        card["recipe"]["features_from_base"] = True  # page_relative, site_stats: the base's
        card["base"] = {"name": base_card.get("name"), "sha256": base_card.get("sha256"),
                        "path": str(base), "threshold": base_card.get("threshold"),
                        "pages": base_card.get("data", {}).get("pages")}
        card["description"] = (f"linesift line classifier learned on top of "
                               f"{base_card.get('name')} ({base_card.get('sha256', '')[:12]}): "
                               "its verdicts are features of a classifier fitted on the "
                               "labelled pages below.")
    return card


def _uses_site_stats(pipeline):
    from linesift.features.site import uses_site_stats

    return bool(uses_site_stats(pipeline))


def _check_vocabulary(fitted, notes):
    clf = fitted.steps[-1][1]
    text = clf.first_.named_steps["features"].named_transformers_.get("text")
    vocabulary = getattr(text, "vocabulary_", None)
    if vocabulary is not None and len(vocabulary) == 0:
        notes.warn(f"no word n-gram is found on {clf.ngram_min_sites} training sites: the "
                   "model learns nothing from words (lower the recipe's ngram_min_sites)")


def _report(card, out_dir, progress):
    if not progress:
        return
    f1 = card["cv"].get("content_f1")
    figure = f"CV content F1 {f1:.3f}" if f1 is not None else "no CV figure"
    _log(f"saved {out_dir} (threshold {card['threshold']:.2f}, {figure}, CV grouped by "
         f"{card.get('cv_grouping') or '-'})")
    for name, m in card["cv_detail"].get("per_source", {}).items():
        _log(f"  {name}: content F1 {m['content_f1']:.3f} on {m['lines']:,} lines "
             f"(held out by {m['split']})")
    base = card["cv_detail"].get("base_on_same_lines")
    if base:
        _log(f"  the base model {base['model']} on the same lines: content F1 "
             f"{base['content_f1']:.3f}")


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


def check_non_blank_labels(paths, y, counts):
    """InputError unless the non-blank lines, the only ones training reads (`y` of
    :func:`training_table`), hold both labels; :func:`check_training_labels` counts the labels of
    blank lines too (`counts`)."""
    from linesift.errors import InputError
    from linesift.labels import BOILERPLATE, CONTENT, label_code

    for label in (CONTENT, BOILERPLATE):
        if not (y == label_code(label)).any():
            raise InputError(", ".join(str(p) for p in paths),
                             f"no non-blank line is labelled {label!r}: its {counts[label]:,} "
                             "label(s) are on blank lines, which training skips; training "
                             "needs content and boilerplate lines")


def per_source_metrics(pages, frame, y, oof, threshold, groups=None, notes=None):
    """Held-out content precision, recall and F1 at `threshold` for each page source, with how
    its lines were held out (by site or by page)."""
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
        m = line_metrics(y[mask], oof[mask], frame[PAGE].to_numpy()[mask], threshold)
        if m["content_lines"] == 0 and notes is not None:
            notes.warn(f"source {name}: no content line among its held-out lines, so its "
                       "content recall and F1 mean nothing")
        split = BY_PAGE if page_rows[mask].all() else BY_SITE
        out[name] = {k: round(m[k], 4) for k in ("content_precision", "content_recall",
                                                 "content_f1")} | {"lines": m["lines"],
                                                                   "split": split}
    return out


def _rounded(metrics):
    return {k: round(v, 4) if isinstance(v, float) else v for k, v in metrics.items()}


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
