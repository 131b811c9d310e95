"""Where a line sits in its page, how it compares with the page, and in-page repeats."""

from collections import Counter

import numpy as np

from .._kernels import run_bounds as page_bounds
from .._kernels import sums_before_in_pages
from . import MAX_FEATURE_CHARS


NAMES = ("rel_pos", "log_rank", "log_rank_from_end", "log_page_lines", "rel_char_pos",
         "len_vs_page_median", "len_vs_page_max", "log_dups_in_page", "page_repeated_share")


def position_columns(texts, pages):
    """The :data:`NAMES` columns of each line (`texts`, with their page codes `pages`, pages
    contiguous): where it sits in its page, how its length compares with the page's, and how
    often the page repeats it."""
    starts, ends = page_bounds(pages)
    sizes = ends - starts
    n = len(texts)
    rank = np.arange(n) - np.repeat(starts, sizes)
    size = np.repeat(sizes, sizes).astype(float)
    length = np.fromiter(map(len, texts), dtype=np.float64, count=n)
    page_chars = np.add.reduceat(length, starts) if n else np.zeros(0)
    before = sums_before_in_pages(length, starts, ends)
    med = np.repeat(_page_medians(length, starts, sizes), sizes)
    mx = np.repeat(np.maximum.reduceat(length, starts) if n else np.zeros(0), sizes)
    dups = _dups_in_page(texts, pages, length)
    return [rank / np.maximum(size - 1, 1), np.log1p(rank), np.log1p(size - 1 - rank),
            np.log1p(size), before / np.maximum(np.repeat(page_chars, sizes), 1),
            np.log1p(length) - np.log1p(med), length / np.maximum(mx, 1), np.log(dups),
            # threads and comment lists repeat "Quote", "Reply", "Re: <title>" per post
            np.repeat(np.add.reduceat((dups > 1).astype(float), starts) / sizes
                      if n else np.zeros(0), sizes)]


def _dups_in_page(texts, pages, length):
    """Lines of each line's page equal to it, casefolded. Lines longer than
    MAX_FEATURE_CHARS compare on that prefix and their length, so a huge line costs no more
    than a long one.

    The keys (page, casefolded prefix, length past the prefix) are counted by one Counter,
    built in C: fewer passes than factorising them with numpy sorts."""
    if len(texts) == 0:
        return np.zeros(0)
    # line by line: an ASCII line takes casefold's fast path, where one non-ASCII character
    # sends a batch joined into one string down the slow path whole
    heads = [t[:MAX_FEATURE_CHARS].casefold() for t in texts]
    long_len = np.where(length > MAX_FEATURE_CHARS, length, -1.0).tolist()
    keys = list(zip(np.asarray(pages).tolist(), heads, long_len))
    counts = Counter(keys)
    return np.fromiter(map(counts.__getitem__, keys), dtype=np.float64, count=len(keys))


def _page_medians(length, starts, sizes):
    """``np.median`` of `length` over each page's rows, for all pages at once: the rows sorted
    by page then length, the middle one (or the mean of the middle two) of each page."""
    order = np.lexsort((length, np.repeat(np.arange(len(starts)), sizes)))
    ranked = length[order]
    low = starts + (sizes - 1) // 2
    high = starts + sizes // 2
    return (ranked[low] + ranked[high]) / 2
