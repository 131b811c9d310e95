"""Text-only rule baselines run by the benchmarks, on the same lines as linesift.

- C4-style line rules (Raffel et al. 2020, "Exploring the Limits of Transfer Learning with a
  Unified Text-to-Text Transformer", section 2.2; the reference code is
  tensorflow/datasets c4_utils): keep a line that ends in terminal punctuation and has at least
  3 words; drop lines mentioning javascript, cookies, terms of use, privacy policy, or lorem
  ipsum, and lines with a curly bracket.
- jusText (Pomikálek 2011) on lines: each line a paragraph, with the page language's stoplist
  (language-independent mode when jusText has none for it).
"""

import html

import numpy as np

from linesift.columns.shape import CLOSERS, TERMINALS

C4_MIN_WORDS = 3
C4_BAD_PHRASES = ("javascript", "cookie", "terms of use", "terms of service", "privacy policy",
                  "lorem ipsum")

JUSTEXT_LANGS = {
    "en": "English", "de": "German", "fr": "French", "es": "Spanish", "pt": "Portuguese",
    "it": "Italian", "pl": "Polish", "fi": "Finnish", "nl": "Dutch", "hr": "Croatian",
    "ru": "Russian", "el": "Greek", "cs": "Czech", "sk": "Slovak", "sv": "Swedish",
    "da": "Danish", "no": "Norwegian_Bokmal", "hu": "Hungarian", "ro": "Romanian",
    "tr": "Turkish", "uk": "Ukrainian", "bg": "Bulgarian", "sl": "Slovenian", "ca": "Catalan",
    "id": "Indonesian", "vi": "Vietnamese", "et": "Estonian", "lt": "Lithuanian",
    "lv": "Latvian", "sr": "Serbian", "ja": None, "zh": None,
}


def c4_keep(line):
    """C4's line rule for one line."""
    stripped = line.strip()
    last = stripped.rstrip(CLOSERS)[-1:]
    if last not in TERMINALS or len(stripped.split()) < C4_MIN_WORDS:
        return False
    lowered = stripped.lower()
    if any(p in lowered for p in C4_BAD_PHRASES) or "{" in stripped:
        return False
    return True


def c4_page(lines):
    """Keep decisions (1/0) for a page's non-blank lines."""
    return np.array([int(c4_keep(line)) for line in lines])


def justext_page(lines, lang):
    """jusText's keep decisions (1/0) for a page's non-blank lines, each line a paragraph."""
    import justext

    name = JUSTEXT_LANGS.get(lang)
    if name and name in justext.get_stoplists():
        stoplist, kwargs = justext.get_stoplist(name), {}
    else:
        stoplist, kwargs = frozenset(), {"stopwords_low": 0, "stopwords_high": 0}
    body = "".join(f"<p>{html.escape(line)}</p>" for line in lines)
    doc = f"<html><body>{body}</body></html>".encode("utf-8")
    paragraphs = justext.justext(doc, stoplist, encoding="utf-8", **kwargs)
    keep = [int(not p.is_boilerplate) for p in paragraphs]
    if len(keep) != len(lines):  # jusText dropped or merged something: align by text
        by_text = {}
        for p in paragraphs:
            by_text.setdefault(p.text, int(not p.is_boilerplate))
        keep = [by_text.get(" ".join(line.split()), 0) for line in lines]
    return np.array(keep)
