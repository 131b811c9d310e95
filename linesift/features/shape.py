"""Shape of each line: length, words, character-class ratios, punctuation at its ends, marks."""

from ..columns.shape import NAMES, shape_columns
from ..frame import TEXT
from .base import MAX_FEATURE_CHARS, FrameStep


class LineShape(FrameStep):
    """Shape of each line: length, words, character-class ratios, punctuation at its ends
    (:func:`linesift.columns.shape.shape_columns`).

    Parameters
    ----------
    max_chars : int, default=MAX_FEATURE_CHARS
        Only this many leading characters are looked at.
    """

    def __init__(self, *, max_chars=MAX_FEATURE_CHARS):
        self.max_chars = max_chars

    def _feature_names(self):
        return list(NAMES)

    def _features(self, X):
        return X, shape_columns(X[TEXT].tolist(), self.max_chars)
