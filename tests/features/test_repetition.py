"""TokenRepetition: lines that repeat their own words."""

import numpy as np

from conftest import get_page
from linesift.features import TokenRepetition
from linesift.columns.tokens import batch_token_hashes, batch_tokens
from linesift.frame import lines_frame


def test_token_repetition_flags_glued_ad_slots():
    frame = lines_frame([get_page("En savoir plus - Publicité 2 Publicité 2 En savoir plus - "
                                  "Publicité 2 Publicité 2\nLe ministre a parlé hier soir.",
                                  id="ad")])
    out = TokenRepetition().fit(frame).transform(frame)
    assert out["token_uniqueness"].iloc[0] < 0.5 and out["token_uniqueness"].iloc[1] == 1.0


def test_distinct_tokens_are_those_of_the_string_tokens():
    lines = ["le chat et le chat", "", "Publicité 2 Publicité 2 En savoir plus", "中文中文"]
    frame = lines_frame([get_page("\n".join(lines), id="d")])
    out = TokenRepetition().fit(frame).transform(frame)
    distinct = [len(set(t)) for t in batch_tokens(lines) if t]
    n = batch_token_hashes([t for t in lines if t])[1]
    np.testing.assert_allclose(out["token_uniqueness"], np.asarray(distinct) / n)
    assert distinct == [3, 4, 2]
