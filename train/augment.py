"""Synthetic training lines: boilerplate glued into one line, as naive scrapers write it.

A scraper that drops block tags joins a menu, a share bar or a column of ad slots into one long
line ("En savoir plus - Publicité 2 Publicité 2 En savoir plus - …"). The shared sources were
rendered with block-aware line breaks, so they hold next to none; the model then reads a
400-character line as article text. :func:`glue_boilerplate_runs` rewrites a share of the
training pages: runs of adjacent boilerplate lines become one line, labelled boilerplate,
sometimes with the run or each of its lines repeated (ad slots printed twice, rotating banners).
The check page ``../shared/examples/doingbuzz-fr.txt`` is never used here.
"""

from dataclasses import replace

from linesift.labels import BOILERPLATE

GLUE_PAGE_SHARE = 0.3
"""Share of the training pages that get glued lines."""
GLUE_MIN_RUN = 3
"""Adjacent boilerplate lines needed for a run to be glued."""
GLUE_MAX_RUN = 12
GLUE_MAX_LINE_CHARS = 80
"""Only runs of short lines (menus, labels, teasers) are glued."""
GLUE_RUNS_PER_PAGE = 2
GLUE_SEPARATORS = (" ", " ", " - ", " | ", " • ", " / ", " · ")
GLUE_REPEAT_SHARE = 0.35
"""Share of glued runs whose lines are repeated (each line twice, or the run twice)."""


def _boilerplate_runs(page, min_run, max_chars):
    """(start, end) of the maximal runs of >= `min_run` adjacent boilerplate-labelled lines."""
    runs, start = [], None
    labels, lines = page.labels, page.lines
    for i in range(len(lines) + 1):
        ok = (i < len(lines) and labels[i] == BOILERPLATE and lines[i].strip()
              and len(lines[i]) <= max_chars)
        if ok and start is None:
            start = i
        elif not ok and start is not None:
            if i - start >= min_run:
                runs.append((start, i))
            start = None
    return runs


def _glued(lines, rng):
    sep = GLUE_SEPARATORS[rng.integers(len(GLUE_SEPARATORS))]
    parts = [line.strip() for line in lines]
    if rng.random() < GLUE_REPEAT_SHARE:
        parts = ([p for p in parts for _ in range(2)] if rng.random() < 0.5 else parts * 2)
    return sep.join(parts)


def glue_boilerplate_runs(pages, rng, *, page_share=GLUE_PAGE_SHARE, min_run=GLUE_MIN_RUN,
                          max_run=GLUE_MAX_RUN, runs_per_page=GLUE_RUNS_PER_PAGE):
    """Training pages with some runs of adjacent boilerplate lines glued into one line.

    Parameters
    ----------
    pages : list of Page (labelled)
    rng : numpy.random.Generator
    page_share : float
        Share of the pages rewritten (pages without a run stay as they are).

    Returns
    -------
    list of Page : rewritten pages are new objects (text and labels rebuilt; a glued line's
    label is boilerplate); the others are the same objects.
    """
    out = []
    for page in pages:
        runs = _boilerplate_runs(page, min_run, GLUE_MAX_LINE_CHARS) if page.labels else []
        if not runs or rng.random() >= page_share:
            out.append(page)
            continue
        chosen = sorted(rng.choice(len(runs), min(runs_per_page, len(runs)), replace=False))
        lines, labels, at = [], [], 0
        for k in chosen:
            start, end = runs[k]
            length = int(rng.integers(min_run, min(end - start, max_run) + 1))
            begin = start + int(rng.integers(0, end - start - length + 1))
            lines += page.lines[at:begin]
            labels += page.labels[at:begin]
            lines.append(_glued(page.lines[begin:begin + length], rng))
            labels.append(BOILERPLATE)
            at = begin + length
        lines += page.lines[at:]
        labels += page.labels[at:]
        out.append(replace(page, text="\n".join(lines), labels=labels))
    return out
