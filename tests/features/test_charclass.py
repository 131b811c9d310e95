"""Character classes against Python's own string methods."""

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from linesift.columns.charclass import CLASSES, alnum_mask, char_class_counts


@settings(max_examples=200, deadline=None)
@given(st.lists(st.characters(), max_size=50))
def test_alnum_mask_is_str_isalnum(chars):
    cps = np.asarray([ord(c) for c in chars], dtype=np.uint32)
    assert alnum_mask(cps).tolist() == [c.isalnum() for c in chars]


def test_char_class_counts_count_each_class_words_and_separators():
    cc = char_class_counts(["Le Chat 2 | 中文!", "", "x" * 10], max_chars=8)
    first = dict(zip(CLASSES, cc.counts[0]))
    assert (first["upper"], first["lower"], first["space"], first["digit"]) == (2, 4, 2, 0)
    assert cc.words.tolist() == [2, 0, 1] and cc.capitalised.tolist() == [2, 0, 0]
    assert cc.counts[2].sum() == 8  # the first max_chars characters only
    cc = char_class_counts(["Le Chat 2 | 中文!"], max_chars=100)
    assert cc.separators.tolist() == [1] and cc.words.tolist() == [6]  # a CJK character: a word
    assert cc.first.tolist() == [CLASSES.index("upper")]
