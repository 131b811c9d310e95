"""The lines table every model step works on: one row per non-blank line, pages contiguous."""

import numpy as np
import pandas as pd

from ._kernels import run_bounds

from .labels import CONTENT

TEXT = "text"
PAGE = "page"
LINE_NO = "line_no"
GROUP = "group"
TOKENS = "tokens"
BASE_COLUMNS = (TEXT, PAGE, LINE_NO, GROUP, TOKENS)
"""Columns that are not features (feature steps add every other column)."""


def lines_frame(pages, *, with_labels=False):
    """Build the lines table of `pages`.

    Parameters
    ----------
    pages : sequence of Page
    with_labels : bool
        Also return ``y``: 1 for content, 0 for boilerplate, -1 for unlabelled lines.

    Returns
    -------
    frame : DataFrame
        Columns ``text``, ``page`` (position of the page in `pages`), ``line_no`` (index in the
        page's original lines) and ``group`` (the page's domain, else its id; for grouped CV).
    y : ndarray of int, only when `with_labels`
    """
    texts, line_nos, counts, groups, y = [], [], [], [], []
    for page in pages:
        lines = page.lines
        kept = [i for i, line in enumerate(lines) if line and not line.isspace()]  # is_blank
        texts += map(lines.__getitem__, kept)
        line_nos += kept
        counts.append(len(kept))
        groups.append(page.domain or page.id)
        if with_labels:
            labels = page.labels
            y += ([-1 if labels[i] is None else int(labels[i] == CONTENT) for i in kept]
                  if labels is not None else [-1] * len(kept))
    counts = np.asarray(counts, dtype=np.int64)
    frame = pd.DataFrame({
        TEXT: pd.Series(texts, dtype=object),
        PAGE: np.repeat(np.arange(len(counts), dtype=np.int64), counts),
        LINE_NO: np.asarray(line_nos, dtype=np.int64),
        GROUP: pd.Series(np.repeat(np.asarray(groups, dtype=object), counts), dtype=object),
    })
    if with_labels:
        return frame, np.asarray(y, dtype=np.int8)
    return frame


def page_bounds(page_codes):
    """Start and end row of each run of equal page codes (rows must be grouped by page)."""
    return run_bounds(page_codes)


def check_frame(X):
    """Raise a clear error unless X is a lines table (not a bare string or list of strings)."""
    if isinstance(X, str):
        raise TypeError("a lines table is expected, a single string was given; "
                        "use linesift.lines_frame(pages)")
    if not isinstance(X, pd.DataFrame) or TEXT not in X or PAGE not in X:
        raise TypeError("a lines table (DataFrame with 'text' and 'page' columns) is expected; "
                        "use linesift.lines_frame(pages)")
    return X
