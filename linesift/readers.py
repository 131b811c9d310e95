"""Reading pages from .txt files, directories, JSONL(.gz), Parquet, WARC/WET and stdin.

Every reader is a generator of :class:`~linesift.pages.Page`, so a crawl never has to fit in
memory. Errors are :class:`~linesift.errors.InputError` naming the file and, for record
formats, the line (JSONL) or row (Parquet).
"""

import codecs
import contextlib
import gzip
import io
import json
import os
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path

from .errors import InputError
from .pages import Page

ID_FIELD = "id"
TEXT_FIELD = "text"
LABELS_FIELD = "labels"
ON_ERROR_CHOICES = ("fail", "skip")
STDIN = "-"

_JSONL_SUFFIXES = (".jsonl", ".jsonl.gz", ".ndjson", ".ndjson.gz", ".json.gz", ".json")
_PARQUET_SUFFIXES = (".parquet", ".pq")
_WARC_SUFFIXES = (".warc", ".warc.gz", ".wet", ".wet.gz", ".warc.wet", ".warc.wet.gz")
_TEXT_SUFFIXES = (".txt",)
FORMATS = ("txt", "jsonl", "parquet", "warc")


@dataclass
class ReadOptions:
    """How to read records: field names, what to do on a bad record, and text encoding."""

    id_field: str = ID_FIELD
    text_field: str = TEXT_FIELD
    on_error: str = "fail"
    encoding: str | None = None
    skipped: list = field(default_factory=list)  # (path, line, reason) of skipped records

    def __post_init__(self):
        if self.on_error not in ON_ERROR_CHOICES:
            raise ValueError(f"on_error must be one of {ON_ERROR_CHOICES}, got {self.on_error!r}")


def detect_format(path):
    """Return 'txt', 'jsonl', 'parquet' or 'warc' from a file name (stdin is 'txt')."""
    name = str(path).lower()
    if name == STDIN:
        return "txt"
    for suffixes, fmt in (
        (_WARC_SUFFIXES, "warc"),
        (_JSONL_SUFFIXES, "jsonl"),
        (_PARQUET_SUFFIXES, "parquet"),
        (_TEXT_SUFFIXES, "txt"),
    ):
        if name.endswith(suffixes):
            return fmt
    return "txt"


def expand_inputs(paths):
    """Expand directories into their ``.txt`` files (sorted); keep other paths as given.

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
            for p in _txt_files(path):
                yield str(p), path
        elif path.exists() or path.is_symlink():  # a broken link fails when read, by name
            yield raw, None
        else:
            raise InputError(raw, "no such file or directory")


def _txt_files(root):
    """The ``.txt`` files below `root`, sorted, directory symlinks not followed.

    Broken symlinks are kept (reading them then fails with a message naming them); a
    subdirectory that cannot be listed is an error rather than silently left out.
    """
    def fail(exc):
        raise InputError(exc.filename or root, f"cannot list directory ({exc.strerror})")

    found = []
    for dirpath, _dirs, names in os.walk(root, onerror=fail):
        for name in names:
            p = Path(dirpath) / name
            if name.endswith(".txt") and (p.is_file() or (p.is_symlink() and not p.exists())):
                found.append(p)
    return sorted(found)


def read_pages(paths, options=None, *, fmt=None):
    """Yield every page of every input in order.

    Parameters
    ----------
    paths : iterable of str or Path
        Files, directories (every ``.txt`` below, sorted) or ``-`` for stdin.
    options : ReadOptions, optional
    fmt : str, optional
        Force one of ``FORMATS`` instead of guessing from each file name.
    """
    if isinstance(paths, (str, Path)):
        paths = [paths]
    options = options or ReadOptions()
    for path, _root in expand_inputs(paths):
        yield from read_file(path, options, fmt=fmt)


def read_file(path, options=None, *, fmt=None):
    """Yield the pages of one input file (see :func:`read_pages`)."""
    options = options or ReadOptions()
    fmt = fmt or detect_format(path)
    reader = {"txt": _read_txt, "jsonl": _read_jsonl, "parquet": _read_parquet,
              "warc": _read_warc}.get(fmt)
    if reader is None:
        raise ValueError(f"unknown format {fmt!r}; expected one of {FORMATS}")
    try:
        yield from reader(str(path), options)
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


# --- text -----------------------------------------------------------------------------------

def decode_text(data, path, encoding=None):
    """Decode bytes of a text file: UTF-8 (BOM dropped) or a detected / given encoding."""
    if encoding:
        try:
            return data.decode(encoding)
        except (LookupError, UnicodeDecodeError) as exc:
            raise InputError(path, f"cannot decode as {encoding}: {exc}") from None
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    binary = _looks_binary(data)
    if binary:
        raise InputError(path, f"looks like a binary file ({binary}), not text; if it is text "
                               "in another encoding, pass --encoding")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    return _decode_detected(data, path)


BINARY_CONTROL_SHARE = 0.05
"""Share of control bytes (NUL and other C0 codes except whitespace and ESC) in a file's first
8 KiB above which it is binary. Text has next to none; compressed or random bytes about 10%."""
_CONTROL_BYTES = bytes([*range(0x00, 0x09), *range(0x0E, 0x1B), *range(0x1C, 0x20)])
_BINARY_SIGNATURES = {b"\x1f\x8b": "gzip", b"PK\x03\x04": "zip", b"\x89PNG": "PNG",
                      b"\xff\xd8\xff": "JPEG", b"GIF8": "GIF", b"%PDF-": "PDF", b"\x7fELF": "ELF",
                      b"\xfd7zXZ\x00": "xz", b"\x28\xb5\x2f\xfd": "zstd"}


def _looks_binary(data, sample=8192):
    """None for text, else what the bytes look like ("gzip", "PNG", "12% control bytes")."""
    head = data[:sample]
    for magic, kind in _BINARY_SIGNATURES.items():
        if head.startswith(magic):
            return f"{kind} data"
    if not head or head.startswith((b"\xff\xfe", b"\xfe\xff")):  # empty; UTF-16 with a BOM
        return None
    control = len(head) - len(head.translate(None, _CONTROL_BYTES))
    if control / len(head) > BINARY_CONTROL_SHARE:
        return f"{control / len(head):.0%} control bytes"
    return None


def _decode_detected(data, path):
    """Decode non-UTF-8 bytes: charset-normalizer's guess, or cp1252 when that reads as well.

    Short Latin-script texts fool the detector (French cp1252 comes back as cp1257), while
    cp1252 is what most non-UTF-8 web pages use. So cp1252 wins unless its reading looks like
    mojibake: symbols inside words (Polish read as cp1252) or words made of accented letters
    only (Cyrillic or Greek read as cp1252).
    """
    from charset_normalizer import from_bytes

    best = from_bytes(data[: 1 << 20]).best()
    guessed = None
    if best is not None and best.encoding:
        try:
            guessed = data.decode(best.encoding)
        except (LookupError, UnicodeDecodeError):
            guessed = None
    try:
        latin = data.decode("cp1252")
    except UnicodeDecodeError:
        latin = None
    if latin is not None and (guessed is None or _mojibake_score(latin) <= _mojibake_score(guessed)):
        return latin
    if guessed is None:
        raise InputError(path, "is not UTF-8 and its encoding could not be detected; "
                               "pass --encoding (e.g. --encoding cp1252)")
    return guessed


_IN_WORD_SYMBOL = re.compile(r"(?<=[^\W\d_])[^\w\s'’\-.,;:!?()\"](?=[^\W\d_])")
_ALL_ACCENTED_WORD = re.compile(r"\b[\u00c0-\u00ff]{3,}\b")


def _mojibake_score(text):
    """Signs of a wrong single-byte decoding: symbols inside words, words of accents only."""
    sample = text[:200_000]
    return len(_IN_WORD_SYMBOL.findall(sample)) + 3 * len(_ALL_ACCENTED_WORD.findall(sample))


def _read_txt(path, options):
    if path == STDIN:
        data = sys.stdin.buffer.read()
    else:
        with open(path, "rb") as fh:
            data = fh.read()
    text = decode_text(data, path, options.encoding)
    del data  # not kept alive while the page is being scored
    yield Page(id=path, text=text, meta={})


# --- JSONL ----------------------------------------------------------------------------------

def _open_lines(path, options):
    """The file as bytes (lines are decoded one at a time, so a bad byte is found on its line),
    or as text for encodings whose newline is not the byte ``\\n`` (UTF-16, UTF-32)."""
    if path == STDIN:
        fh = sys.stdin.buffer
    elif str(path).lower().endswith(".gz"):
        fh = gzip.open(path, "rb")
    else:
        fh = open(path, "rb")
    if options.encoding and _wide_encoding(options.encoding):
        return io.TextIOWrapper(fh, encoding=options.encoding)
    return contextlib.nullcontext(fh) if path == STDIN else fh  # stdin is left open


def _wide_encoding(encoding):
    try:
        return codecs.lookup(encoding).name.startswith(("utf-16", "utf-32"))
    except LookupError:
        return False


def _read_jsonl(path, options):
    with _open_lines(path, options) as fh:
        line_no = 0
        while True:
            try:
                raw = fh.readline()
            except (OSError, EOFError) as exc:  # truncated or corrupt gzip
                _unreadable_rest(path, line_no, exc, options)
                return
            if not raw:
                return
            line_no += 1
            if not raw.strip():
                continue
            page = _record_to_page(raw, path, line_no, options)
            if page is not None:
                yield page


def _unreadable_rest(path, line_no, exc, options, unit="line"):
    """A file that breaks off after `line_no` lines or rows (a truncated gzip, a corrupt
    Parquet row group): with on_error="skip" and some read, the rest is one skipped record."""
    if line_no == 0 or options.on_error != "skip":
        where = f" past {unit} {line_no}" if line_no else ""
        raise InputError(path, f"cannot read{where} ({exc})") from None
    reason = " ".join(f"cannot read the rest of the file ({exc})".split())
    options.skipped.append((path, line_no + 1, reason))


def _decode_line(raw, line_no, encoding):
    if isinstance(raw, str):
        return raw
    if line_no == 1 and raw.startswith(codecs.BOM_UTF8) and _is_utf8(encoding):
        raw = raw[len(codecs.BOM_UTF8):]
    try:
        return raw.decode(encoding or "utf-8")
    except UnicodeDecodeError as exc:
        raise ValueError(f"not valid {encoding or 'UTF-8'} ({exc.reason}); pass --encoding") \
            from None
    except LookupError:
        raise ValueError(f"unknown encoding {encoding!r}") from None


def _is_utf8(encoding):
    try:
        return codecs.lookup(encoding or "utf-8").name == "utf-8"
    except LookupError:
        return False


def _record_to_page(raw, path, line_no, options):
    try:
        record = json.loads(_decode_line(raw, line_no, options.encoding))
        if not isinstance(record, dict):
            raise ValueError(f"expected a JSON object, got {type(record).__name__}")
        return page_from_record(record, options, default_id=f"{path}:{line_no}")
    except ValueError as exc:
        reason = f"malformed JSON ({exc})" if isinstance(exc, json.JSONDecodeError) else str(exc)
        if options.on_error == "skip":
            options.skipped.append((path, line_no, reason))
            return None
        raise InputError(path, reason, line=line_no) from None


def page_from_record(record, options, default_id=None):
    """Build a Page from a record (dict); raise ValueError when its text is missing or not a string."""
    if options.text_field not in record:
        raise ValueError(f"record has no {options.text_field!r} field (see --text-field)")
    text = record[options.text_field]
    if not isinstance(text, str):
        raise ValueError(f"field {options.text_field!r} is {type(text).__name__}, not a string")
    meta = {k: v for k, v in record.items() if k not in (options.id_field, options.text_field)}
    page_id = record.get(options.id_field)
    if page_id is None:
        page_id = default_id
    return Page(id=page_id, text=text, meta=meta)


# --- Parquet --------------------------------------------------------------------------------

PARQUET_BATCH_ROWS = 1024


def _read_parquet(path, options):
    import pyarrow as pa
    import pyarrow.parquet as pq

    source = sys.stdin.buffer if path == STDIN else path
    try:
        parquet = pq.ParquetFile(source)
    except (pa.ArrowInvalid, OSError) as exc:
        if isinstance(exc, FileNotFoundError):
            raise
        raise InputError(path, f"not a readable Parquet file ({exc})") from None
    names = parquet.schema_arrow.names
    if options.text_field not in names:
        raise InputError(path, f"has no {options.text_field!r} column (columns: "
                               f"{', '.join(names)}; see --text-field)")
    row = 0
    batches = parquet.iter_batches(batch_size=PARQUET_BATCH_ROWS)
    while True:
        try:
            batch = next(batches, None)
        except (pa.ArrowException, OSError) as exc:  # a corrupt row group
            _unreadable_rest(path, row, exc, options, unit="row")
            return
        if batch is None:
            return
        for record in batch.to_pylist():
            row += 1
            try:
                page = page_from_record(record, options, default_id=f"{path}:{row}")
            except ValueError as exc:
                if options.on_error == "skip":
                    options.skipped.append((path, row, str(exc)))
                    continue
                raise InputError(path, f"row {row}: {exc}") from None
            yield page


# --- WARC / WET -----------------------------------------------------------------------------

def _read_warc(path, options):
    from urllib.parse import urlsplit

    from warcio.archiveiterator import ArchiveIterator

    stream = sys.stdin.buffer if path == STDIN else open(path, "rb")
    try:
        for record in ArchiveIterator(stream):
            if record.rec_type not in ("conversion", "response", "resource"):
                continue
            url = record.rec_headers.get_header("WARC-Target-URI") or ""
            data = record.content_stream().read()
            text = decode_text(data, f"{path} [{url}]", options.encoding)
            meta = {"url": url, "domain": urlsplit(url).hostname,
                    "warc_record_id": record.rec_headers.get_header("WARC-Record-ID")}
            yield Page(id=url or record.rec_headers.get_header("WARC-Record-ID"),
                       text=text, meta=meta)
    except InputError:
        raise
    except Exception as exc:  # warcio raises a variety of parse errors
        if isinstance(exc, (FileNotFoundError, PermissionError)):
            raise
        raise InputError(path, f"not a readable WARC file ({exc})") from None
    finally:
        if stream is not sys.stdin.buffer:
            stream.close()
