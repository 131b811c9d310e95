"""Site-repetition columns for the training table, in both regimes a model meets.

``linesift filter`` counts site repetition over its whole input: a crawl gives a site many
pages, a single page or a stream gives it one. A model trained only on counts over the whole
training set sees the one-page regime on the sources whose sites have one page (CleanEval,
trafilatura_eval), never on news sites. :func:`mixed_site_columns` counts a random share of the
multi-page training sites page by page, so the model learns both regimes on the same kinds of
pages.
"""

import numpy as np

from linesift.features.site import (SITE_LINE_PAGES, SITE_PAGES, count_site_lines,
                                    with_site_columns)
from linesift.frame import PAGE

def mixed_site_columns(frame, pages, single_share, seed=0):
    """The training table with site columns: counts over all `pages`, except for a random
    `single_share` of the sites (by domain), counted over each page alone.

    Parameters
    ----------
    frame : DataFrame, ``training_table(pages)[0]``
    pages : list of Page
    single_share : float in [0, 1]
    seed : int

    Returns
    -------
    DataFrame with ``site_line_pages`` and ``site_pages``.
    """
    out = with_site_columns(frame, pages, count_site_lines(pages))
    if not single_share:
        return out
    rng = np.random.default_rng(seed)
    domains = sorted({p.domain for p in pages if p.domain})
    single = {d for d in domains if rng.random() < single_share}
    rows = np.array([p.domain in single for p in pages])[frame[PAGE].to_numpy()]
    out.loc[rows, SITE_LINE_PAGES] = 1
    out.loc[rows, SITE_PAGES] = 1
    return out


def alone_site_columns(frame, pages):
    """The training table with every page's site columns counted over that page alone: each
    line on 1 page, its site on 1 page (0 without a domain), what a page filtered by itself
    gets. Held-out lines are scored this way too, to choose the page-alone threshold."""
    has_domain = np.array([bool(p.domain) for p in pages])
    return frame.assign(**{SITE_LINE_PAGES: 1,
                           SITE_PAGES: has_domain[frame[PAGE].to_numpy()].astype(np.int64)})
