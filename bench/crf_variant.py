"""A linear-chain CRF over each page's lines as the context stage, measured against the default.

Same protocol as bench/quality.py: train on the shared training sets (trailing prose unlabelled,
as the default's recipe), score content F1 on labelled lines of the held-out sets, threshold 0.5
on uncalibrated scores. Compared per line:

  first      the default's stage one alone (context-free logistic regression)
  full       the default two-stage model (stage two: boosted trees over stage-one scores)
  crf1-*     (a) a CRF replacing stage two: per-line features from stage one's logit
             (continuous, binned, neighbours, window means) + a few dense shape features
  crf1+-*    (a) with every dense column stage two sees instead of a few (is it the features?)
  crf2-*     (b) a CRF on top of stage two (the same features from stage two's logit):
             Viterbi smoothing of the full model

`-marg` keeps a line when its CRF marginal P(content) >= 0.5, `-vit` when Viterbi labels it
content. Both CRFs are trained on out-of-fold scores grouped by site (stage one's from
ContextClassifier._out_of_fold, stage two's from an outer GroupKFold of the whole classifier),
so they do not over-trust scores the model saw its own labels for. Then it times stage two
and the CRF (feature building, Viterbi, marginals) on every held-out line, in µs per line.

    python bench/crf_variant.py                          # ~15 min on one core
    python bench/crf_variant.py --max-train-pages 600    # quick check

Needs python-crfsuite (``pip install -e ".[bench]"``); the CRF is used through its
Trainer/Tagger directly, which streams pages to the trainer instead of holding every page's
feature dicts in memory as sklearn-crfsuite's CRF.fit does.
"""

import argparse
import gc
import tempfile
import time
from pathlib import Path

import numpy as np
from sklearn.base import clone
from sklearn.model_selection import GroupKFold
from threadpoolctl import threadpool_limits

try:
    import pycrfsuite
except ImportError:
    raise SystemExit('bench/crf_variant.py needs python-crfsuite: pip install -e ".[bench]"')

from common import print_table, shared_file

from quality import EVAL_SETS, TRAIN_SETS, load_train_sets, page_kind
from linesift.classifier import UNLABELLED
from linesift._kernels import shift_within_pages, window_mean
from linesift.frame import GROUP, PAGE, page_bounds
from linesift.model import build_pipeline
from train.data import load_training_pages, training_table, unlabel_trailing_prose
from train.metrics import prf

OUTER_FOLDS = 4
DENSE = ("log_chars", "log_words", "ends_terminal", "stopword_density", "token_uniqueness",
         "rel_pos", "log_dups_in_page", "has_url")
"""Dense shape features the CRF sees besides the scores (standardised on the training lines)."""
OFFSETS = (-2, -1, 1, 2)
WINDOWS = (3, 7, 15)
BIN_EDGES = np.array([-6.0, -4.0, -2.0, -1.0, 0.0, 1.0, 2.0, 4.0, 6.0])
"""Edges of the logit bins: the CRF is linear in its features; bins let it bend the score."""
LOGIT_SCALE = 4.0


def logit(p):
    p = np.clip(np.asarray(p, dtype=np.float64), 1e-4, 1 - 1e-4)
    return np.log(p / (1 - p))


class CrfStage:
    """Linear-chain CRF (python-crfsuite, L-BFGS, L2) over a page's lines, fed a score per line."""

    def __init__(self, dense=DENSE, c1=0.0, c2=1.0, max_iterations=200):
        self.dense = list(dense)
        self.params = {"c1": c1, "c2": c2, "max_iterations": max_iterations,
                       "feature.possible_transitions": True}

    def _items(self, scores, X):
        """One feature dict per line: the score's context and the standardised dense columns."""
        pages = X[PAGE].to_numpy()
        z = logit(scores)
        s = (z / LOGIT_SCALE)[:, None]
        high = (z > 0).astype(np.float64)[:, None]
        cols, names = [s], ["s"]
        for off in OFFSETS:
            shifted, exists = shift_within_pages(s, pages, off)
            cols += [shifted, 1 - exists[:, None]]
            names += [f"s{off:+d}", f"none{off:+d}"]
        for w in WINDOWS:
            cols += [window_mean(s, pages, w), window_mean(high, pages, w)]
            names += [f"win{w}", f"high{w}"]
        dense = (X[self.dense].to_numpy(dtype=np.float64) - self.mean_) / self.scale_
        cols.append(dense)
        names += self.dense
        rows = np.hstack(cols).tolist()
        bins = np.digitize(z, BIN_EDGES).tolist()
        items = [dict(zip(names, row)) for row in rows]
        for item, b in zip(items, bins):
            item[BIN_NAMES[b]] = 1.0  # one active bin per line; crfsuite has its own bias
        return items

    def fit(self, scores, X, y, model_path):
        values = X[self.dense].to_numpy(dtype=np.float64)
        self.mean_, self.scale_ = values.mean(axis=0), values.std(axis=0) + 1e-9
        trainer = pycrfsuite.Trainer(verbose=False)
        trainer.set_params(self.params)
        items = self._items(scores, X)
        labels = np.where(y == 1, "1", "0")
        starts, ends = page_bounds(X[PAGE].to_numpy())
        # crfsuite needs every item labelled: a page is cut at its unlabelled lines (trailing
        # comments made unlabelled), which still shape their neighbours' window features
        for lo, hi in zip(starts, ends):
            for a, b in _labelled_runs(y[lo:hi]):
                trainer.append(items[lo + a:lo + b], labels[lo + a:lo + b].tolist())
        trainer.train(str(model_path))
        self.tagger_ = pycrfsuite.Tagger()
        self.tagger_.open(str(model_path))
        return self

    def tag(self, scores, X, marginals=True):
        """(P(content) marginals or None, Viterbi content 0/1) for every line of X."""
        items = self._items(scores, X)
        starts, ends = page_bounds(X[PAGE].to_numpy())
        viterbi = np.zeros(len(X), dtype=int)
        proba = np.zeros(len(X)) if marginals else None
        tagger = self.tagger_
        for lo, hi in zip(starts, ends):
            tagger.set(items[lo:hi])
            viterbi[lo:hi] = [label == "1" for label in tagger.tag()]
            if marginals:
                proba[lo:hi] = [tagger.marginal("1", i) for i in range(hi - lo)]
        return proba, viterbi


BIN_NAMES = [f"bin{i}" for i in range(len(BIN_EDGES) + 1)]


def _labelled_runs(y):
    """(start, end) of each run of labelled lines in y."""
    runs, start = [], None
    for i, label in enumerate(y.tolist() + [UNLABELLED]):
        if label != UNLABELLED and start is None:
            start = i
        elif label == UNLABELLED and start is not None:
            runs.append((start, i))
            start = None
    return runs


def crf_variants(clf):
    """name -> (which stage's scores the CRF is fed, its dense columns)."""
    return {"crf1": (1, DENSE), "crf1+": (1, clf.dense_columns_), "crf2": (2, DENSE)}


def out_of_fold_full(clf, X, y, folds=OUTER_FOLDS):
    """The whole two-stage classifier's P(content) for each line from fits without its site."""
    oof = np.zeros(len(X))
    groups = X[GROUP].to_numpy()
    for train, test in GroupKFold(n_splits=folds).split(X, y, groups):
        model = clone(clf).fit(X.iloc[train], y[train])
        oof[test] = model.predict_proba(X.iloc[test])[:, 1]
    return oof


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--train", nargs="+", default=list(TRAIN_SETS))
    parser.add_argument("--eval", nargs="+", default=list(EVAL_SETS))
    parser.add_argument("--max-train-pages", type=int, default=None,
                        help="train on a random subset of pages (faster, for quick checks)")
    parser.add_argument("--c2", type=float, default=1.0, help="CRF L2 penalty")
    args = parser.parse_args()

    pages = unlabel_trailing_prose(load_train_sets(args.train, args.max_train_pages))[0]
    frame, y = training_table(pages)
    print(f"train: {', '.join(args.train)} ({len(pages):,} pages, {len(frame):,} lines)")

    # the default model, fitted as bench/quality.py's "full" (= pipeline.fit), keeping the
    # enriched table its ContextClassifier sees
    start = time.perf_counter()
    pipeline = build_pipeline()
    features, clf = pipeline[:-1], pipeline[-1]
    X = features.fit_transform(frame)
    clf.fit(X, y)
    print(f"full model: {time.perf_counter() - start:.0f} s")

    start = time.perf_counter()
    oof1 = clf._out_of_fold(clone(clf.first_), X, y)  # what stage two is fitted on
    print(f"out-of-fold stage one: {time.perf_counter() - start:.0f} s")
    start = time.perf_counter()
    oof2 = out_of_fold_full(clf, X, y)
    print(f"out-of-fold stage two ({OUTER_FOLDS} grouped folds): "
          f"{time.perf_counter() - start:.0f} s")

    tmp = tempfile.TemporaryDirectory()
    crfs = {}
    oof = {1: oof1, 2: oof2}
    for name, (stage, dense) in crf_variants(clf).items():
        start = time.perf_counter()
        crfs[name] = CrfStage(dense, c2=args.c2).fit(oof[stage], X, y,
                                                    Path(tmp.name) / f"{name}.crfsuite")
        print(f"{name} trained: {time.perf_counter() - start:.0f} s")

    rows, held_out = [], []
    for set_name in args.eval:
        eval_pages = load_training_pages([shared_file(set_name)])
        eframe, ey = training_table(eval_pages)
        EX = features.transform(eframe)
        p1 = clf.first_stage_proba(EX)
        p2 = clf.predict_proba(EX)[:, 1]
        held_out.append((EX, p1, p2))
        keep = {"first": p1 >= 0.5, "full": p2 >= 0.5}
        for name, (stage, _) in crf_variants(clf).items():
            marg, vit = crfs[name].tag(p1 if stage == 1 else p2, EX)
            keep[f"{name}-marg"], keep[f"{name}-vit"] = marg >= 0.5, vit == 1

        labelled = ey != UNLABELLED
        kinds = np.array([page_kind(eval_pages[p]) or "" for p in eframe[PAGE]], dtype=object)
        selections = [("all", labelled)] + [(f"{k} pages", labelled & (kinds == k))
                                            for k in sorted(set(kinds[labelled]) - {""})]
        for kind, sel in selections:
            row = {"set": set_name, "kind": kind, "lines": int(sel.sum())}
            for name, kept in keep.items():
                row[name] = prf(ey[sel], kept[sel].astype(int), 1)[2]
            rows.append(row)

    print("\ncontent F1 (line level, threshold 0.5; sparse sets on labelled lines only)")
    print_table(rows, ["set", "kind", "lines"] + list(rows[0])[3:])
    print_costs(clf, crfs, held_out)


def print_costs(clf, crfs, held_out, repeats=3):
    """Best-of-`repeats` time of each inference step over every held-out line, µs per line.

    `held_out` holds (enriched table, stage-one scores, full-model scores) per eval set; the
    feature steps before the classifier are left out (they are the same for every variant)."""
    steps = {"stage one": lambda EX, p1, p2: clf.first_stage_proba(EX),
             "stage one + stage two (the full model)": lambda EX, p1, p2: clf.predict_proba(EX)}
    for name, crf in crfs.items():
        pick = (lambda p1, p2: p1) if name.startswith("crf1") else (lambda p1, p2: p2)
        steps[f"{name}: features only"] = (
            lambda EX, p1, p2, c=crf, f=pick: c._items(f(p1, p2), EX))
        steps[f"{name}: features + Viterbi"] = (
            lambda EX, p1, p2, c=crf, f=pick: c.tag(f(p1, p2), EX, marginals=False))
        steps[f"{name}: features + Viterbi + marginals"] = (
            lambda EX, p1, p2, c=crf, f=pick: c.tag(f(p1, p2), EX))
    lines = sum(len(EX) for EX, _, _ in held_out)
    # the cyclic GC would otherwise keep walking the big tables alive here (millions of token
    # lists) while the CRF allocates its feature dicts; a filter's heap is far smaller
    gc.collect()
    gc.freeze()
    print(f"\ninference cost over {lines:,} held-out lines (one core, best of {repeats}), "
          "µs per line:")
    for name, step in steps.items():
        best = np.inf
        for _ in range(repeats):
            start = time.perf_counter()
            for EX, p1, p2 in held_out:
                step(EX, p1, p2)
            best = min(best, time.perf_counter() - start)
        print(f"  {name:42s} {best / lines * 1e6:6.2f}")


if __name__ == "__main__":
    with threadpool_limits(1):
        main()
