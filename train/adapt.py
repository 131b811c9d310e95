"""Learning on top of a saved model from a team's labelled pages (``linesift train --base``),
never below it on what the labels can show.

The labelled pages give a site memory (:mod:`linesift.features.memory`: how each kind of line
was labelled on the site's pages) and a :class:`~linesift.adapter.SiteAdapter` fitted on them:
the base model's logit corrected by a few weights, penalised toward no correction. Which
penalty, and whether to move from the base model at all, is decided by cross-validation over
the labelled pages grouped by page: each held-out page is scored with a memory of the other
pages only, as a new page of the site will be. The candidates are the base model as it is and
adapters with the penalties of :data:`PENALTIES`; the best pooled content F1 at the base
model's threshold wins, and it replaces the base only when it beats the base on held-out pages
in at least :data:`MIN_WIN_SHARE` of bootstrap resamples of the pages. Otherwise the saved model
is the base model, unchanged, and training says so in one line.

The threshold stays the base model's: a few pages hold a few dozen content lines, too few to
place a threshold (a grid's edge is where it lands), while the adapter's intercept moves the
scores themselves when the labels show it.
"""

import copy
from dataclasses import dataclass, field

import numpy as np
from sklearn.model_selection import GroupKFold
from sklearn.pipeline import Pipeline

from linesift.adapter import SiteAdapter
from linesift.classifier import ContextClassifier
from linesift.features import BaseModelScores
from linesift.features.memory import MEMORY_COLUMNS, SiteMemory, memory_columns, page_site
from linesift.features.site import count_site_lines, uses_site_stats, with_site_columns
from linesift.frame import PAGE
from linesift.labels import UNLABELLED_CODE

from .cv import CV_FOLDS

PENALTIES = (1.0, 0.3, 0.1, 0.03, 0.01, 0.003)
"""Penalties of the candidate adapters (per labelled line, on standardised features)."""
STACKED_MIN_PAGES = 5
"""From this many labelled pages on, the candidates also include a classifier of its own over
the base model's features, its verdicts and the memory (word n-grams and trees), wholly and
halfway to the base: it learns more from many pages, and overfits a few."""
STACKED_WEIGHTS = (1.0, 0.5)
STACKED_TREES, STACKED_INNER_FOLDS = 30, 2
"""Half the shipped model's trees and one inner fold fewer: a few pages need no more, and the
candidate is fitted once per fold."""
BASE = "base"
MIN_WIN_SHARE = 0.8
"""An adapter replaces the base model only when it beats it in this share of the bootstrap
resamples of the held-out pages (or more)."""
BOOTSTRAP_ROUNDS = 1000
SEED = 0


@dataclass
class Adaptation:
    """What :func:`adapt` decided and fitted.

    ``pipeline`` is the model to save (the base pipeline itself when ``kept_base``), ``memory``
    its site memory (None when the base is kept), ``cv`` the figures for the card and
    ``message`` the one line that says what was decided.
    """

    pipeline: object
    memory: object
    threshold: float
    kept_base: bool
    choice: str
    message: str
    cv: dict = field(default_factory=dict)
    oof: object = None
    base_oof: object = None
    pages: object = None
    frame: object = None
    y: object = None


def adapted_pipeline(base, penalty, threshold):
    """The pipeline of a model learned on top of the fitted pipeline `base`: its feature steps,
    its verdicts as features (:class:`BaseModelScores`) and a :class:`SiteAdapter`."""
    *features, (_, classifier) = base.steps
    return Pipeline([*features, ("base", BaseModelScores(classifier=classifier)),
                     ("classify", SiteAdapter(penalty=penalty, threshold=threshold))])


def adaptation_table(base, pages, frame):
    """The lines table of labelled `pages` as the adapter reads it: `frame` with the site
    counts over all the pages (when `base` uses them), the base model's features and verdicts.
    The memory columns are added per fold (:func:`adapt`). Returns the table and the fitted
    steps that make it."""
    if uses_site_stats(base):
        frame = with_site_columns(frame, pages, count_site_lines(pages))
    prefix = adapted_pipeline(base, np.inf, 0.5)[:-1]
    return prefix.fit_transform(frame), prefix


def adapt(base, base_threshold, pages, frame, y, *, folds=CV_FOLDS, weights=None, notes=None,
          penalties=PENALTIES, seed=SEED):
    """Decide between `base` and adapters fitted on the labelled `pages`, and fit the choice.

    Parameters
    ----------
    base : fitted Pipeline
        The saved model to learn on top of.
    base_threshold : float
        Its threshold, which the result keeps.
    pages, frame, y
        The labelled pages, their lines table and labels (``training_table``).
    folds : int
        Cross-validation folds, grouped by page (at most one per page).

    Returns
    -------
    Adaptation
    """
    table, prefix = adaptation_table(base, pages, frame)
    page_of = table[PAGE].to_numpy()
    base_p = 1 / (1 + np.exp(-table["base_logit"].to_numpy()))
    labelled = y != UNLABELLED_CODE
    n_pages = len(np.unique(page_of))
    splits = _splits(page_of, y, folds)
    if not splits:
        message = (f"kept the base model: {n_pages} labelled page(s) cannot be held out one "
                   "from another, so no gain can be shown")
        return _kept(base, base_threshold, message, {"pages": n_pages})
    candidates = {penalty: {"penalty": penalty} for penalty in penalties}
    if n_pages >= STACKED_MIN_PAGES:
        for weight in STACKED_WEIGHTS:
            candidates[f"stacked {weight:g}"] = {"penalty": np.inf, "learner_weight": weight,
                                                 "learner": ContextClassifier(
                                                     trees=STACKED_TREES,
                                                     inner_folds=STACKED_INNER_FOLDS)}
    oof = {key: np.full(len(table), np.nan) for key in candidates}
    for train, test in splits:
        fold_pages = sorted(set(page_of[train].tolist()))
        memory = SiteMemory.from_pages([pages[p] for p in fold_pages])
        fold_table = memory_columns(table, pages, memory)
        learned = {}
        for key, params in candidates.items():
            adapter = SiteAdapter(threshold=base_threshold, **params)
            if "learner" in params and learned:  # the same learner, another weight: no refit
                adapter = _reweighted(next(iter(learned.values())), params["learner_weight"])
            else:
                adapter.fit(fold_table.iloc[train], y[train],
                            None if weights is None else weights[train])
                if "learner" in params:
                    learned[key] = adapter
            oof[key][test] = adapter.predict_proba(fold_table.iloc[test])[:, 1]
    penalties = list(candidates)
    scored = labelled & ~np.isnan(oof[penalties[0]])
    truth = y[scored]
    f1 = {BASE: page_mean_f1(truth, base_p[scored], page_of[scored], base_threshold)}
    for penalty in penalties:
        f1[penalty] = page_mean_f1(truth, oof[penalty][scored], page_of[scored], base_threshold)
    # the best; among equals, the closest to the base model (the largest penalty)
    best = max(penalties, key=lambda k: (round(f1[k], 6), _closeness(candidates[k])))
    sites = np.array([page_site(page) for page in pages], dtype=object)[page_of]
    on, per_site = _sites_that_gain(sites, scored, y, oof[best], base_p, page_of,
                                    base_threshold, seed)
    chosen = np.where(np.isin(sites, on), oof[best], base_p)
    f1_chosen = page_mean_f1(truth, chosen[scored], page_of[scored], base_threshold)
    boot = bootstrap_gain(truth, chosen[scored], base_p[scored], page_of[scored],
                          base_threshold, seed=seed)
    cv = {"pages": n_pages, "folds": len(splits), "grouping": "page",
          "labelled_lines": int(scored.sum()), "content_lines": int(truth.sum()),
          "threshold": base_threshold, "base_content_f1": round(f1[BASE], 4),
          "candidates": {_name(k): round(v, 4) for k, v in f1.items()},
          "best": _name(best), "best_content_f1": round(f1[best], 4),
          "sites": per_site, "adapted_sites": on,
          "chosen_content_f1": round(f1_chosen, 4), "bootstrap": boot}
    if not on:
        message = (f"kept the base model's decisions: on {n_pages} labelled pages held out by "
                   f"page, the best adapter scores content F1 {f1[best]:.3f} against the "
                   f"base's {f1[BASE]:.3f}, and on no site is it better in "
                   f"{MIN_WIN_SHARE:.0%} of resamples of the site's pages (a site needs two "
                   "labelled pages or more); label more pages to show a gain")
        return _kept(base, base_threshold, message, cv, base_oof=_full(base_p, labelled))
    adapter = SiteAdapter(threshold=base_threshold, **candidates[best])
    # fitted as in the cross-validation, with every labelled page in the memory; the model's
    # memory holds the pages of the sites it adapts to only, so the others get the base's
    # verdicts
    adapter.fit(memory_columns(table, pages, SiteMemory.from_pages(pages)), y, weights)
    memory = SiteMemory.from_pages([page for page in pages if page_site(page) in set(on)])
    pipeline = Pipeline([*prefix.steps, ("classify", adapter)])
    where = (f"on {len(on)} of {len(per_site)} sites" if len(per_site) > 1 else "")
    message = (f"adapted to the labelled pages{' ' + where if where else ''}: content F1 "
               f"{f1_chosen:.3f} against the base model's {f1[BASE]:.3f} on {n_pages} pages "
               f"held out by page ({boot['low']:+.3f} to {boot['high']:+.3f} over resamples "
               f"of the pages; {int(truth.sum()):,} content lines)")
    return Adaptation(pipeline, memory, base_threshold, False, _name(best), message, cv,
                      oof=_full(chosen, labelled), base_oof=_full(base_p, labelled))


def _sites_that_gain(sites, scored, y, proba, base_p, page_of, threshold, seed):
    """The sites where `proba` beats the base on the site's own held-out pages, in at least
    :data:`MIN_WIN_SHARE` of bootstrap resamples of them (a site of one labelled page cannot
    show it: its page was scored with no memory of its site), and each site's figures."""
    on, per_site = [], {}
    for site in sorted(set(sites[scored].tolist())):
        rows = scored & (sites == site)
        n_site = len(np.unique(page_of[rows]))
        mine = page_mean_f1(y[rows], proba[rows], page_of[rows], threshold)
        base = page_mean_f1(y[rows], base_p[rows], page_of[rows], threshold)
        share = (bootstrap_gain(y[rows], proba[rows], base_p[rows], page_of[rows], threshold,
                                seed=seed)["share_better"] if n_site >= 2 else 0.0)
        gains = n_site >= 2 and mine > base and share >= MIN_WIN_SHARE
        per_site[site or "(no site)"] = {"pages": n_site, "base_content_f1": round(base, 4),
                                         "adapted_content_f1": round(mine, 4),
                                         "share_better": share, "adapted": bool(gains)}
        if gains:
            on.append(site)
    return on, per_site


def _closeness(params):
    """How close a candidate stays to the base model (larger: closer)."""
    if "learner" in params:
        return -params["learner_weight"] - 1e6
    return params["penalty"]


def _reweighted(fitted, weight):
    """A copy of a fitted learner adapter that follows its learner by `weight` instead."""
    out = copy.copy(fitted)
    out.learner_weight = weight
    return out


def _kept(base, threshold, message, cv, base_oof=None):
    return Adaptation(base, None, threshold, True, BASE, message, cv, oof=base_oof,
                      base_oof=base_oof)


def _full(values, mask):
    out = np.where(mask, values, np.nan)
    return out


def _name(key):
    if key == BASE:
        return BASE
    if isinstance(key, str):
        return f"own classifier on the base, {key.split()[1]} of the way"
    return f"adapter (penalty {key:g})"


def _splits(page_of, y, folds):
    """Train/test rows of grouped K-fold by page, keeping folds whose training rows hold both
    labels and whose test rows hold a label."""
    n_pages = len(np.unique(page_of))
    if n_pages < 2:
        return []
    out = []
    for train, test in GroupKFold(n_splits=min(max(folds, 2), n_pages)).split(
            page_of, y, page_of):
        labels = y[train][y[train] != UNLABELLED_CODE]
        if len(np.unique(labels)) == 2 and (y[test] != UNLABELLED_CODE).any():
            out.append((train, test))
    return out


def page_mean_f1(truth, proba, pages, threshold):
    """Content F1 of each page, averaged over pages (a page with no content line and nothing
    kept has no F1 and is left out): every page weighs the same, so one long odd page does not
    decide."""
    per_page = _page_counts(truth, (proba >= threshold).astype(int), pages)
    return float(np.nanmean(_f1(*per_page.T))) if len(per_page) else 0.0


def _page_counts(truth, pred, pages):
    """Per page: true positives, false positives, false negatives."""
    _, index = np.unique(pages, return_inverse=True)
    n = index.max() + 1 if len(index) else 0
    return np.stack([np.bincount(index, (pred == 1) & (truth == 1), n),
                     np.bincount(index, (pred == 1) & (truth == 0), n),
                     np.bincount(index, (pred == 0) & (truth == 1), n)], axis=1)


def _f1(tp, fp, fn):
    denominator = 2 * tp + fp + fn
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(denominator > 0, 2 * tp / denominator, np.nan)


def bootstrap_gain(truth, proba, base, pages, threshold, rounds=BOOTSTRAP_ROUNDS, seed=SEED):
    """The gain in page-mean content F1 of `proba` over `base` on resamples of the pages.

    Returns
    -------
    dict
        ``share_better`` (share of resamples where `proba` scores higher), ``low`` and
        ``high`` (the 5th and 95th percentiles of the gain), ``rounds``.
    """
    new = _f1(*_page_counts(truth, (proba >= threshold).astype(int), pages).T)
    old = _f1(*_page_counts(truth, (base >= threshold).astype(int), pages).T)
    defined = ~(np.isnan(new) & np.isnan(old))
    new, old = np.nan_to_num(new[defined]), np.nan_to_num(old[defined])
    n = len(new)
    rng = np.random.default_rng(seed)
    draws = rng.integers(0, n, size=(rounds, n))
    gain = (new[draws] - old[draws]).mean(axis=1)
    return {"share_better": round(float((gain > 0).mean()), 3),
            "low": round(float(np.percentile(gain, 5)), 4),
            "high": round(float(np.percentile(gain, 95)), 4), "rounds": rounds}


__all__ = ["Adaptation", "MEMORY_COLUMNS", "adapt", "adapted_pipeline", "adaptation_table",
           "bootstrap_gain"]
