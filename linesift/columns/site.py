"""Site-level line repetition: how many pages of a site carry each line.

The same line on many pages of one site is navigation, a footer or an ad slot. CCNet drops
lines repeated across a shard (Wenzek et al. 2019, "CCNet", section 3.3; ``dedup.py`` in
facebookresearch/cc_net); Gopher and FineWeb filter pages on their fraction of duplicate lines
(Rae et al. 2021, appendix A; datatrove's ``GopherRepetitionFilter``). Here the repetition is a
feature instead of a rule: a counting pass over the input gives, for each domain, its page count
and the number of its pages that contain each normalised line, which the model reads as
features.

A line is normalised by casefolding and collapsing whitespace, then hashed to 64 bits with the
polynomial hash of :mod:`linesift.columns.tokens`, a batch of lines at once. Counts of 1 are
not stored: a line missing from the counts is on one page, its own.

Two steps of :mod:`linesift.features.site` turn the counts into features. ``SiteContext`` (the
recipe's) gives columns that are exactly 0 when a line's site has one page in the input, so a
page filtered alone scores as a model without site counts would see it. ``SiteRepetition``
(models of format 2 trained with ``site_stats``) also gives the site's page count, which on the
shared data tells the sources apart: trees learned source-specific rules from it, and a page
alone landed in the region of the one-page sources.
"""

import hashlib
from collections import defaultdict

import numpy as np

from .._kernels import (code_points, collapse_whitespace, compiled, run_bounds, span_hashes,
                        window_means)
from ..formats.sitecounts import read_site_counts, write_site_counts
from .tokens import string_hashes

SITE_LINE_PAGES = "site_line_pages"
"""Lines-table column: pages of the line's domain that contain the line (1 = only its own)."""
SITE_PAGES = "site_pages"
"""Lines-table column: pages of the line's domain (0 when the page has no domain)."""
SITE_COLUMNS = (SITE_LINE_PAGES, SITE_PAGES)
MIN_SITE_PAGES = 2
"""A domain with fewer counted pages than this gives ``site_share`` 0: nothing to compare."""
DOMAIN_ROW = 0
"""``line_hash`` of the row that holds a domain's page count in a saved counts table."""
COMPACT_EVERY = 1 << 20
"""Pending hashes of one domain merged into its sorted counts after this many."""
KEY_CHUNK_LINES = 4096
"""Lines hashed in one batch."""
SITE_WINDOWS = (2, 5)
"""Half-widths of ``SiteContext``'s in-page windows over the repetition share."""


def normalise_line(line):
    """Casefold `line` and collapse its whitespace to single spaces (the counting key)."""
    return " ".join(line.casefold().split())


def line_keys(lines):
    """The stable 64-bit key of each line: :func:`normalise_line`, then hashed (a uint64
    array); never ``DOMAIN_ROW``.

    A chunk of lines is normalised at once: joined by NUL, casefolded in one call (casefolding
    maps each character alone), its whitespace collapsed with numpy
    (:func:`linesift._kernels.collapse_whitespace`), and each line's span of the result hashed
    where it lies (:func:`linesift._kernels.span_hashes`), with no string per line. A chunk
    holding NUL itself is normalised line by line.
    """
    lines = list(lines)
    parts = [_chunk_keys(lines[i:i + KEY_CHUNK_LINES])
             for i in range(0, len(lines), KEY_CHUNK_LINES)]
    keys = np.concatenate(parts) if parts else np.zeros(0, dtype=np.uint64)
    keys[keys == DOMAIN_ROW] = np.uint64(1)
    return keys


def _chunk_keys(lines):
    joined = "\0".join(lines)
    if joined.count("\0") != len(lines) - 1:
        return string_hashes([normalise_line(line) for line in lines])
    kernels = compiled()
    if kernels is not None:
        return kernels.collapsed_part_hashes(joined.casefold())
    cps = collapse_whitespace(code_points(joined.casefold()))
    breaks = np.flatnonzero(cps == 0)
    return span_hashes(cps, np.concatenate([[0], breaks + 1]), np.append(breaks, len(cps)))


def line_hash(line):
    """The 64-bit key of one line (:func:`line_keys`)."""
    return int(line_keys([line])[0])


def page_print(line_keys, distinct=False):
    """A 64-bit fingerprint of a page from its line keys: equal for pages whose non-blank
    lines are the same set (:func:`page_line_hashes`). `distinct`: the keys are already
    distinct and sorted, as :func:`page_line_hashes` gives them."""
    keys = np.asarray(line_keys, dtype=np.uint64)
    keys = keys if distinct else np.unique(keys)
    return int.from_bytes(hashlib.blake2b(keys.tobytes(), digest_size=8).digest(), "little")


def page_line_hashes(page):
    """The distinct line keys of a page's non-blank lines, sorted (a uint64 array)."""
    return np.unique(line_keys([line for line in page.lines
                                if line and not line.isspace()]))  # not is_blank(line)


class SiteStats:
    """Per domain: its page count and, for lines on 2 or more of its pages, how many.

    Build it with :func:`count_site_lines`, :meth:`from_counts` or :func:`load_site_stats`.
    """

    def __init__(self, domain_pages=None, line_counts=None, page_prints=None):
        self.domain_pages = dict(domain_pages or {})
        # domain -> (sorted uint64 hashes, int64 counts), counts >= 2 only
        self.line_counts = dict(line_counts or {})
        # domain -> fingerprints of the pages counted (counting passes in this process only;
        # a site memory uses them not to count a labelled page twice)
        self.page_prints = dict(page_prints or {})

    @property
    def n_pages(self):
        return sum(self.domain_pages.values())

    def __len__(self):
        """Number of (domain, line) pairs stored (lines on 2+ pages of their site)."""
        return sum(len(h) for h, _ in self.line_counts.values())

    def __eq__(self, other):
        if not isinstance(other, SiteStats) or self.domain_pages != other.domain_pages:
            return False
        return self.to_frame().equals(other.to_frame())

    def pages_of(self, domain):
        """Counted pages of `domain` (0 for None or an unseen domain)."""
        return self.domain_pages.get(domain, 0) if domain else 0

    def line_pages(self, domain, hashes):
        """Pages of `domain` containing each hashed line (at least 1: the line's own page)."""
        hashes = np.asarray(hashes, dtype=np.uint64)
        out = np.ones(len(hashes), dtype=np.int64)
        if not domain or domain not in self.line_counts or len(hashes) == 0:
            return out
        keys, counts = self.line_counts[domain]
        pos = np.minimum(np.searchsorted(keys, hashes), max(len(keys) - 1, 0))
        found = keys[pos] == hashes
        out[found] = counts[pos[found]]
        return out

    def to_frame(self):
        """The counts as a table: ``domain``, ``line_hash`` (uint64), ``pages``.

        A row with ``line_hash == DOMAIN_ROW`` holds the domain's page count.
        """
        domains, hashes, pages = [], [], []
        for domain in sorted(self.domain_pages):
            domains.append(domain)
            hashes.append(np.array([DOMAIN_ROW], dtype=np.uint64))
            pages.append(np.array([self.domain_pages[domain]], dtype=np.int64))
            if domain in self.line_counts:
                keys, counts = self.line_counts[domain]
                domains.extend([domain] * len(keys))
                hashes.append(keys)
                pages.append(counts)
        import pandas as pd  # counts are saved and merged as tables; scoring needs none

        return pd.DataFrame({
            "domain": pd.Series(domains, dtype=object),
            "line_hash": np.concatenate(hashes) if hashes else np.zeros(0, np.uint64),
            "pages": np.concatenate(pages) if pages else np.zeros(0, np.int64),
        })

    @classmethod
    def from_counts(cls, frame):
        """Build from a table of ``domain``, ``line_hash``, ``pages`` (see :meth:`to_frame`).

        Rows may repeat a (domain, line_hash) pair: their pages are summed. Lines on one page
        only are dropped.
        """
        frame = frame.groupby(["domain", "line_hash"], sort=True)["pages"].sum().reset_index()
        is_domain = frame["line_hash"].to_numpy(dtype=np.uint64) == DOMAIN_ROW
        domain_pages = {d: int(n) for d, n in zip(frame.loc[is_domain, "domain"],
                                                  frame.loc[is_domain, "pages"])}
        lines = frame[~is_domain & (frame["pages"] >= 2)]
        line_counts = {}
        for domain, group in lines.groupby("domain", sort=False):
            line_counts[domain] = (group["line_hash"].to_numpy(dtype=np.uint64),
                                   group["pages"].to_numpy(dtype=np.int64))
        return cls(domain_pages, line_counts)

    def save(self, path):
        """Write the counts to `path`: Parquet (``.parquet``) or JSON Lines (anything else),
        atomically (:func:`linesift.formats.sitecounts.write_site_counts`)."""
        return write_site_counts(self.to_frame(), path)


def load_site_stats(path):
    """Read counts saved by :meth:`SiteStats.save` (Parquet or JSON Lines); InputError for
    anything else (one line naming the file, never a traceback)."""
    return SiteStats.from_counts(read_site_counts(path))


class _DomainCounter:
    """Distinct line hashes per page of one domain, merged into sorted counts in batches."""

    def __init__(self):
        self.keys = np.zeros(0, dtype=np.uint64)
        self.counts = np.zeros(0, dtype=np.int64)
        self.pending = []
        self.n_pending = 0

    def add(self, hashes):
        self.pending.append(hashes)
        self.n_pending += len(hashes)
        if self.n_pending >= COMPACT_EVERY:
            self.compact()

    def compact(self):
        if not self.pending:
            return
        keys = np.concatenate([self.keys, *self.pending])
        weights = np.concatenate([self.counts, np.ones(self.n_pending, dtype=np.int64)])
        self.keys, inverse = np.unique(keys, return_inverse=True)
        self.counts = np.bincount(inverse, weights=weights).astype(np.int64)
        self.pending, self.n_pending = [], 0


def count_site_lines(pages, progress=None):
    """The counting pass: per domain, its pages and the pages containing each line.

    Parameters
    ----------
    pages : iterable of Page
        Pages without a domain (``meta["domain"]``) are skipped.
    progress : tqdm-like, optional
        Updated with each page read.

    Returns
    -------
    SiteStats
    """
    domain_pages = defaultdict(int)
    counters = defaultdict(_DomainCounter)
    prints = defaultdict(set)
    for page in pages:
        if progress is not None:
            progress.update(1)
        domain = page.domain
        if not domain:
            continue
        domain_pages[domain] += 1
        hashes = page_line_hashes(page)
        counters[domain].add(hashes)
        prints[domain].add(page_print(hashes, distinct=True))
    line_counts = {}
    for domain, counter in counters.items():
        counter.compact()
        repeated = counter.counts >= 2
        if repeated.any():
            line_counts[domain] = (counter.keys[repeated], counter.counts[repeated])
    return SiteStats(domain_pages, line_counts, prints)


def site_rows(pages):
    """Rows ``domain``, ``line_hash``, ``pages`` (=1) per page and per distinct line of it.

    Summed by (domain, line_hash) they give :meth:`SiteStats.from_counts` its input: the
    distributed form of :func:`count_site_lines` (a group-by in Dask).
    """
    domains, hashes = [], []
    for page in pages:
        if not page.domain:
            continue
        h = page_line_hashes(page)
        domains.extend([page.domain] * (len(h) + 1))
        hashes.append(np.array([DOMAIN_ROW], dtype=np.uint64))
        hashes.append(h)
    import pandas as pd  # a table for Dask's group-by; the local count needs none

    return pd.DataFrame({
        "domain": pd.Series(domains, dtype=object),
        "line_hash": np.concatenate(hashes) if hashes else np.zeros(0, np.uint64),
        "pages": np.ones(len(domains), dtype=np.int64)})


def site_columns(texts, pages, page_list, stats):
    """The two columns of ``SITE_COLUMNS`` for lines `texts` with page codes `pages` (indices
    into `page_list`, pages contiguous): pages of the line's domain that carry it (1: only its
    own), and pages of its domain (0 without one), from the counts `stats`
    (:class:`SiteStats` over the input these pages come from)."""
    line_pages = np.ones(len(texts), dtype=np.int64)
    site_pages = np.zeros(len(texts), dtype=np.int64)
    starts, ends = run_bounds(pages)
    keys = None  # only pages of a domain with repeated lines need them
    for s, e in zip(starts, ends):
        domain = page_list[pages[s]].domain
        site_pages[s:e] = stats.pages_of(domain)
        if domain and domain in stats.line_counts:
            keys = line_keys(texts) if keys is None else keys
            line_pages[s:e] = stats.line_pages(domain, keys[s:e])
    return line_pages, site_pages


def site_context_names(windows):
    return (["site_other_share", "site_log_other_pages", "site_page_template_share"]
            + [f"site_win{w}_other_share" for w in windows])


def site_context_columns(line_pages, site_pages, pages, min_site_pages, windows):
    """:func:`site_context_names`' columns, every one exactly 0 for a line of a site counted on
    fewer than `min_site_pages` (at least 2) pages: the share of the site's *other* pages that
    carry the line, log(1 + those pages), the share of the page's lines found on another page
    of its site, and the share averaged over the lines within each of `windows`."""
    line_pages = np.asarray(line_pages, dtype=np.float64)
    site_pages = np.asarray(site_pages, dtype=np.float64)
    counted = site_pages >= max(min_site_pages, 2)
    others = np.where(counted, np.maximum(line_pages - 1.0, 0.0), 0.0)
    share = np.minimum(np.where(counted, others / np.maximum(site_pages - 1.0, 1.0), 0.0), 1.0)
    template = np.zeros(len(line_pages))
    if len(line_pages):
        starts, ends = run_bounds(pages)
        repeated = (others > 0).astype(np.float64)
        template = np.repeat(np.add.reduceat(repeated, starts) / (ends - starts), ends - starts)
    means = window_means(share[:, None], pages, windows)
    return [share, np.log1p(others), template, *(mean[:, 0] for mean in means)]


SITE_REPETITION_NAMES = ("site_share", "log_site_pages")
"""The columns of :func:`site_repetition_columns`."""


def site_repetition_columns(line_pages, site_pages, min_site_pages):
    """``site_share`` (share of the domain's pages that carry the line; 0 below
    `min_site_pages` pages) and ``log_site_pages``: the columns of models of format 2."""
    line_pages = np.asarray(line_pages, dtype=np.float64)
    site_pages = np.asarray(site_pages, dtype=np.float64)
    counted = site_pages >= max(min_site_pages, 1)
    share = np.where(counted, line_pages / np.maximum(site_pages, 1.0), 0.0)
    return [np.minimum(share, 1.0), np.log1p(site_pages)]
