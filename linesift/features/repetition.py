"""How much a line repeats its own words."""

import numpy as np

from .._kernels import distinct_per_line
from .base import FrameStep
from .tokens import line_token_hashes


class TokenRepetition(FrameStep):
    """How much a line repeats its own words: ad slots and menus glued into one line
    ("En savoir plus - Publicité 2 Publicité 2 En savoir plus - ...") score low on uniqueness.

    Reads the ``tokens`` column when :class:`~linesift.features.StopwordDensity` made it, else
    tokenises the text.
    """

    def _feature_names(self):
        return ["token_uniqueness", "log_repeated_tokens"]

    def _features(self, X):
        hashes, counts = line_token_hashes(X)
        n = counts.astype(np.float64)
        unique = distinct_per_line(hashes, counts).astype(np.float64)
        return X, [unique / np.maximum(n, 1.0), np.log1p(n - unique)]
