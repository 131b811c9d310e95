"""Stopword density of each line, with stopword lists for about 100 languages.

The lists are jusText's (Pomikálek 2011; shipped as data in the `justext` package, taken from
Wikipedia word frequencies). For Chinese and Japanese, which jusText has no list for, a short
list of function characters stands in. A page's language is the list that covers most of its
tokens, so no language detector and no language code is needed: the feature transfers to
languages the model never saw in training.
"""

import importlib.util
from functools import lru_cache
from pathlib import Path

import numpy as np

from .._kernels import compiled, sorted_lookup
from .tokens import first_tokens, line_hashes, string_hashes

# Frequent function characters of written Chinese and Japanese (particles, pronouns, copulas).
CJK_FUNCTION_CHARS = frozenset(
    "的了是在和有我他她它这那个们中不为上也就人到说要与对之而以及被等将于从把着过还都很会"
    "の に は を た が で て と し れ さ あ い う こ そ も な か ら")
CJK_LIST = "_CJK"
LANGUAGE_SAMPLE_TOKENS = 1000
"""Tokens of a page looked at to choose its stoplist."""
STOPWORD_TOKENS = 48
"""Tokens of a line whose stopwords are counted."""


def _justext_folder():
    """The installed jusText package's folder, found without importing it."""
    spec = importlib.util.find_spec("justext")
    if spec is None or not spec.submodule_search_locations:
        raise ImportError("linesift needs the justext package for its stoplists: "
                          "pip install justext")
    return Path(next(iter(spec.submodule_search_locations)))


@lru_cache(maxsize=1)
def stoplists():
    """The stoplists as :class:`Stoplists`: one per jusText language, plus CJK."""
    # jusText's stoplists/*.txt (its get_stoplists and get_stoplist), read as data files
    # without importing jusText itself (it loads lxml and compiles regexes at import)
    folder = _justext_folder() / "stoplists"
    files = sorted(folder.glob("*.txt"))
    lists = [line_hashes(f.read_bytes().decode("utf8").lower()) for f in files]
    lists.append(string_hashes(CJK_FUNCTION_CHARS))
    return Stoplists.of(lists)


class Stoplists:
    """Word lists as arrays: ``hashes``, the sorted token hashes (:mod:`linesift.columns.tokens`)
    of every listed word, and ``members``, the sorted keys ``row * n_lists + list`` of every
    (word, list) it belongs to, a word's row being 1 + its position in ``hashes`` (row 0 is for
    tokens in no list)."""

    def __init__(self, hashes, members, n_lists):
        self.hashes = hashes
        self.members = np.asarray(members, dtype=np.int64)  # a compact file keeps uint32
        self.n_lists = int(n_lists)
        self._member_keys = self.members.astype(np.uint64)  # looked up as hashes are
        rows = self.members // self.n_lists
        self.indptr = np.concatenate([[0], np.cumsum(np.bincount(rows, minlength=len(hashes) + 1))])

    @classmethod
    def of(cls, lists):
        """From the hashes of each list's words."""
        hashes, codes = np.unique(np.concatenate(lists), return_inverse=True)
        which = np.repeat(np.arange(len(lists), dtype=np.int64), list(map(len, lists)))
        members = np.unique((codes.astype(np.int64) + 1) * len(lists) + which)
        return cls(hashes, members, len(lists))

    def rows(self, token_hashes):
        """Each token's row (0: in no list), by its hash."""
        return sorted_lookup(self.hashes, token_hashes) + 1

    def holds(self, rows, lists):
        """Whether list ``lists[i]`` holds the word of row ``rows[i]`` (False for row 0)."""
        keys = (rows * self.n_lists + lists).astype(np.uint64)
        return (sorted_lookup(self._member_keys, keys) >= 0) & (rows > 0)


def stopword_hits(token_hashes, counts, page_starts, lists=None):
    """Stopwords of each line in its page's stoplist.

    Parameters
    ----------
    token_hashes, counts : ndarray
        Every token's hash (:mod:`linesift.columns.tokens`), lines in order, and each line's
        number of tokens; pages contiguous.
    page_starts : ndarray of int
        First line of each page.
    lists : Stoplists, optional
        Default: jusText's (:func:`stoplists`).

    Returns
    -------
    hits : ndarray (n_lines,) -- tokens of the line in its page's list: the list covering
        most of the page's first LANGUAGE_SAMPLE_TOKENS tokens (no hits when none does)

    Vectorised over the batch: tokens become rows of the lists by a hash lookup; choosing the
    lists and counting hits are numpy passes.
    """
    lists = stoplists() if lists is None else lists
    n_lines, n_pages = len(counts), len(page_starts)
    rows = lists.rows(token_hashes)
    kernels = compiled()
    if kernels is not None:
        return kernels.stopword_hits(rows, np.ascontiguousarray(counts, dtype=np.int64),
                                     np.ascontiguousarray(page_starts, dtype=np.int64),
                                     lists.indptr, lists.members, lists.n_lists,
                                     LANGUAGE_SAMPLE_TOKENS)
    line_of = np.repeat(np.arange(n_lines), counts)
    page_of_line = np.repeat(np.arange(n_pages), np.diff(np.append(page_starts, n_lines)))
    page_of = page_of_line[line_of]
    first_token = np.concatenate([[0], np.cumsum(counts)])[page_starts]
    sample = (np.arange(len(rows)) - first_token[page_of] < LANGUAGE_SAMPLE_TOKENS) & (rows > 0)
    # each sampled token counts once for every list that holds its word
    at, lens = lists.indptr[rows[sample]], np.diff(lists.indptr)[rows[sample]]
    offsets = np.arange(int(lens.sum())) - np.repeat(np.cumsum(lens) - lens, lens)
    which = lists.members[np.repeat(at, lens) + offsets] % lists.n_lists
    cells = np.repeat(page_of[sample] * lists.n_lists, lens) + which
    counts_per_list = np.bincount(cells, minlength=n_pages * lists.n_lists).reshape(
        n_pages, lists.n_lists)
    best = np.where(counts_per_list.max(axis=1, initial=0) > 0, counts_per_list.argmax(axis=1),
                    -1)
    hit = lists.holds(rows, np.maximum(best, 0)[page_of]) & (best[page_of] >= 0)
    return np.bincount(line_of, weights=hit, minlength=n_lines)


NAMES = ("stopword_density", "log_stopwords", "page_stopword_density")
"""The stopword columns, in order."""


def stopword_columns(hashes, counts, page_starts, lists=None):
    """The :data:`NAMES` columns of each line from its tokens (``(hashes, counts)``, see
    :mod:`linesift.columns.tokens`), pages starting at the rows `page_starts`: the share of the
    line's first STOPWORD_TOKENS tokens that are stopwords of its page's language, their log
    count, and the page's share. An (n_lines, 3) array. `lists`: as for
    :func:`stopword_hits`."""
    n_lines = len(counts)
    # the density of a long line is judged on its first tokens (bounded lookups per line)
    counted, n = first_tokens(hashes, counts, STOPWORD_TOKENS)
    hits = stopword_hits(counted, n, page_starts, lists)
    n = n.astype(np.float64)
    sizes = np.diff(np.append(page_starts, n_lines))
    page_hits = np.add.reduceat(hits, page_starts) if n_lines else hits
    page_n = np.add.reduceat(n, page_starts) if n_lines else n
    out = np.zeros((n_lines, 3))
    out[:, 0] = hits / np.maximum(n, 1)
    out[:, 1] = np.log1p(hits)
    out[:, 2] = np.repeat(page_hits / np.maximum(page_n, 1), sizes)
    return out
