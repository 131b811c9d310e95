"""WARC and WET files (Common Crawl): each conversion, response or resource record is a page."""

import sys
from urllib.parse import urlsplit

from ..errors import InputError
from ..pages import Page
from .options import STDIN
from .text import decode_text

WARC_RECORD_TYPES = ("conversion", "response", "resource")


def read_warc(path, options, skips=None):
    """Yield a Page per record: its id and ``url`` the record's WARC-Target-URI, its ``domain``
    that URL's host, and ``warc_record_id`` its WARC-Record-ID."""
    from warcio.archiveiterator import ArchiveIterator

    stream = sys.stdin.buffer if path == STDIN else open(path, "rb")
    try:
        for record in ArchiveIterator(stream):
            if record.rec_type not in WARC_RECORD_TYPES:
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
