"""Each line's features against its page's mean."""

import numpy as np

from ..frame import PAGE, page_bounds
from .base import FrameStep

RELATIVE_COLUMNS = ("log_chars", "log_words", "mean_word_len", "stopword_density",
                    "ends_terminal", "ratio_punct", "ratio_digit", "ratio_upper",
                    "capitalised_words", "token_uniqueness")
"""Columns compared with their page's mean."""


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
        return [f"rel_{c}" for c in self.columns]

    def _features(self, X):
        values = X[list(self.columns)].to_numpy(dtype=np.float64)
        if len(values) == 0:
            return X, list(values.T)
        starts, ends = page_bounds(X[PAGE].to_numpy())
        sizes = ends - starts
        means = np.add.reduceat(values, starts, axis=0) / sizes[:, None]
        return X, list((values - np.repeat(means, sizes, axis=0)).T)
