"""The compact scorer: a fitted model as plain arrays, scored with numpy alone.

Training fits a scikit-learn pipeline (:mod:`linesift.recipe`); :meth:`CompactModel.from_pipeline`
reads what it learned into arrays: each feature step's parameters, stage one's n-gram
vocabulary, weights and scaler, the trees of stage two and three (one row per node), the
isotonic map. Saved beside the pipeline (``compact.npz``, no pickle), they score a page with
the functions of :mod:`linesift.columns` and the ones below, so ``linesift filter``,
``explain``, ``evaluate``, the Python API and ``annotate serve`` import neither scikit-learn
nor pandas. The pipeline stays the reference: the tests check that both keep the same lines,
with scores within 1e-9.

Stage two's input (:func:`context_matrix`) is built here for both, so there is one definition
of it.
"""

import json
import zipfile

import numpy as np

from ._kernels import (compiled, run_bounds, shifts_within_pages, standardised_dot,
                       window_means)
from .columns import MAX_FEATURE_CHARS
from .columns.comments import MENTION_NAMES
from .columns.comments import NAMES as COMMENT_NAMES
from .columns.comments import comment_columns
from .columns.context import neighbour_columns, neighbour_names, relative_columns, relative_names
from .columns.cues import cue_columns, cue_names
from .columns.ngrams import MAX_NGRAM_CHARS, ngram_decision
from .columns.position import NAMES as POSITION_NAMES
from .columns.position import position_columns
from .columns.runs import ALTERNATING_NAMES, NAMES as RUN_NAMES
from .columns.runs import run_columns
from .columns.repetition import NAMES as REPETITION_NAMES
from .columns.repetition import repetition_columns
from .columns.shape import NAMES as SHAPE_NAMES
from .columns.shape import shape_columns
from .columns.site import (SITE_REPETITION_NAMES, site_context_columns, site_context_names,
                           site_repetition_columns)
from .columns.stopwords import NAMES as STOPWORD_NAMES
from .columns.stopwords import Stoplists, stoplists, stopword_columns
from .columns.tokens import batch_token_hashes
from .errors import ModelError

COMPACT_FORMAT = 1
"""Version of the arrays' layout; a file of another version is refused."""
NEUTRAL_SCORE = 0.5
"""A stage-one score that says nothing; stage two counts the lines scored above it."""
PAGE_STATS = 4
"""Columns of :func:`page_stats`."""
TREE_CHUNK_ROWS = 1024
"""Rows whose paths through all the trees are walked at once: their features stay in cache
(bench/RESULTS.md)."""

_STEPS = {
    "LineShape": "shape", "StopwordDensity": "stopwords", "TokenRepetition": "repetition",
    "PagePosition": "position", "PageRelative": "relative", "SiteContext": "site_context",
    "SiteRepetition": "site_repetition", "NeighbourFeatures": "neighbours", "CueWords": "cues",
    "LineRuns": "runs", "CommentMarks": "comments",
}
"""Frame step class -> the kind of step the compact scorer runs."""
_NODE_ARRAYS = ("tree_feature", "tree_threshold", "tree_left", "tree_nan_left", "tree_value")
"""One entry per node of every tree. An inner node's children are ``tree_left`` and the node
after it; a leaf's ``tree_left`` is itself and its threshold +inf, so a walk stays there."""


class NotCompilable(ModelError):
    """The pipeline holds a part the compact scorer does not run (it scores through
    scikit-learn)."""


# --- stage two's input, shared with linesift.classifier -------------------------------------

def logit(p):
    return np.log(np.clip(p, 1e-4, 1 - 1e-4) / np.clip(1 - p, 1e-4, 1))


SPAN_COLUMNS = 3
"""Columns of :func:`article_span`."""


def context_width(n_dense, offsets, windows, span=False):
    """Columns of stage two's input: the dense features, the logit, two per offset and per
    window, the page statistics, and with `span` the article span's."""
    return n_dense + 1 + 2 * len(offsets) + 2 * len(windows) + PAGE_STATS + SPAN_COLUMNS * span


def context_matrix(Z, n_dense, first_scores, pages, offsets, windows, span=False):
    """Fill stage two's input `Z` (its first `n_dense` columns already hold the dense features)
    with the stage-one score context: the logit of each line's score; for every offset, the
    logit of the line that far away in its page and whether it exists; for every window, the
    mean logit and share of lines scored above NEUTRAL_SCORE; the page statistics
    (:func:`page_stats`); with `span`, where the line lies against the page's article span
    (:func:`article_span`).

    `Z` is column-major (Fortran order): the trees read one feature for many rows at each
    node, and with each column contiguous they walk a batch a third faster than over row-major
    rows.
    """
    s = logit(first_scores)[:, None]
    high = (first_scores > NEUTRAL_SCORE).astype(np.float64)[:, None]
    Z[:, n_dense] = s[:, 0]
    col = n_dense + 1
    shifted, exists = shifts_within_pages(s, pages, offsets)
    for o in range(len(offsets)):
        Z[:, col], Z[:, col + 1] = shifted[o, :, 0], exists[o]
        col += 2
    for mean in window_means(np.hstack([s, high]), pages, windows):
        Z[:, col:col + 2] = mean
        col += 2
    Z[:, col:col + PAGE_STATS] = page_stats(first_scores, pages)
    if span:
        Z[:, col + PAGE_STATS:] = article_span(first_scores, pages)
    return Z


def article_span(scores, pages, threshold=NEUTRAL_SCORE, lower_bar=True):
    """Per line (an (n, 3) array): inside its page's article span, log(1 + lines before the
    span's start), log(1 + lines after its end).

    The span is the run of lines with the largest sum of ``score - bar``: stage one's densest
    run of prose, the article whatever teasers score well elsewhere. A short line inside it is
    most likely the article's own; a run of headline-like lines before or after it most likely
    teasers. The bar is `threshold`, or with `lower_bar` halfway between the page's mean and
    best score where that is lower (measured against a fixed bar in bench/RESULTS.md; the
    ``SiteAdapter`` of ``train --base`` keeps the fixed one).
    """
    out = np.zeros((len(scores), SPAN_COLUMNS))
    starts, ends = run_bounds(pages)
    for s, e in zip(starts.tolist(), ends.tolist()):
        page = scores[s:e]
        # a page the model is unsure of (a language it saw little of) still has a span: the
        # bar is lowered to halfway between the page's mean and best line
        bar = min(threshold, (page.mean() + page.max()) / 2) if lower_bar else threshold
        total = np.concatenate([[0.0], np.cumsum(page - bar)])
        lowest = np.minimum.accumulate(total[:-1])
        end = int(np.argmax(total[1:] - lowest))  # the best run ends at `end` (inclusive)
        start = int(np.argmin(total[:end + 1]))   # and starts after the lowest prefix
        idx = np.arange(e - s)
        out[s:e, 0] = (idx >= start) & (idx <= end)
        out[s:e, 1] = np.log1p(np.maximum(start - idx, 0))
        out[s:e, 2] = np.log1p(np.maximum(idx - end, 0))
    return out


def blend_stages(second, third, share):
    """The final score of a three-stage model: `share` of stage two's score plus the rest of
    stage three's (``ContextClassifier``'s ``refine_blend``)."""
    return third if not share else share * second + (1.0 - share) * third


def refine_width(offsets, windows, span=False):
    """Columns stage three adds to stage two's input: the context of stage two's scores."""
    return context_width(0, offsets, windows, span)


def refine_context(Z3, width, second_scores, pages, offsets, windows, span=False):
    """Fill `Z3`'s columns from `width` on with the context of stage two's scores
    (:func:`context_matrix` without dense columns), in place: stage three's columns are
    allocated beside stage two's input from the start, so stage two's trees read a view of
    it and nothing is copied."""
    context_matrix(Z3[:, width:], 0, second_scores, pages, offsets, windows, span)
    return Z3


def page_stats(scores, pages):
    """Page mean and max score, the line's score rank in its page, distance to the best line."""
    n = len(scores)
    out = np.zeros((n, PAGE_STATS))
    if n == 0:
        return out
    starts, ends = run_bounds(pages)
    sizes = ends - starts
    page_of = np.repeat(np.arange(len(starts)), sizes)
    first = np.repeat(starts, sizes)
    out[:, 0] = np.repeat(np.add.reduceat(scores, starts) / sizes, sizes)
    page_max = np.maximum.reduceat(scores, starts)
    out[:, 1] = np.repeat(page_max, sizes)
    order = np.lexsort((-scores, page_of))  # by page, then by score descending, stably
    rank = np.empty(n)
    rank[order] = np.arange(n) - first[order]
    out[:, 2] = rank / np.maximum(np.repeat(sizes, sizes) - 1, 1)
    best = order[starts] - starts  # each page's first line with its top score
    out[:, 3] = np.abs(np.arange(n) - first - np.repeat(best, sizes)) / np.repeat(sizes, sizes)
    return out


def expit(x):
    """The logistic function, as ``scipy.special.expit`` computes it for float64."""
    with np.errstate(over="ignore"):  # exp(-x) overflows to inf for x < -709: 1 / inf = 0
        return 1.0 / (1.0 + np.exp(-x))


# --- the compact model ----------------------------------------------------------------------

class CompactModel:
    """A fitted linesift pipeline as plain arrays (see the module docstring).

    Build it with :meth:`from_pipeline`, save it with :meth:`save` and read it back with
    :meth:`load`; score with :meth:`predict_proba`.
    """

    def __init__(self, spec, arrays):
        self.spec = spec
        self.arrays = arrays
        self._check()
        self._step_names = [_names_of(step) for step in spec["steps"]]
        self.stoplists = (Stoplists(arrays["stop_hashes"], arrays["stop_members"], spec["stop_lists"])
                          if "stop_hashes" in arrays else None)

    # --- export -----------------------------------------------------------------------------

    @classmethod
    def from_pipeline(cls, pipeline):
        """Read a fitted pipeline of frame steps ending in a ContextClassifier into arrays.

        Raises :class:`NotCompilable` for any other pipeline (a model adapted with
        ``train --base``, a legacy layout), which then scores through scikit-learn.
        """
        steps = getattr(pipeline, "steps", None)
        if not steps:
            raise NotCompilable(f"a {type(pipeline).__name__} is not a linesift pipeline")
        *frame_steps, (_, classifier) = steps
        spec = {"format": COMPACT_FORMAT, "steps": []}
        for name, step in frame_steps:
            kind = _STEPS.get(type(step).__name__)
            if kind is None:
                raise NotCompilable(f"step {name!r} ({type(step).__name__}) has no compact form")
            params = {k: list(v) if isinstance(v, tuple) else v
                      for k, v in step.get_params(deep=False).items()}
            spec["steps"].append({"kind": kind, **params})
        if type(classifier).__name__ != "ContextClassifier":
            raise NotCompilable(f"the classifier is a {type(classifier).__name__}, not a "
                                "ContextClassifier")
        arrays = {}
        if any(step["kind"] == "stopwords" for step in spec["steps"]):
            # the lists the model was trained with, read once here rather than from jusText's
            # files at every start (a third of the CPU of one page)
            lists = stoplists()
            arrays.update(stop_hashes=lists.hashes, stop_members=lists.members.astype(np.uint32))
            spec["stop_lists"] = lists.n_lists
        spec["classifier"] = _export_classifier(classifier, arrays)
        return cls(spec, arrays)

    def save(self, path):
        """Write the arrays and the spec (as JSON) to an ``.npz`` file at `path`."""
        payload = {"spec": np.frombuffer(json.dumps(self.spec).encode("utf-8"), dtype=np.uint8),
                   **self.arrays}
        with open(path, "wb") as fh:
            np.savez(fh, **payload)

    @classmethod
    def load(cls, path):
        """Read a file written by :meth:`save` (no pickle); ModelError naming the file for
        anything else or anything malformed."""
        try:
            with np.load(path, allow_pickle=False) as npz:
                arrays = {key: npz[key] for key in npz.files}
            spec = json.loads(arrays.pop("spec").tobytes().decode("utf-8"))
            return cls(spec, arrays)
        except ModelError as exc:
            raise ModelError(f"{path}: {exc}") from None
        except (OSError, ValueError, KeyError, UnicodeDecodeError, AttributeError, TypeError,
                EOFError, zipfile.BadZipFile) as exc:
            raise ModelError(f"{path} is not a readable compact model ({exc})") from None

    def _check(self):
        """Refuse arrays that would index out of bounds or disagree with the spec: a tree's
        children must be later nodes of the same tree, features within the input."""
        spec, a = self.spec, self.arrays
        found = spec.get("format") if isinstance(spec, dict) else spec
        if found != COMPACT_FORMAT:
            raise ModelError(f"compact format {found!r} is not {COMPACT_FORMAT}; recompile with "
                             "`linesift model compile`")
        missing = [k for k in ("first_coef", "dense_mean", "dense_scale", "calibration")
                   if k not in a]
        if missing:
            raise ModelError(f"compact model lacks arrays {missing}")
        c = spec["classifier"]
        n_dense = len(c["dense_columns"])
        width = context_width(n_dense, c["offsets"], c["windows"], c.get("span", False))
        _check_trees(a, "tree", c["tree_depths"], width)
        if "refine" in c:
            _check_trees(a, "refine", c["refine"]["tree_depths"],
                         width + refine_width(c["offsets"], c["windows"], c.get("span", False)))
            blend = c["refine"].get("blend", 0.0)
            if not isinstance(blend, (int, float)) or not 0.0 <= blend <= 1.0:
                raise ModelError(f"compact model's stage blend {blend!r} is not within 0..1")
        if len(a["first_coef"]) != c["n_text"] + n_dense or \
                len(a["dense_mean"]) != n_dense or len(a["dense_scale"]) != n_dense:
            raise ModelError("compact model's stage one does not match its columns")
        for key in ("vocabulary", "stop_hashes", "stop_members"):
            if key in a and len(a[key]) and np.any(a[key][1:] <= a[key][:-1]):
                raise ModelError(f"compact model's {key} is not sorted")
        if "stop_hashes" in a and len(a["stop_members"]) and (
                int(a["stop_members"][-1]) >= (len(a["stop_hashes"]) + 1) * spec["stop_lists"]):
            raise ModelError("compact model's stoplists name words it does not have")

    # --- scoring ----------------------------------------------------------------------------

    @property
    def uses_site_stats(self):
        return any(s["kind"] in ("site_context", "site_repetition") for s in self.spec["steps"])

    @property
    def dense_columns(self):
        return self.spec["classifier"]["dense_columns"]

    def predict_proba(self, texts, pages, site=None):
        """P(content) of each line: `texts`, their page codes `pages` (pages contiguous) and,
        for a model that uses site repetition, `site` = ``(site_line_pages, site_pages)``."""
        return self.score(texts, pages, site)[0]

    def score(self, texts, pages, site=None, contributions=False):
        """``(P(content), stage-one P(content), terms)`` of each line. With `contributions`,
        `terms` is stage one's terms of each line against its page's mean, and their names:
        what :meth:`linesift.classifier.ContextClassifier.first_stage_contributions` gives
        (None otherwise); the features are computed once for both."""
        c = self.spec["classifier"]
        pages = np.asarray(pages)
        n = len(texts)
        n_dense = len(c["dense_columns"])
        names = ["text_ngrams", *c["dense_columns"]]
        if n == 0:
            return np.zeros(0), np.zeros(0), (np.zeros((0, len(names))), names) \
                if contributions else None
        columns, tokens = self._columns(texts, pages, site)
        span = c.get("span", False)
        width = context_width(n_dense, c["offsets"], c["windows"], span)
        refine = c.get("refine")
        extra = refine_width(c["offsets"], c["windows"], span) if refine else 0
        full = np.empty((n, width + extra), order="F")
        Z = full[:, :width]  # stage two's input; stage three's columns follow it
        for j, name in enumerate(c["dense_columns"]):  # one copy each (no stacked copy first)
            Z[:, j] = columns[name]
        text = self._text_term(texts, tokens)
        first = self._first_stage(text, Z[:, :n_dense])
        terms = (self._contributions(text, Z[:, :n_dense], pages), names) if contributions \
            else None
        context_matrix(Z, n_dense, first, pages, c["offsets"], c["windows"], span)
        p = expit(self._trees(Z, "tree", c))
        if refine:  # stage three: stage two's input and the context of its scores
            refine_context(full, width, p, pages, c["offsets"], c["windows"], span)
            p = blend_stages(p, expit(self._trees(full, "refine", refine)),
                             refine.get("blend", 0.0))
        calibration = self.arrays["calibration"]
        if calibration.size:
            p = np.interp(p, calibration[0], calibration[1])
        return p, first, terms

    def _contributions(self, text, dense, pages):
        """Stage one's terms (the n-gram term, then each dense feature's weight times its
        standardised value), each minus its mean over the line's page."""
        weights = self.arrays["first_coef"][self.spec["classifier"]["n_text"]:]
        terms = np.column_stack([text, (dense - self.arrays["dense_mean"])
                                 / self.arrays["dense_scale"] * weights])
        starts, ends = run_bounds(pages)
        sizes = ends - starts
        terms -= np.repeat(np.add.reduceat(terms, starts, axis=0) / sizes[:, None], sizes, axis=0)
        return terms

    def _columns(self, texts, pages, site):
        """Every feature column the steps add, by name, and the lines' tokens if a step made
        them (``(hashes, counts)`` or None)."""
        columns, tokens, made = {}, None, []

        def line_tokens():  # the stopwords step's tokens, else made once for every step
            if tokens is not None:
                return tokens
            if not made:
                made.append(batch_token_hashes([t[:MAX_FEATURE_CHARS] for t in texts]))
            return made[0]

        for step, names in zip(self.spec["steps"], self._step_names):
            kind = step["kind"]
            if kind == "shape":
                new = shape_columns(texts, step["max_chars"])
            elif kind == "stopwords":
                tokens = batch_token_hashes([t[:step["max_chars"]] for t in texts])
                starts, _ = run_bounds(pages)
                new = stopword_columns(*tokens, starts, self.stoplists).T
            elif kind == "repetition":
                new = repetition_columns(*line_tokens())
            elif kind == "position":
                new = position_columns(texts, pages)
            elif kind == "relative":
                new = relative_columns(_stack(columns, step["columns"], len(texts)), pages)
            elif kind == "neighbours":
                new = neighbour_columns(_stack(columns, step["columns"], len(texts)), pages,
                                        step["offsets"], step["windows"])
            elif kind == "runs":
                new = run_columns(texts, pages, step.get("alternating", False))
            elif kind == "cues":
                new = cue_columns(*line_tokens(), pages)
            elif kind == "comments":
                new = comment_columns(texts, pages, *line_tokens(),
                                      mentions=step.get("mentions", False))
            else:  # site_context, site_repetition (_names_of refused any other kind at load)
                if site is None:
                    raise ValueError("this model uses site repetition: give the lines' site "
                                     "counts (linesift.columns.site.site_columns)")
                new = site_context_columns(*site, pages, step["min_site_pages"],
                                           step["windows"]) if kind == "site_context" \
                    else site_repetition_columns(*site, step["min_site_pages"])
            columns.update(zip(names, new))
        return columns, tokens

    def _text_term(self, texts, tokens):
        """Stage one's n-gram term of each line (0 for a model without text)."""
        c = self.spec["classifier"]
        if not c["n_text"]:
            return np.zeros(len(texts))
        if tokens is None or not c["text_reads_tokens"]:
            tokens = batch_token_hashes([t[:c["text_max_chars"]] for t in texts])
        hashes, counts = tokens
        vocabulary = self.arrays.get("vocabulary")
        return ngram_decision(hashes >> np.uint64(32), counts,
                              self.arrays["first_coef"][:c["n_text"]],
                              tuple(c["word_ngrams"]), c["n_text"], vocabulary=vocabulary)

    def _first_stage(self, text, dense):
        """Stage one's P(content) from its n-gram term `text` and the dense features: the same
        sums, in the same order, as the pipeline's."""
        c = self.spec["classifier"]
        decision = np.full(len(text), float(c["intercept"]))
        if c["n_text"]:
            decision += text
        decision = standardised_dot(dense, list(range(dense.shape[1])),
                                    self.arrays["first_coef"][c["n_text"]:],
                                    self.arrays["dense_mean"], self.arrays["dense_scale"],
                                    intercept=decision)
        return expit(decision)

    def _trees(self, Z, prefix, c):
        """The raw score of each row from the trees stored under `prefix` (stage two's are
        ``tree_*``, stage three's ``refine_*``; `c` holds their baseline and depths): the
        baseline plus one leaf value per tree, added tree by tree as scikit-learn adds them.

        All trees are walked at once, one level per step, over a chunk of rows. The walks are
        laid out tree-major with the deepest trees first, so at each level the walks still
        going are a prefix of the arrays (no compaction). A node's children are adjacent, so a
        step is ``node = left[node] + (x > threshold[node])``; a leaf is its own left child
        with an infinite threshold, so a walk that reached one stays there.
        """
        a = self.arrays
        feature, threshold, left, nan_left, value = (a[k] for k in _node_arrays(prefix))
        kernels = compiled()
        if kernels is not None:  # the same walks, one row at a time, in C
            return kernels.tree_sums(np.asfortranarray(Z, dtype=np.float64), feature, threshold,
                                     left, nan_left.view(np.uint8), value,
                                     a[f"{prefix}_roots"], float(c["baseline"]))
        depths = np.asarray(c["tree_depths"], dtype=np.int64)
        order = np.argsort(-depths, kind="stable")
        roots, depths = a[f"{prefix}_roots"][order], depths[order]
        going_at = [int((depths > level).sum()) for level in range(int(depths.max(initial=0)))]
        n_trees, n = len(roots), len(Z)
        raw = np.full(n, float(c["baseline"]))
        has_nan = bool(np.isnan(Z).any())
        for lo in range(0, n, TREE_CHUNK_ROWS):
            hi = min(lo + TREE_CHUNK_ROWS, n)
            m = hi - lo
            flat = np.asfortranarray(Z[lo:hi]).ravel(order="F")
            at = feature * m  # where each node's feature column starts in `flat`
            node = np.repeat(roots, m)
            row = np.tile(np.arange(m), n_trees)
            for trees in going_at:
                end = trees * m
                going = node[:end]
                x = flat[at[going] + row[:end]]
                right = x > threshold[going]
                if has_nan:  # NaN compares False: it goes where the tree learned missing go
                    right |= np.isnan(x) & ~nan_left[going]
                node[:end] = left[going] + right
            leaves = np.empty((n_trees, m))
            leaves[order] = value[node].reshape(n_trees, m)
            chunk = raw[lo:hi]
            for tree in leaves:
                chunk += tree
        return raw


def _names_of(step):
    """The names of the columns a compact step adds, in the order it adds them."""
    kind = step["kind"]
    if kind == "shape":
        return SHAPE_NAMES
    if kind == "stopwords":
        return STOPWORD_NAMES
    if kind == "repetition":
        return REPETITION_NAMES
    if kind == "position":
        return POSITION_NAMES
    if kind == "relative":
        return relative_names(step["columns"])
    if kind == "neighbours":
        return neighbour_names(step["columns"], step["offsets"], step["windows"])
    if kind == "runs":
        return RUN_NAMES + (ALTERNATING_NAMES if step.get("alternating", False) else ())
    if kind == "cues":
        return cue_names()
    if kind == "comments":
        return COMMENT_NAMES + (MENTION_NAMES if step.get("mentions", False) else ())
    if kind == "site_context":
        return site_context_names(step["windows"])
    if kind == "site_repetition":
        return SITE_REPETITION_NAMES
    raise ModelError(f"compact model has a step of unknown kind {kind!r}")


def _stack(columns, names, n):
    """The named columns as a (lines, columns) float array."""
    out = np.empty((n, len(names)))
    for j, name in enumerate(names):
        out[:, j] = columns[name]
    return out


def _export_classifier(classifier, arrays):
    """The spec of a fitted ContextClassifier; its arrays go into `arrays`."""
    first = classifier.first_
    features, logreg = first.named_steps["features"], first.named_steps["logreg"]
    if getattr(logreg, "loss", None) != "log_loss":
        raise NotCompilable("stage one is not a logistic model")
    coef = np.asarray(logreg.coef_, dtype=np.float64).ravel()
    spec = {"dense_columns": list(classifier.dense_columns_),
            "offsets": list(classifier.offsets), "windows": list(classifier.windows),
            "span": bool(classifier.article_span),
            "intercept": float(logreg.intercept_[0]), "n_text": 0, "word_ngrams": None,
            "text_max_chars": MAX_NGRAM_CHARS, "text_reads_tokens": False}
    dense_mean = dense_scale = None
    for name, transformer, columns in features.transformers_:
        if name == "remainder":
            continue
        if name == "text":
            spec["n_text"] = int(transformer.n_features_out_)
            spec["word_ngrams"] = list(transformer.word_ngrams) if transformer.word_ngrams else None
            spec["text_max_chars"] = int(transformer.max_chars)
            spec["text_reads_tokens"] = "tokens" in list(columns)
            if transformer.vocabulary_ is not None:
                arrays["vocabulary"] = np.asarray(transformer.vocabulary_, dtype=np.uint64)
            elif spec["n_text"] != transformer.n_features:
                raise NotCompilable("stage one's text columns are not its hash space")
        elif name == "dense":
            if list(columns) != spec["dense_columns"]:
                raise NotCompilable("stage one's dense columns are not the classifier's")
            dense_mean = np.asarray(transformer.mean_, dtype=np.float64)
            dense_scale = np.asarray(transformer.scale_, dtype=np.float64)
        else:
            raise NotCompilable(f"stage one has a part {name!r} with no compact form")
    if dense_mean is None or spec["n_text"] + len(spec["dense_columns"]) != len(coef):
        raise NotCompilable("stage one's weights do not match its columns")
    arrays.update(first_coef=coef, dense_mean=dense_mean, dense_scale=dense_scale)
    calibration = getattr(classifier, "calibration_", None)
    arrays["calibration"] = (np.asarray(calibration, dtype=np.float64) if calibration is not None
                             else np.zeros((2, 0)))
    spec.update(_export_trees(classifier.second_, arrays, "tree"))
    third = getattr(classifier, "third_", None)
    if third is not None:
        spec["refine"] = {**_export_trees(third, arrays, "refine"),
                          "blend": float(classifier.refine_blend)}
    return spec


def _node_arrays(prefix):
    """The names of one tree set's node arrays: ``tree_feature`` ... for stage two."""
    return tuple(name.replace("tree", prefix, 1) for name in _NODE_ARRAYS)


def _check_trees(a, prefix, depths, width):
    """Refuse a tree set whose nodes would index out of bounds: a tree's children must be
    later nodes of the same tree, features within the `width` columns of its input."""
    names = _node_arrays(prefix)
    missing = [k for k in (f"{prefix}_roots", *names) if k not in a]
    if missing:
        raise ModelError(f"compact model lacks arrays {missing}")
    feature, left = a[names[0]], a[names[2]]
    nodes = len(feature)
    if any(len(a[k]) != nodes for k in names):
        raise ModelError("compact model's tree arrays differ in length")
    roots = a[f"{prefix}_roots"]
    right = left + 1
    ends = np.append(roots[1:], nodes)
    tree_of = np.repeat(np.arange(len(roots)), np.diff(np.append(roots, nodes)))
    if len(roots) and (roots[0] != 0 or np.any(np.diff(roots) <= 0) or roots[-1] >= nodes):
        raise ModelError("compact model's tree roots are out of order")
    index = np.arange(nodes)
    leaf = left == index
    inner = ~leaf
    if np.any(inner & ((left <= index) | (right <= index) | (left >= ends[tree_of])
                       | (right >= ends[tree_of]))):
        raise ModelError("compact model's tree nodes point outside their tree")
    if np.any(inner & ((feature < 0) | (feature >= width))):
        raise ModelError("compact model's trees read features it does not have")
    depth = np.zeros(nodes, dtype=np.int64)
    for _ in range(max(depths, default=0) + 1):  # children come after parents
        depth[left[inner]] = depth[inner] + 1
        depth[right[inner]] = depth[inner] + 1
    if len(depths) != len(roots) or (len(roots) and np.any(
            np.maximum.reduceat(depth, roots) > np.asarray(depths))):
        raise ModelError("compact model's trees are deeper than it says")


def _export_trees(model, arrays, prefix):
    """A binary HistGradientBoostingClassifier's trees as node arrays (:func:`_node_arrays`
    of `prefix`), each tree's nodes numbered breadth first so that a node's two children are
    adjacent."""
    if getattr(model, "n_trees_per_iteration_", 1) != 1 or len(model.classes_) != 2:
        raise NotCompilable("stage two is not a binary gradient-boosting model")
    parts = {k: [] for k in _NODE_ARRAYS}
    roots, depths, offset = [], [], 0
    for (predictor,) in model._predictors:
        nodes = predictor.nodes
        if np.any(nodes["is_categorical"]):
            raise NotCompilable("stage two has categorical splits")
        leaf = nodes["is_leaf"].astype(bool)
        order, queue = [], [0]
        while queue:  # breadth first: children are numbered one after the other
            node = queue.pop(0)
            order.append(node)
            if not leaf[node]:
                queue += [int(nodes["left"][node]), int(nodes["right"][node])]
        order = np.asarray(order)
        new_id = np.empty(len(nodes), dtype=np.int64)
        new_id[order] = np.arange(len(order)) + offset
        nodes, leaf = nodes[order], leaf[order]
        index = np.arange(len(order)) + offset
        parts["tree_feature"].append(np.where(leaf, 0, nodes["feature_idx"]).astype(np.int64))
        parts["tree_threshold"].append(np.where(leaf, np.inf, nodes["num_threshold"]))
        parts["tree_left"].append(np.where(leaf, index, new_id[np.where(leaf, 0, nodes["left"])]))
        parts["tree_nan_left"].append(nodes["missing_go_to_left"].astype(bool) | leaf)
        parts["tree_value"].append(np.where(leaf, nodes["value"], 0.0))
        roots.append(offset)
        depths.append(int(nodes["depth"].max()))
        offset += len(order)
    arrays.update({name: np.concatenate(parts[k])
                   for k, name in zip(_NODE_ARRAYS, _node_arrays(prefix))})
    arrays[f"{prefix}_roots"] = np.asarray(roots, dtype=np.int64)
    baseline = np.asarray(model._baseline_prediction, dtype=np.float64).ravel()
    return {"baseline": float(baseline[0]), "tree_depths": depths}
