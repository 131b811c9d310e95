"""Labels audited: the lines whose label a model trained without them contradicts most
confidently, and the lines annotators disagreed on.

Every labelled line gets an out-of-fold P(content) from models that did not see its page
(folds grouped by page: the same site's other pages teach the model its template, as they do
when the team trains). A line is *contradicted* when that score is on the other side of the
threshold from its label; the more confident the model, the more likely the label is a slip
(confident learning: Northcutt, Jiang & Chuang 2021, "Confident learning: estimating
uncertainty in dataset labels"). Contradicted lines are ranked by the model's confidence in the
other label, so a reviewer reads the likeliest errors first.
"""

from dataclasses import replace

import numpy as np
import pandas as pd

from linesift.formats import write_atomic_text
from linesift.frame import LINE_NO, PAGE, TEXT
from linesift.labels import CONTENT_CODE, DEFAULT_THRESHOLD, DISAGREEMENTS_FIELD, UNLABELLED_CODE
from linesift.recipe import DEFAULT_RECIPE

from .cv import CV_FOLDS, cross_validated_proba
from .data import label_counts, load_training_pages, training_table
from .metrics import prf
from .notes import Notes
from .prepare import check_training_labels, effective_ngram_min_sites, site_columns

SAYS_CONTENT = "model_says_content"
SAYS_BOILERPLATE = "model_says_boilerplate"
DISAGREE = "annotators_disagree"
REPORT_COLUMNS = ("page", "line_no", "text", "label", "p_content", "reason")
WEAK_F1 = 0.8
"""Out-of-fold content F1 below which the audit's model is too weak for its flags to point at
wrong labels more than at its own errors."""
WEAK_FLAGGED_SHARE = 0.2
"""Share of labelled lines flagged above which the same holds: labels are rarely that wrong."""


def audit_labels(paths, *, recipe=DEFAULT_RECIPE, folds=CV_FOLDS, threshold=DEFAULT_THRESHOLD,
                 read_options=None, progress=True, jobs=1):
    """Rank the labelled lines of `paths` by how confidently out-of-fold models contradict them.

    The labels are audited as given: the recipe's steps over the training table (trailing
    prose, alignment with the definition, glued lines) are not applied; site repetition, when
    the recipe uses it, is counted over the audited pages.

    Returns
    -------
    pages : list of Page
    ranking : DataFrame
        One row per labelled line (and per tied line annotators disagreed on), columns
        :data:`REPORT_COLUMNS` plus ``contradiction`` (the model's P of the other label) and
        ``flagged``; most contradicted first. ``reason`` is empty for lines the model agrees
        with.
    """
    pages = load_training_pages(paths, read_options)
    check_training_labels(paths, pages, label_counts(pages))
    frame, y = training_table(pages)
    notes = Notes(progress)
    min_sites = effective_ngram_min_sites(recipe.ngram_min_sites,
                                          frame["group"].nunique(), notes)
    pipeline = replace(recipe, ngram_min_sites=min_sites).pipeline()
    frame = site_columns(pages, frame, pipeline, notes)
    by_page = frame[PAGE].to_numpy()
    oof, _, _ = cross_validated_proba(pipeline, frame, y, folds, progress, jobs=jobs,
                                      groups=by_page, notes=notes)
    if oof is None:
        oof = np.full(len(frame), np.nan)
    return pages, _ranking(pages, frame, y, oof, threshold)


def _ranking(pages, frame, y, oof, threshold):
    disputed = _disagreements(pages)
    labels = np.where(y == CONTENT_CODE, "content", np.where(y == UNLABELLED_CODE, "",
                                                              "boilerplate"))
    table = pd.DataFrame({
        "page": [pages[p].id for p in frame[PAGE]], "line_no": frame[LINE_NO].to_numpy(),
        "text": frame[TEXT].to_numpy(), "label": labels, "p_content": np.round(oof, 4)})
    other = np.where(y == CONTENT_CODE, 1.0 - oof, oof)
    table["contradiction"] = np.where(y == UNLABELLED_CODE, np.nan, other)
    said = np.where(oof >= threshold, SAYS_CONTENT, SAYS_BOILERPLATE)
    contradicted = (y != UNLABELLED_CODE) & ~np.isnan(oof) & ((oof >= threshold) != (y == 1))
    keys = list(zip(frame[PAGE], frame[LINE_NO]))
    tied = np.array([k in disputed for k in keys])
    reasons = [";".join(r for r, on in ((s, c), (DISAGREE, t)) if on)
               for s, c, t in zip(said, contradicted, tied)]
    table["reason"] = reasons
    table["flagged"] = contradicted | tied
    table = table[(y != UNLABELLED_CODE) | tied]
    return table.sort_values(["flagged", "contradiction"], ascending=[False, False],
                             kind="stable", na_position="last").reset_index(drop=True)


def audit_weakness(ranking, threshold=DEFAULT_THRESHOLD):
    """A warning (one sentence, with what to do) when the audit's out-of-fold model is too weak
    for its flags to be trusted, else None.

    The flags are the lines the model contradicts: with a model that is often wrong, most of
    them are its errors, not the labels'.
    """
    labelled = ranking[ranking["label"] != ""]
    scored = labelled[labelled["p_content"].notna()]
    if not len(scored):
        return ("the audit's model could not be cross-validated (too few pages?): only the "
                "lines annotators disagreed on are flagged")
    f1 = prf((scored["label"] == "content").astype(int),
             (scored["p_content"] >= threshold).astype(int))[2]
    flagged = float(labelled["reason"].str.contains("model_says").mean())
    if f1 >= WEAK_F1 and flagged <= WEAK_FLAGGED_SHARE:
        return None
    return (f"the audit's model is weak (out-of-fold content F1 {f1:.2f}, {flagged:.0%} of "
            "labelled lines contradicted): most flags are likely its errors, not wrong labels. "
            "Audit again with more labelled pages (ideally 20 or more, of several sites), or "
            "audit these together with a larger labelled set; the lines annotators disagreed "
            "on stay worth a look")


def _disagreements(pages):
    """``(page position, line_no)`` of the lines annotators disagreed on (pulled pages carry
    them in their ``disagreements`` field)."""
    out = set()
    for p, page in enumerate(pages):
        for entry in page.meta.get(DISAGREEMENTS_FIELD) or []:
            try:
                out.add((p, int(entry[0])))
            except (TypeError, ValueError, IndexError):
                continue
    return out


def flagged_pages(pages, ranking):
    """The pages with a flagged line, most flagged lines first."""
    counts = ranking[ranking["flagged"]]["page"].value_counts()
    by_id = {page.id: page for page in pages}
    return [by_id[page_id] for page_id in counts.index]


def page_scores(pages, ranking):
    """``{page id: {line_no: P(content)}}`` from an audit's ranking."""
    out = {}
    for page_id, line_no, p in ranking[["page", "line_no", "p_content"]].itertuples(index=False):
        out.setdefault(page_id, {})[int(line_no)] = None if pd.isna(p) else float(p)
    return out


def write_report(ranking, path, flagged_only=True):
    """Write the audit as CSV (:data:`REPORT_COLUMNS`); returns the number of rows."""
    rows = ranking[ranking["flagged"]] if flagged_only else ranking
    write_atomic_text(path, rows.loc[:, list(REPORT_COLUMNS)].to_csv(index=False))
    return len(rows)

