"""`linesift labels audit`: which labels look wrong, ranked, optionally pushed for review."""

from pathlib import Path
from typing import List, Optional

import typer

from ..recipe import CV_FOLDS
from .app import app as main_app
from .app import friendly_errors

app = typer.Typer(help="Check labelled pages: which labels look wrong.", no_args_is_help=True)


@app.command()
@friendly_errors
def audit(
    data: List[str] = typer.Argument(..., metavar="DATA", help="Labelled pages (JSONL, JSONL.gz, Parquet), "
                                     "e.g. what `linesift annotate pull` wrote."),
    output: Path = typer.Option(..., "-o", "--output", help="Report to write (CSV): page, "
                                "line_no, text, label, p_content, reason; most confidently "
                                "contradicted first."),
    folds: int = typer.Option(CV_FOLDS, "--folds", min=2, help="Folds grouped by page: each line is "
                              "scored by a model that did not see its page."),
    all_lines: bool = typer.Option(False, "--all", help="Write every labelled line, ranked, "
                                   "not only the flagged ones."),
    review_project: Optional[str] = typer.Option(
        None, "--review-project", help="Also push the flagged pages to this Label Studio "
                                       "project (created if missing), pre-filled with their "
                                       "labels, the doubtful lines marked."),
    jobs: int = typer.Option(1, "--jobs", "-j", min=1, help="Folds fitted side by side."),
    url: Optional[str] = typer.Option(None, "--url", help="Label Studio URL (for "
                                      "--review-project)."),
    api_key: Optional[str] = typer.Option(None, "--api-key", help="Label Studio API key (for "
                                          "--review-project; prefer LABEL_STUDIO_API_KEY)."),
):
    """Rank labelled lines by how confidently a model that did not see their page contradicts
    them, and list the lines annotators disagreed on."""
    from ..run import refuse_overwriting_inputs
    from ..train.audit import audit_labels, audit_weakness, flagged_pages, page_scores, write_report

    refuse_overwriting_inputs(output, data)
    pages, ranking = audit_labels(data, folds=folds, jobs=jobs)
    rows = write_report(ranking, output, flagged_only=not all_lines)
    flagged = int(ranking["flagged"].sum())
    labelled = int((ranking["label"] != "").sum())
    typer.echo(f"{flagged:,} of {labelled:,} labelled lines flagged "
               f"({len(flagged_pages(pages, ranking))} pages); {rows:,} rows -> {output}",
               err=True)
    weakness = audit_weakness(ranking)
    if weakness:
        typer.echo(f"warning: {weakness}", err=True)
    if review_project is not None:
        from ..annotate.review import push_for_review
        from .annotate import connect

        server = connect(url, api_key)
        summary = push_for_review(server, flagged_pages(pages, ranking),
                                  page_scores(pages, ranking), review_project,
                                  source=Path(data[0]).name)
        typer.echo(summary.report(), err=True)


main_app.add_typer(app, name="labels")
