"""Runs of similar lines (:mod:`linesift.columns.runs`)."""

from ..columns.runs import NAMES, run_columns
from ..frame import PAGE, TEXT
from .base import FrameStep


class LineRuns(FrameStep):
    """How long the run of lines shaped like this one is, and of lines opening like it: a
    list's items and a table's rows judged with their list (:mod:`linesift.columns.runs`)."""

    def _feature_names(self):
        return list(NAMES)

    def _features(self, X):
        return X, run_columns(X[TEXT].tolist(), X[PAGE].to_numpy())
