"""The `linesift` Typer app and what every command shares: one-line errors and hints.

Commands are thin: parse options, call a plain function, report on stderr. Data goes to
stdout, messages and progress to stderr. Errors the user can act on print one line, no
traceback, and exit non-zero.
"""

import functools
import sys

import typer

from ..errors import LinesiftError

app = typer.Typer(
    help="Find the ads and boilerplate in scraped web pages, line by line.",
    no_args_is_help=True, add_completion=False, pretty_exceptions_enable=False,
    rich_markup_mode=None)

MODEL_HELP = "Model directory (default: the shipped default model, or $LINESIFT_MODEL)."
HINTS = {
    "text_field": "see --text-field",
    "id_field": "see --id-field",
    "encoding": "pass --encoding",
    "binary": "if it is text in another encoding, pass --encoding",
    "site_stats": "give counts with --site-stats FILE (made by `linesift site-stats`)",
    "model": "pass --model DIR, or train one with `linesift train DATA -o DIR`",
    "jobs": "try fewer --jobs",
    "resume": "--resume needs input files and -o OUT",
    "api_key": "or pass it with --api-key",
    "url": "or give --url",
    "project": "give --project an id instead",
    "layout": "drop --layout or push to another project",
    "no_model": "pass --model DIR, or --no-model to push without pre-annotations",
    "matplotlib": "install it with pip install 'linesift[plot]' (or pip install matplotlib)",
}
"""What to tell a command-line user for each error hint key (see linesift.errors)."""


def err(message):
    """Print a message on stderr."""
    typer.echo(message, err=True)


def error_line(exc):
    """The one line printed for a LinesiftError, with its option hint."""
    hint = HINTS.get(getattr(exc, "hint", None))
    return f"linesift: error: {exc}" + (f"; {hint}" if hint else "")


def friendly_errors(func):
    """Turn LinesiftError into one line on stderr and exit 1; Ctrl-C exits 130."""
    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        try:
            return func(*args, **kwargs)
        except LinesiftError as exc:
            err(error_line(exc))
            raise typer.Exit(1) from None
        except KeyboardInterrupt:
            err("linesift: interrupted; finished outputs are complete, unfinished ones were "
                "not written")
            raise typer.Exit(130) from None
        except BrokenPipeError:
            sys.stderr.close()
            raise typer.Exit(0) from None
        except OSError as exc:  # writing an output: no space, no permission, not a directory
            where = f"{exc.filename}: " if exc.filename else ""
            err(f"linesift: error: {where}{exc.strerror or exc}")
            raise typer.Exit(1) from None
    return wrapper
