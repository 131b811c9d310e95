"""Features of the lines around each line, within its page."""

import numpy as np

from .._kernels import shift_within_pages, window_means
from ..frame import PAGE
from .base import FrameStep

NEIGHBOUR_COLUMNS = ("log_chars", "stopword_density", "token_uniqueness", "log_words",
                     "ends_terminal", "ratio_punct", "ratio_digit", "starts_upper",
                     "capitalised_words", "has_url", "ends_separator", "log_dups_in_page")
"""Columns whose values at the neighbouring lines are features."""
NEIGHBOUR_OFFSETS = (-3, -2, -1, 1, 2, 3)
"""Lines before (negative) and after each line whose columns are looked at."""
WINDOWS = (2, 5, 10)
"""Half-widths of the centred windows the columns are averaged over."""


class NeighbourFeatures(FrameStep):
    """Features of the lines around each line, within its page.

    For every offset in `offsets`, the `columns` of the line that far away (0 past the page's
    edge, with an indicator); for every half-width in `windows`, the mean of the columns over
    the centred window. Context decides most short lines (jusText's context-sensitive pass;
    Kohlschütter et al. 2010, "Boilerplate detection using shallow text features").

    Parameters
    ----------
    columns : tuple of str, default=NEIGHBOUR_COLUMNS
        Feature columns made by earlier steps.
    offsets : tuple of int, default=NEIGHBOUR_OFFSETS
    windows : tuple of int, default=WINDOWS
    """

    def __init__(self, *, columns=NEIGHBOUR_COLUMNS, offsets=NEIGHBOUR_OFFSETS, windows=WINDOWS):
        self.columns = columns
        self.offsets = offsets
        self.windows = windows

    @property
    def reads(self):
        return (PAGE, *self.columns)

    def _feature_names(self):
        names = []
        for off in self.offsets:
            names.append(f"nb{off:+d}_exists")
            names += [f"nb{off:+d}_{c}" for c in self.columns]
        for w in self.windows:
            names += [f"win{w}_{c}" for c in self.columns]
        return names

    def _features(self, X):
        values = X[list(self.columns)].to_numpy(dtype=np.float64)
        pages = X[PAGE].to_numpy()
        block = np.empty((len(self.feature_names_out_), len(X)))
        row, k = 0, len(self.columns)
        for off in self.offsets:
            shifted, exists = shift_within_pages(values, pages, off)
            block[row] = exists
            block[row + 1:row + 1 + k] = shifted.T
            row += 1 + k
        for mean in window_means(values, pages, self.windows):
            block[row:row + k] = mean.T
            row += k
        return X, block
