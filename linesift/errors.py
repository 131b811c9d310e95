"""Errors linesift raises on purpose; the CLI prints them as one line, without a traceback."""


class LinesiftError(Exception):
    """Base class: a problem the user can act on."""


class InputError(LinesiftError):
    """Bad or unreadable input, located by file and (when known) line number."""

    def __init__(self, path, message, line=None):
        self.path = str(path)
        self.line = line
        self.message = " ".join(str(message).split())  # one line, whatever a library said
        message = self.message
        where = self.path if line is None else f"{self.path}:{line}"
        super().__init__(f"{where}: {message}")


class ModelError(LinesiftError):
    """A model directory that is missing, incomplete or does not match its card."""
