"""Splitting a page into lines, the one way every part of linesift agrees on.

A page's lines are ``text.split("\\n")`` after CRLF and lone CR became ``\\n``. The index of
a line in that list is its ``line_no``; labels, scores, keep decisions and Label Studio tasks
all refer to it, blank lines included. Blank lines (only whitespace) are never classified.
"""

import re

_NEWLINES = re.compile(r"\r\n?")


def normalize_newlines(text):
    """Turn CRLF and lone CR into LF."""
    if "\r" not in text:
        return text
    return _NEWLINES.sub("\n", text)


def split_lines(text):
    """Split `text` into its lines; ``line_no`` is the index in the returned list.

    Parameters
    ----------
    text : str
        A page's text.

    Returns
    -------
    list of str
        ``normalize_newlines(text).split("\\n")``: an empty text has one empty line.
    """
    if not isinstance(text, str):
        raise TypeError(f"page text must be a str, got {type(text).__name__}")
    return normalize_newlines(text).split("\n")


def join_lines(lines):
    """Join lines back into a text; ``join_lines(split_lines(t)) == normalize_newlines(t)``."""
    if isinstance(lines, str):
        raise TypeError("an iterable of lines is expected, a single string was given")
    return "\n".join(lines)


def is_blank(line):
    """True for a line that holds nothing but whitespace; such lines are never classified."""
    return not line or line.isspace()
