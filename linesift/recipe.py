"""The model's recipe: which feature steps run before the classifier, in which order, and the
options the shipped default model is trained with (:data:`DEFAULT_RECIPE`)."""

from dataclasses import asdict, dataclass, fields, replace

CV_FOLDS = 5
"""Cross-validation folds of ``linesift train``, ``train --base`` and ``labels audit`` when
none are given."""


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
        Learn from how many pages of a site carry each line (:class:`SiteContext`); the model
        then needs such counts to filter, and ``linesift filter`` counts them over its input.
    site_single_share : float
        With `site_stats`, count this share of the training sites page by page
        (:func:`linesift.train.sites.mixed_site_columns`), so the model also learns pages
        filtered alone, where the counts say nothing.
    align_definition : bool
        Make the content labels the shared sources give against the settled definition
        (comment sections, bylines, datelines, captions) context only
        (:func:`linesift.train.align.align_with_definition`).
    glue_lines : bool
        Add synthetic lines made of a run of adjacent boilerplate lines glued together, as
        naive scrapers make them (:func:`linesift.train.augment.glue_boilerplate_runs`).
    cue_features : bool
        Add boilerplate cue words per concept in some 20 languages (:class:`CueWords`).
    article_span : bool
        Give stage two where each line lies against its page's article span
        (:func:`linesift.scorer.article_span`).
    line_runs : bool
        Add the runs of similarly shaped lines each line belongs to (:class:`LineRuns`).
    teaser_runs : bool
        With `line_runs`, also the runs of lines shaped like the line two before: blocks of
        teasers, a headline and its summary again and again.
    comment_marks : bool
        Add comment headers and commenters' lines, how many came before each line on its
        page, and time-stamped lines around it (:class:`CommentMarks`).
    comment_mentions : bool
        With `comment_marks`, also the lines that mention comments in any wording and how many
        came before each line on its page (``CommentMarks(mentions=True)``); implies
        `comment_marks`.
    refine : bool
        Add a third stage over the context of stage two's scores (``ContextClassifier``'s
        ``refine``).
    refine_blend : float
        With `refine`, the final score is this share of stage two's score plus the rest of
        stage three's (``ContextClassifier``'s ``refine_blend``): pages alone flip less from
        one fit to the next.
    """

    unlabel_trailing_prose: bool = False
    balance_sources: float = 0.0
    page_relative: bool = False
    ngram_min_sites: int | None = None
    site_stats: bool = False
    site_single_share: float = 0.0
    align_definition: bool = False
    glue_lines: bool = False
    cue_features: bool = False
    article_span: bool = False
    line_runs: bool = False
    teaser_runs: bool = False
    comment_marks: bool = False
    comment_mentions: bool = False
    refine: bool = False
    refine_blend: float = 0.0

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
                              ngram_min_sites=self.ngram_min_sites,
                              cue_features=self.cue_features, article_span=self.article_span,
                              line_runs=self.line_runs, teaser_runs=self.teaser_runs,
                              comment_marks=self.comment_marks,
                              comment_mentions=self.comment_mentions, refine=self.refine,
                              refine_blend=self.refine_blend)

    def as_dict(self):
        return asdict(self)


DEFAULT_RECIPE = Recipe(
    unlabel_trailing_prose=False,  # align_definition nulls comment sections by their heading
    balance_sources=0.5,
    page_relative=True,
    ngram_min_sites=10,
    site_stats=True,
    site_single_share=0.5,
    align_definition=True,
    glue_lines=True,
    cue_features=True,
    article_span=True,
    line_runs=True,
    comment_marks=True,
    comment_mentions=True,
    refine=True,
    refine_blend=0.5,
)
"""The shipped model's recipe: what ``make default-model`` and ``linesift train`` without
options train. Measured as a set (README, *The default model*; bench/RESULTS.md): change the
values here, and only here, when a better recipe is measured."""


def build_pipeline(*, site_stats=False, page_relative=False, ngram_min_sites=None,
                   cue_features=False, article_span=False, line_runs=False, teaser_runs=False,
                   comment_marks=False, comment_mentions=False, refine=False, refine_blend=0.0):
    """The full model: frame feature steps, then the staged :class:`ContextClassifier`.

    Parameters
    ----------
    site_stats : bool
        Add a :class:`~linesift.features.SiteContext` step before "neighbours"; it reads the
        site counts that :func:`~linesift.features.site.with_site_columns` attaches.
    cue_features : bool
        Add a :class:`~linesift.features.CueWords` step just before the classifier (it has
        its own in-page window).
    line_runs : bool
        Add a :class:`~linesift.features.LineRuns` step just before the classifier.
    comment_marks : bool
        Add a :class:`~linesift.features.CommentMarks` step just before the classifier.
    comment_mentions : bool
        That step also marks lines that mention comments (``CommentMarks(mentions=True)``);
        implies `comment_marks`.
    teaser_runs : bool
        That step also measures alternating runs (``LineRuns(alternating=True)``); implies
        `line_runs`.
    page_relative : bool
        Add a :class:`~linesift.features.PageRelative` step: each line's features against its
        page's mean.
    ngram_min_sites, article_span, refine, refine_blend
        Passed to :class:`ContextClassifier`.
    """
    # imported here: the CLI reads DEFAULT_RECIPE for its help without loading scikit-learn
    from sklearn.pipeline import Pipeline

    from .classifier import ContextClassifier
    from .features import (CommentMarks, CueWords, LineRuns, LineShape, NeighbourFeatures,
                           PagePosition, PageRelative, SiteContext, StopwordDensity,
                           TokenRepetition)

    steps = [
        ("shape", LineShape()),
        ("stopwords", StopwordDensity()),
        ("repetition", TokenRepetition()),
        ("position", PagePosition()),
        *([("relative", PageRelative())] if page_relative else []),
        ("neighbours", NeighbourFeatures()),
        ("classify", ContextClassifier(ngram_min_sites=ngram_min_sites,
                                       article_span=article_span, refine=refine,
                                       refine_blend=refine_blend)),
    ]
    if site_stats:
        names = [name for name, _ in steps]
        steps.insert(names.index("neighbours"), ("site", SiteContext()))
    if cue_features:
        steps.insert(len(steps) - 1, ("cues", CueWords()))
    if line_runs or teaser_runs:
        steps.insert(len(steps) - 1, ("runs", LineRuns(alternating=teaser_runs)))
    if comment_marks or comment_mentions:
        steps.insert(len(steps) - 1, ("comments", CommentMarks(mentions=comment_mentions)))
    return Pipeline(steps)
