"""The site repetition steps: how many pages of a site carry each line, as features.

The counts, their keys and files are :mod:`linesift.columns.site`'s; its names are exported
here too, where models and code written before it found them.
"""

from ..columns.site import (DOMAIN_ROW, MIN_SITE_PAGES, SITE_COLUMNS, SITE_LINE_PAGES,  # noqa: F401
                            SITE_PAGES, SITE_REPETITION_NAMES, SITE_WINDOWS, SiteStats,
                            count_site_lines, line_hash,
                            line_keys, load_site_stats, normalise_line, page_line_hashes,
                            page_print, site_columns, site_context_columns, site_context_names,
                            site_repetition_columns, site_rows)
from ..frame import PAGE, TEXT, check_frame
from .base import FrameStep


def with_site_columns(frame, pages, stats):
    """Return the lines table `frame` of `pages` with the two columns of ``SITE_COLUMNS``
    (:func:`linesift.columns.site.site_columns`).

    Parameters
    ----------
    frame : DataFrame
        ``linesift.lines_frame(pages)`` (rows grouped by page, ``page`` = index into `pages`).
    pages : sequence of Page
    stats : SiteStats
        Counts over the input these pages come from (they should include these pages).
    """
    check_frame(frame)
    line_pages, site_pages = site_columns(frame[TEXT].tolist(), frame[PAGE].to_numpy(), pages,
                                          stats)
    out = frame.copy()
    out[SITE_LINE_PAGES] = line_pages
    out[SITE_PAGES] = site_pages
    return out


class SiteRepetition(FrameStep):
    """Site-level repetition of each line, from counts the caller attached to the table.

    Reads ``site_line_pages`` and ``site_pages`` (added by :func:`with_site_columns`), drops
    them and adds ``site_share`` (share of the domain's pages that contain the line; 0 without
    a domain or below `min_site_pages` pages) and ``log_site_pages``.

    Parameters
    ----------
    min_site_pages : int, default=MIN_SITE_PAGES
    """

    reads = SITE_COLUMNS

    def __init__(self, *, min_site_pages=MIN_SITE_PAGES):
        self.min_site_pages = min_site_pages

    def _feature_names(self):
        return list(SITE_REPETITION_NAMES)

    def _features(self, X):
        return X.drop(columns=list(SITE_COLUMNS)), site_repetition_columns(
            X[SITE_LINE_PAGES].to_numpy(), X[SITE_PAGES].to_numpy(), self.min_site_pages)

    def _missing_columns_message(self, missing):
        return (f"the lines table has no {missing} columns: this model uses site statistics; "
                "add them with linesift.features.with_site_columns(frame, pages, stats)")


class SiteContext(FrameStep):
    """Site-level repetition of each line, every column exactly 0 for a site seen on one page.

    Reads ``site_line_pages`` and ``site_pages`` (added by :func:`with_site_columns`), drops
    them and adds (:func:`linesift.columns.site.site_context_columns`):

    - ``site_other_share``: share of the site's *other* pages that carry the line;
    - ``site_log_other_pages``: log(1 + those pages);
    - ``site_page_template_share``: share of the page's lines found on another page of its
      site (how much of the page is template);
    - ``site_win{w}_other_share``: ``site_other_share`` averaged over the lines within ``w``
      in the page (repeated blocks: menus, footers, "most read" lists).

    Parameters
    ----------
    min_site_pages : int, default=MIN_SITE_PAGES
        Sites with fewer counted pages (and lines without a domain) get 0 in every column.
    windows : tuple of int, default=SITE_WINDOWS
    """

    reads = SITE_COLUMNS

    def __init__(self, *, min_site_pages=MIN_SITE_PAGES, windows=SITE_WINDOWS):
        self.min_site_pages = min_site_pages
        self.windows = windows

    def _feature_names(self):
        return site_context_names(self.windows)

    def _features(self, X):
        return X.drop(columns=list(SITE_COLUMNS)), site_context_columns(
            X[SITE_LINE_PAGES].to_numpy(), X[SITE_PAGES].to_numpy(), X[PAGE].to_numpy(),
            self.min_site_pages, self.windows)

    _missing_columns_message = SiteRepetition._missing_columns_message


def uses_site_stats(pipeline):
    """True when a fitted or unfitted pipeline has a step that reads site counts."""
    steps = getattr(pipeline, "steps", None) or []
    return any(isinstance(step, (SiteRepetition, SiteContext)) for _, step in steps)
