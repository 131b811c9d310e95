"""The lines table every model step works on: one row per non-blank line, pages contiguous."""

import numpy as np

from ._kernels import run_bounds
from .labels import CONTENT

TEXT = "text"
PAGE = "page"
LINE_NO = "line_no"
GROUP = "group"
TOKENS = "tokens"
BASE_COLUMNS = (TEXT, PAGE, LINE_NO, GROUP, TOKENS)
"""Columns that are not features (feature steps add every other column)."""


def line_rows(pages):
    """The non-blank lines of `pages` as the lines table's columns, without pandas:
    ``(texts, page codes, line numbers)``, a list and two int64 arrays (see
    :func:`lines_frame`)."""
    texts, line_nos, counts = [], [], []
    for page in pages:
        lines = page.lines
        kept = [i for i, line in enumerate(lines) if line and not line.isspace()]  # is_blank
        texts += map(lines.__getitem__, kept)
        line_nos += kept
        counts.append(len(kept))
    counts = np.asarray(counts, dtype=np.int64)
    return (texts, np.repeat(np.arange(len(counts), dtype=np.int64), counts),
            np.asarray(line_nos, dtype=np.int64))


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
    import pandas as pd  # the compact scorer's path (line_rows) runs without it

    pages = pages if isinstance(pages, (list, tuple)) else list(pages)
    texts, page_codes, line_nos = line_rows(pages)
    counts = np.bincount(page_codes, minlength=len(pages))
    groups = [page.domain or page.id for page in pages]
    frame = pd.DataFrame({
        TEXT: pd.Series(texts, dtype=object),
        PAGE: page_codes,
        LINE_NO: line_nos,
        GROUP: pd.Series(np.repeat(np.asarray(groups, dtype=object), counts), dtype=object),
    })
    if with_labels:
        return frame, _line_labels(pages, page_codes, line_nos)
    return frame


def _line_labels(pages, page_codes, line_nos):
    """1 for content, 0 for boilerplate, -1 for unlabelled, for each row of line_rows."""
    y = []
    starts, ends = run_bounds(page_codes)
    for s, e in zip(starts.tolist(), ends.tolist()):
        labels = pages[page_codes[s]].labels
        kept = line_nos[s:e].tolist()
        y += ([-1 if labels[i] is None else int(labels[i] == CONTENT) for i in kept]
              if labels is not None else [-1] * len(kept))
    return np.asarray(y, dtype=np.int8)


def page_bounds(page_codes):
    """Start and end row of each run of equal page codes (rows must be grouped by page)."""
    return run_bounds(page_codes)


def check_frame(X):
    """Raise a clear error unless X is a lines table (not a bare string or list of strings)."""
    import pandas as pd

    if isinstance(X, str):
        raise TypeError("a lines table is expected, a single string was given; "
                        "use linesift.lines_frame(pages)")
    if not isinstance(X, pd.DataFrame) or TEXT not in X or PAGE not in X:
        raise TypeError("a lines table (DataFrame with 'text' and 'page' columns) is expected; "
                        "use linesift.lines_frame(pages)")
    return X
