"""The one way linesift writes a file: under a temporary name, renamed into place only when
the writer closed cleanly and the bytes reached the disk, so a failed or interrupted run leaves
whatever was at the target untouched."""

import glob
import os
import re
import shutil
from contextlib import contextmanager
from pathlib import Path

from ..errors import OutputError

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
    the rename, and the directory after it. If the block raises (or is interrupted: Ctrl-C,
    SIGTERM), or the fsync or rename fails, the temporary file is removed and whatever was
    at `path` is untouched. Temporary files of the same target left by a process that no
    longer runs (killed with SIGKILL, a power cut) are removed first. A symlink is followed
    (the file it names is replaced, the link stays). A target that exists but is not a
    regular file (``/dev/stdout``, ``/dev/null``, a FIFO) is written directly: renaming
    over it would replace the device or pipe with a file.

    Raises
    ------
    OutputError
        The fsync or rename failed (no space, no permission, ...), naming `path`.
    """
    path = Path(path)
    if path.exists() and not path.is_file():
        yield path
        return
    shown = path
    if path.is_symlink():
        path = Path(os.path.realpath(path))
    _make_parent(path, shown)
    remove_stale_temporaries(path)
    tmp = temporary_path(path)
    try:
        try:
            yield tmp
        except OSError as exc:
            if exc.filename is not None and Path(exc.filename) == tmp:  # the writer's error
                raise OutputError(shown, exc.strerror or str(exc)) from None
            raise
        try:
            _fsync(tmp)
            os.replace(tmp, path)
        except OSError as exc:
            raise OutputError(shown, exc.strerror or str(exc)) from None
        _fsync_directory(path.parent)
    finally:
        if tmp.exists():
            tmp.unlink()


def _make_parent(path, shown):
    """Create `path`'s directory if missing; OutputError naming `shown` (the path as given)."""
    if not path.parent.exists():
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise OutputError(shown, exc.strerror or str(exc)) from None


@contextmanager
def atomic_directory(path):
    """Yield a new temporary directory beside `path`; when the block succeeds it becomes
    `path`, replacing a directory there only then. If the block fails or is interrupted, the
    temporary directory is removed and whatever was at `path` is untouched (a model directory
    is replaced only when the model and every extra asked for are written)."""
    path = Path(path)
    if path.exists() and not path.is_dir():
        raise OutputError(path, "exists and is not a directory")
    _make_parent(path, path)
    remove_stale_temporaries(path)
    tmp = temporary_path(path)
    old = path.with_name(f".{path.name}.old{TMP_MARK}{os.getpid()}")
    try:
        tmp.mkdir()
    except OSError as exc:
        raise OutputError(path, exc.strerror or str(exc)) from None
    try:
        yield tmp
        try:
            if path.exists():
                os.replace(path, old)
            os.replace(tmp, path)
        except OSError as exc:
            if old.exists() and not path.exists():
                os.replace(old, path)
            raise OutputError(path, exc.strerror or str(exc)) from None
        _fsync_directory(path.parent)
        shutil.rmtree(old, ignore_errors=True)
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)


def remove_stale_temporaries(path):
    """Remove the temporary files of `path` whose writing process is gone; returns them."""
    path = Path(path)
    removed = []
    try:
        candidates = list(path.parent.glob(glob.escape(f".{path.name}{TMP_MARK}") + "*"))
    except OSError:
        return removed
    for candidate in candidates:
        match = _TMP_PID.match(candidate.name[len(path.name) + 1 + len(TMP_MARK):])
        if match is None or _alive(int(match.group(1))):
            continue
        try:
            if candidate.is_dir() and not candidate.is_symlink():
                shutil.rmtree(candidate)
            else:
                candidate.unlink()
            removed.append(candidate)
        except OSError:
            pass
    return removed


_TMP_PID = re.compile(r"(\d+)(\.|$)")


def _alive(pid):
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # another user's process: alive
        return True
    return True


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
