"""How much a line repeats its own words."""

import numpy as np

from .._kernels import distinct_per_line

NAMES = ("token_uniqueness", "log_repeated_tokens")


def repetition_columns(hashes, counts):
    """Share of each line's tokens that are distinct, and log(1 + repeats), from the lines'
    tokens (``(hashes, counts)``, :mod:`linesift.columns.tokens`): ad slots and menus glued
    into one line ("En savoir plus - Publicité 2 Publicité 2 En savoir plus - ...") score low
    on uniqueness."""
    n = counts.astype(np.float64)
    unique = distinct_per_line(hashes, counts).astype(np.float64)
    return [unique / np.maximum(n, 1.0), np.log1p(n - unique)]
