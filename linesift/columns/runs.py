"""Runs of similar lines: a list's items, a table's rows, a schedule, a block of teasers.

A list inside an article is a run of lines shaped alike (``Switzerland (Group D): Fifth
appearance``, ``4a etapa: 06 de maio – Londrina``); so is a block of headlines around it. The
model is told how long the run of lines shaped like this one is, and how long the run of lines
opening like it, so that stage one judges a list item with its list and stage two, which sees
where the article runs, can tell a list inside it from teasers outside.
"""

import numpy as np

from .._kernels import compiled, equal_codes, run_bounds

NAMES = ("run_shape_lines", "run_opening_lines", "run_shape_share")
OPENING_CHARS = 4
"""Characters of a line's opening compared (letters as ``a``, digits as ``0``)."""


def _bucket(length):
    return min(int(length).bit_length(), 12)


def _shape_key(text):
    """Length bucket (powers of two), the class of its first character, a colon near its start,
    the class of its last character."""
    first, last = text[:1], text.rstrip()[-1:]
    return (_bucket(len(text)), first.isdigit(), first.isalpha() and first.isupper(),
            first.isalnum(), ":" in text[:40], last.isalnum(), last in ".!?。！？")


class _Opening(dict):
    """``str.translate`` table mapping a letter to ``a`` and a digit to ``0``, every other
    character to itself; filled on first sight of each character."""

    def __missing__(self, cp):
        char = chr(cp)
        self[cp] = value = "0" if char.isdigit() else "a" if char.isalpha() else char
        return value


_OPENING = _Opening()


def _opening_key(text):
    return text.lstrip()[:OPENING_CHARS].translate(_OPENING)


def run_columns(texts, pages):
    """:data:`NAMES` for each line: log(1 + lines) of the run of consecutive lines of its page
    with its shape key, the same for its opening key, and the shape run's share of its page."""
    n = len(texts)
    if n == 0:
        return [np.zeros(0)] * len(NAMES)
    starts, ends = run_bounds(pages)
    sizes = (ends - starts).astype(np.float64)
    out = []
    for differs in _key_changes(texts):
        new = np.ones(n, dtype=bool)
        new[1:] = differs | (pages[1:] != pages[:-1])
        run_starts = np.flatnonzero(new)
        lengths = np.diff(np.append(run_starts, n))
        out.append(np.repeat(lengths, lengths).astype(np.float64))
    page_size = np.repeat(sizes, (ends - starts))
    return [np.log1p(out[0]), np.log1p(out[1]), out[0] / page_size]


def _key_changes(texts):
    """For the shape key, then the opening key: whether each line's key differs from the line
    before's (one entry fewer than lines)."""
    kernels = compiled()
    if kernels is None:
        for key in (_shape_key, _opening_key):
            codes = equal_codes([key(t) for t in texts])
            yield codes[1:] != codes[:-1]
        return
    texts = texts if isinstance(texts, list) else list(texts)
    shape = kernels.shape_keys(texts)
    yield shape[1:] != shape[:-1]
    opening = kernels.opening_keys(texts, OPENING_CHARS)
    yield (opening[1:] != opening[:-1]).any(axis=1)
