"""A datatrove pipeline step that cleans each document with a linesift model.

::

    from datatrove.executor import LocalPipelineExecutor
    from datatrove.pipeline.readers import JsonlReader
    from datatrove.pipeline.writers import JsonlWriter
    from linesift.datatrove import LinesiftFilter

    LocalPipelineExecutor(pipeline=[
        JsonlReader("crawl/"),
        LinesiftFilter(),                 # the shipped model; model="models/mine" for yours
        JsonlWriter("clean/"),
    ], tasks=4).run()

Needs the ``datatrove`` extra (``pip install 'linesift[datatrove]'``).
"""

from __future__ import annotations

import sys
from os import PathLike
from urllib.parse import urlsplit

try:
    from datatrove.pipeline.filters.base_filter import BaseFilter
except ImportError:  # pragma: no cover - the message is the point
    raise ImportError("linesift.datatrove needs datatrove, which is not installed; install it "
                      "with pip install 'linesift[datatrove]' (or pip install datatrove)") from None

from .pages import Page
from .model import read_card
from .sift import Sifter, load

KEPT_SHARE = "linesift_kept_share"
"""Metadata key: the share of the document's non-blank lines the model kept."""
SCORES = "linesift_scores"
"""Metadata key (with ``scores=True``): P(content) per original line, None for blank lines."""
EMPTY = "linesift_empty"
"""The reason given to datatrove for a document with no line kept."""


def _meta(metadata):
    """A document's metadata as a page's: a WARC/WET document's site is its URL's host, as
    ``linesift filter`` reads a WET file."""
    meta = dict(metadata)
    if not meta.get("domain") and isinstance(meta.get("url"), str):
        try:
            meta["domain"] = urlsplit(meta["url"]).hostname
        except ValueError:
            pass
    return meta


class LinesiftFilter(BaseFilter):
    """Replace each document's text with its kept lines; drop the documents left empty.

    Site repetition, for a model that uses it, is counted over the documents of the step's task
    (or of each batch of `batch_size` documents), as ``linesift filter`` counts it over its
    input: a site's menus and footers repeat across its pages. A document's site is its
    ``domain`` metadata, else its ``url``'s host.

    Parameters
    ----------
    model : str or Path, default "default"
        A model directory, or ``default`` for the shipped model.
    threshold : float, optional
        Keep a line when P(content) >= threshold; default: the model's.
    scores : bool
        Also put each line's P(content) in the metadata (:data:`SCORES`).
    exclusion_writer : datatrove DiskWriter, optional
        Where the documents left empty go (with ``filter_reason`` :data:`EMPTY`).
    batch_size : int, optional
        Documents scored together. Default: all the task's documents, held in memory, so that
        site repetition is counted over all of them; give a number to bound memory.
    """

    name = "🧹 linesift"

    def __init__(self, model: str | PathLike = "default", *, threshold: float | None = None,
                 scores: bool = False, exclusion_writer=None, batch_size: int | None = None):
        if batch_size is not None and batch_size < 1:
            raise ValueError(f"batch_size must be at least 1, got {batch_size}")
        super().__init__(exclusion_writer, batch_size=batch_size or sys.maxsize)
        read_card(model)  # a model that is not there fails now, not in every worker
        self.model, self.threshold, self.scores = model, threshold, scores
        self._sifter = None

    @property
    def sifter(self) -> Sifter:
        """The model, loaded on first use (in the worker, not where the pipeline is built)."""
        if self._sifter is None:
            self._sifter = load(self.model, threshold=self.threshold)
        return self._sifter

    def __getstate__(self):
        # executors pickle the step to send it to their workers; each loads the model itself
        return {**self.__dict__, "_sifter": None}

    def filter(self, doc) -> bool | tuple[bool, str]:
        return self.filter_batch([doc])[0]

    def filter_batch(self, batch: list) -> list[bool | tuple[bool, str]]:
        sifter = self.sifter
        pages = [Page(id=doc.id, text=doc.text, meta=_meta(doc.metadata)) for doc in batch]
        results = []  # the pages are a list: the Sifter counts site repetition over them
        for doc, sifted in zip(batch, sifter.sift_pages(pages)):
            lines = sum(score is not None for score in sifted.scores)
            kept = sum(sifted.keep)
            doc.text = sifted.cleaned
            doc.metadata[KEPT_SHARE] = round(kept / lines, 4) if lines else 0.0
            if self.scores:
                doc.metadata[SCORES] = [None if s is None else round(float(s), 4)
                                        for s in sifted.scores]
            self.stat_update("lines", value=lines)
            self.stat_update("lines_kept", value=kept)
            results.append(True if doc.text else (False, EMPTY))
        return results
