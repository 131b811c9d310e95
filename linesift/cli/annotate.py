"""`linesift annotate`: thin Typer commands over :mod:`linesift.annotate.push` and
:mod:`linesift.annotate.pull`."""

from enum import Enum
from functools import partial
from pathlib import Path
from typing import Optional

import click
import typer

from ..annotate.config import (BATCH_SIZE, DEFAULT_HOST, DEFAULT_PORT, LINE_LAYOUT, PAGE_LAYOUT,
                               RUNS_LAYOUT)
from ..errors import ModelError
from .app import app as main_app
from .app import friendly_errors

app = typer.Typer(
    help="Label pages in Label Studio: push their lines with the model's guesses, pull the "
         "labels back for training. The server and key come from --url/--api-key, else "
         "LABEL_STUDIO_URL/LABEL_STUDIO_API_KEY, else .labelstudio/credentials.env "
         "(written by `make labelstudio`).",
    no_args_is_help=True,
)


class Layout(str, Enum):
    runs = RUNS_LAYOUT
    page = PAGE_LAYOUT
    line = LINE_LAYOUT


class Strategy(str, Enum):
    uncertain = "uncertain"
    diverse = "diverse"
    random = "random"


_URL = typer.Option(None, "--url", help="Label Studio URL (default: $LABEL_STUDIO_URL, the "
                    "credentials file, or http://127.0.0.1:8080).")
_KEY = typer.Option(None, "--api-key", help="API key, legacy token or personal access token "
                    "(default: $LABEL_STUDIO_API_KEY or the credentials file). Prefer the "
                    "environment: a key on the command line lands in the shell history.")
_PROJECT = typer.Option(..., "--project", "-p", help="Project title or id (digits).")


def connect(url, api_key):
    """The Label Studio server of the options, the environment or the credentials file; a key
    given on the command line is used, with a warning (other users see it in `ps`). Its
    connections are closed when the command ends."""
    from ..annotate.client import connect as connect_server

    if api_key:
        typer.echo("warning: --api-key shows the key to every user of this machine (`ps`) and "
                   "keeps it in the shell history; set LABEL_STUDIO_API_KEY or use "
                   ".labelstudio/credentials.env", err=True)
    server = connect_server(url, api_key)
    context = click.get_current_context(silent=True)
    if context is not None:
        context.call_on_close(server.close)
    return server


def _sifter(model, no_model):
    if no_model:
        if model is not None:
            raise typer.BadParameter("give --model or --no-model, not both")
        return None
    from ..sift import load

    try:
        return load(model)
    except ModelError as exc:
        raise ModelError(str(exc), hint="no_model") from None


@app.command()
@friendly_errors
def push(
    pages: list[str] = typer.Argument(..., metavar="PAGES", help="Pages: .txt files, directories, .jsonl(.gz), "
                                      ".parquet, or - for stdin."),
    project: str = _PROJECT,
    model: Optional[Path] = typer.Option(None, "--model", "-m", help="Model directory for the "
                                         "pre-annotations (default: the shipped model, `default`)."),
    no_model: bool = typer.Option(False, "--no-model", help="Push without pre-annotations."),
    layout: Optional[Layout] = typer.Option(None, "--layout", help="runs: one task per page, "
                                            "select runs of lines and press c or b; page: one "
                                            "task per page, a choice per line; line: one task "
                                            "per line with context (default: the project's, "
                                            "or runs)."),
    select: Optional[Strategy] = typer.Option(
        None, "--select", help="Push only --budget pages of the inputs (lines, in the line "
                               "layout) not yet in the project: uncertain = where the model "
                               "expects most wrong lines (the sum over a page's lines of their "
                               "chance of being wrong), diverse = spread over languages and "
                               "sites, random = a seeded sample (the control)."),
    budget: Optional[int] = typer.Option(None, "--budget", "-n", min=1,
                                         help="How many pages (or lines) --select pushes."),
    seed: int = typer.Option(0, "--seed", help="Seed of --select random and diverse."),
    refresh: bool = typer.Option(False, "--refresh", help="Also replace the pre-fills of the "
                                 "project's tasks nobody labelled yet with this model's (as "
                                 "`linesift annotate predict` does)."),
    batch_size: int = typer.Option(BATCH_SIZE, "--batch-size", min=1,
                                   help="Tasks per import request."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No progress bar."),
    url: Optional[str] = _URL,
    api_key: Optional[str] = _KEY,
):
    """Push pages to a project as tasks (created if missing); pushing again adds no duplicate."""
    from ..formats import read_pages

    if (select is None) != (budget is None):
        raise typer.BadParameter("--select and --budget go together")
    if no_model and (refresh or select == Strategy.uncertain):
        raise typer.BadParameter("--refresh and --select uncertain need a model, not --no-model")
    sifter = _sifter(model, no_model)
    from ..annotate.push import push_pages

    server = connect(url, api_key)
    summary = push_pages(server, read_pages(pages), project,
                         layout=layout.value if layout else None, sifter=sifter,
                         batch_size=batch_size, progress=not quiet,
                         select=select.value if select else None, budget=budget, seed=seed,
                         refresh=refresh)
    typer.echo(summary.report(), err=True)
    _hint_stale(summary.prefills, sifter)


def _hint_stale(prefills, sifter):
    stale = sum(n for version, n in prefills.items()
                if sifter is not None and version not in (sifter.version, None))
    if stale:
        typer.echo(f"{stale} tasks nobody labelled yet show another model's pre-fill; "
                   "`linesift annotate predict --project P --model M` (or push --refresh) "
                   "replaces them", err=True)


@app.command()
@friendly_errors
def predict(
    project: str = _PROJECT,
    model: Optional[Path] = typer.Option(None, "--model", "-m", help="Model directory whose "
                                         "guesses become the pre-fills (default: "
                                         "the shipped model, `default`)."),
    pages: Optional[list[str]] = typer.Argument(
        None, metavar="PAGES", help="The pages the tasks were made from (optional; needed in the line layout "
                   "for pages not wholly in the project)."),
    batch_size: int = typer.Option(BATCH_SIZE, "--batch-size", min=1,
                                   help="Predictions per import request."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No progress bar."),
    url: Optional[str] = _URL,
    api_key: Optional[str] = _KEY,
):
    """Replace the pre-fills of the tasks nobody labelled yet with the model's guesses."""
    from ..formats import read_pages

    sifter = _sifter(model, False)
    from ..annotate.predict import refresh_predictions

    server = connect(url, api_key)
    summary = refresh_predictions(server, project, sifter,
                                  pages=list(read_pages(pages)) if pages else None,
                                  batch_size=batch_size, progress=not quiet)
    typer.echo(summary.report(), err=True)


@app.command()
@friendly_errors
def pull(
    project: str = _PROJECT,
    output: Path = typer.Option(..., "--output", "-o", help="Labelled pages to write: .jsonl, "
                                ".jsonl.gz or .parquet (what `linesift train` reads)."),
    url: Optional[str] = _URL,
    api_key: Optional[str] = _KEY,
):
    """Write a project's annotations as labelled pages (majority vote per line; ties stay null)."""
    from ..annotate.pull import format_summary, pull_labels, summary_path

    server = connect(url, api_key)
    summary = pull_labels(server, project, output)
    typer.echo(format_summary(summary), err=True)
    typer.echo(f"summary: {summary_path(output)}", err=True)


@app.command()
@friendly_errors
def serve(
    model: Optional[Path] = typer.Option(None, "--model", "-m", help="Model directory to serve "
                                         "(default: the shipped model, `default`)."),
    port: int = typer.Option(DEFAULT_PORT, "--port", min=0, max=65535,
                             help="Port to listen on (0: any free port)."),
    host: str = typer.Option(DEFAULT_HOST, "--host", help="Address to listen on; Label "
                             "Studio must reach it."),
    project: Optional[str] = typer.Option(None, "--project", "-p", help="Connect to this "
                                          "project (title or id) so that its new tasks get the "
                                          "model's pre-labels."),
    retrain_every: int = typer.Option(0, "--retrain-every", min=0, help="Retrain after this "
                                      "many new annotations of a project (0: never)."),
    retrain_to: Path = typer.Option(Path("models/live"), "--retrain-to", help="Folder for the "
                                    "retrained models (one subfolder per round)."),
    train_also: list[str] = typer.Option([], "--train-also", help="Labelled pages to retrain "
                                         "on besides the project's, e.g. the shared data "
                                         "(repeat the option); none: the project's alone."),
    unregister: bool = typer.Option(False, "--unregister", help="Only remove from --project "
                                    "the backends an earlier serve on this host and port left "
                                    "(killed before it could), with their webhooks, and exit."),
    url: Optional[str] = _URL,
    api_key: Optional[str] = _KEY,
):
    """Serve the model to Label Studio as an ML backend (/health, /setup, /predict, /webhook).

    Every annotation adds its page to the model's site memory at once. With --retrain-every,
    the project's labels train a new model as `linesift train --base` does, on the served
    model's base (the served model itself, or the base it was learned on)."""
    from ..annotate.backend import serve as serve_model
    from ..logs import STAMPED, set_format
    from ..model import default_model_dir
    from ..train.fit import base_of, train_model

    if unregister:
        if project is None:
            raise typer.BadParameter("--unregister needs --project")
        server = connect(url, api_key)
        found = server.get_project(project)
        removed = server.disconnect_backends(found.id, prefix=f"http://{host}:{port}")
        typer.echo(f"removed {removed} backend(s) of http://{host}:{port} from project "
                   f"{found.title!r}", err=True)
        return
    sifter = _sifter(model, False)
    train = None
    if retrain_every:
        base = base_of(model if model is not None else default_model_dir())
        typer.echo(f"serve: retraining learns on top of {base}", err=True)
        train = partial(_retrain, train_model, base)
    server = None
    if project is not None or retrain_every:
        server = connect(url, api_key)
    set_format(STAMPED)  # serve runs for hours: every line with its time
    serve_model(sifter, host=host, port=port, server=server, project=project,
                retrain_every=retrain_every, retrain_to=retrain_to, train=train,
                train_also=train_also)


def _retrain(train_model, base, paths, out, name):
    return train_model(paths, out, name=name, base=base, progress=False)


main_app.add_typer(app, name="annotate")
