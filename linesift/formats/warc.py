"""WARC and WET files (Common Crawl): each plain-text conversion, response or resource record
is a page.

linesift classifies lines of text, so a record is a page only when it holds plain text: a WET
``conversion`` record, or a ``response`` / ``resource`` record whose content type is
``text/plain`` (or not given). Other records with a payload (HTML, images, PDFs) are left out
and counted in a note per file, never scored as text. A record shorter than its
Content-Length, or without WARC headers where one should start (a file cut inside a record,
or a corrupt gzip member), is an error, or with ``on_error="skip"`` the rest of the file is
one skipped record: never a silent short read.
"""

import sys
from collections import Counter
from urllib.parse import urlsplit

from ..errors import InputError
from ..pages import Page
from .options import STDIN
from .records import unreadable_rest
from .text import decode_text

WARC_RECORD_TYPES = ("conversion", "response", "resource")
TEXT_TYPES = ("text/plain",)
"""Payload content types read as pages (a record without one is read as text too)."""


class _Truncated(Exception):
    """A record that ends before its Content-Length, or a record without headers."""


def read_warc(path, options, skips=None):
    """Yield a Page per plain-text record: its id and ``url`` the record's WARC-Target-URI,
    its ``domain`` that URL's host, and ``warc_record_id`` its WARC-Record-ID."""
    from warcio.archiveiterator import ArchiveIterator

    stream = sys.stdin.buffer if path == STDIN else open(path, "rb")
    left_out = Counter()
    done = 0
    try:
        for record in ArchiveIterator(stream):
            if record.rec_type not in WARC_RECORD_TYPES:
                continue
            url = record.rec_headers.get_header("WARC-Target-URI") or ""
            data = _payload(record, done + 1)
            kind = _content_type(record)
            if kind and kind not in TEXT_TYPES:
                left_out[kind] += 1
                done += 1
                continue
            text = decode_text(data, f"{path} [{url}]", options.encoding, skips=skips)
            meta = {"url": url, "domain": urlsplit(url).hostname,
                    "warc_record_id": record.rec_headers.get_header("WARC-Record-ID")}
            done += 1
            yield Page(id=url or record.rec_headers.get_header("WARC-Record-ID"),
                       text=text, meta=meta)
    except InputError:
        raise
    except _Truncated as exc:
        unreadable_rest(path, done, exc, options, skips, unit="record")
    except Exception as exc:  # warcio raises a variety of parse errors
        if isinstance(exc, (FileNotFoundError, PermissionError)):
            raise
        raise InputError(path, f"not a readable WARC file ({exc})") from None
    finally:
        if stream is not sys.stdin.buffer:
            stream.close()
        if left_out and skips is not None:
            kinds = ", ".join(f"{n} {kind}" for kind, n in left_out.most_common())
            total = sum(left_out.values())
            skips.note(path, f"left out {total} WARC record{'s' if total > 1 else ''} that "
                             f"{'are' if total > 1 else 'is'} not plain text ({kinds})")


def _payload(record, number):
    """The record's payload, checking that the whole record was there."""
    if record.length is None:
        raise _Truncated(f"record {number} has no WARC headers: the file is cut or corrupt")
    data = record.content_stream().read()
    missing = getattr(record.raw_stream, "limit", 0)
    if missing:
        raise _Truncated(f"record {number} ends {missing} bytes before its Content-Length: "
                         "the file is cut")
    return data


def _content_type(record):
    """The payload's media type in lower case, without parameters ('' when not given)."""
    headers = record.http_headers if record.rec_type == "response" else None
    value = (headers.get_header("Content-Type") if headers is not None
             else record.rec_headers.get_header("Content-Type")) or ""
    if record.rec_type == "conversion" and not value:
        return ""
    if record.rec_type == "response" and headers is None:
        value = ""  # not an HTTP response: its WARC content type is application/http...
    return value.split(";")[0].strip().lower()
