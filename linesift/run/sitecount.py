"""The counting pass over a run's inputs for a model that uses site repetition: per site, how
many of its pages carry each line (:class:`~linesift.features.SiteStats`)."""

from collections import deque

from ..errors import LinesiftError
from ..columns.site import SiteStats, count_site_lines, site_rows
from ..formats import STDIN, ReadOptions, detect_format, expand_inputs, read_file
from .onerror import SkippableInput

COUNT_CHUNK_PAGES = 500
"""Pages counted per task on a Dask cluster."""


def count_input_site_lines(paths, options=None, *, fmt=None, client=None, progress=None):
    """Count site lines over input files (a first pass before filtering them).

    Parameters
    ----------
    paths : list of str
        Files or directories, as for the filter (not stdin: it can be read only once).
    options : ReadOptions, optional
        Skipped records are not reported here; the filter reports them.
    client : distributed.Client, optional
        Count chunks of pages on the cluster's workers and sum the counts here.

    Returns
    -------
    SiteStats
    """
    options = options or ReadOptions()
    paths = [path for path, _ in expand_inputs(paths)]
    if STDIN in paths:
        raise LinesiftError(
            "counting site statistics reads the input twice and stdin can be read only once: "
            "save it to a file, or give counts saved by an earlier pass", hint="site_stats")
    pages = (page for path in paths for page in SkippableInput(
        read_file(path, options, fmt=fmt or detect_format(path)), options.on_error))
    if client is None:
        return count_site_lines(pages, progress=progress)
    return _count_on_cluster(pages, client)


def _count_on_cluster(pages, client):
    """The counts as a group-by: each worker turns a chunk of pages into (domain, line hash,
    1) rows; the rows are summed here as they come back, with a bounded number of chunks out."""
    import pandas as pd

    out = deque()
    limit = 2 * max(len(client.scheduler_info().get("workers", {})), 1)
    counts = site_rows([])

    def gather(n):
        nonlocal counts
        while len(out) > n:
            rows = out.popleft().result()
            counts = pd.concat([counts, rows], ignore_index=True)
            counts = counts.groupby(["domain", "line_hash"], sort=False,
                                    as_index=False)["pages"].sum()

    chunk = []
    for page in pages:
        chunk.append(page)
        if len(chunk) >= COUNT_CHUNK_PAGES:
            out.append(client.submit(site_rows, chunk, pure=False))
            chunk = []
            gather(limit)
    if chunk:
        out.append(client.submit(site_rows, chunk, pure=False))
    gather(0)
    return SiteStats.from_counts(counts)
