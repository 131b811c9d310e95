"""Shared test data of the feature tests: a few short pages in four scripts, as a lines table."""

from sklearn.base import clone

from conftest import get_page
from linesift.features import LineShape, PagePosition, StopwordDensity, TokenRepetition
from linesift.frame import lines_frame

PAGES = [
    get_page("Accueil | Actualités | Sport\nLe ministre a affirmé que Moscou serait prêt.\n\n"
             "Publicité\n© 2024 Journal", id="fr"),
    get_page("首页 | 新闻\n这是一篇关于经济的文章。它讨论了市场的发展。\n版权所有", id="zh"),
    get_page("Αρχική\nΟ υπουργός δήλωσε ότι η κυβέρνηση είναι έτοιμη;\nΕγγραφή στο newsletter",
             id="el"),
    get_page("Zaloguj się\nMinister powiedział, że rząd jest gotowy do rozmów.\nCzytaj więcej »",
             id="pl"),
]
FRAME = lines_frame(PAGES)
FRAME_STEPS = [LineShape(), StopwordDensity(), TokenRepetition(), PagePosition()]


def enriched(upto, frame=FRAME):
    """`frame` through the first `upto` steps of FRAME_STEPS (what later steps read)."""
    X = frame
    for step in FRAME_STEPS[:upto]:
        X = clone(step).fit(X).transform(X)
    return X
