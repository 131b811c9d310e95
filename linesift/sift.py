"""The Python API: load a saved model and score, keep or clean the lines of pages.

>>> import linesift
>>> sifter = linesift.load()                 # models/default
>>> sifter.clean("Menu | Home\\nThe article text, as a sentence.\\n© 2024")
"""

import gc
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .frame import LINE_NO, PAGE
from .lines import join_lines
from .model import DEFAULT_THRESHOLD, default_model_dir, load_pipeline
from .pages import Page

BATCH_LINES = 16000
"""Lines scored per model call: large enough to amortise per-call overhead (the cache-bound
passes chunk themselves). With token hashes and column-major trees, dragnet filtered on one
core in 6.5 s at 16,000 lines against 7.2-7.9 s at 4,000; peak memory 397 MB against 311 MB."""


@dataclass
class SiftedPage:
    """A page with its verdicts: `scores` and `keep` have one entry per original line."""

    page: Page
    scores: list
    keep: list

    @property
    def cleaned(self):
        """The kept lines, in their order, joined with newlines."""
        return join_lines(line for line, k in zip(self.page.lines, self.keep) if k)


class Sifter:
    """A loaded model with its decision threshold.

    Parameters
    ----------
    pipeline : fitted Pipeline
        Maps a lines table to P(content) with ``predict_proba``.
    card : dict
        The model's card.
    threshold : float, optional
        Keep a line when P(content) >= threshold; default: the card's threshold.
    n_threads : int
        Threads for the model's native code (OpenMP, BLAS) while scoring.
    site_stats : linesift.features.SiteStats, optional
        Site line counts over the input, for a model trained with them (``uses_site_stats``).
    """

    def __init__(self, pipeline, card, threshold=None, n_threads=1, site_stats=None):
        self.n_threads = n_threads
        self.site_stats = site_stats
        self.pipeline = pipeline
        self.card = card
        self.threshold = float(card.get("threshold", DEFAULT_THRESHOLD)
                               if threshold is None else threshold)

    @property
    def name(self):
        return self.card.get("name", "model")

    @property
    def version(self):
        """``name@sha256-prefix``: what Label Studio predictions are stamped with."""
        return f"{self.name}@{self.card.get('sha256', '')[:12]}"

    @property
    def uses_site_stats(self):
        """True for a model trained with site-level line counts (it needs them to score)."""
        from .features import uses_site_stats

        return bool(self.card.get("uses_site_stats")) or uses_site_stats(self.pipeline)

    def sift_pages(self, pages, batch_lines=BATCH_LINES, *, site_stats=None):
        """Yield a :class:`SiftedPage` for each page, in order, scoring in bounded batches.

        `site_stats` overrides the Sifter's own for these pages.
        """
        site_stats = self._site_stats(site_stats)
        batch, n_lines = [], 0
        for page in pages:
            if not isinstance(page, Page):
                page = Page(id=str(len(batch)), text=page)
            batch.append(page)
            n_lines += len(page.lines)
            if n_lines >= batch_lines:
                yield from self._sift_batch(batch, site_stats)
                batch, n_lines = [], 0
        if batch:
            yield from self._sift_batch(batch, site_stats)

    def _site_stats(self, site_stats):
        site_stats = self.site_stats if site_stats is None else site_stats
        if site_stats is None and self.uses_site_stats:
            from .errors import ModelError

            raise ModelError(
                f"model {self.name} was trained with site statistics and needs line counts over "
                "its input: `linesift filter` counts them (or give --site-stats PATH); in Python "
                "pass site_stats=linesift.features.count_site_lines(pages)")
        return site_stats if self.uses_site_stats else None

    def _sift_batch(self, pages, site_stats=None):
        from threadpoolctl import threadpool_limits

        from .model import predict_proba_pages

        # One thread per process: parallelism comes from --jobs / Dask workers, and OpenMP
        # threads competing for a busy core make small batches a hundred times slower.
        with threadpool_limits(limits=self.n_threads), gc_paused():
            frame, proba = predict_proba_pages(self.pipeline, pages, site_stats)
        page_of = frame[PAGE].to_numpy()
        line_of = frame[LINE_NO].to_numpy()
        bounds = np.searchsorted(page_of, np.arange(len(pages) + 1))
        for p, page in enumerate(pages):
            scores = [None] * len(page.lines)
            lo, hi = bounds[p], bounds[p + 1]
            for line_no, value in zip(line_of[lo:hi].tolist(), proba[lo:hi].tolist()):
                scores[line_no] = value
            keep = [s is not None and s >= self.threshold for s in scores]
            yield SiftedPage(page=page, scores=scores, keep=keep)

    def score(self, text):
        """P(content) for every line of `text` (None for blank lines)."""
        return next(self.sift_pages([Page(id="text", text=text)])).scores

    def keep(self, text):
        """Keep decision (bool) for every line of `text`."""
        return next(self.sift_pages([Page(id="text", text=text)])).keep

    def clean(self, text):
        """The kept lines of `text`, in order, joined with newlines."""
        return next(self.sift_pages([Page(id="text", text=text)])).cleaned

    def clean_many(self, texts):
        """Clean many page texts at once (batched); returns a list of str."""
        if isinstance(texts, str):
            raise TypeError("an iterable of page texts is expected, a single string was given")
        pages = (Page(id=str(i), text=t) for i, t in enumerate(texts))
        return [sifted.cleaned for sifted in self.sift_pages(pages)]


@contextmanager
def gc_paused():
    """Pause Python's cyclic garbage collector: scoring allocates millions of token lists (no
    cycles, freed by reference counting), and the collections they trigger scan every live
    object, model included, again and again: a third of the scoring time."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def load(model=None, threshold=None):
    """Load a saved model directory (default: ``models/default``) as a :class:`Sifter`.

    Raises
    ------
    linesift.errors.ModelError
        When the directory is missing or ``model.joblib`` does not match its card's sha256.
    """
    directory = Path(model) if model is not None else default_model_dir()
    pipeline, card = load_pipeline(directory)
    card.setdefault("name", directory.name)
    return Sifter(pipeline, card, threshold=threshold)
