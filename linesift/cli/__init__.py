"""The `linesift` command, one module per command group; the only part of linesift that
imports :mod:`linesift.train` and :mod:`linesift.annotate` (each when its command runs)."""

import os

from . import annotate, filter, labels, model, train  # noqa: F401  (they register their commands)
from .app import HINTS, app, error_line, friendly_errors

__all__ = ["HINTS", "app", "error_line", "friendly_errors"]


def main():
    """Entry point of the `linesift` script."""
    # numpy's BLAS on one thread unless the user says otherwise: the command's parallelism is
    # processes (--jobs) and the trees' OpenMP, and BLAS threads started with numpy spin on the
    # cores after each call, a tenth of a second of CPU for one page (bench/RESULTS.md)
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
    app()


if __name__ == "__main__":  # pragma: no cover
    main()
