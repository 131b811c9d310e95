"""Word n-grams of each line: their hashes, and a linear model's term over them."""

import numpy as np

from .._kernels import compiled, ngram_hashes, sorted_lookup
from .tokens import first_tokens

MAX_NGRAM_CHARS = 200
"""Characters of a line fed to the n-gram hashing."""
N_HASH_FEATURES = 2**18
"""Hash buckets of the word n-grams when LineText keeps no vocabulary (``min_sites=None``)."""
MAX_NGRAM_TOKENS = 24
"""Tokens of a line fed to the word n-gram hashing."""


def word_ngram_hashes(token_hashes, counts, ngram_range=(1, 2), max_tokens=MAX_NGRAM_TOKENS):
    """The 32-bit hash of every word n-gram of each line: (row of each n-gram, its hash).

    `token_hashes` are 32-bit token hashes, lines in order, and `counts` each line's number of
    tokens; only a line's first `max_tokens` tokens count. An n-gram's hash is mixed from its
    tokens' hashes (:func:`linesift._kernels.ngram_hashes`).
    """
    hashes, lengths = first_tokens(np.asarray(token_hashes, dtype=np.uint64),
                                   np.asarray(counts, dtype=np.int64), max_tokens)
    return ngram_hashes(hashes, lengths, *ngram_range)


def ngram_decision(token_hashes, counts, weights, ngram_range=(1, 2),
                   n_features=N_HASH_FEATURES, max_tokens=MAX_NGRAM_TOKENS, vocabulary=None):
    """Each line's l2-normalised word n-gram counts times `weights`: what
    ``hash_word_ngrams(...) @ weights`` (:mod:`linesift.features.text`) gives, without building
    the sparse matrix.

    A line's norm counts every n-gram it has, those outside `vocabulary` too; the counts are
    summed in float32 and divided as that matrix's are, so the terms agree with it to float32
    rounding.
    """
    n = len(counts)
    kernels = compiled()
    if kernels is not None:  # each line's n-grams made, counted and weighed together
        per_line, h = kernels.line_ngrams(np.ascontiguousarray(token_hashes, dtype=np.uint64),
                                          np.ascontiguousarray(counts, dtype=np.int64),
                                          max_tokens, *ngram_range)
        cols = ((h % np.uint64(n_features)).astype(np.int64) if vocabulary is None
                else sorted_lookup(vocabulary, h))
        return kernels.ngram_terms(per_line, cols, np.ascontiguousarray(weights,
                                                                        dtype=np.float64))
    rows, h = word_ngram_hashes(token_hashes, counts, ngram_range, max_tokens)
    unknown = np.zeros(n)
    if vocabulary is None:
        cols = (h % np.uint64(n_features)).astype(np.int64)
        n_features = int(n_features)
    else:
        n_features = len(vocabulary)
        cols = sorted_lookup(vocabulary, h)
        known = cols >= 0
        unknown = np.bincount(rows[~known], minlength=n)
        rows, cols = rows[known], cols[known]
    cell, count = np.unique(rows.astype(np.int64) * n_features + cols, return_counts=True)
    row, col = cell // n_features, cell % n_features
    count = count.astype(np.float32)
    squares = np.bincount(row, weights=count * count, minlength=n)
    norms = np.sqrt(squares + unknown)
    scaled = count / np.maximum(norms, 1e-12).astype(np.float32)[row]
    return np.bincount(row, weights=scaled.astype(np.float64) * weights[col], minlength=n)
