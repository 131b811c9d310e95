"""The contract of a step over the lines table (:mod:`linesift.frame`), stated once.

A frame step takes the lines table and returns it with feature columns added, so later steps
build on earlier ones. Each step says which columns it reads (:attr:`FrameStep.reads`) and
which it adds: ``get_feature_names_out()`` returns exactly the feature columns it adds, in
order. It may also add a base column (``tokens``), which is not a feature.
"""

import inspect

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.utils.validation import check_is_fitted

from ..columns import MAX_FEATURE_CHARS
from ..columns.tokens import batch_token_hashes, from_column
from ..frame import PAGE, TEXT, TOKENS, check_frame


class DefaultsOnLoad:
    """Mixin of an estimator whose parameters grow over releases: a model pickled before one
    of them existed lacks it, and loads with its ``__init__`` default, what the estimator
    computed before the parameter existed. Put it before ``BaseEstimator`` in the bases."""

    def __setstate__(self, state):
        defaults = {name: param.default for name, param
                    in inspect.signature(type(self).__init__).parameters.items()
                    if param.default is not inspect.Parameter.empty}
        super().__setstate__({**defaults, **state})


class FrameStep(DefaultsOnLoad, TransformerMixin, BaseEstimator):
    """Base of the steps over the lines table: fit names the added columns, transform adds them.

    A subclass sets :attr:`reads` (or overrides it as a property when a parameter says what it
    reads) and implements :meth:`_feature_names` and :meth:`_features`. It keeps scikit-learn's
    contract: parameters stored as given in ``__init__``, learned state ending in ``_``, fitting
    twice equal to fitting once on the second data.
    """

    reads = (TEXT, PAGE)
    """Columns of the lines table the step reads, made by the caller or by earlier steps."""

    def fit(self, X, y=None):
        self._checked(X)
        self.feature_names_out_ = np.asarray(self._feature_names(), dtype=object)
        return self

    def transform(self, X):
        check_is_fitted(self)
        X, columns = self._features(self._checked(X))
        if isinstance(columns, np.ndarray) and columns.ndim == 2:
            return _add_block(X, self.feature_names_out_, columns)
        return _add_columns(X, self.feature_names_out_, columns)

    def get_feature_names_out(self, input_features=None):
        check_is_fitted(self)
        return self.feature_names_out_

    def _feature_names(self):
        """Names of the feature columns the step adds, in order."""
        raise NotImplementedError

    def _features(self, X):
        """``(X, columns)``: the table (with any base column added) and the new columns' values,
        a list of 1-D arrays or a 2-D array with one row per column."""
        raise NotImplementedError

    def _checked(self, X):
        """X, after checking it is a lines table holding the columns the step reads."""
        X = check_frame(X)
        _require_columns(self, X)
        return X

    def _missing_columns_message(self, missing):
        return (f"{type(self).__name__} needs columns {missing}; put the other frame steps "
                "first")


def line_token_hashes(X, max_chars=MAX_FEATURE_CHARS):
    """Each line's word tokens as hashes, ``(hashes, counts)``: from the lines table's
    ``tokens`` column if a step made it, else computed from the first `max_chars` characters of
    the text (:func:`linesift.columns.tokens.batch_token_hashes`)."""
    if TOKENS in X:
        return from_column(X[TOKENS])
    return batch_token_hashes([t[:max_chars] for t in X[TEXT]])


def _require_columns(step, X):
    """Raise a clear error unless X holds the columns `step` reads (made by earlier steps)."""
    missing = [c for c in step.reads if c not in X]
    if missing:
        raise ValueError(step._missing_columns_message(missing))


def _add_columns(X, names, cols):
    """X with the given columns added (one DataFrame concat, not a copy per column)."""
    block = np.empty((len(cols), len(X)))
    for i, col in enumerate(cols):
        block[i] = col
    return _add_block(X, names, block)


def _add_block(X, names, block):
    """X with the rows of `block` (one per new column) added as columns, without a copy.

    pandas keeps a block of float columns as one (columns, rows) array: handed that layout
    with ``copy=False`` it takes the array as it is, where a (rows, columns) array would be
    transposed and copied."""
    added = pd.DataFrame(block.T, columns=list(names), index=X.index, copy=False)
    return pd.concat([X, added], axis=1)
