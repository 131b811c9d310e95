"""Plain-text pages: a ``.txt`` file (or stdin) is one page; decoding bytes into text.

A page's bytes are UTF-8 (a BOM is dropped), else the encoding given, else the one detected.
"""

import codecs
import re
import sys

from ..errors import InputError
from ..pages import Page
from .options import STDIN


def read_txt(path, options, skips=None):
    """Yield the one page of a ``.txt`` file or of stdin; its id is the path as given (bytes
    of a file name that are not UTF-8 shown as ``\\xNN``)."""
    if path == STDIN:
        data = sys.stdin.buffer.read()
    else:
        with open(path, "rb") as fh:
            data = fh.read()
    text = decode_text(data, path, options.encoding, skips=skips)
    del data  # not kept alive while the page is being scored
    yield Page(id=display_path(path), text=text, meta={})


def display_path(path):
    """`path` as text that any UTF-8 output can hold: a file name's bytes that are not UTF-8
    (which Python keeps as lone surrogates) become ``\\xNN``."""
    path = str(path)
    try:
        path.encode("utf-8")
        return path
    except UnicodeEncodeError:
        return path.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")


class TextWriter:
    """Write text as UTF-8 with LF line ends to a file, or to stdout for None."""

    def __init__(self, path=None):
        self.path = path
        self._fh = None

    def open(self):
        self._fh = sys.stdout if self.path is None else open(
            self.path, "w", encoding="utf-8", newline="\n")
        return self

    def write(self, text):
        self._fh.write(text)

    def close(self):
        if self.path is None:
            self._fh.flush()
        else:
            self._fh.close()

    def abort(self):
        if self.path is not None and self._fh is not None:
            try:
                self._fh.close()
            except Exception:  # the output is discarded anyway
                pass


def decode_text(data, path, encoding=None, skips=None):
    """Decode bytes of a text file, deciding once for the whole file.

    - A BOM is dropped (with `encoding` a UTF-8 name too).
    - `encoding` given: that encoding, strictly.
    - UTF-8 if the bytes are UTF-8. If they are *almost* UTF-8 (more valid multi-byte UTF-8
      characters than invalid sequences: a UTF-8 page with a stray byte), they are read as
      UTF-8, each invalid sequence becomes U+FFFD, and a note goes to `skips` (the page is
      not re-decoded as a legacy charset, which would turn every accented letter into
      mojibake).
    - Otherwise the encoding is detected (:func:`_decode_detected`).
    """
    if encoding:
        if data.startswith(b"\xef\xbb\xbf") and _is_utf8_name(encoding):
            data = data[3:]
        try:
            return data.decode(encoding)
        except (LookupError, UnicodeDecodeError) as exc:
            raise InputError(path, f"cannot decode as {encoding}: {exc}") from None
    bom = 3 if data.startswith(b"\xef\xbb\xbf") else 0
    data = data[bom:]
    binary = looks_binary(data)
    if binary and data.startswith(b"\x1f\x8b"):
        raise InputError(path, "is gzip-compressed, not text: decompress it (gunzip), or give "
                               "pages as JSON Lines named .jsonl.gz")
    if binary:
        raise InputError(path, f"looks like a binary file ({binary}), not text",
                         hint="binary" if "control bytes" in binary else None)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        first_bad = bom + exc.start  # a byte offset in the file
    almost = _almost_utf8(data)
    if almost is not None:
        text, bad = almost
        if skips is not None:
            skips.note(display_path(path), f"{bad} invalid UTF-8 sequence"
                                           f"{'s' if bad > 1 else ''} (the first at byte "
                                           f"{first_bad}) read as U+FFFD")
        return text
    return _decode_detected(data, path)


UTF8_MAJORITY = 1
"""A file that is not valid UTF-8 is read as UTF-8 (bad bytes replaced) when it holds more
than this many valid multi-byte UTF-8 characters per invalid byte. Legacy single-byte text
has next to no valid multi-byte sequences (an accented letter is one byte followed by ASCII),
so any majority tells them apart; raise it to send more files to charset detection."""


def _almost_utf8(data):
    """(text, invalid sequences) when `data` is mostly UTF-8, else None."""
    text = data.decode("utf-8", errors="replace")
    replaced = text.count("\ufffd") - data.count(b"\xef\xbf\xbd")  # U+FFFD in the file: not bad
    multibyte = len(text) - len(text.encode("ascii", "ignore").decode("ascii")) - replaced
    if replaced > 0 and multibyte > UTF8_MAJORITY * replaced:
        return text, replaced
    return None


def _is_utf8_name(encoding):
    try:
        return codecs.lookup(encoding).name == "utf-8"
    except LookupError:
        return False


BINARY_CONTROL_SHARE = 0.05
"""Share of control bytes (NUL and other C0 codes except whitespace and ESC) in a file's first
8 KiB above which it is binary. Text has next to none; compressed or random bytes about 10%."""
_CONTROL_BYTES = bytes([*range(0x00, 0x09), *range(0x0E, 0x1B), *range(0x1C, 0x20)])
_BINARY_SIGNATURES = {b"\x1f\x8b": "gzip", b"PK\x03\x04": "zip", b"\x89PNG": "PNG",
                      b"\xff\xd8\xff": "JPEG", b"GIF8": "GIF", b"%PDF-": "PDF", b"\x7fELF": "ELF",
                      b"\xfd7zXZ\x00": "xz", b"\x28\xb5\x2f\xfd": "zstd"}


def looks_binary(data, sample=8192):
    """None for text, else what the bytes look like ("gzip data", "PNG data", "12% control
    bytes")."""
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
        raise InputError(path, "is not UTF-8 and its encoding could not be detected",
                         hint="encoding")
    return guessed


_IN_WORD_SYMBOL = re.compile(r"(?<=[^\W\d_])[^\w\s'’\-.,;:!?()\"](?=[^\W\d_])")
_ALL_ACCENTED_WORD = re.compile(r"\b[\u00c0-\u00ff]{3,}\b")


def _mojibake_score(text):
    """Signs of a wrong single-byte decoding: symbols inside words, words of accents only."""
    sample = text[:200_000]
    return len(_IN_WORD_SYMBOL.findall(sample)) + 3 * len(_ALL_ACCENTED_WORD.findall(sample))
