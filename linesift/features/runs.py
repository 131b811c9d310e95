"""Runs of similar lines (:mod:`linesift.columns.runs`)."""

from ..columns.runs import ALTERNATING_NAMES, NAMES, run_columns
from ..frame import PAGE, TEXT
from .base import FrameStep


class LineRuns(FrameStep):
    """How long the run of lines shaped like this one is, and of lines opening like it: a
    list's items and a table's rows judged with their list (:mod:`linesift.columns.runs`).

    Parameters
    ----------
    alternating : bool, default=False
        Also the run of lines shaped like the line two before: a block of teasers, each a
        headline and its summary sentence.
    """

    def __init__(self, *, alternating=False):
        self.alternating = alternating

    def _feature_names(self):
        return list(NAMES) + (list(ALTERNATING_NAMES) if self.alternating else [])

    def _features(self, X):
        return X, run_columns(X[TEXT].tolist(), X[PAGE].to_numpy(), self.alternating)
