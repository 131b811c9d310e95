"""The model's recipe: which feature steps run before the classifier, in which order, and the
options the shipped default model is trained with (:data:`DEFAULT_RECIPE`)."""

from dataclasses import asdict, dataclass, fields, replace


@dataclass(frozen=True)
class Recipe:
    """How a model is trained: the options of :func:`build_pipeline` and of the training data.

    The field defaults are the plain recipe (every option off); :data:`DEFAULT_RECIPE` holds the
    values the shipped model is trained with, and ``linesift train`` starts from it.

    Parameters
    ----------
    unlabel_trailing_prose : bool
        Fit on :func:`linesift.train.data.unlabel_trailing_prose` labels: sentence-like
        boilerplate after a page's last content line (mostly user comments) is context only.
    balance_sources : float
        Weigh each source by its labelled lines to the power ``-balance_sources`` (0: every
        line the same, 1: every source the same; :func:`linesift.train.data.source_weights`).
    page_relative : bool
        Add each line's features against its page's mean (:class:`PageRelative`).
    ngram_min_sites : int or None
        Keep only the word n-grams found on at least this many training sites; None hashes
        every n-gram. Training on fewer sites lowers it (see ``linesift.train.fit``).
    site_stats : bool
        Learn from how many pages of a site carry each line (:class:`SiteRepetition`); the
        model then needs such counts to filter.
    """

    unlabel_trailing_prose: bool = False
    balance_sources: float = 0.0
    page_relative: bool = False
    ngram_min_sites: int | None = None
    site_stats: bool = False

    def with_options(self, **options):
        """A copy with the given options changed; options given as None keep this recipe's."""
        known = {f.name for f in fields(self)}
        unknown = set(options) - known
        if unknown:
            raise TypeError(f"unknown recipe options {sorted(unknown)}; known: {sorted(known)}")
        return replace(self, **{k: v for k, v in options.items() if v is not None})

    def pipeline(self):
        """The unfitted pipeline of this recipe (:func:`build_pipeline`)."""
        return build_pipeline(site_stats=self.site_stats, page_relative=self.page_relative,
                              ngram_min_sites=self.ngram_min_sites)

    def as_dict(self):
        return asdict(self)


DEFAULT_RECIPE = Recipe(
    unlabel_trailing_prose=True,
    balance_sources=0.5,
    page_relative=True,
    ngram_min_sites=10,
    site_stats=False,
)
"""The shipped model's recipe: what ``make default-model`` and ``linesift train`` without
options train. Measured as a set (README, *The default model*; bench/RESULTS.md): change the
values here, and only here, when a better recipe is measured."""


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
    # imported here: the CLI reads DEFAULT_RECIPE for its help without loading scikit-learn
    from sklearn.pipeline import Pipeline

    from .classifier import ContextClassifier
    from .features import (LineShape, NeighbourFeatures, PagePosition, PageRelative,
                           SiteRepetition, StopwordDensity, TokenRepetition)

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
