"""The Python API: load a saved model and score, keep or clean the lines of pages.

>>> import linesift
>>> sifter = linesift.load()                 # the shipped default model
>>> sifter.clean("Menu | Home\\nThe article text, as a sentence.\\n© 2024")

:meth:`Sifter.sift_pages` is the one batch call every path scores through: the filter (on any
backend), ``explain``, ``evaluate`` and the Label Studio pre-fills.
"""

from __future__ import annotations

import gc
import math
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from itertools import compress
from numbers import Real
from os import PathLike

import numpy as np

from .card import model_version
from .columns.site import MIN_SITE_PAGES, SiteStats, count_site_lines, site_columns
from .frame import LINE_NO, PAGE, line_rows, lines_frame
from .labels import DEFAULT_THRESHOLD
from .lines import join_lines
from .logs import get_logger
from .model import (MEMORY_FILE, checked_model_file, load_compact, load_pipeline, read_card,
                    resolve_model_dir)
from .pages import Page

_NOTED_UNCOMPILED = set()
"""Model directories the note on a missing compact scorer was given for (once each)."""
BATCH_LINES = 16000
"""Lines scored per model call: large enough to amortise each call's fixed costs, small
enough to keep memory flat (bench/RESULTS.md has the trade-off measured)."""


@dataclass
class SiftedPage:
    """A page with its verdicts: `scores` and `keep` have one entry per original line.

    With ``reasons`` asked of :meth:`Sifter.sift_pages`, `stage1` holds stage one's
    context-free P(content) per line and `reasons` the features that moved it most, as
    ``(name, contribution to the logit)`` pairs (None for blank lines).
    """

    page: Page
    scores: list[float | None]
    keep: list[bool]
    stage1: list[float | None] | None = field(default=None)
    reasons: list | None = field(default=None)
    threshold: float | None = field(default=None)
    """The threshold `keep` applied: the model's for a page of a crawl, its page-alone one for
    a page whose site was counted on fewer than two pages (:attr:`Sifter.threshold_alone`)."""

    @property
    def cleaned(self) -> str:
        """The kept lines, in their order, joined with newlines."""
        return join_lines(compress(self.page.lines, self.keep))


class Sifter:
    """A loaded model with its decision threshold.

    Parameters
    ----------
    pipeline : fitted Pipeline
        Maps a lines table to P(content) with ``predict_proba``.
    card : dict
        The model's card.
    threshold : float, optional
        Keep a line when P(content) >= threshold, on every page. Default: the card's
        threshold on the pages of a crawl (their site counted on two pages or more) and its
        ``threshold_alone`` on pages scored alone, where site repetition says nothing and
        the boilerplate after the article scores higher (a model without one: the threshold).
    n_threads : int
        Threads for a pipeline model's native code (OpenMP, BLAS) while scoring; the compact
        scorer runs numpy on the calling thread.
    site_stats : linesift.features.SiteStats, optional
        Site line counts over the input, for a model trained with them (``uses_site_stats``).
    memory : linesift.features.memory.SiteMemory, optional
        The labelled pages of the model's sites (a model learned with ``train --base``): their
        lines count towards site repetition, and a model that reads it gets what they say of
        each line (:mod:`linesift.features.memory`).
    compact : linesift.scorer.CompactModel, optional
        The model as plain arrays: scores with numpy alone, as the pipeline does. With it,
        `pipeline` may be None and is loaded from `directory` when first asked for.
    directory : path, optional
        The model directory, where a pipeline not given is loaded from.
    """

    def __init__(self, pipeline, card: dict, threshold: float | None = None, n_threads: int = 1,
                 site_stats=None, memory=None, compact=None, directory=None):
        if pipeline is None and (compact is None or directory is None):
            raise ValueError("a Sifter needs a pipeline, or a compact model and the directory "
                             "its pipeline is in")
        self.n_threads = n_threads
        self.site_stats = site_stats
        self.memory = memory
        self._pipeline = pipeline
        self.compact = compact
        self.directory = directory
        self.card = card
        self.threshold = _checked_threshold(card.get("threshold", DEFAULT_THRESHOLD)
                                            if threshold is None else threshold)
        alone = card.get("threshold_alone") if threshold is None else None
        self.threshold_alone = self.threshold if alone is None else _checked_threshold(alone)

    @property
    def pipeline(self):
        """The fitted scikit-learn pipeline (loaded on first use when the Sifter scores with
        its compact form)."""
        if self._pipeline is None:
            self._pipeline = load_pipeline(self.directory)[0]
        return self._pipeline

    @property
    def _uses_compact(self):
        """A compact model reads no memory columns (a model adapted with ``train --base``,
        which does, has no compact form); a memory given to it still counts towards site
        repetition."""
        return self.compact is not None

    @property
    def name(self) -> str:
        return self.card.get("name", "model")

    @property
    def version(self) -> str:
        """``name@sha256-prefix``: what Label Studio predictions are stamped with."""
        return model_version(self.card)

    @property
    def uses_site_stats(self) -> bool:
        """True for a model trained with site-level line counts (it needs them to score)."""
        if self.card.get("uses_site_stats"):
            return True
        if self.compact is not None:
            return self.compact.uses_site_stats
        from .features.site import uses_site_stats  # a pipeline model: scikit-learn is loaded

        return uses_site_stats(self.pipeline)

    @property
    def reads_memory(self) -> bool:
        """True for a model whose classifier reads the site memory's columns."""
        if not hasattr(self, "_reads_memory"):
            if self._uses_compact:
                self._reads_memory = False
            else:
                from .features.memory import uses_memory  # a pipeline model, as above

                self._reads_memory = uses_memory(self.pipeline)
        return self._reads_memory

    def sift_pages(self, pages: Iterable[Page], batch_lines: int = BATCH_LINES, *,
                   site_stats=None, reasons: int = 0) -> Iterator[SiftedPage]:
        """Yield a :class:`SiftedPage` for each page, in order, scoring in bounded batches.

        Parameters
        ----------
        pages : iterable of Page (or of str, each a page's text)
        batch_lines : int
            Lines scored per model call.
        site_stats : SiteStats, optional
            Overrides the Sifter's own counts for these pages. A model that uses site
            repetition without either counts over `pages` when it is a list or tuple (a crawl
            handed over at once), and scores each page as if alone otherwise (an iterator is
            read once).
        reasons : int
            Also give each line's stage-one score and its `reasons` top features (0: none).
        """
        if isinstance(pages, (str, bytes, Page)):
            raise TypeError("sift_pages takes an iterable of pages (or of page texts); for "
                            "one page use [page], or clean(text) for one text")
        site_stats = self._site_stats(site_stats, pages)
        batch, n_lines = [], 0
        for page in pages:
            if not isinstance(page, Page):
                page = Page(id=str(len(batch)), text=page)
            batch.append(page)
            n_lines += len(page.lines)
            if n_lines >= batch_lines:
                yield from self._sift_batch(batch, site_stats, reasons)
                batch, n_lines = [], 0
        if batch:
            yield from self._sift_batch(batch, site_stats, reasons)

    def _site_stats(self, site_stats, pages=()):
        site_stats = self.site_stats if site_stats is None else site_stats
        if site_stats is None and self.uses_site_stats:
            site_stats = (count_site_lines(p for p in pages if isinstance(p, Page))
                          if isinstance(pages, (list, tuple)) else SiteStats())
        return site_stats if self.uses_site_stats else None

    def _sift_batch(self, pages, site_stats, reasons):
        if self._uses_compact:  # numpy alone: no OpenMP, and BLAS only for one matrix-vector
            with gc_paused():
                page_of, line_of, proba, details, site_pages = self._score_compact(
                    pages, site_stats, reasons)
        else:
            from threadpoolctl import threadpool_limits

            # One thread per process: parallelism comes from processes, and OpenMP threads
            # competing for a busy core make small batches far slower.
            with threadpool_limits(limits=self.n_threads), gc_paused():
                page_of, line_of, proba, details, site_pages = self._score(
                    pages, site_stats, reasons)
        bounds = np.searchsorted(page_of, np.arange(len(pages) + 1))
        for p, page in enumerate(pages):
            lo, hi = bounds[p], bounds[p + 1]
            line_nos = line_of[lo:hi].tolist()
            scores = _per_line(len(page.lines), line_nos, proba[lo:hi].tolist())
            in_crawl = site_pages is not None and hi > lo and site_pages[lo] >= MIN_SITE_PAGES
            threshold = self.threshold if in_crawl else self.threshold_alone
            keep = [s is not None and s >= threshold for s in scores]
            sifted = SiftedPage(page=page, scores=scores, keep=keep, threshold=threshold)
            if details is not None:
                first, top = details
                sifted.stage1 = _per_line(len(page.lines), line_nos, first[lo:hi].tolist())
                sifted.reasons = _per_line(len(page.lines), line_nos, top[lo:hi])
            yield sifted

    def _score_compact(self, pages, site_stats, reasons):
        """:meth:`_score` with the compact scorer: numpy alone."""
        texts, page_of, line_of = line_rows(pages)
        site = None
        if site_stats is not None:
            site = site_columns(texts, page_of, pages, site_stats)
            if self.memory is not None:
                site = self.memory.site_counts(texts, page_of, pages, *site,
                                               site_stats.page_prints)
        proba, first, terms = self.compact.score(texts, page_of, site, contributions=bool(reasons))
        site_pages = None if site is None else site[1]
        if not reasons:
            return page_of, line_of, proba, None, site_pages
        return page_of, line_of, proba, (first, _top_reasons(*terms, reasons)), site_pages

    def _score(self, pages, site_stats, reasons):
        """The page and line number of each scored line of `pages`, its P(content), with
        `reasons` the stage-one scores and top features of each line, and the pages its site
        was counted on (None without site counts)."""
        from .features.memory import memory_columns  # the pipeline path: scikit-learn is loaded
        from .features.site import SITE_PAGES, with_site_columns

        frame = lines_frame(pages)
        page_of, line_of = frame[PAGE].to_numpy(), frame[LINE_NO].to_numpy()
        if len(frame) == 0:
            return page_of, line_of, np.zeros(0), ((np.zeros(0), []) if reasons else None), None
        if site_stats is not None:
            frame = with_site_columns(frame, pages, site_stats)
            if self.memory is not None:
                frame = self.memory.add_site_counts(frame, pages, site_stats.page_prints)
        site_pages = frame[SITE_PAGES].to_numpy() if site_stats is not None else None
        if self.reads_memory:
            frame = memory_columns(frame, pages, self.memory)
        enriched = self.pipeline[:-1].transform(frame)
        classifier = self.pipeline[-1]
        proba = classifier.predict_proba(enriched)[:, 1]
        if not reasons:
            return page_of, line_of, proba, None, site_pages
        contributions, names = classifier.first_stage_contributions(enriched)
        top = _top_reasons(contributions, names, reasons)
        if self.reads_memory and self.memory is not None:
            self._memory_reasons(frame, contributions, names, top)
        return (page_of, line_of, proba, (classifier.first_stage_proba(enriched), top),
                site_pages)

    def _memory_reasons(self, frame, contributions, names, top):
        """Put what the site memory says of a line first among its reasons ("like lines
        labelled boilerplate on 4 pages of this site"), with the memory terms' summed weight."""
        from .features.memory import MEMORY_COLUMNS  # the pipeline path, as in _score

        values = frame[list(MEMORY_COLUMNS)].to_numpy()
        memory_terms = np.array(["memory_" in name for name in names])
        weights = contributions[:, memory_terms].sum(axis=1)
        for i, row in enumerate(values):
            if row[0] > 0:
                evidence = self.memory.evidence(row)
                if evidence:
                    top[i] = [(evidence, float(weights[i]))] + top[i][:-1]

    def score(self, text: str, site: str | None = None) -> list[float | None]:
        """P(content) for every line of `text` (None for blank lines). `site`: the page's
        domain, for a model with a site memory of it."""
        return self._one(text, site).scores

    def keep(self, text: str, site: str | None = None) -> list[bool]:
        """Keep decision (bool) for every line of `text` (`site` as for :meth:`score`)."""
        return self._one(text, site).keep

    def clean(self, text: str, site: str | None = None) -> str:
        """The kept lines of `text`, in order, joined with newlines (`site` as for
        :meth:`score`)."""
        return self._one(text, site).cleaned

    def _one(self, text, site=None):
        page = Page(id="text", text=text, meta={"domain": site} if site else {})
        return next(self.sift_pages([page]))  # a list: site repetition counted over it

    def clean_many(self, texts: Iterable[str]) -> list[str]:
        """Clean many page texts at once (batched); returns a list of str."""
        if isinstance(texts, str):
            raise TypeError("an iterable of page texts is expected, a single string was given")
        pages = (Page(id=str(i), text=t) for i, t in enumerate(texts))
        return [sifted.cleaned for sifted in self.sift_pages(pages)]


def _checked_threshold(value):
    """`value` as a threshold: a number from 0 to 1 (ValueError for anything else)."""
    if isinstance(value, bool) or not isinstance(value, Real) or math.isnan(value) \
            or not 0.0 <= value <= 1.0:
        raise ValueError(f"the threshold is a number from 0 to 1 (P(content) at which a line "
                         f"is kept), not {value!r}")
    return float(value)


def _top_reasons(contributions, names, reasons):
    """Each line's `reasons` largest terms, as ``(name, contribution)`` pairs."""
    order = np.argsort(-np.abs(contributions), axis=1, kind="stable")[:, :reasons]
    return [[(names[j], float(row[j])) for j in picks] for row, picks in zip(contributions, order)]


def _per_line(n_lines, line_nos, values):
    """A list of `n_lines` Nones with `values` at `line_nos`."""
    out = [None] * n_lines
    for line_no, value in zip(line_nos, values):
        out[line_no] = value
    return out


@contextmanager
def gc_paused():
    """Pause Python's cyclic garbage collector: scoring allocates millions of small objects
    with no cycles, freed by reference counting, and the collections they trigger would scan
    every live object, the model included, again and again."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def load(model: str | PathLike | None = None, threshold: float | None = None) -> Sifter:
    """Load a saved model directory (default: the shipped model) as a :class:`Sifter`.

    Raises
    ------
    linesift.errors.ModelError
        When the directory is missing or its model file does not match its card.
    """
    directory = resolve_model_dir(model)
    card = read_card(directory)
    compact = None if card.get("memory") else load_compact(directory, card)
    if compact is not None:
        checked_model_file(directory, card)  # a changed model file is refused either way
        card.setdefault("name", directory.name)
        return Sifter(None, card, threshold=threshold, compact=compact, directory=directory)
    pipeline, card = load_pipeline(directory)
    card.setdefault("name", directory.name)
    memory = None
    if card.get("memory"):  # the card, written last, says the memory is the model's
        from .features.memory import load_memory  # an adapted model: scikit-learn is loaded

        memory = load_memory(directory / MEMORY_FILE)
    elif str(directory) not in _NOTED_UNCOMPILED:
        _NOTED_UNCOMPILED.add(str(directory))
        get_logger(__name__).warning(
            "linesift: note: %s has no compact scorer and loads through scikit-learn (slower "
            "to start); `linesift model compile %s` adds one", directory, directory)
    return Sifter(pipeline, card, threshold=threshold, memory=memory)
