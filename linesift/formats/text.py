"""Plain-text pages: a ``.txt`` file (or stdin) is one page; decoding bytes into text.

A page's bytes are UTF-8 (a BOM is dropped), else the encoding given, else the one detected.
"""

import re
import sys
from contextlib import contextmanager

from ..errors import InputError
from ..pages import Page
from .atomic import atomic_path
from .options import STDIN


def read_txt(path, options, skips=None):
    """Yield the one page of a ``.txt`` file or of stdin; its id is the path as given."""
    if path == STDIN:
        data = sys.stdin.buffer.read()
    else:
        with open(path, "rb") as fh:
            data = fh.read()
    text = decode_text(data, path, options.encoding)
    del data  # not kept alive while the page is being scored
    yield Page(id=path, text=text, meta={})


@contextmanager
def text_output(path):
    """A text stream to `path` (atomically) or stdout for None / '-'."""
    if path in (None, STDIN):
        yield sys.stdout
        sys.stdout.flush()
        return
    with atomic_path(path) as tmp:
        with open(tmp, "w", encoding="utf-8", newline="\n") as fh:
            yield fh


def decode_text(data, path, encoding=None):
    """Decode bytes of a text file: UTF-8 (BOM dropped) or a detected / given encoding."""
    if encoding:
        try:
            return data.decode(encoding)
        except (LookupError, UnicodeDecodeError) as exc:
            raise InputError(path, f"cannot decode as {encoding}: {exc}") from None
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    binary = looks_binary(data)
    if binary:
        raise InputError(path, f"looks like a binary file ({binary}), not text",
                         hint="binary")
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
