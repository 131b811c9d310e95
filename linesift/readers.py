"""Reading pages from .txt files, directories, JSONL(.gz), Parquet, WARC/WET and stdin.

Every reader is a generator of :class:`~linesift.pages.Page`, so a crawl never has to fit in
memory. Errors are :class:`~linesift.errors.InputError` naming the file and, for record
formats, the line (JSONL) or row (Parquet).
"""

import gzip
import io
import json
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
            found = sorted(p for p in path.rglob("*.txt") if p.is_file())
            for p in found:
                yield str(p), path
        elif path.exists():
            yield raw, None
        else:
            raise InputError(raw, "no such file or directory")


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
        raise InputError(path, "no such file or directory") from None
    except IsADirectoryError:
        raise InputError(path, "is a directory; give a file or a directory of .txt files") from None
    except PermissionError:
        raise InputError(path, "permission denied") from None


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
    if _looks_binary(data):
        raise InputError(path, "looks like a binary file, not text")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    return _decode_detected(data, path)


def _looks_binary(data, sample=8192):
    head = data[:sample]
    if not head:
        return False
    nul = head.count(b"\x00")
    if nul == 0:
        return False
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):  # UTF-16 with a BOM
        return False
    return nul / len(head) > 0.10


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
    yield Page(id=path, text=decode_text(data, path, options.encoding), meta={})


# --- JSONL ----------------------------------------------------------------------------------

def _open_lines(path, options):
    if path == STDIN:
        return io.TextIOWrapper(sys.stdin.buffer, encoding=options.encoding or "utf-8")
    if str(path).lower().endswith(".gz"):
        return gzip.open(path, "rt", encoding=options.encoding or "utf-8")
    return open(path, encoding=options.encoding or "utf-8")


def _read_jsonl(path, options):
    with _open_lines(path, options) as fh:
        line_no = 0
        while True:
            try:
                raw = fh.readline()
            except UnicodeDecodeError as exc:
                raise InputError(path, f"not valid UTF-8 ({exc.reason}); pass --encoding",
                                 line=line_no + 1) from None
            except (OSError, EOFError) as exc:  # truncated or corrupt gzip
                raise InputError(path, f"cannot read: {exc}", line=line_no + 1) from None
            if not raw:
                return
            line_no += 1
            if not raw.strip():
                continue
            page = _record_to_page(raw, path, line_no, options)
            if page is not None:
                yield page


def _record_to_page(raw, path, line_no, options):
    try:
        record = json.loads(raw)
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
    for batch in parquet.iter_batches(batch_size=PARQUET_BATCH_ROWS):
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
