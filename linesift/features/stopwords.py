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
import pandas as pd
from scipy import sparse

from .._kernels import sorted_lookup
from ..frame import PAGE, TOKENS, page_bounds
from .base import MAX_FEATURE_CHARS, FrameStep
from .tokens import first_tokens, line_hashes, line_token_hashes, string_hashes, to_column

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
    """(hashes, membership): the sorted token hashes (:mod:`linesift.features.tokens`) of every
    listed word, and a boolean matrix, (1 + words) x lists, one list per jusText language plus
    CJK: ``membership[1 + i]`` says which lists hold the word of ``hashes[i]``; row 0 is for
    tokens in none."""
    # jusText's stoplists/*.txt (its get_stoplists and get_stoplist), read as data files
    # without importing jusText itself (it loads lxml and compiles regexes at import)
    folder = _justext_folder() / "stoplists"
    files = sorted(folder.glob("*.txt"))
    names = [f.stem for f in files] + [CJK_LIST]
    lists = [line_hashes(f.read_bytes().decode("utf8").lower()) for f in files]
    lists.append(string_hashes(CJK_FUNCTION_CHARS))
    hashes, codes = np.unique(np.concatenate(lists), return_inverse=True)
    member = np.zeros((len(hashes) + 1, len(names)), dtype=bool)
    member[codes + 1, np.repeat(np.arange(len(lists)), list(map(len, lists)))] = True
    return hashes, member


@lru_cache(maxsize=1)
def _membership_csr():
    return sparse.csr_matrix(stoplists()[1], dtype=np.float64)


def stoplist_rows(token_hashes):
    """Each token's row in :func:`stoplists`' membership matrix (0: in no list), by its hash
    (:mod:`linesift.features.tokens`)."""
    return sorted_lookup(stoplists()[0], token_hashes) + 1


def stopword_hits(token_hashes, counts, page_starts):
    """Stopwords of each line in its page's stoplist.

    Parameters
    ----------
    token_hashes, counts : ndarray
        Every token's hash (:mod:`linesift.features.tokens`), lines in order, and each line's
        number of tokens; pages contiguous.
    page_starts : ndarray of int
        First line of each page.

    Returns
    -------
    hits : ndarray (n_lines,) -- tokens of the line in its page's list: the list covering
        most of the page's first LANGUAGE_SAMPLE_TOKENS tokens (no hits when none does)

    Vectorised over the batch: tokens become rows of the membership matrix (:func:`stoplists`)
    by a sorted-hash lookup; choosing the lists and counting hits are numpy passes.
    """
    member = stoplists()[1]
    n_lines, n_pages = len(counts), len(page_starts)
    rows = stoplist_rows(token_hashes)
    line_of = np.repeat(np.arange(n_lines), counts)
    page_of_line = np.repeat(np.arange(n_pages), np.diff(np.append(page_starts, n_lines)))
    page_of = page_of_line[line_of]
    first_token = np.concatenate([[0], np.cumsum(counts)])[page_starts]
    sample = (np.arange(len(rows)) - first_token[page_of] < LANGUAGE_SAMPLE_TOKENS) & (rows > 0)
    per_page = sparse.csr_matrix((np.ones(int(sample.sum())), (page_of[sample], rows[sample])),
                                 shape=(n_pages, len(member)))
    counts_per_list = (per_page @ _membership_csr()).toarray()
    best = np.where(counts_per_list.max(axis=1, initial=0) > 0, counts_per_list.argmax(axis=1),
                    -1)
    hit = member[rows, np.maximum(best, 0)[page_of]] & (best[page_of] >= 0)
    return np.bincount(line_of, weights=hit, minlength=n_lines)


class StopwordDensity(FrameStep):
    """Share of a line's words that are stopwords of its page's language, in any language.

    The page's language is the jusText stoplist that covers most of its tokens (see
    :func:`stopword_hits`); jusText's own classifier rests on this density (Pomikálek 2011,
    "Removing Boilerplate and Duplicate Content from Web Corpora", ch. 3). Also adds the
    ``tokens`` base column, which later steps read instead of tokenising again.

    Parameters
    ----------
    max_chars : int, default=MAX_FEATURE_CHARS
        Only this many leading characters are looked at.
    """

    def __init__(self, *, max_chars=MAX_FEATURE_CHARS):
        self.max_chars = max_chars

    def _feature_names(self):
        return ["stopword_density", "log_stopwords", "page_stopword_density"]

    def _features(self, X):
        hashes, counts = line_token_hashes(X, self.max_chars)
        starts, ends = page_bounds(X[PAGE].to_numpy())
        # the density of a long line is judged on its first tokens (bounded lookups per line)
        counted, n = first_tokens(hashes, counts, STOPWORD_TOKENS)
        hits = stopword_hits(counted, n, starts)
        n = n.astype(np.float64)
        page_hits = np.add.reduceat(hits, starts) if len(hits) else hits
        page_n = np.add.reduceat(n, starts) if len(n) else n
        page_density = np.repeat(page_hits / np.maximum(page_n, 1), ends - starts)
        out = np.zeros((len(X), 3))
        out[:, 0] = hits / np.maximum(n, 1)
        out[:, 1] = np.log1p(hits)
        out[:, 2] = page_density
        with_tokens = X.assign(**{TOKENS: pd.Series(to_column(hashes, counts), index=X.index,
                                                     dtype=object)})
        return with_tokens, list(out.T)
