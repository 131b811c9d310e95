"""The model's recipe: which feature steps run before the classifier, in which order."""

from sklearn.pipeline import Pipeline

from .classifier import ContextClassifier
from .features import (LineShape, NeighbourFeatures, PagePosition, PageRelative,
                       SiteRepetition, StopwordDensity, TokenRepetition)


def build_pipeline(*, site_stats=False, page_relative=False, ngram_min_sites=None):
    """The full model: frame feature steps, then the two-stage :class:`ContextClassifier`.

    Parameters
    ----------
    site_stats : bool
        Add a :class:`~linesift.features.SiteRepetition` step before "neighbours"; it reads
        the site counts that :func:`~linesift.features.site.with_site_columns` attaches.
    page_relative : bool
        Add a :class:`~linesift.features.PageRelative` step: each line's features against its
        page's mean.
    ngram_min_sites : int or None
        Passed to :class:`ContextClassifier`.
    """
    steps = [
        ("shape", LineShape()),
        ("stopwords", StopwordDensity()),
        ("repetition", TokenRepetition()),
        ("position", PagePosition()),
        *([("relative", PageRelative())] if page_relative else []),
        ("neighbours", NeighbourFeatures()),
        ("classify", ContextClassifier(ngram_min_sites=ngram_min_sites)),
    ]
    if site_stats:
        names = [name for name, _ in steps]
        steps.insert(names.index("neighbours"), ("site", SiteRepetition()))
    return Pipeline(steps)
