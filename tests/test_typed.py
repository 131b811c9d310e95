"""The public API carries type hints, and the package says so (py.typed)."""

import collections.abc
import inspect
import typing
from pathlib import Path

import linesift
from linesift import Page, Sifter, SiftedPage


def test_the_package_is_marked_typed():
    assert (Path(linesift.__file__).parent / "py.typed").is_file()


def test_the_public_calls_are_annotated():
    for call in (linesift.load, linesift.read_pages, Sifter.sift_pages, Sifter.clean,
                 Sifter.keep, Sifter.score, Sifter.clean_many, Page.nonblank_line_nos):
        signature = inspect.signature(call)
        missing = [name for name, p in signature.parameters.items()
                   if name != "self" and p.annotation is inspect.Parameter.empty
                   and name not in ("skips", "site_stats")]
        assert not missing, (call.__qualname__, missing)
        assert signature.return_annotation is not inspect.Signature.empty, call.__qualname__


def test_the_hints_resolve():
    """Every hint names something real (postponed annotations are checked only here)."""
    assert typing.get_type_hints(linesift.load)["return"] is Sifter
    assert typing.get_type_hints(Sifter.sift_pages)["return"] == collections.abc.Iterator[SiftedPage]
    assert typing.get_type_hints(Sifter.clean)["return"] is str
    assert typing.get_type_hints(Page)["labels"] == (list[str | None] | None)
    hints = typing.get_type_hints(linesift.read_pages)
    assert hints["return"] == collections.abc.Iterator[Page]
