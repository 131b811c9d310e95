"""Helpers of the labelling simulations: pages of the shared data, models trained in memory on
a list of labelled pages (from scratch with the recipe, or on top of a base model), and their
content F1 on held-out pages."""

import gzip
import hashlib
import json

import numpy as np

from common import shared_file

from linesift.classifier import fit_weighted
from linesift.formats import read_labelled_pages
from linesift.frame import GROUP, PAGE
from linesift.labels import DEFAULT_THRESHOLD, UNLABELLED_CODE, label_code
from linesift.recipe import DEFAULT_RECIPE
from linesift.sift import Sifter
from linesift.train.data import training_table, unlabel_trailing_prose
from linesift.train.fit import based_pipeline
from linesift.train.table import effective_ngram_min_sites
from linesift.train.metrics import line_metrics


def shared_pages(name):
    return list(read_labelled_pages([str(shared_file(name))]))


def site_half(domain):
    """0 or 1 by the sha256 of the site: a fixed split of sites into two halves (not md5:
    daniel_a's sites are those whose md5 is even)."""
    return int(hashlib.sha256((domain or "").encode()).hexdigest(), 16) % 2


def fit_pages(pages, base=None, recipe=DEFAULT_RECIPE):
    """A Sifter trained on `pages` without cross-validation (threshold 0.5): from scratch with
    `recipe`, or on top of the fitted pipeline `base`."""
    from dataclasses import replace
    from threadpoolctl import threadpool_limits

    if recipe.unlabel_trailing_prose:
        pages, _ = unlabel_trailing_prose(pages)
    frame, y = training_table(pages)
    min_sites = effective_ngram_min_sites(recipe.ngram_min_sites,
                                          len(np.unique(frame[GROUP].to_numpy())))
    pipeline = (based_pipeline(base, min_sites) if base is not None
                else replace(recipe, ngram_min_sites=min_sites).pipeline())
    with threadpool_limits(1):
        fitted = fit_weighted(pipeline, frame, y, None)
    return Sifter(fitted, {"name": "sim", "threshold": DEFAULT_THRESHOLD})


def score(sifter, pages):
    """Content F1 (and P, R) of `sifter` on the labelled lines of `pages`, pooled."""
    y, p, page_of = [], [], []
    for k, sifted in enumerate(sifter.sift_pages(pages)):
        for label, s in zip(sifted.page.labels, sifted.scores):
            if label is not None and s is not None:
                y.append(label_code(label))
                p.append(s)
                page_of.append(k)
    m = line_metrics(np.asarray(y), np.asarray(p), np.asarray(page_of), sifter.threshold)
    return {"f1": m["content_f1"], "precision": m["content_precision"],
            "recall": m["content_recall"], "lines": m["lines"]}


def labelled_lines(pages):
    return sum(sum(label is not None for label in page.labels) for page in pages)
