"""Feature steps over the lines table (:mod:`linesift.frame`), one per module.

The frame steps (:class:`~linesift.features.base.FrameStep`: shape, stopwords, repetition,
position, site, relative, cues, runs, comments, neighbours) take the lines table and return it
with feature columns added, so later steps build on earlier ones; :class:`LineText` turns the
text into word n-gram columns. All follow scikit-learn's estimator contract, and every feature
is defined for any language and script. What they compute is :mod:`linesift.columns`' (numpy
alone); the speed kernels under it are in :mod:`linesift._kernels`.

Models saved while the steps lived in one module name them ``linesift.features.LineShape``
and so on, in pickles and in ``.skops`` files: the names exported here keep those resolving.
"""

from ..lazy import lazy_attributes

_EXPORTS = {
    "MAX_FEATURE_CHARS": "base", "FrameStep": "base", "CueWords": "cues",
    "NeighbourFeatures": "neighbours", "PagePosition": "position", "BaseModelScores": "prior",
    "PageRelative": "relative", "TokenRepetition": "repetition", "LineShape": "shape",
    "SiteContext": "site", "SiteRepetition": "site", "SiteStats": "site",
    "count_site_lines": "site", "load_site_stats": "site", "site_rows": "site",
    "uses_site_stats": "site", "with_site_columns": "site", "StopwordDensity": "stopwords",
    "LineText": "text", "LineRuns": "runs", "CommentMarks": "comments",
}
"""Name -> module of the package's exports, imported on first use: the steps import
scikit-learn, and the modules of this package that do not (the site memory) are imported
without it."""

__all__ = sorted(_EXPORTS)


__getattr__, __dir__ = lazy_attributes(__name__, _EXPORTS, globals())
