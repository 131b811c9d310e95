"""Where a line sits in its page, how it compares with the page, and in-page repeats
(:mod:`linesift.columns.position`)."""

from ..columns.position import NAMES, position_columns
from ..frame import PAGE, TEXT
from .base import FrameStep


class PagePosition(FrameStep):
    """Where a line sits in its page, how it compares with the page, and in-page repeats."""

    def _feature_names(self):
        return list(NAMES)

    def _features(self, X):
        return X, position_columns(X[TEXT].tolist(), X[PAGE].to_numpy())
