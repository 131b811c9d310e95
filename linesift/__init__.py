"""linesift: find the ads and boilerplate in scraped web pages, line by line."""

__version__ = "0.1.0"

from .errors import InputError, LinesiftError, ModelError  # noqa: E402
from .labels import BOILERPLATE, CONTENT, LABELS  # noqa: E402
from .lines import join_lines, split_lines  # noqa: E402
from .pages import Page  # noqa: E402
from .readers import ReadOptions, read_labelled_pages, read_pages  # noqa: E402
from .writers import write_labelled_pages  # noqa: E402

_LAZY = {"lines_frame": "frame", "SiftedPage": "sift", "Sifter": "sift", "load": "sift",
         "SiteStats": "features", "count_site_lines": "features"}
"""Names whose modules import scikit-learn or pandas (a second or more): imported on first
use, so `import linesift`, the readers and `linesift --help` start at once."""

__all__ = ["BOILERPLATE", "CONTENT", "LABELS", "InputError", "LinesiftError", "ModelError",
           "Page", "ReadOptions", "SiftedPage", "Sifter", "SiteStats", "count_site_lines",
           "join_lines", "lines_frame", "load", "read_labelled_pages", "read_pages",
           "split_lines", "write_labelled_pages"]


def __getattr__(name):
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    from importlib import import_module

    value = getattr(import_module(f".{module}", __name__), name)
    globals()[name] = value
    return value


def __dir__():
    return sorted(set(globals()) | set(_LAZY))
