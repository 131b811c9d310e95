"""The `linesift` command, one module per command group; the only part of linesift that
imports :mod:`linesift.train` and :mod:`linesift.annotate` (each when its command runs)."""

from . import annotate, filter, labels, model, train  # noqa: F401  (they register their commands)
from .app import HINTS, app, error_line, friendly_errors

__all__ = ["HINTS", "app", "error_line", "friendly_errors"]


def main():
    """Entry point of the `linesift` script."""
    app()


if __name__ == "__main__":  # pragma: no cover
    main()
