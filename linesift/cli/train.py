"""`linesift train` and `evaluate`: fitting a model on labelled pages and scoring it."""

import json
from dataclasses import replace
from pathlib import Path
from typing import List, Optional

import typer

from ..recipe import CV_FOLDS, DEFAULT_RECIPE
from .app import MODEL_HELP, app, friendly_errors


def _on(flag):
    return "on" if flag else "off"


@app.command("train")
@friendly_errors
def train_command(
    data: List[str] = typer.Argument(..., metavar="DATA", help="Labelled pages (JSONL, JSONL.gz, Parquet) with "
                                     "a 'labels' list per page."),
    out: Path = typer.Option(..., "-o", "--output", help="Model directory to write."),
    folds: int = typer.Option(CV_FOLDS, "--folds", min=0,
                              help="Cross-validation folds, grouped by site (by page when there "
                                   "are fewer sites than folds, and for your own pages trained "
                                   "with the shared sets); 0: none."),
    name: Optional[str] = typer.Option(None, "--name", help="Model name (default: directory name)."),
    base: Optional[Path] = typer.Option(
        None, "--base", help="Adapt this saved model (`default`: the shipped one) to the given "
                             "pages alone: a memory of their sites' lines and a small "
                             "correction, kept only when pages held out show a gain (else the "
                             "base is kept as it is). Seconds on a few pages; the recipe's "
                             "options do not apply."),
    site_stats: Optional[bool] = typer.Option(
        None, "--site-stats/--no-site-stats",
        help=f"Also learn from how many pages of a site carry each line (counted over the "
             f"training pages). Recipe: {_on(DEFAULT_RECIPE.site_stats)}."),
    site_single_share: Optional[float] = typer.Option(
        None, "--site-single-share", min=0.0, max=1.0,
        help="With --site-stats, count this share of the training sites page by page, so the "
             "model also learns pages filtered alone. "
             f"Recipe: {DEFAULT_RECIPE.site_single_share}."),
    align_definition: Optional[bool] = typer.Option(
        None, "--align-definition/--no-align-definition",
        help="Make lines the shared sources label content against the settled definition "
             "(comment sections, bylines, datelines, captions) context only. "
             f"Recipe: {_on(DEFAULT_RECIPE.align_definition)}."),
    glue_lines: Optional[bool] = typer.Option(
        None, "--glue-lines/--no-glue-lines",
        help="Add synthetic lines gluing runs of adjacent boilerplate lines into one, as naive "
             f"scrapers write them. Recipe: {_on(DEFAULT_RECIPE.glue_lines)}."),
    cue_features: Optional[bool] = typer.Option(
        None, "--cue-features/--no-cue-features",
        help="Also count boilerplate cue words (ads, share, subscribe, calls to action...) per "
             f"concept in some 20 languages. Recipe: {_on(DEFAULT_RECIPE.cue_features)}."),
    article_span: Optional[bool] = typer.Option(
        None, "--article-span/--no-article-span",
        help="Also tell the context stage where each line lies against its page's article "
             "span (the densest run of lines the first stage keeps). "
             f"Recipe: {_on(DEFAULT_RECIPE.article_span)}."),
    line_runs: Optional[bool] = typer.Option(
        None, "--line-runs/--no-line-runs",
        help="Also give each line the runs of similarly shaped lines it belongs to (a list's "
             f"items, a table's rows). Recipe: {_on(DEFAULT_RECIPE.line_runs)}."),
    teaser_runs: Optional[bool] = typer.Option(
        None, "--teaser-runs/--no-teaser-runs",
        help="Also give each line the run of lines shaped like the line two before it (blocks "
             "of teasers: a headline, its summary, the next headline). Implies --line-runs. "
             f"Recipe: {_on(DEFAULT_RECIPE.teaser_runs)}."),
    comment_marks: Optional[bool] = typer.Option(
        None, "--comment-marks/--no-comment-marks",
        help="Also mark comment-section headers, commenters' lines and time-stamped lines, and "
             "count the marks before each line on its page (comments read like prose). "
             f"Recipe: {_on(DEFAULT_RECIPE.comment_marks)}."),
    comment_mentions: Optional[bool] = typer.Option(
        None, "--comment-mentions/--no-comment-mentions",
        help="Also mark lines that mention comments in any wording (a comment form, its "
             "rules) and count them before each line on its page. Implies --comment-marks. "
             f"Recipe: {_on(DEFAULT_RECIPE.comment_mentions)}."),
    refine: Optional[bool] = typer.Option(
        None, "--refine/--no-refine",
        help="Add a third stage: the context stage again, over the context stage's own "
             "scores (a short line between two kept lines, teasers after the article). "
             f"Recipe: {_on(DEFAULT_RECIPE.refine)}."),
    refine_blend: Optional[float] = typer.Option(
        None, "--refine-blend", min=0.0, max=1.0,
        help="With --refine, the share of the context stage's score in the final score (the "
             "rest is the third stage's): 0 is the third stage alone; a share of each makes "
             "pages filtered alone flip less from one fit to the next. "
             f"Recipe: {DEFAULT_RECIPE.refine_blend}."),
    calibrate: bool = typer.Option(True, "--calibrate/--no-calibrate",
                                   help="Map P(content) through an isotonic fit of the "
                                        "cross-validated scores (needs --folds >= 2)."),
    unlabel_trailing_prose: Optional[bool] = typer.Option(
        None, "--unlabel-trailing-prose/--no-unlabel-trailing-prose",
        help="Use sentence-like boilerplate lines after a page's last content line (mostly "
             "user comments) as context only. "
             f"Recipe: {_on(DEFAULT_RECIPE.unlabel_trailing_prose)}."),
    balance_sources: Optional[float] = typer.Option(
        None, "--balance-sources", min=0.0, max=1.0,
        help="Weigh each source (the pages' 'source' field) by its labelled lines to this "
             "power, negated: 0 counts every line the same, 1 every source the same. "
             f"Recipe: {DEFAULT_RECIPE.balance_sources}."),
    jobs: int = typer.Option(1, "--jobs", "-j", min=1,
                             help="Processes fitting the CV folds and the final model side by "
                                  "side (memory grows with each)."),
    page_relative: Optional[bool] = typer.Option(
        None, "--page-relative/--no-page-relative",
        help="Also give each line's shape and stopword density against its page's mean. "
             f"Recipe: {_on(DEFAULT_RECIPE.page_relative)}."),
    ngram_min_sites: Optional[int] = typer.Option(
        None, "--ngram-min-sites", min=0,
        help="Keep only the word n-grams found on at least this many training sites (lowered, "
             "with a warning, on fewer than ten times as many sites); 0 hashes every n-gram. "
             f"Recipe: {DEFAULT_RECIPE.ngram_min_sites}."),
    curve: Optional[Path] = typer.Option(
        None, "--curve", help="Also write a PNG: held-out content F1 against the number of "
                              "labelled pages (your own pages, when trained with shared ones), "
                              "and precision/recall against the threshold. Costs folds x sizes "
                              "more fits. Needs matplotlib."),
):
    """Train a line classifier on labelled pages and save it with its card.

    Without options it trains the shipped model's recipe; each option overrides one value.
    """
    from ..train.fit import train_model

    recipe = DEFAULT_RECIPE.with_options(
        site_stats=site_stats, unlabel_trailing_prose=unlabel_trailing_prose,
        balance_sources=balance_sources, page_relative=page_relative,
        ngram_min_sites=ngram_min_sites, site_single_share=site_single_share,
        align_definition=align_definition, glue_lines=glue_lines, cue_features=cue_features,
        article_span=article_span, line_runs=line_runs, teaser_runs=teaser_runs,
        comment_marks=comment_marks, comment_mentions=comment_mentions, refine=refine,
        refine_blend=refine_blend)
    if ngram_min_sites == 0:
        recipe = replace(recipe, ngram_min_sites=None)
    step_options = {"--page-relative": page_relative, "--site-stats": site_stats,
                    "--cue-features": cue_features, "--article-span": article_span,
                    "--line-runs": line_runs, "--teaser-runs": teaser_runs,
                    "--comment-marks": comment_marks, "--comment-mentions": comment_mentions,
                    "--refine": refine, "--refine-blend": refine_blend}
    given = [flag for flag, value in step_options.items() if value is not None]
    if base is not None and given:
        typer.echo("warning: with --base the feature steps are the base model's; "
                   f"{', '.join(given)} ignored", err=True)
    train_model(data, out, name=name, folds=folds, recipe=recipe, base=base,
                calibrate=calibrate, jobs=jobs, curve=curve)


@app.command("evaluate")
@friendly_errors
def evaluate_command(
    data: List[str] = typer.Argument(..., metavar="DATA", help="Labelled pages."),
    model: Optional[List[Path]] = typer.Option(
        None, "--model", "-m", help=MODEL_HELP + " Repeat it to compare models (e.g. one per "
                                                "labelling round)."),
    threshold: Optional[float] = typer.Option(
        None, "--threshold", "-t", min=0.0, max=1.0,
        help="Count a line as kept when P(content) >= this (default: the model card's)."),
    as_json: bool = typer.Option(False, "--json", help="Print the metrics as JSON."),
    curve: Optional[Path] = typer.Option(
        None, "--curve", help="Also write a PNG: each model's content F1 against the labelled "
                              "pages it was trained on, and precision/recall against the "
                              "threshold. Needs matplotlib."),
):
    """Content / boilerplate precision, recall and F1 of a model on labelled pages."""
    from ..train.evaluate import evaluate_model

    if curve is not None:
        from ..run import refuse_overwriting_inputs
        from ..train.curves import require_matplotlib

        refuse_overwriting_inputs(curve, data)
        require_matplotlib()
    results = [evaluate_model(m, data, threshold=threshold, keep_scores=curve is not None)
               for m in (model or [None])]
    if curve is not None:
        from ..train.curves import write_evaluation_png

        write_evaluation_png(curve, results)
        typer.echo(f"curve: {curve}", err=True)
    for result in results:
        result.pop("scores", None)
    if as_json:
        typer.echo(json.dumps(results[0] if len(results) == 1 else results, indent=2))
        return
    for result in results:
        _print_evaluation(result)


def _print_evaluation(result):
    alone = result.get("threshold_alone", result["threshold"])
    typer.echo(f"model {result['model']}, threshold {result['threshold']:.2f}"
               + (f" ({alone:.2f} for pages scored alone)" if alone != result["threshold"]
                  else ""))
    rows = [("all", result["overall"])] + sorted(result["per_lang"].items())
    typer.echo(f"{'lang':<6}{'pages':>7}{'lines':>9}{'content P':>11}{'R':>7}{'F1':>7}"
               f"{'page F1':>9}{'boiler F1':>11}")
    for key, m in rows:
        typer.echo(f"{key:<6}{m['pages']:>7}{m['lines']:>9}{m['content_precision']:>11.3f}"
                   f"{m['content_recall']:>7.3f}{m['content_f1']:>7.3f}"
                   f"{m['page_avg_content_f1']:>9.3f}{m['boilerplate_f1']:>11.3f}")
