"""Boilerplate cue words of many languages, counted per concept as dense features
(:mod:`linesift.columns.cues`)."""

from ..columns.cues import cue_columns, cue_names
from ..frame import PAGE
from .base import FrameStep, line_token_hashes


class CueWords(FrameStep):
    """Counts of boilerplate cue words per concept in each line, in some 20 languages
    (:func:`linesift.columns.cues.cue_columns`).

    Adds ``cue_<concept>`` (log1p of the line's hits of that concept among its first
    CUE_TOKENS tokens), ``cue_token_share`` (share of those tokens that are cue words),
    ``cue_first`` (the line starts with a cue word: "Abonnez-vous ...", "Subscribe ...") and
    ``cue_win2_token_share`` (the share averaged over the lines within 2 in the page).
    """

    def _feature_names(self):
        return cue_names()

    def _features(self, X):
        return X, cue_columns(*line_token_hashes(X), X[PAGE].to_numpy())
