"""Feature steps over the lines table (:mod:`linesift.frame`), one per module.

The frame steps (:class:`~linesift.features.base.FrameStep`: shape, stopwords, repetition,
position, site, relative, cues, neighbours) take the lines table and return it with feature columns
added, so later steps build on earlier ones; :class:`LineText` turns the text into word
n-gram columns. All follow scikit-learn's estimator contract, and every feature is defined for
any language and script. The speed kernels they rest on are in :mod:`linesift._kernels`.

Models saved while the steps lived in one module name them ``linesift.features.LineShape``
and so on, in pickles and in ``.skops`` files: the names exported here keep those resolving.
"""

from .base import MAX_FEATURE_CHARS, FrameStep
from .cues import CueWords
from .neighbours import NeighbourFeatures
from .position import PagePosition
from .prior import BaseModelScores
from .relative import PageRelative
from .repetition import TokenRepetition
from .shape import LineShape
from .site import (SiteContext, SiteRepetition, SiteStats, count_site_lines, load_site_stats, site_rows,
                   uses_site_stats, with_site_columns)
from .stopwords import StopwordDensity
from .text import LineText

__all__ = ["MAX_FEATURE_CHARS", "BaseModelScores", "CueWords", "FrameStep", "LineShape", "LineText", "NeighbourFeatures",
           "PagePosition", "PageRelative", "SiteContext", "SiteRepetition", "SiteStats", "StopwordDensity",
           "TokenRepetition", "count_site_lines", "load_site_stats", "site_rows",
           "uses_site_stats", "with_site_columns"]
