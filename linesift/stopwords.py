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
_LETTER_RUNS = re.compile(r"[^\W\d_]+")  # the same tokens as TOKEN on text without CJK, 2x faster
_FIRST_CJK = "\u3040"


@lru_cache(maxsize=1)
def stoplists():
    """(names, list of frozensets, token -> array of list indices)."""
    import justext

    names = sorted(justext.get_stoplists()) + [CJK_LIST]
    sets = [frozenset(w.lower() for w in justext.get_stoplist(n)) for n in names[:-1]]
    sets.append(CJK_FUNCTION_CHARS)
    index = {}
    for i, words in enumerate(sets):
        for word in words:
            index.setdefault(word, []).append(i)
    index = {w: np.asarray(ids, dtype=np.int16) for w, ids in index.items()}
    return names, sets, index


def tokens(text):
    """Lower-cased word tokens (a CJK character is one token)."""
    low = text.lower()
    if low and max(low) >= _FIRST_CJK:
        return TOKEN.findall(low)
    return _LETTER_RUNS.findall(low)


def best_stoplist(token_lists):
    """Index of the stoplist covering most tokens of a page (its lines' token lists)."""
    names, _, index = stoplists()
    hits, seen = [], 0
    for toks in token_lists:
        for tok in toks:
            ids = index.get(tok)
            if ids is not None:
                hits.append(ids)
            seen += 1
            if seen >= LANGUAGE_SAMPLE_TOKENS:
                break
        if seen >= LANGUAGE_SAMPLE_TOKENS:
            break
    if not hits:
        return None
    counts = np.bincount(np.concatenate(hits), minlength=len(names))
    return int(np.argmax(counts))
