"""Where pages come from and where they go: one table from file suffix to format.

Every reader is a generator of :class:`~linesift.pages.Page`, so a crawl never has to fit in
memory. Errors are :class:`~linesift.errors.InputError` naming the file and, for record
formats, the line (JSONL) or row (Parquet). Every file is written through
:func:`~linesift.formats.atomic.atomic_path`.

=========  ==========================================  =========================  ==========
format     suffixes                                     reader                     written as
=========  ==========================================  =========================  ==========
warc       .warc.wet.gz .warc.wet .warc.gz .wet.gz ...  :func:`warc.read_warc`     jsonl.gz
jsonl      .jsonl .jsonl.gz .ndjson(.gz) .json(.gz)     :func:`jsonl.read_jsonl`   jsonl
parquet    .parquet .pq                                 :func:`parquet.read_parquet` parquet
txt        .txt, stdin, anything else                   :func:`text.read_txt`      txt
=========  ==========================================  =========================  ==========
"""

from __future__ import annotations

import json
import os
import re
import sys
import weakref
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from os import PathLike
from pathlib import Path

from ..errors import InputError, OutputError
from ..pages import Page
from .atomic import atomic_path, write_atomic_bytes, write_atomic_text
from .options import ID_FIELD, LABELS_FIELD, ON_ERROR_CHOICES, STDIN, TEXT_FIELD, ReadOptions, Skips
from .records import page_from_record, page_record


@dataclass(frozen=True)
class Format:
    """A page format: its name, file suffixes (lower case, longest first), whether its pages
    are records with fields, and the suffix its records are written with into a directory."""

    name: str
    suffixes: tuple
    records: bool
    directory_suffix: str | None = None


FORMATS = {
    "warc": Format("warc", (".warc.wet.gz", ".warc.wet", ".warc.gz", ".wet.gz", ".warc", ".wet"),
                   records=True, directory_suffix=".jsonl.gz"),
    "jsonl": Format("jsonl", (".jsonl.gz", ".ndjson.gz", ".json.gz", ".jsonl", ".ndjson",
                              ".json"), records=True),
    "parquet": Format("parquet", (".parquet", ".pq"), records=True),
    "txt": Format("txt", (".txt",), records=False),
}
"""The formats, in the order their suffixes are tried (WARC's ``.warc.gz`` before ``.gz``)."""
FORMAT_NAMES = tuple(FORMATS)
WRITABLE = ("jsonl", "parquet", "txt")


def detect_format(path):
    """'txt', 'jsonl', 'parquet' or 'warc' from a file name (unknown names: 'txt'); for stdin,
    from its first line (:func:`sniff_stdin`)."""
    if str(path) == STDIN:
        return sniff_stdin()
    if os.path.isdir(path):
        found = dataset_parts(path)
        if found:
            return found[0]
    name = str(path).lower()
    for fmt in FORMATS.values():
        if name.endswith(fmt.suffixes):
            return fmt.name
    return "txt"


_STDIN_FORMAT = weakref.WeakKeyDictionary()
"""The stdin stream -> what it holds (decided once: reading it later moves on)."""


def sniff_stdin(stream=None):
    """What stdin holds, from its first bytes, without consuming them: 'jsonl' when its first
    non-blank line is a JSON object with a string field (a record), else 'txt'. Gzip data on
    stdin is an InputError. Decided once per stream."""
    stream = stream if stream is not None else getattr(sys.stdin, "buffer", sys.stdin)
    try:
        return _STDIN_FORMAT[stream]
    except (KeyError, TypeError):
        pass
    head = _peek(stream)
    if head.startswith(b"\x1f\x8b"):
        raise InputError(STDIN, "is gzip data; decompress it (zcat FILE | linesift ...), or "
                                "give the file by name")
    fmt = "txt"
    first = next((line for line in head.lstrip(b"\xef\xbb\xbf").split(b"\n")
                  if line.strip()), b"")
    if first.lstrip().startswith(b"{"):
        try:
            record = json.loads(first)
            if isinstance(record, dict) and any(isinstance(v, str) for v in record.values()):
                fmt = "jsonl"
        except ValueError:
            pass
    try:
        _STDIN_FORMAT[stream] = fmt
    except TypeError:  # a stream that takes no weak reference: decided again next time
        pass
    return fmt


def _peek(stream, size=1 << 16):
    """Up to `size` first bytes of `stream`, left in it (a buffered pipe's peek, or a read
    and a seek back); b'' when neither is possible."""
    try:
        if hasattr(stream, "peek"):
            return stream.peek(size)[:size]
        if stream.seekable():
            where = stream.tell()
            head = stream.read(size)
            stream.seek(where)
            return head if isinstance(head, bytes) else head.encode("utf-8", "replace")
    except (OSError, ValueError, AttributeError):
        pass
    return b""


def output_format(path):
    """The format written to `path`: 'jsonl', 'parquet' or 'txt' (a WARC name: 'txt')."""
    fmt = detect_format(path)
    return fmt if fmt in WRITABLE else "txt"


def split_suffix(name):
    """``(stem, suffix)`` of a file name by the table's suffixes (``a.warc.wet.gz`` ->
    ``("a", ".warc.wet.gz")``); ``(name, "")`` for an unknown suffix."""
    lower = name.lower()
    for fmt in FORMATS.values():
        for suffix in fmt.suffixes:
            if lower.endswith(suffix):
                return name[:-len(suffix)], name[-len(suffix):]
    return name, ""


def _reader(fmt):
    from . import jsonl, parquet, text, warc

    return {"txt": text.read_txt, "jsonl": jsonl.read_jsonl, "parquet": parquet.read_parquet,
            "warc": warc.read_warc}[fmt]


def dataset_parts(root):
    """``(format, parts)`` of a directory of Parquet or JSONL parts (a dataset as Dask, Spark
    or ``datasets`` write one: ``part-00000.parquet`` ..., files whose names start with ``_``
    or ``.`` such as ``_SUCCESS`` or ``.crc`` files left out), parts sorted; None for a
    directory holding ``.txt`` files or no parts. Parts of two formats are an InputError."""
    def fail(exc):
        raise InputError(exc.filename or root, f"cannot list directory ({exc.strerror})")

    parts, kinds = [], set()
    for dirpath, dirs, names in os.walk(root, onerror=fail):
        dirs[:] = sorted(d for d in dirs if not d.startswith((".", "_")))
        for name in names:
            if name.startswith((".", "_")) or name.lower().endswith(".crc"):
                continue
            fmt = detect_format(name)
            if fmt == "txt" and name.lower().endswith(".txt"):
                return None
            if fmt in ("jsonl", "parquet"):
                parts.append(Path(dirpath) / name)
                kinds.add(fmt)
    if len(kinds) > 1:
        raise InputError(root, "holds both Parquet and JSONL parts; a directory read as one "
                               "dataset holds parts of one format")
    return (kinds.pop(), sorted(parts)) if parts else None


def dataset_suffix(root):
    """The suffix a directory of parts is written with, as one file: its first part's."""
    return split_suffix(dataset_parts(root)[1][0].name)[1]


def known_page_count(paths, fmt=None):
    """How many pages `paths` hold when that is cheap to know (a ``.txt`` file is one page, a
    Parquet file's row count is in its footer), else None (JSONL, WARC, stdin: only reading
    them all would tell)."""
    total = 0
    try:
        for path, _root in expand_inputs(paths):
            kind = fmt or detect_format(path) if path != STDIN else None
            if kind == "txt":
                total += 1
            elif kind == "parquet":
                import pyarrow.parquet as pq

                parts = dataset_parts(path)[1] if os.path.isdir(path) else [path]
                total += sum(pq.ParquetFile(part).metadata.num_rows for part in parts)
            else:
                return None
    except Exception:  # noqa: BLE001 - a count for a progress bar; reading reports the error
        return None
    return total


def expand_inputs(paths):
    """Expand directories into their ``.txt`` files (sorted); keep other paths as given.

    A directory of Parquet or JSONL parts (:func:`dataset_parts`) is one input, read part
    after part.

    Yields ``(path, input_root)`` where `input_root` is the directory a file was found in
    (so outputs can mirror the input tree) or None for a path given directly.
    """
    for raw in paths:
        raw = str(raw)
        if raw == STDIN:
            yield raw, None
            continue
        path = Path(raw)
        if path.is_dir():
            found = _txt_files(path)
            if not found and dataset_parts(path):
                yield raw, None
                continue
            if not found:
                raise InputError(raw, "is a directory with no .txt files below it and no "
                                      "Parquet or JSONL parts (linesift reads a directory's "
                                      ".txt files, or its parts as one dataset; give other "
                                      "files by name)")
            for p in found:
                yield str(p), path
        elif path.exists() or path.is_symlink():  # a broken link fails when read, by name
            yield raw, None
        else:
            raise InputError(raw, "no such file or directory")


def _txt_files(root):
    """The ``.txt`` files below `root` (``.TXT`` too: suffixes are matched in any case, as
    in :func:`detect_format`), sorted, directory symlinks not followed.

    Broken symlinks are kept (reading them then fails with a message naming them); a
    subdirectory that cannot be listed is an error rather than silently left out.
    """
    def fail(exc):
        raise InputError(exc.filename or root, f"cannot list directory ({exc.strerror})")

    found = []
    for dirpath, _dirs, names in os.walk(root, onerror=fail):
        for name in names:
            p = Path(dirpath) / name
            if name.lower().endswith(".txt") and (p.is_file() or (p.is_symlink()
                                                                  and not p.exists())):
                found.append(p)
    return sorted(found)


def read_pages(paths: str | PathLike | Iterable[str | PathLike],
               options: ReadOptions | None = None, *, fmt: str | None = None,
               skips=None) -> Iterator[Page]:
    """Yield every page of every input in order.

    Parameters
    ----------
    paths : iterable of str or Path
        Files, directories (every ``.txt`` below, sorted) or ``-`` for stdin.
    options : ReadOptions, optional
    fmt : str, optional
        Force one of :data:`FORMAT_NAMES` instead of guessing from each file name.
    skips : Skips, optional
        Collects the records skipped with ``on_error="skip"``.
    """
    if isinstance(paths, (str, Path)):
        paths = [paths]
    options = options or ReadOptions()
    for path, _root in expand_inputs(paths):
        yield from read_file(path, options, fmt=fmt, skips=skips)


def read_file(path, options=None, *, fmt=None, skips=None):
    """Yield the pages of one input file (see :func:`read_pages`)."""
    options = options or ReadOptions()
    fmt = fmt or detect_format(path)
    if fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r}; expected one of {FORMAT_NAMES}")
    dataset = dataset_parts(path) if os.path.isdir(path) else None
    if dataset:
        for part in dataset[1]:
            yield from read_file(part, options, fmt=fmt, skips=skips)
        return
    try:
        yield from _reader(fmt)(str(path), options, skips)
    except FileNotFoundError:
        broken = Path(path).is_symlink()
        raise InputError(path, "is a broken symbolic link" if broken
                         else "no such file or directory") from None
    except IsADirectoryError:
        raise InputError(path, "is a directory; give a file or a directory of .txt files") from None
    except PermissionError:
        raise InputError(path, "permission denied") from None
    except OSError as exc:  # a symlink loop, an I/O error, ...
        raise InputError(path, f"cannot read ({exc.strerror or exc})") from None


def read_labelled_pages(paths, options=None):
    """Yield pages with their ``labels`` checked against their lines.

    The format is that of ``shared/data``: a page record with a ``labels`` list aligned with
    ``text.split("\\n")``, each ``"content"``, ``"boilerplate"`` or null.
    """
    if isinstance(paths, (str, Path)):
        paths = [paths]
    options = options or ReadOptions()
    for path, _root in expand_inputs(paths):
        for page in read_file(path, options):
            labels = page.meta.pop(LABELS_FIELD, None)
            if not isinstance(labels, list):
                raise InputError(path, f"page {page.id} has no 'labels' list")
            page.labels = labels
            try:
                page.check_labels()
            except ValueError as exc:
                raise InputError(path, str(exc)) from None
            yield page


class RecordWriter:
    """The one writer of outputs: records (dicts) to JSONL(.gz) or Parquet, or text (str) to
    a ``.txt`` file; ``path=None`` writes to stdout.

    Use as a context manager. The file appears at `path` only when the block completed, the
    writer closed cleanly and its bytes were fsynced (:func:`~linesift.formats.atomic.
    atomic_path`); otherwise the temporary file is removed and whatever was at `path` stays
    as it was. A failure to write (no space, no permission, a value the format cannot hold)
    is an :class:`~linesift.errors.OutputError` naming `path`.

    Parameters
    ----------
    path : str or Path, optional
    fmt : {"jsonl", "parquet", "txt"}, optional
        Default: from the file name (a ``.txt`` or unknown name is written as JSONL records
        unless ``fmt="txt"``).
    schema : pyarrow.Schema, optional
        Parquet column types to keep (see :class:`~linesift.formats.parquet.ParquetWriter`).
    """

    def __init__(self, path=None, fmt=None, *, schema=None):
        self.path = None if path in (None, STDIN) else Path(path)
        self.fmt = fmt or ("parquet" if self.path and output_format(self.path) == "parquet"
                           else "jsonl")
        self.schema = schema
        self.count = 0
        self._writer = self._ctx = None

    def __enter__(self):
        if self.path is None:
            self._writer = self._open(None).open()
            return self
        self._ctx = atomic_path(self.path)
        tmp = self._ctx.__enter__()
        try:
            self._writer = self._open(tmp).open()
        except BaseException as error:
            self._ctx.__exit__(type(error), error, error.__traceback__)
            self._raise_as_output_error(error)
            raise
        return self

    def _open(self, tmp):
        from .jsonl import JsonlWriter
        from .parquet import ParquetWriter
        from .text import TextWriter

        if self.fmt == "txt":
            return TextWriter(tmp)
        if tmp is None:
            return JsonlWriter(stream=sys.stdout)
        if self.fmt == "parquet":
            return ParquetWriter(tmp, schema=self.schema, name=self.path)
        return JsonlWriter(tmp, compress=self.path.name.lower().endswith(".gz"))

    def write(self, item):
        """Write one record (a dict), or for ``fmt="txt"`` a string as it is."""
        self.count += 1
        try:
            self._writer.write(item)
        except (OSError, TypeError, ValueError) as error:  # UnicodeError is a ValueError
            self._raise_as_output_error(error, record=self.count)
            raise

    def __exit__(self, exc_type, exc, tb):
        if self.path is None:
            if exc_type is None:
                self._writer.close()
            return False
        if exc_type is not None:
            self._writer.abort()
            self._ctx.__exit__(exc_type, exc, tb)
            return False
        try:
            self._writer.close()
        except BaseException as error:
            self._writer.abort()
            self._ctx.__exit__(type(error), error, error.__traceback__)
            self._raise_as_output_error(error)
            raise
        self._ctx.__exit__(None, None, None)
        return False

    def _raise_as_output_error(self, error, record=None):
        """Raise `error` as an OutputError naming the output (the temporary file's name means
        nothing to the user). Errors that are not about writing pass, and so does a broken
        pipe on stdout (the reader went away: not an error)."""
        if isinstance(error, (OutputError, BrokenPipeError)) or not isinstance(
                error, (OSError, TypeError, ValueError)):
            return
        shown = self.path if self.path is not None else "<stdout>"
        if isinstance(error, OSError):  # pyarrow's errors carry the errno in their text only
            errno = error.errno or _errno_in(str(error))
            raise OutputError(shown, os.strerror(errno) if errno else error.strerror or error
                              ) from None
        where = f"record {record}: " if record is not None else ""
        raise OutputError(shown, f"{where}cannot write it ({error})") from None


def _errno_in(message):
    """The errno a message names (``... [errno 28] ...``), or None."""
    match = re.search(r"\[errno (\d+)\]", message, re.IGNORECASE)
    return int(match.group(1)) if match else None


def write_labelled_pages(pages, path):
    """Write labelled pages (the ``shared/data`` format) to JSONL(.gz) or Parquet; returns
    how many."""
    with RecordWriter(path) as writer:
        for page in pages:
            page.check_labels()
            record = page_record(page)
            record[LABELS_FIELD] = list(page.labels)
            writer.write(record)
    return writer.count


__all__ = ["FORMATS", "FORMAT_NAMES", "Format", "ID_FIELD", "LABELS_FIELD", "ON_ERROR_CHOICES",
           "RecordWriter", "ReadOptions", "STDIN", "Skips", "TEXT_FIELD", "atomic_path",
           "dataset_parts", "dataset_suffix", "detect_format", "expand_inputs",
           "known_page_count", "output_format", "page_from_record", "page_record",
           "read_file", "read_labelled_pages", "read_pages", "split_suffix",
           "write_atomic_bytes", "write_atomic_text", "write_labelled_pages"]
