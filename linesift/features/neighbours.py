"""Features of the lines around each line, within its page (:mod:`linesift.columns.context`)."""

import numpy as np

from ..columns.context import (NEIGHBOUR_COLUMNS, NEIGHBOUR_OFFSETS, WINDOWS, neighbour_columns,
                               neighbour_names)
from ..frame import PAGE
from .base import FrameStep


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
        return neighbour_names(self.columns, self.offsets, self.windows)

    def _features(self, X):
        values = X[list(self.columns)].to_numpy(dtype=np.float64)
        return X, neighbour_columns(values, X[PAGE].to_numpy(), self.offsets, self.windows)
