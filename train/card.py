"""The card of a trained model: what it is, what it saw and how good it is, and the lines
``train`` prints about it."""

import time
from pathlib import Path

import numpy as np

from linesift.adapter import SiteAdapter
from linesift.card import model_version
from linesift.classifier import WORD_NGRAMS
from linesift.features.site import uses_site_stats
from linesift.frame import GROUP, PAGE
from linesift.labels import UNLABELLED_CODE
from linesift.model import default_model_dir, resolve_model_dir

from .data import SHARED_SOURCES, fingerprint, line_label_counts, sources
from .metrics import THRESHOLD_GRID, line_metrics, prf
from .notes import log

LICENCES = SHARED_SOURCES


def build_card(name, out_dir, fitted, threshold, cv, calibration, pages, frame, paths, started,
               recipe, prepared, grouping, notes):
    out_dir = Path(out_dir)
    if cv:
        threshold_on_edge(threshold, notes)
        if cv.get("threshold_alone") is not None:
            threshold_on_edge(cv["threshold_alone"], notes)
    card = {
        "name": name or out_dir.name,
        "description": "linesift line classifier: P(content) for each non-blank line of a page.",
        "features": describe_features(fitted),
        "threshold": threshold,
        # pages whose site was counted on fewer than two pages (linesift.sift.Sifter)
        "threshold_alone": cv.get("threshold_alone"),
        "cv": _flatten_cv(cv),
        "cv_detail": cv,
        "cv_grouping": grouping if cv else None,
        "data": _data(pages, frame, paths, prepared.get("line_label_counts")),
        "training_seconds": round(time.perf_counter() - started, 1),
        "recipe": recipe.as_dict(),
        "uses_site_stats": _uses_site_stats(fitted),
        "calibration": calibration,
        **prepared,
        "source_balance": recipe.balance_sources,
    }
    return card


def _data(pages, frame, paths, counts):
    """What the model was trained on; `counts` are the table's (:func:`line_label_counts`),
    the lines trained on, as ``train`` says them."""
    used_sources = sources(pages)
    return {"pages": len(pages), "lines": int(len(frame)), "label_counts": counts,
            "fingerprint": fingerprint(pages), "paths": [str(p) for p in paths],
            "sites": int(len(np.unique(frame[GROUP].to_numpy()))),
            "sources": [f"{k}: {v} pages" for k, v in sorted(used_sources.items())],
            "licences": {k: LICENCES.get(k, "unknown") for k in sorted(used_sources)}}


def adapted_card(name, out_dir, adaptation, base, base_card, paths, started, notes):
    """The card of a model learned on top of `base` (``train --base``): the decision, and the
    cross-validated figures by page of the chosen model beside the base's on the same lines."""
    pages, frame, y = adaptation.pages, adaptation.frame, adaptation.y
    out_dir = Path(out_dir)
    base_name = f"{base_card.get('name')} ({base_card.get('sha256', '')[:12]})"
    cv = dict(adaptation.cv)
    figures = {}
    if adaptation.oof is not None:
        page_of = frame[PAGE].to_numpy()
        mask = (y != UNLABELLED_CODE) & ~np.isnan(adaptation.oof)
        for key, scores in (("model", adaptation.oof), ("base", adaptation.base_oof)):
            m = line_metrics(y[mask], scores[mask], page_of[mask], adaptation.threshold)
            figures[key] = rounded(m)
            figures[key]["per_page_content_f1"] = per_page_f1(
                y[mask], scores[mask], page_of[mask], adaptation.threshold)
        figures["base"]["model"] = model_version(base_card)
    if adaptation.kept_base:
        description = (f"{base_name} unchanged: the labelled pages below did not show, on "
                       "pages held out, that adapting it gains.")
    else:
        description = (f"{base_name} adapted to the labelled pages below: its verdicts, a "
                       "memory of how lines of each site were labelled and where a line lies "
                       "against the article, combined by a penalised correction of its "
                       "logit.")
    threshold_on_edge(adaptation.threshold, notes)
    card = {
        "name": name or out_dir.name,
        "description": description,
        "features": (describe_features(adaptation.pipeline) if not adaptation.kept_base
                     else base_card.get("features", [])),
        "threshold": adaptation.threshold,
        "cv": figures.get("model", {}),
        "cv_detail": {"adaptation": cv, "base_on_same_lines": figures.get("base"),
                      "per_page": {k: v.pop("per_page_content_f1") for k, v in
                                   figures.items()}},
        "cv_grouping": "page" if figures else None,
        "adaptation": {"kept_base": adaptation.kept_base, "choice": adaptation.choice,
                       "message": adaptation.message},
        "data": _data(pages, frame, paths, line_label_counts(y)),
        "training_seconds": round(time.perf_counter() - started, 1),
        "recipe": {**base_card.get("recipe", {}), "features_from_base": True},
        "uses_site_stats": bool(base_card.get("uses_site_stats")),
        "calibration": base_card.get("calibration"),
        "base": {"name": base_card.get("name"), "sha256": base_card.get("sha256"),
                 "path": _base_path(base), "threshold": base_card.get("threshold"),
                 "pages": base_card.get("data", {}).get("pages")},
    }
    if adaptation.memory is not None:
        card["memory"] = {"file": "memory.npz", "pages": len(adaptation.memory),
                          "sites": adaptation.memory.sites}
    return card


def _base_path(base):
    """Where the base is: ``default`` for the shipped model (found in any install), else its
    absolute path."""
    path = resolve_model_dir(base).resolve()
    return "default" if path == default_model_dir().resolve() else str(path)


def per_page_f1(y, proba, pages, threshold):
    """Content F1 of each page (None where the page has no content line and none is kept)."""
    out = []
    for p in np.unique(pages):
        sel = pages == p
        pred = (proba[sel] >= threshold).astype(int)
        out.append(None if y[sel].sum() == 0 and pred.sum() == 0
                   else round(prf(y[sel], pred)[2], 4))
    return out


def threshold_on_edge(threshold, notes):
    """Warn when a threshold lies on the edge of the search grid: the best one may lie
    beyond it."""
    if threshold <= THRESHOLD_GRID[0] or threshold >= THRESHOLD_GRID[-1]:
        notes.warn(f"the threshold {threshold:.2f} is on the edge of the grid searched "
                   f"({THRESHOLD_GRID[0]:.2f}-{THRESHOLD_GRID[-1]:.2f}): the best one may lie "
                   "beyond it, and the labels may be too few to place it")


def _uses_site_stats(pipeline):
    return bool(uses_site_stats(pipeline))


def check_vocabulary(fitted, notes):
    clf = fitted.steps[-1][1]
    text = clf.first_.named_steps["features"].named_transformers_.get("text")
    vocabulary = getattr(text, "vocabulary_", None)
    if vocabulary is not None and len(vocabulary) == 0:
        notes.warn(f"no word n-gram is found on {clf.ngram_min_sites} training sites: the "
                   "model learns nothing from words (lower the recipe's ngram_min_sites)")


def report(card, out_dir, progress):
    if not progress:
        return
    f1 = card["cv"].get("content_f1")
    figure = f"CV content F1 {f1:.3f}" if f1 is not None else "no CV figure"
    alone = card.get("threshold_alone")
    thresholds = f"threshold {card['threshold']:.2f}" + (
        f", {alone:.2f} for pages alone" if alone is not None else "")
    log(f"saved {out_dir} ({thresholds}, {figure}, CV grouped by "
        f"{card.get('cv_grouping') or '-'})")
    for name, m in card["cv_detail"].get("per_source", {}).items():
        log(f"  {name}: content F1 {m['content_f1']:.3f} on {m['lines']:,} lines "
             f"(held out by {m['split']})")
    base = card["cv_detail"].get("base_on_same_lines")
    if base:
        log(f"  the base model {base.get('model', '')} on the same lines: content F1 "
            f"{base['content_f1']:.3f}")


def rounded(metrics):
    return {k: round(v, 4) if isinstance(v, float) else v for k, v in metrics.items()}


def _flatten_cv(cv):
    best = cv.get("at_threshold", {})
    return {k: round(v, 4) if isinstance(v, float) else v for k, v in best.items()}


def describe_features(pipeline):
    """Short description of the model's feature groups, for the card."""
    steps = dict(pipeline.named_steps)
    clf = steps.get("classify")
    out = [f"{key}: {len(step.get_feature_names_out())} columns" for key, step in steps.items()
           if key != "classify"]
    if isinstance(clf, SiteAdapter):
        out.append(f"site adapter: the base logit corrected by {len(clf.coef_)} weights over "
                   f"the base verdicts, the site memory and the article span (penalty "
                   f"{clf.penalty:g})")
    elif clf is not None:
        text = clf.first_.named_steps["features"].named_transformers_.get("text")
        vocabulary = getattr(text, "vocabulary_", None)
        words = (f"word n-grams {WORD_NGRAMS} found on >= {clf.ngram_min_sites} training "
                 f"sites ({len(vocabulary):,} kept)" if vocabulary is not None
                 else f"hashed word n-grams {WORD_NGRAMS}")
        out.append(f"text: {words}")
        out.append("stage one: logistic regression fitted by averaged SGD")
        out.append(f"context stage over first-stage scores (offsets {list(clf.offsets)}, "
                   f"windows {list(clf.windows)})")
        if getattr(clf, "third_", None) is not None:
            blend = float(clf.refine_blend)
            out.append("third stage: the same context over the context stage's scores"
                       + (f"; the score is {blend:g} of the context stage's plus "
                          f"{1 - blend:g} of the third's" if blend else ""))
    return out
