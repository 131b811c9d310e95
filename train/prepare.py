"""The training table: labelled pages as the recipe wants them, their lines table and labels,
checked, with the site columns a site-statistics pipeline reads."""

import numpy as np

from linesift.errors import InputError
from linesift.features.site import uses_site_stats
from linesift.frame import GROUP, PAGE
from linesift.labels import BOILERPLATE, CONTENT, UNLABELLED_CODE, UNLABELLED_KEY, label_code

from .align import align_with_definition
from .augment import glue_boilerplate_runs
from .data import (SHARED_SOURCES, label_counts, line_label_counts, training_table,
                   unlabel_trailing_prose)
from .notes import log
from .sites import mixed_site_columns

NGRAM_SITES_PER_MIN_SITE = 10
"""With fewer than ``NGRAM_SITES_PER_MIN_SITE * ngram_min_sites`` training sites, the recipe's
``ngram_min_sites`` is lowered to one site in this many (at least 1): the shipped value (10)
is meant for thousands of sites, and on one site it keeps no n-gram at all."""


def effective_ngram_min_sites(requested, n_sites, notes=None):
    """The ``ngram_min_sites`` to train with on `n_sites` sites (see NGRAM_SITES_PER_MIN_SITE).

    Returns
    -------
    int or None
        `requested` when there are enough sites (or it is None), else the lowered value.
    """
    if not requested or n_sites >= NGRAM_SITES_PER_MIN_SITE * requested:
        return requested
    lowered = max(1, n_sites // NGRAM_SITES_PER_MIN_SITE)
    if notes is not None and lowered != requested:
        notes.warn(f"the training pages come from {n_sites} site(s): n-grams are kept when "
                   f"found on at least {lowered} site(s) instead of the recipe's "
                   f"{requested}, which would keep almost none")
    return lowered


def prepare(pages, recipe, notes, progress=False, paths=("the training pages",)):
    """The recipe's training table of labelled `pages`: ``(pages, frame, y, prepared)``.

    Applies the recipe's label steps (alignment of the shared sources with the definition,
    trailing prose) and glued lines, checks the labels (one-line errors naming `paths`), and
    returns the pages as changed, their lines table, the label codes and what the steps did
    (``prepared``, for the card). Site columns are added by :func:`site_columns`.
    """
    unlabelled_prose, aligned = 0, None
    if recipe.align_definition:
        # only the shared sources: a team's own labels are its definition
        pages, aligned = align_with_definition(pages, SHARED_SOURCES)
        if progress and any(aligned.values()):
            log(f"aligned with the settled definition: {aligned['comment_section_lines']:,} "
                 f"comment-section and {aligned['meta_lines']:,} byline/dateline/caption lines "
                 "labelled content made context only")
    if recipe.unlabel_trailing_prose:
        pages, unlabelled_prose = unlabel_trailing_prose(pages)
    counts = label_counts(pages)
    check_training_labels(paths, pages, counts)
    glued = None
    if recipe.glue_lines:
        # after the checks, which speak of the labels as given; seeded: same pages, same model
        before = sum(len(p.lines) for p in pages)
        pages = glue_boilerplate_runs(pages, np.random.default_rng(0))
        glued = before - sum(len(p.lines) for p in pages)
    frame, y = training_table(pages)
    check_non_blank_labels(paths, y, counts)  # glued lines change no line's label
    labelled = y[y != UNLABELLED_CODE]
    if progress:
        log(f"read {len(pages):,} pages, {len(frame):,} non-blank lines: "
            + ", ".join(f"{n:,} {key}" for key, n in line_label_counts(y).items()))
    if unlabelled_prose and unlabelled_prose >= 0.5 * (labelled == 0).sum():
        notes.warn(f"unlabelling trailing prose made {unlabelled_prose:,} boilerplate lines "
                   "context only, half the boilerplate labels or more")
    prepared = {"line_label_counts": line_label_counts(y),
                "unlabelled_trailing_prose_lines": unlabelled_prose,
                "definition_alignment": aligned,
                "glued_lines_removed": glued}
    return pages, frame, y, prepared


def site_columns(pages, frame, pipeline, notes, single_share=0.0):
    """The lines table with the site counts a site-statistics `pipeline` reads (counted over
    `pages`, a `single_share` of the sites page by page); unchanged for other pipelines."""
    if not uses_site_stats(pipeline):
        return frame
    frame = mixed_site_columns(frame, pages, single_share)
    if frame[GROUP].groupby(frame[PAGE]).first().value_counts().max() < 2:
        notes.warn("site statistics: no site has two training pages, so they give no signal")
    return frame


def check_training_labels(paths, pages, counts):
    """InputError (one line, naming the data) unless the pages hold lines of both labels."""
    where = ", ".join(str(p) for p in paths)
    if not pages:
        raise InputError(where, "no labelled pages to train on")
    if not counts.get(CONTENT) and not counts.get(BOILERPLATE):
        raise InputError(where, f"no line is labelled (all {counts.get(UNLABELLED_KEY, 0):,} "
                                "labels are null); training needs lines labelled content "
                                "and lines labelled boilerplate")
    for label, other in ((CONTENT, BOILERPLATE), (BOILERPLATE, CONTENT)):
        if not counts.get(other):
            raise InputError(where, f"every labelled line is {label!r} ({counts[label]:,} "
                                    f"lines) and none is {other!r}; training needs both")


def check_non_blank_labels(paths, y, counts):
    """InputError unless the non-blank lines, the only ones training reads (`y` of
    :func:`training_table`), hold both labels; :func:`check_training_labels` counts the labels of
    blank lines too (`counts`)."""
    for label in (CONTENT, BOILERPLATE):
        if not (y == label_code(label)).any():
            raise InputError(", ".join(str(p) for p in paths),
                             f"no non-blank line is labelled {label!r}: its {counts[label]:,} "
                             "label(s) are on blank lines, which training skips; training "
                             "needs content and boilerplate lines")
