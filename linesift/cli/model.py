"""`linesift model info` and `model export`: inspecting and sharing saved models."""

import json
from pathlib import Path
from typing import Optional

import typer

from ..errors import LinesiftError
from .app import MODEL_HELP, app, err, friendly_errors

model_app = typer.Typer(help="Inspect, compile and export saved models.", no_args_is_help=True)
app.add_typer(model_app, name="model")


@model_app.command("info")
@friendly_errors
def model_info_command(model: Optional[Path] = typer.Argument(None, metavar="MODEL", help=MODEL_HELP)):
    """Print a model's card after checking its file against the card's sha256."""
    from ..sift import load

    sifter = load(model)
    typer.echo(json.dumps(sifter.card, indent=2))


@model_app.command("export")
@friendly_errors
def model_export_command(
    model: Optional[Path] = typer.Argument(None, metavar="MODEL", help=MODEL_HELP),
    out: Path = typer.Option(..., "-o", "--output", help="New model directory to write."),
    fmt: str = typer.Option("skops", "--format",
                            help="skops: a file that holds no code and loads only linesift and "
                                 "scikit-learn types, safe to share."),
):
    """Export a model for others: model.skops plus a card whose sha256 names it."""
    from ..model import EXPORT_FORMATS, default_model_dir, export_skops

    if fmt not in EXPORT_FORMATS:
        raise LinesiftError(f"--format must be one of {', '.join(EXPORT_FORMATS)}")
    card = export_skops(model if model is not None else default_model_dir(), out)
    err(f"linesift: wrote {out / card['model_file']} (sha256 {card['sha256'][:12]}…)")


@model_app.command("compile")
@friendly_errors
def model_compile_command(model: Path = typer.Argument(..., metavar="MODEL", help=MODEL_HELP)):
    """Add the compact scorer to a model saved without one (before linesift had it).

    The compact scorer is the model as plain arrays (compact.npz), which filter, explain,
    evaluate, serve and the Python API score with numpy alone: they start in a fraction of the
    time. train writes it; this command adds it to an older model, in place, and names it on
    the card. A model adapted with `train --base` keeps scoring through scikit-learn.
    """
    from ..model import COMPACT_FILE, compile_model, resolve_model_dir

    card = compile_model(model)
    err(f"linesift: wrote {resolve_model_dir(model) / COMPACT_FILE} "
        f"(sha256 {card['compact_sha256'][:12]}…)")
