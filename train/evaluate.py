"""`linesift evaluate`: the training metrics on labelled pages, overall and per language."""

import numpy as np

from linesift.classifier import UNLABELLED
from linesift.frame import PAGE
from linesift.sift import load

from .data import load_training_pages, training_table
from .metrics import line_metrics


def evaluate_model(model, paths, *, threshold=None, read_options=None):
    """Score labelled pages with a saved model.

    Returns
    -------
    dict with ``overall`` metrics and ``per_lang`` (for pages that carry ``lang``).
    """
    sifter = load(model, threshold=threshold)
    pages = load_training_pages(paths, read_options)
    frame, y = training_table(pages)
    proba = sifter.pipeline.predict_proba(frame)[:, 1] if len(frame) else np.zeros(0)
    mask = y != UNLABELLED
    page_idx = frame[PAGE].to_numpy()
    result = {"model": sifter.version, "threshold": sifter.threshold,
              "overall": line_metrics(y[mask], proba[mask], page_idx[mask], sifter.threshold),
              "per_lang": {}}
    langs = np.asarray([pages[p].meta.get("lang") for p in page_idx], dtype=object)
    for lang in sorted({x for x in langs if x}):
        sel = mask & (langs == lang)
        if sel.sum():
            result["per_lang"][lang] = line_metrics(y[sel], proba[sel], page_idx[sel],
                                                    sifter.threshold)
    return result
