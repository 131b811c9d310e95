"""The `linesift` command: thin Typer commands over plain functions.

Data goes to stdout, messages and progress to stderr. Errors the user can act on print one
line (no traceback) and exit non-zero.
"""

import functools
import gc
import json
import sys
from pathlib import Path
from typing import List, Optional

import typer

from .errors import LinesiftError
from .readers import FORMATS, ID_FIELD, ON_ERROR_CHOICES, TEXT_FIELD, ReadOptions

app = typer.Typer(
    help="Find the ads and boilerplate in scraped web pages, line by line.",
    no_args_is_help=True, add_completion=False, pretty_exceptions_enable=False)
model_app = typer.Typer(help="Inspect and export saved models.", no_args_is_help=True)
app.add_typer(model_app, name="model")

MODEL_HELP = "Model directory (default: models/default, or $LINESIFT_MODEL)."


def _err(message):
    typer.echo(message, err=True)


def friendly_errors(func):
    """Turn LinesiftError into one line on stderr and exit 1; Ctrl-C exits 130."""
    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        try:
            return func(*args, **kwargs)
        except LinesiftError as exc:
            _err(f"linesift: error: {exc}")
            raise typer.Exit(1) from None
        except KeyboardInterrupt:
            _err("linesift: interrupted; finished outputs are complete, unfinished ones were "
                 "not written")
            raise typer.Exit(130) from None
        except BrokenPipeError:
            sys.stderr.close()
            raise typer.Exit(0) from None
        except OSError as exc:  # writing an output: no space, no permission, not a directory
            where = f"{exc.filename}: " if exc.filename else ""
            _err(f"linesift: error: {where}{exc.strerror or exc}")
            raise typer.Exit(1) from None
    return wrapper


def _read_options(id_field, text_field, on_error, encoding):
    if on_error not in ON_ERROR_CHOICES:
        raise LinesiftError(f"--on-error must be one of {', '.join(ON_ERROR_CHOICES)}")
    if encoding is not None:
        import codecs

        try:
            codecs.lookup(encoding)
        except LookupError:
            raise LinesiftError(f"--encoding {encoding!r} is not an encoding Python knows "
                                "(e.g. utf-8, cp1252, latin-1, utf-16)") from None
    return ReadOptions(id_field=id_field, text_field=text_field, on_error=on_error,
                       encoding=encoding)


IdField = typer.Option(ID_FIELD, "--id-field", help="Field holding the page id (JSONL, Parquet).")
TextField = typer.Option(TEXT_FIELD, "--text-field", help="Field holding the page text.")
OnError = typer.Option("fail", "--on-error",
                       help="A malformed record or unreadable file: 'fail' stops with its "
                            "file and line; 'skip' counts it, reports it and goes on (a skipped "
                            "file gets no output).")
Encoding = typer.Option(None, "--encoding",
                        help="Text encoding of the inputs (default: UTF-8, else detected).")


@app.command("filter")
@friendly_errors
def filter_command(
    inputs: List[str] = typer.Argument(None, help="Files (.txt, .jsonl, .jsonl.gz, .parquet, "
                                       ".warc.wet.gz), directories of .txt files, or - for "
                                       "stdin (the default)."),
    out: Optional[str] = typer.Option(None, "-o", "--output",
                                      help="Output file, or directory mirroring the inputs "
                                           "(default: stdout)."),
    model: Optional[Path] = typer.Option(None, "--model", "-m", help=MODEL_HELP),
    threshold: Optional[float] = typer.Option(
        None, "--threshold", "-t", min=0.0, max=1.0,
        help="Keep a line when P(content) >= this (default: the model card's threshold)."),
    scores: bool = typer.Option(False, "--scores",
                                help="Records also get 'scores' (P(content) per original "
                                     "line, null for blank lines) and 'keep' (bool per line)."),
    fmt: Optional[str] = typer.Option(None, "--format", help=f"Input format: {', '.join(FORMATS)} "
                                      "(default: from the file name). With --engine dask: the "
                                      "output format, parquet (default) or jsonl."),
    id_field: str = IdField, text_field: str = TextField, on_error: str = OnError,
    encoding: Optional[str] = Encoding,
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No progress bar or summary."),
    jobs: Optional[int] = typer.Option(None, "--jobs", "-j", min=1,
                                       help="Processes scoring pages (default: all cores)."),
    site_stats: Optional[Path] = typer.Option(
        None, "--site-stats", help="Site line counts saved by `linesift site-stats`, for a model "
                                   "trained with them (default: count over the inputs first)."),
    engine: str = typer.Option("local", "--engine",
                               help="local (this machine) or dask (a cluster; one Parquet or "
                                    "JSONL DATASET, -o OUTDIR gets one file per partition)."),
    scheduler: Optional[str] = typer.Option(
        None, "--scheduler", help="--engine dask: a running scheduler's address (default: start "
                                  "a local cluster)."),
    workers: Optional[int] = typer.Option(None, "--workers", min=1,
                                          help="--engine dask: local cluster size (default: all "
                                               "cores)."),
    resume: bool = typer.Option(False, "--resume",
                                help="Continue an interrupted run: inputs whose output is "
                                     "complete are not redone, JSONL outputs continue from "
                                     "their last checkpoint. Needs -o."),
):
    """Keep the content lines of pages and drop the boilerplate.

    .txt in gives the cleaned text; JSONL / Parquet / WET in gives records with 'text'
    replaced by the cleaned text and every other field kept.
    """
    from .parallel import default_jobs, plan_jobs

    if engine == "local":  # before this process imports scikit-learn
        jobs = plan_jobs(jobs or default_jobs(), inputs)
    from .filtering import filter_inputs, progress_bar
    from .sift import load
    from .features import load_site_stats

    options = _read_options(id_field, text_field, on_error, encoding)
    counts = load_site_stats(site_stats) if site_stats is not None else None
    if engine == "dask":
        from .dask_engine import run_dask_filter

        if resume:
            raise LinesiftError("--resume works with --engine local only")
        if len(inputs or []) != 1:
            raise LinesiftError("--engine dask takes one DATASET (a Parquet file or directory, "
                                "or a JSONL file or glob)")
        with progress_bar(enabled=not quiet) as bar:
            stats = run_dask_filter(inputs[0], out, model, scheduler=scheduler, workers=workers,
                                    threshold=threshold, scores=scores,
                                    out_format=fmt or "parquet", read_options=options,
                                    site_stats=counts, progress=bar)
    elif engine != "local":
        raise LinesiftError("--engine must be local or dask")
    else:
        if fmt is not None and fmt not in FORMATS:
            raise LinesiftError(f"--format must be one of {', '.join(FORMATS)}")
        sifter = load(model, threshold=threshold)
        gc.freeze()  # the loaded model is long-lived: keep collections from rescanning it
        with progress_bar(enabled=not quiet) as bar:
            stats = filter_inputs(inputs or ["-"], out, sifter, scores=scores,
                                  read_options=options, fmt=fmt, progress=bar,
                                  jobs=jobs, site_stats=counts,
                                  resume=resume)
    for path, line, reason in stats.skipped[:20]:
        _err(f"linesift: skipped {path}:{line}: {reason}")
    for path, line, reason in getattr(stats, "skipped_files", []):
        where = path if line is None else f"{path}:{line}"
        _err(f"linesift: skipped file {where}: {reason} (no output written for it)")
    for note in getattr(stats, "notes", []):
        _err(f"linesift: {note}")
    if not quiet:
        _err(f"linesift: {stats.summary()}")


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
    from train.fit import train_model

    train_model(data, out, name=name, folds=folds, site_stats=site_stats, calibrate=calibrate,
                unlabel_trailing=unlabel_trailing_prose, balance=balance_sources, jobs=jobs,
                page_relative=page_relative, ngram_min_sites=ngram_min_sites)


@app.command("site-stats")
@friendly_errors
def site_stats_command(
    inputs: List[str] = typer.Argument(..., help="Files (as for `filter`; not stdin)."),
    out: Path = typer.Option(..., "-o", "--output",
                             help="Counts file to write (.parquet, else JSON Lines)."),
    fmt: Optional[str] = typer.Option(None, "--format", help=f"Input format: {', '.join(FORMATS)}."),
    id_field: str = IdField, text_field: str = TextField, on_error: str = OnError,
    encoding: Optional[str] = Encoding,
):
    """Count, per site, the pages that carry each line; `filter --site-stats` reuses the file."""
    from .sitestats import count_input_site_lines

    options = _read_options(id_field, text_field, on_error, encoding)
    counts = count_input_site_lines(inputs, options, fmt=fmt)
    counts.save(out)
    _err(f"linesift: {counts.n_pages:,} pages of {len(counts.domain_pages):,} sites, "
         f"{len(counts):,} lines on 2+ pages of their site -> {out}")


@app.command("evaluate")
@friendly_errors
def evaluate_command(
    data: List[str] = typer.Argument(..., help="Labelled pages."),
    model: Optional[Path] = typer.Option(None, "--model", "-m", help=MODEL_HELP),
    threshold: Optional[float] = typer.Option(None, "--threshold", "-t", min=0.0, max=1.0),
    as_json: bool = typer.Option(False, "--json", help="Print the metrics as JSON."),
):
    """Content / boilerplate precision, recall and F1 of a model on labelled pages."""
    from train.evaluate import evaluate_model

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


@app.command("explain")
@friendly_errors
def explain_command(
    page: str = typer.Argument(..., help="A .txt page (or - for stdin)."),
    model: Optional[Path] = typer.Option(None, "--model", "-m", help=MODEL_HELP),
    top: int = typer.Option(3, "--top", min=1, help="Features shown per line."),
    encoding: Optional[str] = Encoding,
):
    """Per line: the score, the decision and the features that weighed most."""
    from .explain import explain_page
    from .readers import read_file
    from .sift import load

    sifter = load(model)
    options = ReadOptions(encoding=encoding)
    for text_page in read_file(page, options, fmt="txt"):
        for row in explain_page(sifter, text_page, top=top):
            typer.echo(row)


@model_app.command("info")
@friendly_errors
def model_info_command(model: Optional[Path] = typer.Argument(None, help=MODEL_HELP)):
    """Print a model's card after checking its file against the card's sha256."""
    from .sift import load

    sifter = load(model)
    typer.echo(json.dumps(sifter.card, indent=2))


@model_app.command("export")
@friendly_errors
def model_export_command(
    model: Optional[Path] = typer.Argument(None, help=MODEL_HELP),
    out: Path = typer.Option(..., "-o", "--output", help="New model directory to write."),
    fmt: str = typer.Option("skops", "--format",
                            help="skops: a file that holds no code and loads only linesift and "
                                 "scikit-learn types, safe to share."),
):
    """Export a model for others: model.skops plus a card whose sha256 names it."""
    from .model import default_model_dir
    from .trust import EXPORT_FORMATS, export_skops

    if fmt not in EXPORT_FORMATS:
        raise LinesiftError(f"--format must be one of {', '.join(EXPORT_FORMATS)}")
    card = export_skops(model if model is not None else default_model_dir(), out)
    _err(f"linesift: wrote {out / card['model_file']} (sha256 {card['sha256'][:12]}…)")


def _mount_annotate():
    """Add `linesift annotate` when the annotate package is importable (a source checkout)."""
    try:
        from annotate.cli import app as annotate_app
    except ImportError:
        return
    app.add_typer(annotate_app, name="annotate")


_mount_annotate()

if __name__ == "__main__":  # pragma: no cover
    app()
