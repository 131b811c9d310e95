"""Stopword density of each line, with stopword lists for about 100 languages
(:mod:`linesift.columns.stopwords`)."""

import pandas as pd

from ..columns.stopwords import NAMES, stopword_columns
from ..columns.tokens import to_column
from ..frame import PAGE, TOKENS, page_bounds
from .base import MAX_FEATURE_CHARS, FrameStep, line_token_hashes


class StopwordDensity(FrameStep):
    """Share of a line's words that are stopwords of its page's language, in any language.

    The page's language is the jusText stoplist that covers most of its tokens (see
    :func:`linesift.columns.stopwords.stopword_hits`); jusText's own classifier rests on this
    density (Pomikálek 2011, "Removing Boilerplate and Duplicate Content from Web Corpora",
    ch. 3). Also adds the ``tokens`` base column, which later steps read instead of
    tokenising again.

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
        hashes, counts = line_token_hashes(X, self.max_chars)
        starts, _ = page_bounds(X[PAGE].to_numpy())
        out = stopword_columns(hashes, counts, starts)
        with_tokens = X.assign(**{TOKENS: pd.Series(to_column(hashes, counts), index=X.index,
                                                     dtype=object)})
        return with_tokens, list(out.T)
