"""Each line against its page and its neighbours: page-relative values, the values of the lines
around it, and their window means, within its page."""

import numpy as np

from .._kernels import run_bounds, shifts_within_pages, window_means

RELATIVE_COLUMNS = ("log_chars", "log_words", "mean_word_len", "stopword_density",
                    "ends_terminal", "ratio_punct", "ratio_digit", "ratio_upper",
                    "capitalised_words", "token_uniqueness")
"""Columns compared with their page's mean."""
NEIGHBOUR_COLUMNS = ("log_chars", "stopword_density", "token_uniqueness", "log_words",
                     "ends_terminal", "ratio_punct", "ratio_digit", "starts_upper",
                     "capitalised_words", "has_url", "ends_separator", "log_dups_in_page")
"""Columns whose values at the neighbouring lines are features."""
NEIGHBOUR_OFFSETS = (-3, -2, -1, 1, 2, 3)
"""Lines before (negative) and after each line whose columns are looked at."""
WINDOWS = (2, 5, 10)
"""Half-widths of the centred windows the columns are averaged over."""


def relative_names(columns):
    return [f"rel_{c}" for c in columns]


def relative_columns(values, pages):
    """Each column of `values` (lines x columns) minus its mean over the line's page."""
    if len(values) == 0:
        return list(values.T)
    starts, ends = run_bounds(pages)
    sizes = ends - starts
    means = np.add.reduceat(values, starts, axis=0) / sizes[:, None]
    return list((values - np.repeat(means, sizes, axis=0)).T)


def neighbour_names(columns, offsets, windows):
    names = []
    for off in offsets:
        names.append(f"nb{off:+d}_exists")
        names += [f"nb{off:+d}_{c}" for c in columns]
    for w in windows:
        names += [f"win{w}_{c}" for c in columns]
    return names


def neighbour_columns(values, pages, offsets, windows):
    """For every offset, whether that line exists in the page and its columns of `values`
    (0 past the page's edge); for every half-width, the columns' mean over the centred window.
    A (names, lines) array in :func:`neighbour_names`' order."""
    k = values.shape[1]
    block = np.empty((len(offsets) * (1 + k) + len(windows) * k, len(values)))
    row = 0
    shifted, exists = shifts_within_pages(values, pages, offsets)
    for o in range(len(offsets)):
        block[row] = exists[o]
        block[row + 1:row + 1 + k] = shifted[o].T
        row += 1 + k
    for mean in window_means(values, pages, windows):
        block[row:row + k] = mean.T
        row += k
    return block
