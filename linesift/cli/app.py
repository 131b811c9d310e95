"""The `linesift` Typer app and what every command shares: one-line errors and hints.

Commands are thin: parse options, call a plain function, report on stderr. Data goes to
stdout, messages and progress to stderr. Errors the user can act on print one line, no
traceback, and exit non-zero.
"""

import functools
import signal
import sys

import typer
from typer.core import TyperGroup

try:  # recent Typer carries its own copy of Click
    from typer._click import exceptions as click_errors
except ImportError:  # pragma: no cover - Typer that uses Click itself
    from click import exceptions as click_errors

import os
import time

from ..errors import LinesiftError

USAGE_EXIT = 2
"""Exit status of a command line linesift cannot parse (an unknown option, a bad value)."""


class _OneLineErrors(TyperGroup):
    """The app's command group: usage errors print one line, ``linesift: error: what; see
    `linesift COMMAND --help```, and exit USAGE_EXIT (not Click's usage box)."""

    def main(self, args=None, prog_name=None, complete_var=None, standalone_mode=True,
             **extra):
        if not standalone_mode:
            return super().main(args, prog_name, complete_var, False, **extra)
        try:
            code = super().main(args, prog_name, complete_var, False, **extra)
        except click_errors.NoArgsIsHelpError as exc:  # `linesift` alone: the help
            exc.show()
            sys.exit(exc.exit_code)
        except click_errors.UsageError as exc:
            command = exc.ctx.command_path if exc.ctx is not None else "linesift"
            message = _one_line(exc.format_message()).rstrip(".")
            err(f"linesift: error: {message}; see `{command} --help`")
            sys.exit(USAGE_EXIT)
        except click_errors.ClickException as exc:
            err(f"linesift: error: {_one_line(exc.format_message())}")
            sys.exit(exc.exit_code)
        except typer.Abort:  # typer._click has no Abort; typer.Abort is the one raised
            err("linesift: aborted")
            sys.exit(1)
        sys.exit(code if isinstance(code, int) else 0)


def _one_line(message):
    return " ".join(str(message).split())


app = typer.Typer(
    help="Find the ads and boilerplate in scraped web pages, line by line.",
    no_args_is_help=True, add_completion=False, pretty_exceptions_enable=False,
    rich_markup_mode=None, cls=_OneLineErrors)


def _print_version(value: bool):
    if value:
        from .. import __version__

        typer.echo(f"linesift {__version__}")
        raise typer.Exit()


@app.callback()
def _options(version: bool = typer.Option(False, "--version", callback=_print_version,
                                          is_eager=True, help="Print the version and exit.")):
    """Find the ads and boilerplate in scraped web pages, line by line."""


def process_seconds():
    """Seconds since this process started (start-up and imports included), as a person
    timing the command would count them."""
    try:
        with open(f"/proc/{os.getpid()}/stat") as fh:
            started = int(fh.read().rsplit(")", 1)[1].split()[19])
        with open("/proc/uptime") as fh:
            uptime = float(fh.read().split()[0])
        return max(0.0, uptime - started / os.sysconf("SC_CLK_TCK"))
    except (OSError, ValueError, IndexError):
        return time.perf_counter() - _IMPORTED


_IMPORTED = __import__("time").perf_counter()

MODEL_HELP = ("Model directory, or `default` for the shipped model (the default, unless "
              "$LINESIFT_MODEL names another).")
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


def one_line(text):
    """`text` on one line: line breaks and other control characters (in a file name, say)
    written as escapes."""
    return "".join(c if c.isprintable() or c == " " else repr(c)[1:-1] for c in str(text))


def error_line(exc):
    """The one line printed for a LinesiftError, with its option hint."""
    hint = HINTS.get(getattr(exc, "hint", None))
    return one_line(f"linesift: error: {exc}" + (f"; {hint}" if hint else ""))


class Terminated(KeyboardInterrupt):
    """SIGTERM (sent by `timeout`, systemd, docker, Slurm), raised where the command is, so it
    unwinds like Ctrl-C: unfinished outputs are removed and workers are stopped."""


def _raise_terminated(signum, frame):
    signal.signal(signal.SIGTERM, signal.SIG_IGN)  # a second one must not cut the clean-up
    raise Terminated()


def friendly_errors(func):
    """Turn LinesiftError into one line on stderr and exit 1; Ctrl-C exits 130 and SIGTERM
    143, both after removing unfinished outputs and stopping workers."""
    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        try:
            previous = signal.signal(signal.SIGTERM, _raise_terminated)
        except ValueError:  # not the main thread: leave signals alone
            previous = None
        try:
            return func(*args, **kwargs)
        except LinesiftError as exc:
            err(error_line(exc))
            raise typer.Exit(1) from None
        except KeyboardInterrupt as exc:
            # stop a second signal from interrupting the message and the exit
            signal.signal(signal.SIGTERM, signal.SIG_IGN)
            name = "terminated" if isinstance(exc, Terminated) else "interrupted"
            err(f"linesift: {name}; finished outputs are complete, unfinished ones were not "
                "written")
            raise typer.Exit(143 if isinstance(exc, Terminated) else 130) from None
        except BrokenPipeError:
            sys.stderr.close()
            raise typer.Exit(0) from None
        except OSError as exc:  # writing an output: no space, no permission, not a directory
            where = f"{exc.filename}: " if exc.filename else ""
            err(one_line(f"linesift: error: {where}{exc.strerror or exc}"))
            raise typer.Exit(1) from None
        finally:
            if previous is not None:
                signal.signal(signal.SIGTERM, previous)
    return wrapper
