"""PageRelative: each line's features against its page's mean."""

import numpy as np
import pytest

from frames import FRAME, enriched
from linesift.features import PageRelative


def test_page_relative_is_the_value_against_the_page_mean():
    X = enriched(3)
    out = PageRelative(columns=("log_chars",)).fit(X).transform(X)
    expected = X["log_chars"] - X.groupby("page")["log_chars"].transform("mean")
    np.testing.assert_allclose(out["rel_log_chars"], expected, atol=1e-12)


def test_page_relative_names_missing_columns():
    with pytest.raises(ValueError, match="PageRelative needs columns"):
        PageRelative().fit(FRAME)
