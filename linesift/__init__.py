"""linesift: find the ads and boilerplate in scraped web pages, line by line."""

__version__ = "0.1.0"

from .errors import InputError, LinesiftError, ModelError  # noqa: E402
from .frame import lines_frame  # noqa: E402
from .labels import BOILERPLATE, CONTENT, LABELS  # noqa: E402
from .lines import join_lines, split_lines  # noqa: E402
from .pages import Page  # noqa: E402
from .readers import ReadOptions, read_labelled_pages, read_pages  # noqa: E402
from .sift import SiftedPage, Sifter, load  # noqa: E402
from .sitestats import SiteStats, count_site_lines  # noqa: E402
from .writers import write_labelled_pages  # noqa: E402

__all__ = ["BOILERPLATE", "CONTENT", "LABELS", "InputError", "LinesiftError", "ModelError",
           "Page", "ReadOptions", "SiftedPage", "Sifter", "SiteStats", "count_site_lines", "join_lines", "lines_frame", "load",
           "read_labelled_pages", "read_pages", "split_lines", "write_labelled_pages"]
