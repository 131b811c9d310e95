"""The one way linesift writes a file: under a temporary name, renamed into place only when
the writer closed cleanly and the bytes reached the disk, so a failed or interrupted run leaves
whatever was at the target untouched."""

import os
from contextlib import contextmanager
from pathlib import Path

TMP_MARK = ".part-"
"""Temporary files are ``.NAME.part-PID`` beside their target."""


def temporary_path(path):
    """Where `path` is written before it is renamed into place."""
    path = Path(path)
    return path.with_name(f".{path.name}{TMP_MARK}{os.getpid()}")


@contextmanager
def atomic_path(path):
    """Yield a temporary path beside `path`; rename it onto `path` if the block succeeds.

    The block must close what it wrote to the temporary path; its bytes are fsynced before
    the rename, and the directory after it. A symlink is followed (the file it names is
    replaced, the link stays). A target that exists but is not a regular file
    (``/dev/stdout``, ``/dev/null``, a FIFO) is written directly: renaming over it would
    replace the device or pipe with a file.
    """
    path = Path(path)
    if path.exists() and not path.is_file():
        yield path
        return
    if path.is_symlink():
        path = Path(os.path.realpath(path))
    if not path.parent.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
    tmp = temporary_path(path)
    try:
        yield tmp
        _fsync(tmp)
        os.replace(tmp, path)
        _fsync_directory(path.parent)
    finally:
        if tmp.exists():
            tmp.unlink()


def write_atomic_bytes(path, data):
    """Write `data` (bytes) to `path` atomically (see :func:`atomic_path`)."""
    with atomic_path(path) as tmp:
        with open(tmp, "wb") as fh:
            fh.write(data)


def write_atomic_text(path, text):
    """Write `text` as UTF-8 to `path` atomically."""
    write_atomic_bytes(path, text.encode("utf-8"))


def _fsync(path):
    if not path.exists():  # the block wrote nothing: an error is raised by the caller
        return
    with open(path, "rb") as fh:
        os.fsync(fh.fileno())


def _fsync_directory(directory):
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
