"""Hashed word and character n-grams of each line's text."""

import re
from functools import lru_cache
from itertools import chain

import numpy as np
import pandas as pd
from scipy import sparse
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.feature_extraction.text import HashingVectorizer
from sklearn.utils.validation import check_is_fitted

from .._kernels import groups_per_key, ngram_hashes, sorted_lookup
from ..frame import GROUP, TEXT, TOKENS
from .base import MAX_FEATURE_CHARS
from .tokens import batch_tokens, first_tokens, line_token_hashes, string_hashes

MAX_NGRAM_CHARS = 200
"""Characters of a line fed to the n-gram hashing."""
N_HASH_FEATURES = 2**18
MAX_NGRAM_TOKENS = 24
"""Tokens of a line fed to the word n-gram hashing."""


_TOKEN_HASHES = {False: {}, True: {}}  # without and with cue words replaced by concepts
_TOKEN_HASH_CACHE_SIZE = 1_000_000
TOKEN_HASH = "poly64"
"""How LineText's n-grams hash tokens: "poly64" (:mod:`linesift.tokens`, no token strings) or
"murmur3" (each token string through murmurhash3, models saved before token hashes)."""


def _murmur_token_hashes(flat, cue_words=False):
    """murmurhash3 (32 bit, seed 0) of each token string, through a bounded cache of known
    tokens (the hashing of models saved before :mod:`linesift.tokens`).

    With `cue_words`, a boilerplate cue word of any language is hashed as its concept
    (:mod:`linesift.cues`), so it costs nothing once the token is cached."""
    from sklearn.utils import murmurhash3_32

    cache = _TOKEN_HASHES[bool(cue_words)]
    missing = set(flat).difference(cache)
    if len(cache) + len(missing) > _TOKEN_HASH_CACHE_SIZE:
        cache.clear()
        missing = set(flat)
    if cue_words:
        from ..cues import cue_concepts

        concept = cue_concepts()
    else:
        concept = {}
    for tok in missing:
        cache[tok] = murmurhash3_32(concept.get(tok, tok), seed=0, positive=True)
    return np.fromiter(map(cache.__getitem__, flat), dtype=np.uint64, count=len(flat))


@lru_cache(maxsize=1)
def _cue_hash_table():
    """(sorted hashes of the cue words, the hash of each one's concept)."""
    from ..cues import cue_concepts

    concept = cue_concepts()
    words = string_hashes(concept)
    order = np.argsort(words)
    return words[order], string_hashes(concept.values())[order]


def _cue_concept_hashes(hashes):
    """Token hashes with every boilerplate cue word's replaced by its concept's
    (:mod:`linesift.cues`: "Publicité", "Anzeige" and "Advertisement" hash alike)."""
    words, concepts = _cue_hash_table()
    at = sorted_lookup(words, hashes)
    return np.where(at >= 0, concepts[at], hashes)


def word_ngram_hashes(token_hashes, counts, ngram_range=(1, 2), max_tokens=MAX_NGRAM_TOKENS):
    """The 32-bit hash of every word n-gram of each line: (row of each n-gram, its hash).

    `token_hashes` are 32-bit token hashes, lines in order, and `counts` each line's number of
    tokens; only a line's first `max_tokens` tokens count. An n-gram's hash is mixed from its
    tokens' hashes (:func:`linesift._kernels.ngram_hashes`).
    """
    hashes, lengths = first_tokens(np.asarray(token_hashes, dtype=np.uint64),
                                   np.asarray(counts, dtype=np.int64), max_tokens)
    return ngram_hashes(hashes, lengths, *ngram_range)


def hash_word_ngrams(token_hashes, counts, ngram_range=(1, 2), n_features=N_HASH_FEATURES,
                     max_tokens=MAX_NGRAM_TOKENS, vocabulary=None):
    """Hashed word n-gram counts of each line, l2-normalised: a CSR matrix (lines x n_features).

    The hashing trick of scikit-learn's HashingVectorizer, vectorised over the batch (see
    :func:`word_ngram_hashes`); the counts are summed into CSR in one pass. HashingVectorizer
    with a Python analyzer builds every n-gram as a string and was the costliest step of scoring
    (5 µs/line against 1 µs here).

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


def normalise_for_ngrams(text, max_chars=MAX_NGRAM_CHARS):
    """Casefold, map every digit to 0 and keep the first `max_chars` characters."""
    return _DIGITS.sub("0", text[:max_chars].lower())


_DIGITS = re.compile(r"\d")


class LineText(TransformerMixin, BaseEstimator):
    """Hashed word and character n-grams of each line's text (stateless, any script).

    Words are the lines' tokens (:func:`line_token_hashes`; a CJK character is a token, so word
    bigrams are character bigrams there), shared with StopwordDensity when it ran first.

    Parameters
    ----------
    word_ngrams, char_ngrams : tuple of int or None
        n-gram ranges; None leaves that part out.
    n_features : int
        Hash space of each part.
    cue_words : bool
        Hash boilerplate cue words of every language as their shared concept ("Publicité",
        "Anzeige" and "Advertisement" as one word; :mod:`linesift.cues`).
    min_sites : int or None
        Keep only the word n-grams that training lines of at least this many sites hold (the
        ``group`` column, else every line counts as its own site), each in a column of its
        own (``vocabulary_``); None hashes every n-gram into `n_features` buckets.
    """

    def __init__(self, *, word_ngrams=(1, 2), char_ngrams=(3, 3), n_features=N_HASH_FEATURES,
                 max_chars=MAX_NGRAM_CHARS, cue_words=False, min_sites=None):
        self.word_ngrams = word_ngrams
        self.char_ngrams = char_ngrams
        self.n_features = n_features
        self.max_chars = max_chars
        self.cue_words = cue_words
        self.min_sites = min_sites

    def __setstate__(self, state):
        state.setdefault("cue_words", False)  # models saved before these options existed
        state.setdefault("min_sites", None)
        state.setdefault("token_hash_", "murmur3")  # fitted before linesift.tokens
        super().__setstate__(state)

    def _token_hashes(self, X):
        """32-bit hashes of each line's tokens, and each line's number of tokens, hashed as this
        step was fitted (:data:`TOKEN_HASH`)."""
        if getattr(self, "token_hash_", TOKEN_HASH) == "murmur3":
            # the tokens of the shape step's prefix when it ran, as before token hashes
            limit = MAX_FEATURE_CHARS if TOKENS in X else self.max_chars
            token_lists = line_token_strings(X, limit)
            counts = np.fromiter(map(len, token_lists), dtype=np.int64, count=len(token_lists))
            heads = [t[:MAX_NGRAM_TOKENS] for t in token_lists]  # bounded string work
            counts = np.minimum(counts, MAX_NGRAM_TOKENS)
            return _murmur_token_hashes(list(chain.from_iterable(heads)), self.cue_words), counts
        hashes, counts = line_token_hashes(X, self.max_chars)
        if self.cue_words:
            hashes = _cue_concept_hashes(hashes)
        return hashes >> np.uint64(32), counts

    def _common(self):
        return dict(n_features=self.n_features, alternate_sign=False, lowercase=False,
                    dtype=np.float32)

    def fit(self, X, y=None):
        _check_lines(X)
        self.vocabulary_ = None
        self.token_hash_ = TOKEN_HASH
        word_features = self.n_features
        if self.word_ngrams and self.min_sites:
            X = _as_frame(X)
            groups = X[GROUP] if GROUP in X else np.arange(len(X))
            self.vocabulary_ = frequent_ngrams(*self._token_hashes(X), groups, self.min_sites,
                                               tuple(self.word_ngrams))
            word_features = len(self.vocabulary_)
        self.n_features_out_ = (word_features * bool(self.word_ngrams)
                                + self.n_features * bool(self.char_ngrams))
        return self

    def transform(self, X):
        check_is_fitted(self)
        X = _as_frame(X)
        blocks = []
        if self.word_ngrams:
            blocks.append(hash_word_ngrams(*self._token_hashes(X), tuple(self.word_ngrams),
                                           self.n_features,
                                           vocabulary=getattr(self, "vocabulary_", None)))
        if self.char_ngrams:
            chars = HashingVectorizer(analyzer="char_wb", ngram_range=tuple(self.char_ngrams),
                                      **self._common())
            blocks.append(chars.transform([normalise_for_ngrams(t, self.max_chars)
                                           for t in X[TEXT]]))
        if not blocks:
            return sparse.csr_matrix((len(X), 0))
        return sparse.hstack(blocks, format="csr")

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


def line_token_strings(X, max_chars=MAX_FEATURE_CHARS):
    """Each line's word tokens as strings (the n-grams of models saved before token hashes)."""
    return batch_tokens([t[:max_chars] for t in X[TEXT]])
