"""How much a line repeats its own words (:mod:`linesift.columns.repetition`)."""

from ..columns.repetition import NAMES, repetition_columns
from .base import FrameStep, line_token_hashes


class TokenRepetition(FrameStep):
    """How much a line repeats its own words: ad slots and menus glued into one line
    ("En savoir plus - Publicité 2 Publicité 2 En savoir plus - ...") score low on uniqueness.

    Reads the ``tokens`` column when :class:`~linesift.features.StopwordDensity` made it, else
    tokenises the text.
    """

    def _feature_names(self):
        return list(NAMES)

    def _features(self, X):
        return X, repetition_columns(*line_token_hashes(X))
