"""Labelled training data: reading it into a lines table and fingerprinting it."""

import hashlib
from collections import Counter
from dataclasses import replace

import numpy as np

from linesift.columns.shape import CLOSERS, TERMINALS
from linesift.formats import read_labelled_pages
from linesift.frame import PAGE, lines_frame
from linesift.labels import (BOILERPLATE, BOILERPLATE_CODE, CONTENT, CONTENT_CODE, LABELS,
                             UNLABELLED_CODE, UNLABELLED_KEY, label_key)

SHARED_SOURCES = {
    "cleaneval": "none stated", "l3s_gn1": "research only", "dragnet": "AGPL-3.0",
    "big9_chaos": "research only", "cleanportaleval": "none stated",
    "htmltotext": "none stated", "trafilatura_eval": "Apache-2.0 (repository)",
    "polish_sparse": "GPL-3.0", "daniel_a": "GPL-3.0 (repository)",
}
"""The shared benchmark sets (``../shared/data``, the pages' ``source`` field) and their
licences. Pages of any other source (pulled from Label Studio, no ``source``: 'unknown') are a
team's own pages."""


def load_training_pages(paths, options=None):
    """Read labelled pages from `paths` (files or directories); a list of Page."""
    return list(read_labelled_pages(paths, options))


def training_table(pages):
    """The lines table and y (1 content, 0 boilerplate, -1 unlabelled) of labelled pages."""
    return lines_frame(pages, with_labels=True)


TRAILING_PROSE_MIN_WORDS = 12


def unlabel_trailing_prose(pages, min_words=TRAILING_PROSE_MIN_WORDS):
    """Pages whose boilerplate prose after the last content line is made unlabelled.

    Sources disagree on user comments and forum posts (see ``../shared/data/README.md``):
    dragnet, L3S-GN1 and Big9 label them boilerplate, CleanEval and htmltotext content. A
    sentence-like line (at least `min_words` words, ending in terminal punctuation) labelled
    boilerplate after a page's article is most often such a comment; leaving it unlabelled
    keeps it as context without teaching the model that prose after an article is boilerplate.
    Returns new pages and the number of lines unlabelled.
    """
    out, changed = [], 0
    for page in pages:
        labels = list(page.labels)
        last = max((i for i, label in enumerate(labels) if label == CONTENT), default=None)
        if last is not None:
            for i in range(last + 1, len(labels)):
                line = page.lines[i]
                if (labels[i] == BOILERPLATE and len(line.split()) >= min_words
                        and line.rstrip().rstrip(CLOSERS)[-1:] in TERMINALS):
                    labels[i] = None
                    changed += 1
        out.append(replace(page, labels=labels))
    return out, changed


def line_sources(pages, frame):
    """The source (the page's ``source`` field, else 'unknown') of each line of `frame`."""
    names = np.array([page.meta.get("source") or "unknown" for page in pages], dtype=object)
    return names[frame[PAGE].to_numpy()]


def source_weights(pages, frame, y, power=0.5):
    """A weight for each line of `frame` that evens out how much each source counts.

    A source with n labelled lines gets weight proportional to ``n ** -power`` per line (0: as
    given, 0.5: its total grows with the square root of its size, 1: every source counts the
    same); weights average 1 over labelled lines. The source is the page's ``source`` field.
    """
    names = line_sources(pages, frame)
    labelled = np.asarray(y) != UNLABELLED_CODE
    weights = np.ones(len(frame))
    sizes = Counter(names[labelled])
    for name, n in sizes.items():
        weights[names == name] = float(n) ** -power
    return weights / weights[labelled].mean() if labelled.any() else weights


def own_lines(pages, frame):
    """True for each line of `frame` whose page is a team's own (not a shared benchmark set)."""
    return ~np.isin(line_sources(pages, frame), list(SHARED_SOURCES))


def label_counts(pages):
    """How many lines carry each label (None counted as 'unlabelled')."""
    counts = Counter()
    for page in pages:
        for label in page.labels:
            counts[label_key(label)] += 1
    return {key: counts.get(key, 0) for key in (*LABELS, UNLABELLED_KEY)}


def line_label_counts(y):
    """How many lines of a training table carry each label: the lines trained on, after the
    recipe's steps (the card's and ``train``'s counts)."""
    y = np.asarray(y)
    return {CONTENT: int((y == CONTENT_CODE).sum()),
            BOILERPLATE: int((y == BOILERPLATE_CODE).sum()),
            UNLABELLED_KEY: int((y == UNLABELLED_CODE).sum())}


def fingerprint(pages):
    """sha256 over every page's id, text and labels, in order: the same data gives the same print."""
    digest = hashlib.sha256()
    for page in pages:
        digest.update(page.id.encode())
        digest.update(b"\0")
        digest.update(page.text.encode("utf-8", "surrogatepass"))
        digest.update(b"\0")
        digest.update("".join("c" if x == CONTENT else "b" if x == BOILERPLATE else "-"
                              for x in page.labels).encode())
        digest.update(b"\1")
    return digest.hexdigest()


def sources(pages):
    """Pages per source (the ``source`` field, else 'unknown')."""
    return dict(Counter(page.meta.get("source") or "unknown" for page in pages))
