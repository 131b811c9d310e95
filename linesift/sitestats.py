"""The counting pass of site statistics over input files, before filtering them.

The counts themselves, and the feature step that reads them, are in
:mod:`linesift.features.site`.
"""

from .features.site import SiteRepetition, count_site_lines  # noqa: F401

# SiteRepetition is imported here because models saved with site statistics name their step
# by this module's path (``linesift.sitestats.SiteRepetition``), in pickles and in .skops files.


def count_input_site_lines(paths, options=None, *, fmt=None, progress=None):
    """The counting pass over input files (a first pass before filtering them).

    Raises
    ------
    linesift.errors.LinesiftError
        For stdin, which can be read only once.
    """
    from dataclasses import replace

    from .errors import LinesiftError
    from .onerror import SkippableInput
    from .readers import STDIN, ReadOptions, detect_format, expand_inputs, read_file

    options = replace(options or ReadOptions(), skipped=[])  # skips are counted by the filter
    paths = [path for path, _ in expand_inputs(paths)]
    if STDIN in paths:
        raise LinesiftError(
            "counting site statistics reads the input twice and stdin can be read only once: "
            "save it to a file, or give counts from an earlier pass with --site-stats PATH")
    pages = (page for path in paths for page in SkippableInput(
        read_file(path, options, fmt=fmt or detect_format(path)), options.on_error))
    return count_site_lines(pages, progress=progress)
