"""Word n-grams of each line's text, hashed or kept by the number of sites they occur on."""

import numpy as np
import pandas as pd
from scipy import sparse
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.utils.validation import check_is_fitted

from .._kernels import groups_per_key, sorted_lookup
from ..columns.ngrams import (MAX_NGRAM_CHARS, MAX_NGRAM_TOKENS, N_HASH_FEATURES,  # noqa: F401
                              word_ngram_hashes)
from ..frame import GROUP, TEXT
from .base import line_token_hashes

def hash_word_ngrams(token_hashes, counts, ngram_range=(1, 2), n_features=N_HASH_FEATURES,
                     max_tokens=MAX_NGRAM_TOKENS, vocabulary=None):
    """Hashed word n-gram counts of each line, l2-normalised: a CSR matrix (lines x n_features).

    The hashing trick of scikit-learn's HashingVectorizer, vectorised over the batch (see
    :func:`word_ngram_hashes`), with no string per n-gram; the counts are summed into CSR in
    one pass.

    With `vocabulary` (sorted n-gram hashes), an n-gram's column is its position there and an
    n-gram outside it has none (``n_features`` is then ``len(vocabulary)``): words never seen in
    training, in a language the model never saw, then add nothing, instead of taking the weight
    of whatever English n-gram shares their hash bucket. Norms count every n-gram of the line, so
    a line of unknown words keeps a near-zero text vector.
    """
    n = len(counts)
    rows, h = word_ngram_hashes(token_hashes, counts, ngram_range, max_tokens)
    unknown = np.zeros(n)
    if vocabulary is None:
        cols = (h % np.uint64(n_features)).astype(np.int64)
    else:
        n_features = len(vocabulary)
        cols = sorted_lookup(vocabulary, h)
        known = cols >= 0
        unknown = np.bincount(rows[~known], minlength=n)  # each counted once: repeats are rare
        rows, cols = rows[known], cols[known]
    matrix = sparse.csr_matrix((np.ones(len(rows), dtype=np.float32), (rows, cols)),
                               shape=(n, n_features))
    matrix.sum_duplicates()
    norms = np.sqrt(np.asarray(matrix.multiply(matrix).sum(axis=1)).ravel() + unknown)
    matrix.data /= np.repeat(np.maximum(norms, 1e-12), np.diff(matrix.indptr)).astype(np.float32)
    return matrix


def frequent_ngrams(token_hashes, counts, groups, min_groups, ngram_range=(1, 2),
                    max_tokens=MAX_NGRAM_TOKENS):
    """Sorted hashes of the word n-grams found in at least `min_groups` distinct groups (sites).

    Counting sites rather than lines keeps one site's template words (its menu, its footer)
    out of the vocabulary: only words that mean the same on many sites get a weight.
    """
    rows, h = word_ngram_hashes(token_hashes, counts, ngram_range, max_tokens)
    group_codes = pd.factorize(np.asarray(groups, dtype=object))[0]
    ngrams, per_ngram = groups_per_key(h, group_codes[rows])
    return ngrams[per_ngram >= min_groups]


class LineText(TransformerMixin, BaseEstimator):
    """Word n-grams of each line's text (any script), hashed or kept by how many sites use them.

    Words are the lines' tokens (:func:`~linesift.features.base.line_token_hashes`; a CJK
    character is a token, so word bigrams are character bigrams there), shared with
    StopwordDensity when it ran first. Each line's n-gram counts are l2-normalised
    (:func:`hash_word_ngrams`).

    Parameters
    ----------
    word_ngrams : tuple of int or None
        n-gram range; None leaves the text out (no columns).
    n_features : int
        Hash space when `min_sites` is None.
    max_chars : int, default=MAX_NGRAM_CHARS
        Characters of a line tokenised when no earlier step left a ``tokens`` column.
    min_sites : int or None
        Keep only the word n-grams that training lines of at least this many sites hold (the
        ``group`` column, else every line counts as its own site), each in a column of its
        own (``vocabulary_``); None hashes every n-gram into `n_features` buckets.
    """

    def __init__(self, *, word_ngrams=(1, 2), n_features=N_HASH_FEATURES,
                 max_chars=MAX_NGRAM_CHARS, min_sites=None):
        self.word_ngrams = word_ngrams
        self.n_features = n_features
        self.max_chars = max_chars
        self.min_sites = min_sites

    def _token_hashes(self, X):
        """32-bit hashes of each line's tokens (the top half of the 64-bit token hashes), and
        each line's number of tokens."""
        hashes, counts = line_token_hashes(X, self.max_chars)
        return hashes >> np.uint64(32), counts

    def fit(self, X, y=None):
        _check_lines(X)
        self.vocabulary_ = None
        word_features = self.n_features
        if self.word_ngrams and self.min_sites:
            X = _as_frame(X)
            groups = X[GROUP] if GROUP in X else np.arange(len(X))
            self.vocabulary_ = frequent_ngrams(*self._token_hashes(X), groups, self.min_sites,
                                               tuple(self.word_ngrams))
            word_features = len(self.vocabulary_)
        self.n_features_out_ = word_features * bool(self.word_ngrams)
        return self

    def transform(self, X):
        check_is_fitted(self)
        X = _as_frame(X)
        if not self.word_ngrams:
            return sparse.csr_matrix((len(X), 0))
        return hash_word_ngrams(*self._token_hashes(X), tuple(self.word_ngrams), self.n_features,
                                vocabulary=self.vocabulary_)

    def get_feature_names_out(self, input_features=None):
        check_is_fitted(self)
        return np.asarray([f"hash_{i}" for i in range(self.n_features_out_)], dtype=object)


def _check_lines(X):
    if isinstance(X, str):
        raise TypeError("an iterable of lines is expected, a single string was given")


def _as_frame(X):
    """A frame with a text column from a lines table, a Series or a list of lines."""
    _check_lines(X)
    if isinstance(X, pd.DataFrame):
        return X
    return pd.DataFrame({TEXT: [str(x) for x in X]})
