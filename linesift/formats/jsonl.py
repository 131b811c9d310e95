"""JSON Lines pages, plain or gzip-compressed: one page record per line."""

import codecs
import contextlib
import gzip
import io
import json
import sys

from .options import STDIN
from .records import bad_record, page_from_record, text_hint, unreadable_rest

GZIP_LEVEL = 4
"""Compression of .gz outputs: about twice as fast as gzip's default for a few percent more
bytes (bench/RESULTS.md)."""


def read_jsonl(path, options, skips=None):
    """Yield a Page per JSON object line; blank lines are skipped, bad lines fail or are
    skipped (see :class:`~linesift.formats.options.ReadOptions`)."""
    with _open_lines(path, options) as fh:
        line_no = 0
        while True:
            try:
                raw = fh.readline()
            except (OSError, EOFError) as exc:  # truncated or corrupt gzip
                unreadable_rest(path, line_no, exc, options, skips)
                return
            if not raw:
                return
            line_no += 1
            if not raw.strip():
                continue
            page = _record_to_page(raw, path, line_no, options, skips)
            if page is not None:
                yield page


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


def _record_to_page(raw, path, line_no, options, skips):
    hint = None
    try:
        record = json.loads(_decode_line(raw, line_no, options.encoding))
        if not isinstance(record, dict):
            raise ValueError(f"expected a JSON object, got {type(record).__name__}")
        return page_from_record(record, options, default_id=f"{path}:{line_no}")
    except _Undecodable as exc:
        reason, hint = str(exc), "encoding"
    except ValueError as exc:
        reason = f"malformed JSON ({exc})" if isinstance(exc, json.JSONDecodeError) else str(exc)
        hint = text_hint(reason, options)
    return bad_record(path, line_no, reason, options, skips, hint=hint)


class _Undecodable(ValueError):
    """A line that is not text in the expected encoding."""


def _decode_line(raw, line_no, encoding):
    if isinstance(raw, str):
        return raw
    if line_no == 1 and raw.startswith(codecs.BOM_UTF8) and _is_utf8(encoding):
        raw = raw[len(codecs.BOM_UTF8):]
    try:
        return raw.decode(encoding or "utf-8")
    except UnicodeDecodeError as exc:
        raise _Undecodable(f"not valid {encoding or 'UTF-8'} ({exc.reason})") from None
    except LookupError:
        raise _Undecodable(f"unknown encoding {encoding!r}") from None


def _is_utf8(encoding):
    try:
        return codecs.lookup(encoding or "utf-8").name == "utf-8"
    except LookupError:
        return False


class JsonlWriter:
    """Write records to a JSON Lines file (gzip-compressed with `compress`), or to a text
    stream already open (stdout)."""

    def __init__(self, path=None, stream=None, compress=False):
        self.path = path
        self.compress = compress
        self._fh = stream

    def open(self):
        if self._fh is None:
            if self.compress:
                self._fh = gzip.open(self.path, "wt", encoding="utf-8", compresslevel=GZIP_LEVEL)
            else:
                self._fh = open(self.path, "w", encoding="utf-8")
        return self

    def write(self, record):
        self._fh.write(json.dumps(record, ensure_ascii=False) + "\n")

    def close(self):
        if self.path is None:
            self._fh.flush()
        else:
            self._fh.close()

    def abort(self):
        if self.path is not None and self._fh is not None:
            with contextlib.suppress(Exception):
                self._fh.close()
