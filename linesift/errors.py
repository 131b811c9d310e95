"""Errors linesift raises on purpose; the CLI prints them as one line, without a traceback.

Library messages say what is wrong in the library's terms. Where a command-line option is the
way out, the error carries a `hint` key (``"text_field"``, ``"encoding"``, ...) and the CLI adds
the option's name (:data:`linesift.cli.HINTS`); a Python caller sees no flag it cannot pass.
"""


class LinesiftError(Exception):
    """Base class: a problem the user can act on.

    Parameters
    ----------
    message : str
    hint : str, optional
        A key naming the setting that fixes it (see the module docstring).
    """

    def __init__(self, message="", hint=None):
        self.hint = hint
        super().__init__(message)


class InputError(LinesiftError):
    """Bad or unreadable input, located by file and (when known) line number."""

    def __init__(self, path, message, line=None, hint=None):
        self.path = str(path)
        self.line = line
        self.message = " ".join(str(message).split())  # one line, whatever a library said
        where = self.path if line is None else f"{self.path}:{line}"
        super().__init__(f"{where}: {self.message}", hint=hint)


class ModelError(LinesiftError):
    """A model directory that is missing, incomplete or does not match its card."""


class OutputError(LinesiftError):
    """An output that cannot be written (no space, no permission, a type a format cannot
    hold), located by the path the user gave; whatever was at that path is left as it was."""

    def __init__(self, path, message, hint=None):
        self.path = str(path)
        self.message = " ".join(str(message).split())
        super().__init__(f"{self.path}: {self.message}", hint=hint)
