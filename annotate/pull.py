"""``linesift annotate pull``: a project's annotations into labelled pages for training.

The output is the ``shared/data`` format (JSONL, JSONL.gz or Parquet records with id, text,
metadata and ``labels``), so ``linesift train`` reads it as it is. A JSON summary with the
per-label counts, ties and inter-annotator agreement is written beside it.
"""

import json
from pathlib import Path

from linesift.formats import split_suffix, write_atomic_text, write_labelled_pages

from .config import existing_layout
from .export import labelled_pages

def summary_path(output):
    """Where the summary of `output` goes: ``labels.jsonl.gz`` -> ``labels.summary.json``."""
    output = Path(output)
    return output.with_name(f"{split_suffix(output.name)[0]}.summary.json")


def pull_labels(server, project, output):
    """Write a project's labelled pages to `output` and its summary beside it.

    Parameters
    ----------
    server : annotate.client.Server
    project : str
        Project id or title.
    output : str or Path
        ``.jsonl``, ``.jsonl.gz`` or ``.parquet`` file.

    Returns
    -------
    dict
        The summary (also written to :func:`summary_path` of `output`).
    """
    found = server.get_project(project)
    layout = existing_layout(found)
    pages, stats = labelled_pages(server.export_tasks(found.id), layout)
    write_labelled_pages(pages, output)
    summary = {"project": {"id": found.id, "title": found.title, "layout": layout,
                           "url": server.url},
               "output": str(output), **stats.as_dict()}
    write_atomic_text(summary_path(output),
                      json.dumps(summary, indent=2, ensure_ascii=False) + "\n")
    return summary


def format_summary(summary):
    """The summary as a few lines for stderr."""
    labels = summary["labels"]
    agreement = summary["agreement"]
    kappa = agreement["fleiss_kappa"]
    pages = summary["pages"]
    lines = [
        f"{pages['written']} labelled pages -> {summary['output']} "
        f"(from {summary['annotations']['used']} annotations by {summary['annotators']} "
        f"annotators; {summary['annotations']['cancelled_or_skipped']} skipped or cancelled, "
        f"{summary['annotations']['empty']} empty, {pages['unannotated']} pages unannotated)",
        "lines: " + ", ".join(f"{key} {value}" for key, value in labels.items())
        + f"; {summary['ties']} ties left unlabelled",
        "agreement: " + (f"Fleiss' kappa {kappa:.3f}" if kappa is not None else
                         "Fleiss' kappa undefined")
        + f" over {agreement['lines']} lines with several votes",
    ]
    blank = summary.get("left_blank") or {}
    if blank.get("lines"):
        who = ", ".join(f"annotator {k}: {n}" for k, n in blank["by_annotator"].items())
        lines.append(f"{blank['lines']} lines left blank by annotators who labelled the rest "
                     f"of their page ({who}); they count as no vote")
    for key, what in (("incomplete", "lines missing from the project"),
                      ("conflicting", "several texts under one id")):
        if pages[key]:
            lines.append(f"skipped {len(pages[key])} pages with {what}: "
                         + ", ".join(pages[key][:10]))
    return "\n".join(lines)
