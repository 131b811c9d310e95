"""Cross-dataset quality: train on some shared sets, score content F1 on the others.

Prints content F1 per held-out set and per language for every model variant, beside the two
text-only rule baselines (C4 line rules and jusText on lines), on exactly the same lines.
Sparse sets (trafilatura_eval, polish_sparse) are scored on their labelled lines only.

    python bench/quality.py                        # default variants, ~8 min
    python bench/quality.py --variants full --cv-folds 3 --jobs 2   # the default's threshold
    python bench/quality.py --variants default site_stats --max-train-pages 800
"""

import argparse
import time

import numpy as np

from common import print_table, shared_file

from baselines import c4_page, justext_page
from linesift.labels import UNLABELLED_CODE as UNLABELLED
from linesift.frame import PAGE
from linesift.recipe import build_pipeline
from linesift.features.site import count_site_lines, with_site_columns
from linesift.train.data import (TRAILING_PROSE_MIN_WORDS, load_training_pages, source_weights,
                        training_table, unlabel_trailing_prose)
from linesift.train.fit import fit_with_cv
from linesift.train.metrics import prf

TRAIN_SETS = ("cleaneval", "l3s_gn1", "dragnet", "big9_chaos")
EVAL_SETS = ("cleanportaleval", "htmltotext", "trafilatura_eval", "polish_sparse")
MIN_LANG_LINES = 30


def page_kind(page):
    """htmltotext names its pages news-, blog- or forum-; its gold keeps forum posts and blog
    comments as content, which the training sets mostly label boilerplate, so report them apart."""
    name = page.id.split("/", 1)[-1]
    return name.split("-", 1)[0] if page.id.startswith("htmltotext:") else None


VARIANTS = {
    "default": {"balance": 0.5, "page_relative": True, "ngram_min_sites": 10},  # models/default's
    "default_hashed": {"balance": 0.5, "page_relative": True},  # the same with hashed n-grams
    "full": {},  # the recipe before page-relative features and the vocabulary, unbalanced
    "labels_as_given": {"unlabel_trailing": False},  # comments after articles as boilerplate
    "site_stats": {"site_stats": True},  # + site-level line repetition, counted per set
    "uncalibrated": {"calibrate": False},
    "trailing6": {"trailing_min_words": 6},  # unlabel trailing prose from 6 words on
    "balanced": {"balance": 0.5},  # sources weighted by n ** -0.5 (train.data.source_weights)
    "balanced_equal": {"balance": 1.0},  # every source counts the same
    "min_sites3": {"ngram_min_sites": 3},  # word n-grams of >= 3 training sites, no hashing
    "min_sites10": {"ngram_min_sites": 10},
    "relative": {"page_relative": True},  # features against the page's mean (PageRelative)
    "relative_min10": {"page_relative": True, "ngram_min_sites": 10},
}
"""Model variants compared: recipe options (:func:`linesift.recipe.build_pipeline`), plus how
the training labels are treated (``unlabel_trailing``: comments after an article as context only, the default's recipe)
and ``calibrate`` (isotonic map from grouped out-of-fold scores, as `linesift train` does)."""


def load_train_sets(names, max_pages=None):
    """The labelled pages of the named shared sets; a fixed random `max_pages` of them if given
    (quick checks)."""
    pages = load_training_pages([shared_file(n) for n in names])
    if max_pages and len(pages) > max_pages:
        keep = sorted(np.random.default_rng(0).choice(len(pages), max_pages, replace=False))
        pages = [pages[i] for i in keep]
    return pages


def evaluate_sets(predict, eval_pages):
    """Rows of content P/R/F1 per eval set and per language for one predictor."""
    rows = []
    for name, pages in eval_pages.items():
        frame, y = training_table(pages)
        keep = predict(pages, frame)
        mask = y != UNLABELLED
        langs = np.array([pages[p].meta.get("lang") or "?" for p in frame[PAGE]], dtype=object)
        kinds = np.array([page_kind(pages[p]) or "" for p in frame[PAGE]], dtype=object)
        rows.append(_row(name, "all", y[mask], keep[mask]))
        for kind in sorted(set(kinds[mask]) - {""}):
            sel = mask & (kinds == kind)
            rows.append(_row(name, f"{kind} pages", y[sel], keep[sel]))
        for lang in sorted(set(langs[mask])):
            sel = mask & (langs == lang)
            if sel.sum() >= MIN_LANG_LINES and len(set(langs[mask])) > 1:
                rows.append(_row(name, lang, y[sel], keep[sel]))
        if len(set(langs[mask]) - {"en"}) > 1:  # every language the training sets lack
            sel = mask & (langs != "en")
            rows.append(_row(name, "not en", y[sel], keep[sel]))
    return rows


def _row(dataset, lang, y, keep):
    p, r, f1 = prf(y, keep, 1)
    return {"set": dataset, "lang": lang, "lines": int(len(y)), "P": p, "R": r, "F1": f1}


def rule_predictor(rule):
    def predict(pages, frame):
        out = []
        for i, page in enumerate(pages):
            lines = frame.loc[frame[PAGE] == i, "text"].tolist()
            if lines:
                out.append(rule(lines, page.meta.get("lang")))
        return np.concatenate(out) if out else np.zeros(0, dtype=int)
    return predict


def model_predictor(fitted, threshold, site_stats=False):
    def predict(pages, frame):
        if site_stats:  # counted over the set itself, as `linesift filter` counts its input
            frame = with_site_columns(frame, pages, count_site_lines(pages))
        return (fitted.predict_proba(frame)[:, 1] >= threshold).astype(int)
    return predict


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--variants", nargs="+", default=["default", "labels_as_given"],
                        choices=list(VARIANTS),
                        help="model variants to train and compare")
    parser.add_argument("--train", nargs="+", default=list(TRAIN_SETS))
    parser.add_argument("--eval", nargs="+", default=list(EVAL_SETS))
    parser.add_argument("--max-train-pages", type=int, default=None,
                        help="train on a random subset of pages (faster, for quick checks)")
    parser.add_argument("--cv-folds", type=int, default=0,
                        help="choose each model's threshold (and calibration) by grouped CV "
                             "on the training sets, as `linesift train` does; 0: threshold 0.5 "
                             "on uncalibrated scores (faster)")
    parser.add_argument("--jobs", type=int, default=1, help="processes for the CV folds")
    parser.add_argument("--save-models", metavar="DIR", default=None,
                        help="also save each fitted variant as DIR/VARIANT.joblib")
    args = parser.parse_args()

    train_pages = load_train_sets(args.train, args.max_train_pages)
    eval_pages = {n: load_training_pages([shared_file(n)]) for n in args.eval}
    print(f"train: {', '.join(args.train)} ({len(train_pages):,} pages); "
          f"eval: {', '.join(args.eval)}\n")

    results = {}
    results["C4 rules"] = evaluate_sets(rule_predictor(lambda lines, lang: c4_page(lines)),
                                        eval_pages)
    results["jusText lines"] = evaluate_sets(rule_predictor(justext_page), eval_pages)
    for name in args.variants:
        start = time.perf_counter()
        params = dict(VARIANTS[name])
        unlabel = params.pop("unlabel_trailing", True)
        calibrate = params.pop("calibrate", True)
        site = params.get("site_stats", False)
        balance = params.pop("balance", 0.0)
        min_words = params.pop("trailing_min_words", TRAILING_PROSE_MIN_WORDS)
        pages = unlabel_trailing_prose(train_pages, min_words)[0] if unlabel else train_pages
        frame, y = training_table(pages)
        if site:
            frame = with_site_columns(frame, pages, count_site_lines(pages))
        weights = source_weights(pages, frame, y, balance) if balance else None
        fitted, threshold, _, _, _ = fit_with_cv(build_pipeline(**params), frame, y,
                                                 folds=args.cv_folds, jobs=args.jobs,
                                                 calibrate=calibrate, progress=False,
                                                 weights=weights)
        results[name] = evaluate_sets(model_predictor(fitted, threshold, site), eval_pages)
        if args.save_models:
            import joblib
            from pathlib import Path

            Path(args.save_models).mkdir(parents=True, exist_ok=True)
            joblib.dump(fitted, Path(args.save_models) / f"{name}.joblib")
        print(f"trained {name} in {time.perf_counter() - start:.0f} s (threshold {threshold:.2f})")
    print()
    _print(results)


def _print(results):
    names = list(results)
    base = results[names[0]]
    rows = []
    for i, row in enumerate(base):
        out = {"set": row["set"], "lang": row["lang"], "lines": row["lines"]}
        for name in names:
            out[name] = results[name][i]["F1"]
        rows.append(out)
    print("content F1 (line level; sparse sets on labelled lines only)")
    print_table(rows, ["set", "lang", "lines"] + names)


if __name__ == "__main__":
    main()
