"""`linesift train` and `evaluate`: fitting a model on labelled pages and scoring it."""

import json
from pathlib import Path
from typing import List, Optional

import typer

from .app import MODEL_HELP, app, friendly_errors


@app.command("train")
@friendly_errors
def train_command(
    data: List[str] = typer.Argument(..., help="Labelled pages (JSONL, JSONL.gz, Parquet) with "
                                     "a 'labels' list per page."),
    out: Path = typer.Option(..., "-o", "--output", help="Model directory to write."),
    folds: int = typer.Option(5, "--folds", min=0,
                              help="Cross-validation folds grouped by site/page (0: none)."),
    name: Optional[str] = typer.Option(None, "--name", help="Model name (default: directory name)."),
    site_stats: bool = typer.Option(False, "--site-stats",
                                    help="Also learn from how many pages of a site carry each "
                                         "line (counted over the training pages)."),
    calibrate: bool = typer.Option(True, "--calibrate/--no-calibrate",
                                   help="Map P(content) through an isotonic fit of the "
                                        "cross-validated scores (needs --folds >= 2)."),
    unlabel_trailing_prose: bool = typer.Option(
        False, "--unlabel-trailing-prose",
        help="Use sentence-like boilerplate lines after a page's last content line (mostly "
             "user comments) as context only, not as boilerplate examples."),
    balance_sources: float = typer.Option(
        0.0, "--balance-sources", min=0.0, max=1.0,
        help="Weigh each source (the pages' 'source' field) by its labelled lines to this "
             "power, negated: 0 counts every line the same, 1 every source the same."),
    jobs: int = typer.Option(1, "--jobs", "-j", min=1,
                             help="Processes fitting the CV folds and the final model side by "
                                  "side (memory grows with each)."),
    page_relative: bool = typer.Option(
        False, "--page-relative",
        help="Also give each line's shape and stopword density against its page's mean."),
    ngram_min_sites: Optional[int] = typer.Option(
        None, "--ngram-min-sites", min=1,
        help="Keep only the word n-grams found on at least this many training sites (words "
             "of other languages then add nothing); default: hash every n-gram."),
):
    """Train a line classifier on labelled pages and save it with its card."""
    from ..train.fit import train_model

    train_model(data, out, name=name, folds=folds, site_stats=site_stats, calibrate=calibrate,
                unlabel_trailing=unlabel_trailing_prose, balance=balance_sources, jobs=jobs,
                page_relative=page_relative, ngram_min_sites=ngram_min_sites)


@app.command("evaluate")
@friendly_errors
def evaluate_command(
    data: List[str] = typer.Argument(..., help="Labelled pages."),
    model: Optional[Path] = typer.Option(None, "--model", "-m", help=MODEL_HELP),
    threshold: Optional[float] = typer.Option(
        None, "--threshold", "-t", min=0.0, max=1.0,
        help="Count a line as kept when P(content) >= this (default: the model card's)."),
    as_json: bool = typer.Option(False, "--json", help="Print the metrics as JSON."),
):
    """Content / boilerplate precision, recall and F1 of a model on labelled pages."""
    from ..train.evaluate import evaluate_model

    result = evaluate_model(model, data, threshold=threshold)
    if as_json:
        typer.echo(json.dumps(result, indent=2))
        return
    typer.echo(f"model {result['model']}, threshold {result['threshold']:.2f}")
    rows = [("all", result["overall"])] + sorted(result["per_lang"].items())
    typer.echo(f"{'lang':<6}{'pages':>7}{'lines':>9}{'content P':>11}{'R':>7}{'F1':>7}"
               f"{'page F1':>9}{'boiler F1':>11}")
    for key, m in rows:
        typer.echo(f"{key:<6}{m['pages']:>7}{m['lines']:>9}{m['content_precision']:>11.3f}"
                   f"{m['content_recall']:>7.3f}{m['content_f1']:>7.3f}"
                   f"{m['page_avg_content_f1']:>9.3f}{m['boilerplate_f1']:>11.3f}")
