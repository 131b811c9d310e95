"""linesift: find the ads and boilerplate in scraped web pages, line by line.

How the code is laid out, each floor importing only the floors below it:

1. ``_kernels``: numpy speed kernels, each checked against its plain definition.
2. ``errors``, ``lazy``, ``labels``, ``lines``, ``pages``, ``frame`` and ``formats``: what a
   page and a line are, and where pages come from and go to.
3. ``columns``: what each feature computes, with numpy alone; the site counts.
4. ``features``: the feature steps over the lines table (scikit-learn transformers).
5. ``scorer``: the compact scorer, a fitted model as arrays scored with numpy alone.
6. ``classifier`` and ``recipe``: the staged classifier and the pipeline it ends.
7. ``model`` and ``card``: saving, loading and trusting a model.
8. ``sift``: :class:`Sifter`, the one batch call everything scores through.
9. ``run`` and ``explain``: the filtering job and its backends; why a line was dropped.
10. ``train`` and ``annotate``: fitting and evaluating models; Label Studio.
11. ``cli``: the command line, the only floor that imports train and annotate.
"""

__version__ = "0.1.0"

from .errors import InputError, LinesiftError, ModelError, OutputError  # noqa: E402
from .formats import ReadOptions, read_labelled_pages, read_pages, write_labelled_pages  # noqa
from .labels import BOILERPLATE, CONTENT, LABELS  # noqa: E402
from .lazy import lazy_attributes  # noqa: E402
from .lines import join_lines, split_lines  # noqa: E402
from .pages import Page  # noqa: E402

_LAZY = {"lines_frame": "frame", "SiftedPage": "sift", "Sifter": "sift", "load": "sift",
         "SiteStats": "columns.site", "count_site_lines": "columns.site"}
"""Names whose modules import numpy (and for `lines_frame`, pandas): imported on first use, so
`import linesift`, the readers and `linesift --help` start at once."""

__all__ = ["BOILERPLATE", "CONTENT", "LABELS", "InputError", "LinesiftError", "ModelError",
           "OutputError", "Page", "ReadOptions", "SiftedPage", "Sifter", "SiteStats",
           "count_site_lines", "join_lines", "lines_frame", "load", "read_labelled_pages",
           "read_pages", "split_lines", "write_labelled_pages"]

__getattr__, __dir__ = lazy_attributes(__name__, _LAZY, globals())
