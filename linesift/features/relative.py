"""Each line's features against its page's mean (:mod:`linesift.columns.context`)."""

import numpy as np

from ..columns.context import RELATIVE_COLUMNS, relative_columns, relative_names
from ..frame import PAGE
from .base import FrameStep


class PageRelative(FrameStep):
    """Each line's features against its page's mean: ``rel_<column>`` = value - page mean.

    Scales differ between languages and sites (a Chinese line holds fewer characters than an
    English one saying as much, Polish stoplists cover less of a sentence than English ones,
    German words are longer), while "longer and richer in stopwords than the rest of its page"
    means the same everywhere.

    Parameters
    ----------
    columns : tuple of str, default=RELATIVE_COLUMNS
        Feature columns made by earlier steps.
    """

    def __init__(self, *, columns=RELATIVE_COLUMNS):
        self.columns = columns

    @property
    def reads(self):
        return (PAGE, *self.columns)

    def _feature_names(self):
        return relative_names(self.columns)

    def _features(self, X):
        values = X[list(self.columns)].to_numpy(dtype=np.float64)
        return X, relative_columns(values, X[PAGE].to_numpy())
