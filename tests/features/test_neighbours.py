"""NeighbourFeatures: the lines around each line, within its page."""

import numpy as np

from frames import enriched
from linesift.features import NeighbourFeatures


def test_neighbours_stay_inside_their_page():
    X = enriched(4)
    out = NeighbourFeatures(offsets=(-1, 1), windows=()).fit(X).transform(X)
    first_rows = out.groupby("page").head(1)
    last_rows = out.groupby("page").tail(1)
    assert (first_rows["nb-1_exists"] == 0).all() and (last_rows["nb+1_exists"] == 0).all()


def test_neighbour_columns_are_the_shifted_and_averaged_columns():
    X = enriched(4)
    out = NeighbourFeatures(columns=("log_chars",), offsets=(1,), windows=(1,)).fit(X).transform(X)
    for _, page in out.groupby("page"):
        values = page["log_chars"].to_numpy()
        np.testing.assert_allclose(page["nb+1_log_chars"], np.append(values[1:], 0.0))
        padded = [values[max(i - 1, 0):i + 2].mean() for i in range(len(values))]
        np.testing.assert_allclose(page["win1_log_chars"], padded, atol=1e-6)
