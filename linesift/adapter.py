"""A model's verdicts adapted to a few labelled pages of a site, shrunk toward the model.

:class:`SiteAdapter` is the classifier of a model learned with ``linesift train --base``. It
reads the base model's verdicts (:class:`~linesift.features.BaseModelScores`), the site memory
(:mod:`linesift.features.memory`: how lines like this one were labelled on the site's labelled
pages) and where the line lies against the article the base model finds, and corrects the base
model's logit:

    logit P(content) = base logit + w · z + b

on the lines of the sites the memory holds (the base model's verdicts elsewhere: a few pages of
one site say nothing of others), with z those features standardised, and an L2 penalty ``penalty * (|w|² + b²)`` on the
correction, so that a large penalty gives back the base model exactly. The penalty is chosen
by cross-validation over the labelled pages (``linesift.train.adapt``), the base model itself
being the candidate of an infinite penalty: a few pages can move the base model only as far as
they show, on pages held out, that it gains. A handful of weights, not a new model: it learns
from 5 pages what 80 trees would learn by heart.
"""

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.utils.validation import check_is_fitted

from ._kernels import run_bounds, window_means
from .features.memory import MEMORY_COLUMNS
from .frame import PAGE, check_frame
from .labels import BOILERPLATE_CODE, CONTENT_CODE, DEFAULT_THRESHOLD, UNLABELLED_CODE
from .scorer import article_span

BASE_LOGIT = "base_logit"
BASE_COLUMNS_READ = ("base_logit", "base_stage1_logit", "base_win2", "base_win5")
"""Columns of :class:`~linesift.features.BaseModelScores` the adapter reads."""
EVIDENCE_WINDOW = 2
"""Half-width of the window over which the memory's evidence is also averaged (runs of
teasers, a related-stories block)."""
SPAN_COLUMNS = ("span_inside", "span_lines_before", "span_lines_after")
"""Where a line lies against the base model's article: inside the densest run of kept lines,
and log(1 + lines) before its start and after its end."""
MIN_SCALE = 1e-3
FAMILIAR_SHARE = 0.5
"""A page whose lines the memory has seen less than this share of the least familiar
labelled page's gets less of the correction, and none below half of that
(see :meth:`SiteAdapter._weight`)."""


def _logit(p):
    p = np.clip(p, 1e-6, 1 - 1e-6)
    return np.log(p / (1 - p))


class SiteAdapter(ClassifierMixin, BaseEstimator):
    """The base model's logit corrected by a penalised logistic regression (see the module).

    Parameters
    ----------
    penalty : float
        L2 penalty on the correction's weights and intercept (per labelled line, on
        standardised features); ``np.inf`` keeps the base model's verdicts as they are.
    threshold : float
        The base model's threshold, which marks its kept lines for the article span.
    learner : classifier, optional
        A classifier fitted on the same lines (a :class:`~linesift.classifier.
        ContextClassifier` over the base model's features, its verdicts and the memory: word
        n-grams and trees, for when the labelled pages are many); its logit replaces the base
        logit by `learner_weight` (1: wholly, 0.5: halfway) on the memory's sites.
    learner_weight : float

    Notes
    -----
    ``y`` is 1 for content, 0 for boilerplate and -1 for unlabelled lines (not fitted on).
    """

    def __init__(self, *, penalty=1.0, threshold=DEFAULT_THRESHOLD, learner=None,
                 learner_weight=1.0):
        self.penalty = penalty
        self.threshold = threshold
        self.learner = learner
        self.learner_weight = learner_weight

    def _design(self, X):
        """The features z of every row (before standardising), the base logit, and which rows
        the correction applies to (those of a site the memory holds)."""
        pages = X[PAGE].to_numpy()
        base = X[BASE_LOGIT].to_numpy(dtype=np.float64)
        columns = [X[c].to_numpy(dtype=np.float64) for c in BASE_COLUMNS_READ]
        memory = [X[c].to_numpy(dtype=np.float64) if c in X else np.zeros(len(X))
                  for c in MEMORY_COLUMNS]
        named = dict(zip(MEMORY_COLUMNS, memory))
        net = np.vstack([named["memory_line_b"] - named["memory_line_c"],
                         named["memory_words_b"] - named["memory_words_c"],
                         named["memory_first2_b"] - named["memory_first2_c"]]).T
        windows = window_means(net, pages, [EVIDENCE_WINDOW])[0].T if len(X) else net.T
        span = article_span(1 / (1 + np.exp(-base)), pages, self.threshold, lower_bar=False).T
        z = np.vstack([*columns, *memory, *windows, *span]).T
        return z, base, named[MEMORY_COLUMNS[0]] > 0

    def _familiarity(self, X):
        """Per row, the share of its page's lines that the memory has seen on a labelled page
        of the site (by the whole line or its words): how much the page looks like the pages
        the correction was learned on."""
        seen = np.zeros(len(X))
        for kind in ("line", "words"):
            seen = np.maximum(seen, ((X[f"memory_{kind}_b"].to_numpy() > 0)
                                     | (X[f"memory_{kind}_c"].to_numpy() > 0)))
        if not len(X):
            return seen
        starts, ends = run_bounds(X[PAGE].to_numpy())
        return np.repeat(np.add.reduceat(seen, starts) / (ends - starts), ends - starts)

    def _weight(self, X, gate):
        """How much of the correction applies to each row: none off the memory's sites, all on
        pages as familiar as the labelled ones, and less on pages the memory has hardly seen
        (another template of the site: a redesign, an archive)."""
        if not all(f"memory_{k}_{s}" in X for k in ("line", "words") for s in "bc"):
            return gate.astype(np.float64)
        familiar = getattr(self, "familiar_", 0.0)
        # none below half of `familiar_`, all from `familiar_` on, in proportion between
        scale = (np.clip(2.0 * self._familiarity(X) / familiar - 1.0, 0.0, 1.0)
                 if familiar > 0 else np.ones(len(X)))
        return np.where(gate, scale, 0.0)

    def _names(self):
        return [*BASE_COLUMNS_READ, *MEMORY_COLUMNS,
                *(f"window{EVIDENCE_WINDOW}_memory_{k}_net" for k in ("line", "words", "first2")),
                *SPAN_COLUMNS]

    def fit(self, X, y, sample_weight=None):
        from scipy.optimize import minimize

        X = check_frame(X)
        y = np.asarray(y)
        labelled = y != UNLABELLED_CODE
        if labelled.sum() == 0 or len(np.unique(y[labelled])) < 2:
            raise ValueError("training needs labelled lines of both classes (content and "
                             "boilerplate)")
        self.classes_ = np.array([BOILERPLATE_CODE, CONTENT_CODE])
        self.feature_columns_ = [*BASE_COLUMNS_READ, *MEMORY_COLUMNS]
        z, base, gate = self._design(X)
        rows = labelled & gate
        # pages held out scored below half the familiarity of the least familiar labelled page
        # get less of the correction (see _weight)
        if rows.any():
            self.familiar_ = FAMILIAR_SHARE * float(np.min(
                self._familiarity(X)[rows]))
        else:
            self.familiar_ = 0.0
        self.mean_ = np.zeros(z.shape[1])
        self.scale_ = np.ones(z.shape[1])
        self.coef_, self.intercept_ = np.zeros(z.shape[1]), 0.0
        self.learner_ = None
        if rows.any() and self.learner is not None:
            from sklearn.base import clone

            # every line of the memory's sites: unlabelled ones are context for their neighbours
            self.learner_ = clone(self.learner).fit(
                X[gate], y[gate], None if sample_weight is None
                else np.asarray(sample_weight, dtype=np.float64)[gate])
        if not rows.any() or not np.isfinite(self.penalty):
            return self
        z, base, target = z[rows], base[rows], y[rows].astype(np.float64)
        w = (np.ones(len(target)) if sample_weight is None
             else np.asarray(sample_weight, dtype=np.float64)[rows])
        w = w / w.sum()
        self.mean_ = z.mean(axis=0)
        self.scale_ = np.maximum(z.std(axis=0), MIN_SCALE)
        zs = (z - self.mean_) / self.scale_
        width = zs.shape[1]

        def loss(theta):
            margin = base + zs @ theta[:width] + theta[width]
            p = 1 / (1 + np.exp(-margin))
            value = np.sum(w * (np.logaddexp(0, margin) - target * margin))
            grad_margin = w * (p - target)
            grad = np.append(zs.T @ grad_margin, grad_margin.sum())
            return (value + 0.5 * self.penalty * theta @ theta,
                    grad + self.penalty * theta)

        result = minimize(loss, np.zeros(width + 1), jac=True, method="L-BFGS-B",
                          options={"maxiter": 500})
        self.coef_, self.intercept_ = result.x[:width], float(result.x[width])
        return self

    def decision_function(self, X):
        check_is_fitted(self)
        z, base, gate = self._design(check_frame(X))
        correction = ((z - self.mean_) / self.scale_) @ self.coef_ + self.intercept_
        if self.learner_ is not None and gate.any():
            learned = np.zeros(len(X))
            learned[gate] = _logit(self.learner_.predict_proba(X[gate])[:, 1]) - base[gate]
            correction = correction + self.learner_weight * learned
        return base + self._weight(X, gate) * correction

    def predict_proba(self, X):
        p = 1 / (1 + np.exp(-self.decision_function(X)))
        return np.column_stack([1 - p, p])

    def predict(self, X):
        return (self.predict_proba(X)[:, 1] >= DEFAULT_THRESHOLD).astype(int)

    def first_stage_proba(self, X, dense=None):
        """The base model's context-free first stage (what ``explain`` shows as stage 1)."""
        check_is_fitted(self)
        return 1 / (1 + np.exp(-X["base_stage1_logit"].to_numpy(dtype=np.float64)))

    def first_stage_contributions(self, X):
        """Each feature's term in the correction of the base logit, against its page's mean:
        ``(contributions, names)``; the base logit itself is one term."""
        check_is_fitted(self)
        z, base, gate = self._design(check_frame(X))
        terms = np.column_stack([base, ((z - self.mean_) / self.scale_) * self.coef_
                                 * self._weight(X, gate)[:, None]])
        if len(terms):
            starts, ends = run_bounds(X[PAGE].to_numpy())
            sizes = ends - starts
            terms -= np.repeat(np.add.reduceat(terms, starts, axis=0) / sizes[:, None], sizes,
                               axis=0)
        return terms, ["base_logit (the base model)", *self._names()]
