"""`linesift filter`, `site-stats` and `explain`: cleaning pages with a saved model."""

import codecs
import gc
from pathlib import Path
from typing import List, Optional

import typer

from ..errors import LinesiftError
from ..formats import (FORMAT_NAMES, ID_FIELD, ON_ERROR_CHOICES, TEXT_FIELD, ReadOptions,
                       known_page_count)
from .app import MODEL_HELP, app, err, friendly_errors, process_seconds

IdField = typer.Option(ID_FIELD, "--id-field", help="Field holding the page id (JSONL, Parquet).")
TextField = typer.Option(TEXT_FIELD, "--text-field", help="Field holding the page text.")
OnError = typer.Option("fail", "--on-error",
                       help="A malformed record or unreadable file: 'fail' stops with its "
                            "file and line; 'skip' counts it, reports it and goes on (a skipped "
                            "file gets no output).")
Encoding = typer.Option(None, "--encoding",
                        help="Text encoding of the inputs (default: UTF-8, else detected).")
SHOWN_SKIPS = 20


def read_options(id_field=ID_FIELD, text_field=TEXT_FIELD, on_error="fail", encoding=None):
    """ReadOptions from the command line's options, each checked."""
    if on_error not in ON_ERROR_CHOICES:
        raise LinesiftError(f"--on-error must be one of {', '.join(ON_ERROR_CHOICES)}")
    if encoding is not None:
        try:
            codecs.lookup(encoding)
        except LookupError:
            raise LinesiftError(f"--encoding {encoding!r} is not an encoding Python knows "
                                "(e.g. utf-8, cp1252, latin-1, utf-16)") from None
    return ReadOptions(id_field=id_field, text_field=text_field, on_error=on_error,
                       encoding=encoding)


Format = typer.Option(None, "--format", metavar="FORMAT",
                      help=f"Read every input as {', '.join(FORMAT_NAMES)} (or wet, the same as "
                           "warc); default: from each file's name, and for stdin from its "
                           "first line.")


def _checked_format(fmt):
    """The format `--format` names (``wet`` is ``warc``), None when not given; a one-line
    error for any other name."""
    if fmt is None:
        return None
    name = {"wet": "warc"}.get(fmt.strip().lower(), fmt.strip().lower())
    if name not in FORMAT_NAMES:
        raise LinesiftError(f"--format must be one of {', '.join(FORMAT_NAMES)} (or wet), "
                            f"not {fmt!r}")
    return name


@app.command("filter")
@friendly_errors
def filter_command(
    inputs: List[str] = typer.Argument(None, metavar="INPUTS", help="Files (.txt, .jsonl, .jsonl.gz, .parquet, "
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
    fmt: Optional[str] = Format,
    id_field: str = IdField, text_field: str = TextField, on_error: str = OnError,
    encoding: Optional[str] = Encoding,
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No progress bar or summary."),
    jobs: Optional[int] = typer.Option(None, "--jobs", "-j", min=1,
                                       help="Processes scoring pages (default and most: "
                                            "all cores; fewer for inputs of a few MB)."),
    site_stats: Optional[Path] = typer.Option(
        None, "--site-stats", help="Site line counts saved by `linesift site-stats`, for a model "
                                   "trained with them (default: count over the inputs first)."),
    engine: str = typer.Option("local", "--engine",
                               help="Where pages are scored: local (this machine, --jobs) or "
                                    "dask (a Dask cluster)."),
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
    explain_drops: Optional[Path] = typer.Option(
        None, "--explain-drops", help="Write every dropped line to this JSONL file, with its "
                                      "score and the feature that weighed most against it."),
):
    """Keep the content lines of pages and drop the boilerplate.

    .txt in gives the cleaned text; JSONL / Parquet / WET in gives records with 'text'
    replaced by the cleaned text and every other field kept.
    """
    from ..run import default_jobs, plan_jobs

    if engine == "local":  # before this process imports scikit-learn
        jobs = plan_jobs(jobs or default_jobs(), inputs)
    from ..run import ENGINES, FilterOptions, filter_inputs
    from ..run.backends import require_dask
    from ..run.progress import rate_bar
    from ..sift import load

    fmt = _checked_format(fmt)
    if engine not in ENGINES:
        raise LinesiftError(f"--engine must be one of {', '.join(ENGINES)}")
    if engine == "dask":
        require_dask()  # before the model loads
    options = FilterOptions(
        read=read_options(id_field, text_field, on_error, encoding), fmt=fmt, scores=scores,
        jobs=jobs or 1, engine=engine, scheduler=scheduler, workers=workers, resume=resume,
        site_stats=site_stats, explain_drops=explain_drops)
    sifter = load(model, threshold=threshold)
    gc.freeze()  # the loaded model is long-lived: keep collections from rescanning it
    total = known_page_count(inputs or ["-"], fmt) if not quiet and not resume else None
    with rate_bar(enabled=not quiet, total=total) as bar:
        stats = filter_inputs(inputs or ["-"], out, sifter, options, progress=bar)
    for path, line, reason in stats.skipped.records[:SHOWN_SKIPS]:
        err(f"linesift: skipped {path}:{line}: {reason}")
    for path, line, reason in stats.skipped_files:
        where = path if line is None else f"{path}:{line}"
        err(f"linesift: skipped file {where}: {reason} (no output written for it)")
    for path, note in stats.skipped.notes[:SHOWN_SKIPS]:
        err(f"linesift: {path}: {note}")
    if len(stats.skipped.notes) > SHOWN_SKIPS:
        err(f"linesift: … and {len(stats.skipped.notes) - SHOWN_SKIPS} more such notes")
    for note in stats.notes:
        err(f"linesift: {note}")
    if not quiet:
        stats.seconds = max(stats.seconds, process_seconds())  # the whole command's time
        err(f"linesift: {stats.summary()}")


@app.command("site-stats")
@friendly_errors
def site_stats_command(
    inputs: List[str] = typer.Argument(..., metavar="INPUTS", help="Files (as for `filter`; not stdin)."),
    out: Path = typer.Option(..., "-o", "--output",
                             help="Counts file to write (.parquet, else JSON Lines)."),
    fmt: Optional[str] = Format,
    id_field: str = IdField, text_field: str = TextField, on_error: str = OnError,
    encoding: Optional[str] = Encoding,
):
    """Count, per site, the pages that carry each line; `filter --site-stats` reuses the file."""
    from ..run import count_input_site_lines, refuse_overwriting_inputs

    fmt = _checked_format(fmt)
    options = read_options(id_field, text_field, on_error, encoding)
    refuse_overwriting_inputs(out, inputs)
    counts = count_input_site_lines(inputs, options, fmt=fmt)
    counts.save(out)
    err(f"linesift: {counts.n_pages:,} pages of {len(counts.domain_pages):,} sites, "
        f"{len(counts):,} lines on 2+ pages of their site -> {out}")


@app.command("explain")
@friendly_errors
def explain_command(
    page: str = typer.Argument(..., metavar="FILE", help="Pages to explain: a .txt page, a JSONL(.gz), "
                                         "Parquet or WET file (every page in it), or - for a "
                                         "page on stdin."),
    model: Optional[Path] = typer.Option(None, "--model", "-m", help=MODEL_HELP),
    top: int = typer.Option(3, "--top", min=1, help="Features shown per line."),
    fmt: Optional[str] = Format,
    site: Optional[str] = typer.Option(
        None, "--site", help="The site (domain) of pages that name none, for a model with a "
                             "site memory: what the labelled pages of that site say shows "
                             "among the reasons. A .txt page names no site of its own."),
    encoding: Optional[str] = Encoding,
):
    """Per line: the score, the decision and the features that weighed most (each feature is
    explained in plain words in docs/features.md)."""
    from ..explain import explain_rows
    from ..formats import detect_format, read_file
    from ..sift import load

    sifter = load(model)
    fmt = _checked_format(fmt) or detect_format(page)
    pages = list(read_file(page, ReadOptions(encoding=encoding), fmt=fmt))
    if site:
        for one in pages:
            if not one.site:
                one.meta["domain"] = site.strip().lower()
    for sifted in sifter.sift_pages(pages, reasons=top):  # a list: site repetition over it
        if fmt != "txt":
            typer.echo(f"== page {sifted.page.id}" + (f" ({sifted.page.site})"
                                                      if sifted.page.site else ""))
        for row in explain_rows(sifted):
            typer.echo(row)
