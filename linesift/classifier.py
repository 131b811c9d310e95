"""The line classifier: a first stage on each line, a second stage over its neighbours' scores.

Stage one scores each line from its own text and shape (hashed n-grams and dense features, a
logistic regression). Stage two sees a window of stage-one scores around the line, smoothed over
several widths, plus the dense features, and decides with gradient-boosted trees: jusText's
context-sensitive pass, learned instead of hand-tuned. Boilerplate comes in runs; the article is
one contiguous block in most pages. Both verdicts are kept (`first_stage_proba`). With
``refine``, a third stage does the same over stage two's scores (auto-context): a short line
between two lines stage two keeps is read against verdicts far surer than stage one's.
"""

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin, clone
from sklearn.compose import ColumnTransformer
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.linear_model import SGDClassifier
from sklearn.model_selection import GroupKFold
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.utils.validation import check_is_fitted

from ._kernels import run_bounds, standardised_dot
from .features import LineText
from .features.base import DefaultsOnLoad
from .frame import BASE_COLUMNS, GROUP, PAGE, TEXT, TOKENS, check_frame
from .labels import BOILERPLATE_CODE, CONTENT_CODE, DEFAULT_THRESHOLD, UNLABELLED_CODE
from .scorer import (NEUTRAL_SCORE, blend_stages, context_matrix, context_width, expit,
                     refine_context, refine_width)

SCORE_OFFSETS = (-4, -3, -2, -1, 1, 2, 3, 4)
SCORE_WINDOWS = (1, 3, 7, 15, 40)
INNER_FOLDS = 4
SECOND_STAGE_TREES = 80
SECOND_STAGE_LEARNING_RATE = 0.15
"""Fewer trees at a higher rate score as well as more at a lower one, and scoring time grows
with the trees (bench/RESULTS.md)."""
PREDICT_CHUNK_ROWS = 8192
"""Rows the trees walk at a time: chunks that stay in cache are faster than one large pass."""


def feature_columns(X):
    """The dense feature columns of an enriched lines table (everything but the base columns)."""
    return [c for c in X.columns if c not in BASE_COLUMNS]


FIRST_STAGE_ALPHA = 1e-5
"""L2 penalty of stage one's SGD. A stronger penalty, a constant step or an exact L-BFGS fit
each gave a better calibrated stage one but no better model with stage two on top (see
bench/RESULTS.md)."""
FIRST_STAGE_EPOCHS = 15
WORD_NGRAMS = (1, 2)
SECOND_STAGE_LEAVES = 31
SECOND_STAGE_L2 = 1.0


def make_first_stage(dense_columns, *, text_columns=(TEXT,), ngram_min_sites=None):
    """Stage one: word n-grams of the text + scaled dense features -> logistic regression.

    Fitted by averaged SGD on the log loss: as good as an exact fit with stage two on top, and
    far cheaper to fit (bench/RESULTS.md).
    """
    text = LineText(word_ngrams=WORD_NGRAMS, min_sites=ngram_min_sites)
    return Pipeline([
        ("features", ColumnTransformer([("text", text, list(text_columns)),
                                        ("dense", StandardScaler(), list(dense_columns))],
                                       sparse_threshold=1.0)),
        ("logreg", SGDClassifier(loss="log_loss", alpha=FIRST_STAGE_ALPHA, average=True,
                                 max_iter=FIRST_STAGE_EPOCHS, tol=None, random_state=0)),
    ])


class ContextClassifier(DefaultsOnLoad, ClassifierMixin, BaseEstimator):
    """Two-stage line classifier over an enriched lines table.

    Parameters
    ----------
    offsets, windows : tuple of int
        Neighbour offsets and half-widths of the smoothing windows over stage-one scores.
    inner_folds : int
        Stage two is fitted on out-of-fold stage-one scores (grouped by site, else page).
    trees, learning_rate : int, float
        Boosting rounds and learning rate of stage two; scoring time grows with the number
        of trees.
    article_span : bool
        Also give stage two where each line lies against its page's article span, stage one's
        densest run of prose (:func:`linesift.scorer.article_span`).
    ngram_min_sites : int or None
        Stage one keeps only the word n-grams found on at least this many training sites,
        each in its own column (:class:`~linesift.features.LineText`'s ``min_sites``); None
        hashes every n-gram into shared buckets.
    refine : bool
        Add a third stage: the same trees again, over stage two's input plus the context of
        stage two's own scores (auto-context). Stage two's verdicts on the neighbours are
        far better than stage one's, so a short line between two lines stage two keeps, or
        the article span drawn from stage two's scores, is read with more certainty.
    refine_blend : float
        With `refine`, the final score is this share of stage two's score plus the rest of
        stage three's. Stage three reads its own input's verdicts again, so on a page alone
        it can lift a whole block stage two dropped (a long directory, a teaser list) and
        such flips change from one fit to the next; the average of two stages moves less.
        0: stage three alone (models saved before the parameter load with it).
    random_state : int
        Seed of stage two's trees.

    Notes
    -----
    ``y`` is 1 for content, 0 for boilerplate and -1 for unlabelled lines, which are not fitted
    on but still give context to their neighbours. ``sample_weight`` (optional) weighs the
    labelled lines in both stages.
    """

    def __init__(self, *, offsets=SCORE_OFFSETS, windows=SCORE_WINDOWS, inner_folds=INNER_FOLDS,
                 trees=SECOND_STAGE_TREES, learning_rate=SECOND_STAGE_LEARNING_RATE,
                 ngram_min_sites=None, article_span=False, refine=False, refine_blend=0.0,
                 random_state=0):
        self.offsets = offsets
        self.windows = windows
        self.inner_folds = inner_folds
        self.trees = trees
        self.learning_rate = learning_rate
        self.ngram_min_sites = ngram_min_sites
        self.article_span = article_span
        self.refine = refine
        self.refine_blend = refine_blend
        self.random_state = random_state

    def fit(self, X, y, sample_weight=None):
        X = check_frame(X)
        y = np.asarray(y)
        w = None if sample_weight is None else np.asarray(sample_weight, dtype=np.float64)
        labelled = y != UNLABELLED_CODE
        if labelled.sum() == 0 or len(np.unique(y[labelled])) < 2:
            raise ValueError("training needs labelled lines of both classes (content and "
                             "boilerplate)")
        self.classes_ = np.array([BOILERPLATE_CODE, CONTENT_CODE])
        self.dense_columns_ = feature_columns(X)
        first = make_first_stage(self.dense_columns_, text_columns=self._text_columns(X),
                                 ngram_min_sites=self.ngram_min_sites)
        weights = (lambda rows: None) if w is None else (lambda rows: w[rows])
        self.first_ = fit_weighted(clone(first), X[labelled], y[labelled], weights(labelled))

        def first_fold(train, test):
            model = fit_weighted(clone(first), X.iloc[train], y[train], weights(train))
            return model.predict_proba(X.iloc[test])[:, 1]

        # with a single page there is nothing to hold out: the fitted stage one scores it
        # in-sample (tiny labelling sessions only)
        oof = self._out_of_fold(X, y, first_fold,
                                lambda: self.first_.predict_proba(X)[:, 1])
        full, _ = self._dense_head(X, third=self.refine)
        self._fill_dense(X, full)
        Z = self._context_matrix(X, oof, full)
        self.second_ = fit_weighted(self._trees(), Z[labelled], y[labelled], weights(labelled))
        if self.refine:
            # Z is built from out-of-fold stage-one scores already: only the trees are
            # refitted per fold
            def second_fold(train, test):
                trees = fit_weighted(self._trees(), Z[train], y[train], weights(train))
                return chunked_proba(trees, Z[test])

            oof2 = self._out_of_fold(X, y, second_fold, lambda: self._second_proba(Z))
            refine_context(full, self._second_width, oof2, X[PAGE].to_numpy(), self.offsets,
                           self.windows, self.article_span)
            self.third_ = fit_weighted(self._trees(), full[labelled], y[labelled],
                                       weights(labelled))
        return self

    def _trees(self):
        return HistGradientBoostingClassifier(
            max_iter=self.trees, learning_rate=self.learning_rate,
            max_leaf_nodes=SECOND_STAGE_LEAVES, l2_regularization=SECOND_STAGE_L2,
            random_state=self.random_state)

    def _out_of_fold(self, X, y, score_fold, in_sample):
        """Scores for every line from models that did not see its site (or page):
        ``score_fold(train, test)`` fits on the labelled rows `train` and scores the rows
        `test`. With a single site and page there is nothing to hold out: ``in_sample()``.
        """
        groups = X[GROUP].to_numpy() if GROUP in X else X[PAGE].to_numpy()
        if len(np.unique(groups)) < 2:
            groups = X[PAGE].to_numpy()
        n_groups = len(np.unique(groups))
        if n_groups < 2:
            return in_sample()
        oof = np.zeros(len(X))
        for train, test in GroupKFold(n_splits=min(self.inner_folds, n_groups)).split(
                X, y, groups):
            train = train[y[train] != UNLABELLED_CODE]
            if len(np.unique(y[train])) < 2:
                oof[test] = y[train].mean() if len(train) else NEUTRAL_SCORE
                continue
            oof[test] = score_fold(train, test)
        return oof

    def _second_proba(self, Z):
        return chunked_proba(self.second_, Z)

    def _text_columns(self, X):
        """Columns stage one's text step reads: the sites too when it counts n-grams by site."""
        wanted = (TEXT, TOKENS, GROUP) if self.ngram_min_sites else (TEXT, TOKENS)
        return [c for c in wanted if c in X]

    def _context_matrix(self, X, first_scores, Z):
        """Stage two's input (:func:`linesift.scorer.context_matrix`): the dense features,
        then the stage-one score context, as a view of `Z`.

        `Z` is :meth:`_dense_head`'s matrix with the dense columns already filled
        (:meth:`_fill_dense`, shared with stage one); the rest is filled in place.
        """
        return context_matrix(Z[:, :self._second_width], len(self.dense_columns_),
                              first_scores, X[PAGE].to_numpy(), self.offsets, self.windows,
                              self.article_span)

    @property
    def _second_width(self):
        return context_width(len(self.dense_columns_), self.offsets, self.windows,
                             self.article_span)

    @property
    def _third(self):
        return getattr(self, "third_", None)  # models saved before it: None

    def first_stage_proba(self, X, dense=None):
        """Stage one's P(content) for each line (the context-free verdict).

        `dense`, if given, is ``X[self.dense_columns_]`` as a float array (computed once for
        both stages)."""
        check_is_fitted(self)
        X = check_frame(X)
        fast = _linear_first_stage_proba(self.first_, X, dense, self.dense_columns_)
        return fast if fast is not None else self.first_.predict_proba(X)[:, 1]

    def first_stage_contributions(self, X):
        """What moved stage one for each line against the other lines of its page:
        ``(contributions, names)``.

        ``contributions[i, j]`` is feature j's term in line i's stage-one logit (weight times
        standardised value) minus that term's mean over line i's page; every word n-gram of the
        line is summed into one ``text_ngrams`` term. A term the same on every line of a page
        (the site counts of a page that came alone, the page's language) tells nothing of why
        one line was kept and its neighbour dropped, however large it is.
        """
        check_is_fitted(self)
        features = self.first_.named_steps["features"]
        coef = self.first_.named_steps["logreg"].coef_.ravel()
        design = features.transform(check_frame(X))
        design = design.tocsr() if hasattr(design, "tocsr") else np.asarray(design)
        text = features.named_transformers_.get("text")
        width = text.n_features_out_ if text is not None else 0
        text_part = np.asarray(design[:, :width].multiply(coef[:width]).sum(axis=1)).ravel()
        dense = design[:, width:]
        dense = dense.toarray() if hasattr(dense, "toarray") else np.asarray(dense)
        names = ["text_ngrams"] + list(self.dense_columns_)
        terms = np.column_stack([text_part, dense * coef[width:]])
        if len(terms):
            starts, ends = run_bounds(X[PAGE].to_numpy())
            sizes = ends - starts
            terms -= np.repeat(np.add.reduceat(terms, starts, axis=0) / sizes[:, None], sizes,
                               axis=0)
        return terms, names

    def _dense_head(self, X, third=False):
        """An empty column-major stage-two matrix for X (with `third`, stage three's: stage
        two's columns, then those of its scores' context), and the width of its dense part."""
        width = self._second_width
        if third:
            width += refine_width(self.offsets, self.windows, self.article_span)
        return np.empty((len(X), width), order="F"), len(self.dense_columns_)

    def _fill_dense(self, X, Z):
        """Copy the dense feature columns into Z's first columns in one selection: column by
        column, pandas' per-column overhead made up most of the copy on a page's 200 lines,
        and on a 9,000-line batch both take the same (bench/RESULTS.md)."""
        width = len(self.dense_columns_)
        Z[:, :width] = X[self.dense_columns_].to_numpy(dtype=np.float64)
        return Z[:, :width]

    def predict_proba(self, X):
        check_is_fitted(self)
        X = check_frame(X)
        third = self._third
        full, _ = self._dense_head(X, third is not None)
        dense = self._fill_dense(X, full)
        first = self.first_stage_proba(X, dense)
        proba = self._second_proba(self._context_matrix(X, first, full))
        if third is not None:
            refine_context(full, self._second_width, proba, X[PAGE].to_numpy(), self.offsets,
                           self.windows, self.article_span)
            proba = blend_stages(proba, chunked_proba(third, full), self.refine_blend)
        return self._calibrated(proba)

    def set_calibration(self, scores, y):
        """Map P(content) through an isotonic fit of held-out `scores` to their labels `y`.

        This is what scikit-learn's ``CalibratedClassifierCV(method="isotonic",
        ensemble=False)`` does (out-of-fold scores -> isotonic regression, final model fitted on
        all data), reusing the grouped cross-validation training already runs. The fitted step
        is stored as two arrays (``calibration_``), applied with ``np.interp``, so the model
        stays plain arrays for skops.
        """
        from sklearn.isotonic import IsotonicRegression

        iso = IsotonicRegression(out_of_bounds="clip", y_min=0.0, y_max=1.0)
        iso.fit(np.asarray(scores, dtype=np.float64), np.asarray(y, dtype=np.float64))
        self.calibration_ = np.vstack([iso.X_thresholds_, iso.y_thresholds_])
        return self

    def _calibrated(self, p):
        calibration = getattr(self, "calibration_", None)
        if calibration is not None:
            p = np.interp(p, calibration[0], calibration[1])
        return np.column_stack([1 - p, p])

    def predict(self, X):
        return (self.predict_proba(X)[:, 1] >= DEFAULT_THRESHOLD).astype(int)


def chunked_proba(trees, Z):
    """P(content) from fitted trees over a column-major matrix. The trees walk the rows once
    per tree: row chunks (views of Z) that stay in cache are faster than one large pass."""
    proba = [trees.predict_proba(Z[i:i + PREDICT_CHUNK_ROWS])[:, 1]
             for i in range(0, len(Z), PREDICT_CHUNK_ROWS)]
    return np.concatenate(proba) if proba else np.zeros(0)


def fit_weighted(estimator, X, y, sample_weight):
    """``estimator.fit`` with sample weights routed to a pipeline's final step."""
    if sample_weight is None:
        return estimator.fit(X, y)
    if isinstance(estimator, Pipeline):
        return estimator.fit(X, y, **{f"{estimator.steps[-1][0]}__sample_weight": sample_weight})
    return estimator.fit(X, y, sample_weight=sample_weight)


def _linear_first_stage_proba(first, X, dense_values=None, dense_columns=None):
    """The default stage one's P(content) without building its sparse design matrix.

    Same result as ``first.predict_proba(X)`` for the pipeline :func:`make_first_stage` builds
    (hashed text + standardised dense columns -> log-loss SGD): the dense part is a dense dot
    product instead of being converted to sparse and stacked, which was a third of the
    scoring time. Returns None for any other stage one.
    """
    steps = getattr(first, "named_steps", {})
    features, logreg = steps.get("features"), steps.get("logreg")
    if features is None or logreg is None or not hasattr(features, "named_transformers_"):
        return None
    names = [name for name, _, _ in features.transformers_ if name != "remainder"]
    logistic = getattr(logreg, "loss", None) == "log_loss"
    if names not in (["text", "dense"], ["dense"]) or not logistic:
        return None
    coef = logreg.coef_.ravel()
    decision = np.full(len(X), float(logreg.intercept_[0]))
    offset = 0
    for name, transformer, columns in features.transformers_:
        if name == "text":
            block = transformer.transform(X[columns])
            decision += block @ coef[offset:offset + block.shape[1]]
            offset += block.shape[1]
        elif name == "dense":
            weights = coef[offset:offset + len(columns)]
            position = {c: i for i, c in enumerate(dense_columns or ())}
            if dense_values is not None and all(c in position for c in columns) and all(
                    hasattr(transformer, a) for a in ("mean_", "scale_")):
                decision = standardised_dot(dense_values, [position[c] for c in columns],
                                            weights, transformer.mean_, transformer.scale_,
                                            intercept=decision)
            else:
                decision += transformer.transform(X[columns]) @ weights
            offset += len(columns)
    return expit(decision)
