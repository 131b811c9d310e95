"""JSON Lines pages, plain or gzip-compressed: one page record per line."""

import base64
import codecs
import contextlib
import datetime
import decimal
import gzip
import io
import json
import re
import sys

from ..errors import InputError
from .options import STDIN
from .records import bad_record, page_from_record, text_hint, unreadable_rest
from .text import looks_binary

GZIP_MAGIC = b"\x1f\x8b"

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
    or as text for encodings whose newline is not the byte ``\\n`` (UTF-16, UTF-32).

    Whether a file is gzip-compressed is decided by its first bytes, not its name: gzip data
    named ``.jsonl`` is read as ``.jsonl.gz`` (and a ``.jsonl.gz`` that is plain text as it
    is); any other binary signature is an error.
    """
    if path == STDIN:
        fh = sys.stdin.buffer
    else:
        with open(path, "rb") as probe:
            head = probe.read(8192)
        if head.startswith(GZIP_MAGIC):
            fh = gzip.open(path, "rb")
        else:
            binary = looks_binary(head)
            if binary and not (options.encoding and _wide_encoding(options.encoding)):
                raise InputError(path, f"looks like a binary file ({binary}), not JSON Lines",
                                 hint="binary" if "control bytes" in binary else None)
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
        line = _decode_line(raw, line_no, options.encoding)
        record = _DECODER.decode(line)
        if not isinstance(record, dict):
            raise ValueError(f"expected a JSON object, got {type(record).__name__}")
        if _ESCAPED_SURROGATE.search(line):
            _check_surrogates(record)
        return page_from_record(record, options, default_id=f"{path}:{line_no}")
    except _Undecodable as exc:
        reason, hint = str(exc), "encoding"
    except RecursionError:
        reason = "malformed JSON (nested too deeply to read)"
    except ValueError as exc:
        reason = f"malformed JSON ({exc})" if isinstance(exc, json.JSONDecodeError) else str(exc)
        hint = text_hint(reason, options)
    return bad_record(path, line_no, reason, options, skips, hint=hint)


def _not_json(name):
    """NaN, Infinity and -Infinity, which Python's json reads but JSON has not: a record that
    holds one would be written back as something no other JSON reader takes."""
    raise ValueError(f"{name} is not a JSON value (a number or null is)")


_DECODER = json.JSONDecoder(parse_constant=_not_json)
"""One decoder for every record (``json.loads`` with an option builds one per call)."""

_ESCAPED_SURROGATE = re.compile(r"\\u[dD][89a-fA-F]")
"""A JSON escape of a UTF-16 surrogate: a pair is one character, a lone one is not text."""


def _check_surrogates(value, where=None):
    """ValueError naming the field that holds a lone surrogate (which no UTF-8 output can
    hold); pairs were already joined into one character by the JSON decoder."""
    if isinstance(value, str):
        try:
            value.encode("utf-8")
        except UnicodeEncodeError as exc:
            char = value[exc.start]
            raise ValueError(f"field {where!r} holds a lone surrogate \\u{ord(char):04x}, "
                             "which is not text") from None
    elif isinstance(value, dict):
        for key, item in value.items():
            _check_surrogates(key, where)
            _check_surrogates(item, key if where is None else f"{where}.{key}")
    elif isinstance(value, list):
        for item in value:
            _check_surrogates(item, where)


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


def json_value(value):
    """The JSON form of a value JSON has no type for (from a Parquet input): dates, times and
    timestamps as ISO 8601 strings, decimals as strings (exact), durations as seconds,
    binary as base64; TypeError for anything else."""
    if isinstance(value, (datetime.date, datetime.time)):  # datetime is a date
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return str(value)
    if isinstance(value, datetime.timedelta):
        return value.total_seconds()
    if isinstance(value, (bytes, bytearray)):
        return base64.b64encode(bytes(value)).decode("ascii")
    raise TypeError(f"a {type(value).__name__} value has no JSON form")


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
        self._fh.write(json.dumps(record, ensure_ascii=False, default=json_value) + "\n")

    def close(self):
        if self.path is None:
            self._fh.flush()
        else:
            self._fh.close()

    def abort(self):
        if self.path is not None and self._fh is not None:
            with contextlib.suppress(Exception):
                self._fh.close()
