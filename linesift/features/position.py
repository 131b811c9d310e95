"""Where a line sits in its page, how it compares with the page, and in-page repeats."""

import numpy as np
import pandas as pd

from .._kernels import pair_codes
from ..frame import PAGE, TEXT, page_bounds
from .base import MAX_FEATURE_CHARS, FrameStep


class PagePosition(FrameStep):
    """Where a line sits in its page, how it compares with the page, and in-page repeats."""

    def _feature_names(self):
        return ["rel_pos", "log_rank", "log_rank_from_end", "log_page_lines", "rel_char_pos",
                "len_vs_page_median", "len_vs_page_max", "log_dups_in_page",
                "page_repeated_share"]

    def _features(self, X):
        starts, ends = page_bounds(X[PAGE].to_numpy())
        sizes = ends - starts
        n = len(X)
        rank = np.arange(n) - np.repeat(starts, sizes)
        size = np.repeat(sizes, sizes).astype(float)
        length = np.fromiter(map(len, X[TEXT].tolist()), dtype=np.float64, count=n)
        cum = np.cumsum(length) - length
        page_chars = np.add.reduceat(length, starts) if n else np.zeros(0)
        before = cum - np.repeat(cum[starts] if n else cum, sizes)
        med = np.repeat([np.median(length[s:e]) for s, e in zip(starts, ends)], sizes)
        mx = np.repeat(np.maximum.reduceat(length, starts) if n else np.zeros(0), sizes)
        dups = _dups_in_page(X, length)
        cols = [rank / np.maximum(size - 1, 1), np.log1p(rank), np.log1p(size - 1 - rank),
                np.log1p(size), before / np.maximum(np.repeat(page_chars, sizes), 1),
                np.log1p(length) - np.log1p(med), length / np.maximum(mx, 1), np.log(dups),
                # threads and comment lists repeat "Quote", "Reply", "Re: <title>" per post
                np.repeat(np.add.reduceat((dups > 1).astype(float), starts) / sizes
                          if n else np.zeros(0), sizes)]
        return X, cols


def _dups_in_page(X, length):
    """Lines of each line's page equal to it, casefolded. Lines longer than
    MAX_FEATURE_CHARS compare on that prefix and their length, so a huge line costs no more
    than a long one.

    The three keys (page, casefolded prefix, length past the prefix) are combined into one
    code (:func:`linesift._kernels.pair_codes`), whose counts are the duplicates."""
    if len(X) == 0:
        return np.zeros(0)
    heads = np.array([t[:MAX_FEATURE_CHARS].casefold() for t in X[TEXT].tolist()], dtype=object)
    long_len = np.where(length > MAX_FEATURE_CHARS, length, -1.0)
    code = X[PAGE].to_numpy().astype(np.int64)
    for key in (heads, long_len):
        code = pair_codes(code, pd.factorize(key)[0])
    return np.bincount(code)[code].astype(np.float64)
