"""`linesift evaluate`: the training metrics on labelled pages, overall and per language."""

import numpy as np

from linesift.card import model_version
from linesift.labels import label_code
from linesift.sift import load

from .data import load_training_pages
from .metrics import line_metrics


def evaluate_model(model, paths, *, threshold=None, read_options=None, keep_scores=False):
    """Score labelled pages with a saved model, through :meth:`Sifter.sift_pages`.

    A model that uses site repetition gets it counted over the pages evaluated, as the filter
    counts it over its input.

    Parameters
    ----------
    keep_scores : bool
        Also return the labels and scores of the labelled lines (``scores``: ``y`` and
        ``proba`` lists), for curves.

    Returns
    -------
    dict with ``overall`` metrics, ``per_lang`` (for pages that carry ``lang``) and
    ``trained_pages`` (:func:`trained_pages`).
    """
    sifter = load(model, threshold=threshold)
    pages = list(load_training_pages(paths, read_options))
    truth, proba, page_of, langs, thresholds = [], [], [], [], []
    # a list: the Sifter counts site repetition over the pages evaluated, as filter does
    for index, sifted in enumerate(sifter.sift_pages(pages)):
        for label, score in zip(sifted.page.labels, sifted.scores):
            if label is not None and score is not None:
                truth.append(label_code(label))
                proba.append(score)
                page_of.append(index)
                langs.append(sifted.page.meta.get("lang"))
                thresholds.append(sifted.threshold)  # the page's: crawl or alone
    y, proba, page_of = np.asarray(truth), np.asarray(proba), np.asarray(page_of)
    langs, thresholds = np.asarray(langs, dtype=object), np.asarray(thresholds, dtype=float)
    result = {"model": sifter.version, "threshold": sifter.threshold,
              "threshold_alone": sifter.threshold_alone,
              "trained_pages": trained_pages(sifter.card), "base": _base_version(sifter.card),
              "overall": line_metrics(y, proba, page_of, thresholds), "per_lang": {}}
    for lang in sorted({x for x in langs if x}):
        sel = langs == lang
        result["per_lang"][lang] = line_metrics(y[sel], proba[sel], page_of[sel],
                                                thresholds[sel])
    if keep_scores:
        result["scores"] = {"y": y.tolist(), "proba": proba.tolist()}
    return result


def _base_version(card):
    """``name@sha256-prefix`` of the model this one was trained on top of, else None."""
    base = card.get("base")
    return model_version(base) if base else None


def trained_pages(card):
    """Labelled pages a model was fitted on (for a model learned on top of another, the new
    pages only: its base's are in ``card["base"]``)."""
    return card.get("data", {}).get("pages")
