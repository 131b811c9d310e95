"""The loggers: ``linesift``, ``linesift.train`` and ``linesift.annotate`` (and
``linesift.annotate.serve`` under it), all written through one handler to the stderr of the
moment, one message a line. The CLI decides the format (:func:`set_format`); a program using
the Python API can replace the handler, or silence a package with ``setLevel``.

Progress and retry lines are INFO; a Python program that calls ``train_model(progress=True)``
sees them as the CLI does.
"""

import logging
import sys

PLAIN = "%(message)s"
STAMPED = "%(asctime)s %(message)s"
"""Each line with its time (``annotate serve``, which runs for hours)."""
DATE = "%Y-%m-%d %H:%M:%S"


class _Stderr(logging.StreamHandler):
    """A handler writing to ``sys.stderr`` as it is when a line is logged (a test runner or a
    CLI runner may have replaced it since the handler was made)."""

    def __init__(self):
        super().__init__(sys.stderr)

    @property
    def stream(self):
        return sys.stderr

    @stream.setter
    def stream(self, _value):
        pass


HANDLER = _Stderr()
HANDLER.setFormatter(logging.Formatter(PLAIN))
_ROOT = logging.getLogger("linesift")
_ROOT.addHandler(HANDLER)
_ROOT.setLevel(logging.INFO)
_ROOT.propagate = False


def get_logger(name):
    """The logger of a package (``linesift.train``, ``linesift.annotate`` ...)."""
    return logging.getLogger(name)


def set_format(fmt=PLAIN):
    """Format every linesift line with `fmt` (:data:`PLAIN` or :data:`STAMPED`)."""
    HANDLER.setFormatter(logging.Formatter(fmt, datefmt=DATE))
