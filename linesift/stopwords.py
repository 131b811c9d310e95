"""Stopword lists for about 100 languages, and choosing a page's language by them.

The lists are jusText's (Pomikálek 2011; shipped as data in the `justext` package, taken from
Wikipedia word frequencies). For Chinese and Japanese, which jusText has no list for, a short
list of function characters stands in. A page's language is the list that covers most of its
tokens, so no language detector and no language code is needed: the feature transfers to
languages the model never saw in training.
"""

import re
from functools import lru_cache

import numpy as np

# Frequent function characters of written Chinese and Japanese (particles, pronouns, copulas).
CJK_FUNCTION_CHARS = frozenset(
    "的了是在和有我他她它这那个们中不为上也就人到说要与对之而以及被等将于从把着过还都很会"
    "の に は を た が で て と し れ さ あ い う こ そ も な か ら")
CJK_LIST = "_CJK"
LANGUAGE_SAMPLE_TOKENS = 1000
"""Tokens of a page looked at to choose its stoplist."""

_CJK = "\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
TOKEN = re.compile(rf"[{_CJK}]|[^\W\d_{_CJK}]+")
"""Reference definition of a token, before combining marks: a CJK character, or a run of
letters. :func:`batch_tokens` also keeps combining marks (Devanagari, Thai, Arabic vowel signs)
inside words instead of breaking words at them."""


def _justext_folder():
    """The installed jusText package's folder, found without importing it."""
    import importlib.util
    from pathlib import Path

    spec = importlib.util.find_spec("justext")
    if spec is None or not spec.submodule_search_locations:
        raise ImportError("linesift needs the justext package for its stoplists: "
                          "pip install justext")
    return Path(next(iter(spec.submodule_search_locations)))


@lru_cache(maxsize=1)
def stoplists():
    """(hashes, membership): the sorted token hashes (:mod:`linesift.tokens`) of every listed
    word, and a boolean matrix, (1 + words) x lists, one list per jusText language plus CJK:
    ``membership[1 + i]`` says which lists hold the word of ``hashes[i]``; row 0 is for tokens
    in none."""
    from .tokens import line_hashes, string_hashes

    # jusText's stoplists/*.txt (its get_stoplists and get_stoplist), read as data files
    # without importing jusText itself (its lxml and regexes cost 0.07 s at start-up)
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
    from scipy import sparse

    return sparse.csr_matrix(stoplists()[1], dtype=np.float64)


def stoplist_rows(token_hashes):
    """Each token's row in :func:`stoplists`' membership matrix (0: in no list), by its hash
    (:mod:`linesift.tokens`)."""
    from .tokens import sorted_lookup

    return sorted_lookup(stoplists()[0], token_hashes) + 1


def stopword_hits(token_hashes, counts, page_starts):
    """Stopwords of each line in its page's stoplist.

    Parameters
    ----------
    token_hashes, counts : ndarray
        Every token's hash (:mod:`linesift.tokens`), lines in order, and each line's number of
        tokens; pages contiguous.
    page_starts : ndarray of int
        First line of each page.

    Returns
    -------
    hits : ndarray (n_lines,) -- tokens of the line in its page's list: the list covering
        most of the page's first LANGUAGE_SAMPLE_TOKENS tokens (no hits when none does)

    Vectorised over the batch: tokens become rows of the membership matrix (:func:`stoplists`)
    by a sorted-hash lookup; choosing the lists and counting hits are numpy passes.
    """
    from scipy import sparse

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


def tokens(text):
    """Lower-cased word tokens of one line (a CJK character is one token)."""
    return batch_tokens([text])[0]


def batch_tokens(texts):
    """Lower-cased word tokens of each line: runs of letters (with their combining marks), and
    every CJK character alone. Digits, punctuation, symbols and spaces separate tokens.

    Vectorised over the batch: the lines' code points are classed with numpy in one pass
    (:mod:`linesift.charclass`), every non-letter becomes a space, and Python's C-level
    ``split`` cuts the words; about five times faster than a regex per line. The feature steps
    use the same tokens as hashes (:mod:`linesift.tokens`, no string per token); these strings
    are the reference, and the n-grams of models saved before token hashes.
    """
    from . import tokens as token_hashes

    texts = list(texts)
    chunk = token_hashes.TOKEN_CHUNK_LINES
    if len(texts) > chunk:  # numpy passes stay in cache
        return [toks for i in range(0, len(texts), chunk)
                for toks in batch_tokens(texts[i:i + chunk])]
    if not texts:
        return []
    cps, letter, cjk = token_hashes.batch_code_points(texts)
    newline = cps == 10
    mapped = np.where(letter | newline, cps, np.uint32(32)).astype(np.uint32)
    if cjk.any():
        # A CJK character stands alone: give every character a second slot, a space where a
        # CJK character ends or the next one starts, NUL (removed below) elsewhere.
        pair = np.zeros((len(cps), 2), dtype=np.uint32)
        pair[:, 0] = np.where(cjk, cps, mapped)
        pair[cjk, 1] = 32
        pair[:-1][cjk[1:], 1] = 32
        text = pair.tobytes().decode("utf-32-le", "surrogatepass").replace("\0", "")
    else:
        text = mapped.tobytes().decode("utf-32-le", "surrogatepass")
    return [line.split() for line in text.lower().split("\n")]
