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
ALTERNATING_NAMES = ("run_alternating_lines", "run_alternating_share")
"""With ``alternating``: teaser blocks, a headline then its summary sentence, again and again."""
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


def run_columns(texts, pages, alternating=False):
    """:data:`NAMES` for each line: log(1 + lines) of the run of consecutive lines of its page
    with its shape key, the same for its opening key, and the shape run's share of its page.
    With `alternating`, :data:`ALTERNATING_NAMES` too: the same for the run of lines whose
    shape is that of the line two before (a headline, its summary, the next headline...)."""
    n = len(texts)
    names = NAMES + (ALTERNATING_NAMES if alternating else ())
    if n == 0:
        return [np.zeros(0)] * len(names)
    pages = np.asarray(pages)
    starts, ends = run_bounds(pages)
    page_size = np.repeat((ends - starts).astype(np.float64), ends - starts)
    out = []
    for differs in _key_changes(texts):
        new = np.ones(n, dtype=bool)
        new[1:] = differs | (pages[1:] != pages[:-1])
        run_starts = np.flatnonzero(new)
        lengths = np.diff(np.append(run_starts, n))
        out.append(np.repeat(lengths, lengths).astype(np.float64))
    columns = [np.log1p(out[0]), np.log1p(out[1]), out[0] / page_size]
    if alternating:
        span = _alternating_spans(_coarse_shapes(texts), pages)
        columns += [np.log1p(span), span / page_size]
    return columns


def _coarse_shapes(texts):
    """A shape that a block of teasers repeats every other line though its headlines differ in
    length: up to 100 characters or longer, upper-case (or not) first character, sentence-end
    (or not) last one."""
    out = np.empty(len(texts), dtype=np.int64)
    for i, text in enumerate(texts):
        stripped = text.strip()
        first, last = stripped[:1], stripped[-1:]
        out[i] = ((len(stripped) > 100) | (first.isupper() << 1)
                  | ((last in ".!?。！？…" and last != "") << 2))
    return out


def _alternating_spans(shapes, pages):
    """For each line, the length of the longest stretch it lies in where every line has the
    shape of the line two before it and not that of the line before, in its page (at least
    four lines: two pairs; 0 elsewhere). A run of lines all shaped alike (paragraphs, a list)
    is no such stretch."""
    n = len(shapes)
    span = np.zeros(n)
    if n < 4:
        return span
    repeat = np.zeros(n, dtype=bool)  # line j alternates with line j - 1, in its page
    repeat[2:] = ((shapes[2:] == shapes[:-2]) & (shapes[2:] != shapes[1:-1])
                  & (pages[2:] == pages[:-2]))
    # stretches of consecutive repeats; a stretch of repeats j..k spans lines j - 2..k
    edges = np.diff(np.concatenate([[0], repeat.astype(np.int8), [0]]))
    first, last = np.flatnonzero(edges == 1), np.flatnonzero(edges == -1) - 1
    keep = last - first + 3 >= 4
    for a, b in zip(first[keep] - 2, last[keep]):
        span[a:b + 1] = np.maximum(span[a:b + 1], b - a + 1)
    return span


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
