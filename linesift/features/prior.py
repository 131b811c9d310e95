"""A trained model's verdicts as features: what a model learned on top of another reads."""

import numpy as np

from .._kernels import window_means
from ..frame import PAGE
from .base import FrameStep

PRIOR_WINDOWS = (2, 5)
"""Half-widths of the windows the base model's score is also averaged over."""
LOGIT_CLIP = 1e-4
"""P(content) is clipped to [LOGIT_CLIP, 1 - LOGIT_CLIP] before its logit is taken."""


def _logit(p):
    p = np.clip(np.asarray(p, dtype=np.float64), LOGIT_CLIP, 1 - LOGIT_CLIP)
    return np.log(p / (1 - p))


class BaseModelScores(FrameStep):
    """The verdicts of an already fitted classifier, as feature columns.

    Placed after the base model's own feature steps (whose columns it reads), it adds the logit
    of the base model's P(content) (``base_logit``), of its context-free first stage
    (``base_stage1_logit``) and the mean of ``base_logit`` over windows around each line. A
    classifier fitted after it learns from a few labelled pages how far to follow the base model
    on them (stacking: Wolpert 1992, "Stacked generalization").

    Parameters
    ----------
    classifier : fitted ContextClassifier
        The base model's last step. It is never refitted: fitting this step only names its
        columns, and cloning it keeps the same fitted classifier.
    windows : tuple of int
    """

    def __init__(self, *, classifier=None, windows=PRIOR_WINDOWS):
        self.classifier = classifier
        self.windows = windows

    def __sklearn_clone__(self):
        return type(self)(classifier=self.classifier, windows=self.windows)

    @property
    def reads(self):
        return (PAGE, *getattr(self.classifier, "dense_columns_", ()))

    def _feature_names(self):
        if self.classifier is None:
            raise ValueError("BaseModelScores needs a fitted classifier")
        return ["base_logit", "base_stage1_logit", *(f"base_win{w}" for w in self.windows)]

    def _features(self, X):
        final = _logit(self.classifier.predict_proba(X)[:, 1])
        first = _logit(self.classifier.first_stage_proba(X))
        means = window_means(final[:, None], X[PAGE].to_numpy(), self.windows)
        return X, np.vstack([final, first, *(m[:, 0] for m in means)])
