"""Site memory: what a team's labelled pages say about the other lines of their sites.

A site's template repeats, and not only word for word: the same dateline with another date
(``This article was published on guardian.co.uk at 12.37 GMT on Sunday 15 January 2012``), the
same ``来源： … 作者： …`` line with another source, the same editor's tag with another name.
Site repetition (:mod:`.site`) counts how many pages carry a line; the memory also knows how
the annotators labelled it. For every labelled line of a page it keeps five keys and the label:

- ``line``: the whole line, casefolded with its whitespace collapsed (the site-repetition key);
- ``words``: its word tokens only, so that digits, punctuation and symbols (dates, times,
  counts, prices) are masked;
- ``first2`` and ``first4``: its first 2 and 4 word tokens (``来源`` + the next two
  characters, ``this article was published``);
- ``last3``: its last 3 word tokens;
- ``head`` and ``tail``: the shape of its first and last :data:`SHAPE_CHARS` characters, every
  run of letters written ``a`` and every run of digits ``0`` (``a a a (0/0 - 0:0)``: a teaser
  with its time, ``[a：a] a：a``: an editor's tag);

and, per site, on how many content and boilerplate lines each word token appears. A line to
score gets, for each key, the number of the site's labelled pages where a line with that key
was labelled boilerplate and content (:data:`MEMORY_COLUMNS`), and the mean log-odds of its
words on the site's labelled lines. Exact lines are the trivial case; the other keys carry a
label to lines whose details vary. What these counts are worth is learned by the classifier
on top (:class:`linesift.adapter.SiteAdapter`), from the labelled pages themselves.

The memory also holds each labelled page's distinct lines, so a page filtered alone still gets
site repetition from the labelled pages of its site (:meth:`SiteMemory.add_site_counts`).

**Sites.** A page's site is its ``domain``, else its URL's host (:attr:`linesift.Page.site`).
Pages with neither share one site, ``""``: labels of such pages apply to other pages with
neither, never to a page that names a site. **Leave one page out.** A page the memory holds
(the same non-blank lines) is scored without its own labels and counts, as the training rows
are: scoring the labelled pages again never echoes their labels.

The memory is plain arrays (``memory.npz`` in a model directory, read without pickle), and
adding a page (:meth:`SiteMemory.add_pages`) takes milliseconds: ``annotate serve`` adds every
page as it is annotated, without refitting anything.
"""

import json
import re
from pathlib import Path

import numpy as np

from .._kernels import NO_KEY, sorted_lookup, token_run_hashes
from ..errors import ModelError
from ..formats.atomic import atomic_path
from ..frame import PAGE, TEXT
from ..labels import BOILERPLATE, CONTENT
from ..lines import is_blank
from .base import MAX_FEATURE_CHARS, _add_block
from ..columns.site import SITE_LINE_PAGES, SITE_PAGES, line_keys, page_print
from ..columns.tokens import batch_token_hashes, string_hashes

KINDS = ("line", "words", "first2", "first4", "last3", "head", "tail")
"""The keys of a line the memory counts labels of (see the module docstring)."""
MEMORY_PAGES = "memory_pages"
MEMORY_VOCAB_LOGODDS = "memory_vocab_logodds"
MEMORY_VOCAB_SEEN = "memory_vocab_seen"
MEMORY_COLUMNS = (MEMORY_PAGES,
                  *(f"memory_{kind}_{side}" for kind in KINDS for side in ("b", "c")),
                  MEMORY_VOCAB_LOGODDS, MEMORY_VOCAB_SEEN)
"""Lines-table columns of the memory: log(1 + the site's labelled pages), then for each kind
log(1 + pages where a line with that key was labelled boilerplate / content), then the mean
smoothed log-odds of the line's words on the site's content against boilerplate lines and the
share of its words seen there. All 0 for a site the memory does not hold."""
NO_SITE = ""
"""The memory's site of pages with neither a domain nor a URL."""
MEMORY_FORMAT = "linesift-memory/1"
_B, _C = 0, 1
SHAPE_CHARS = 12
_LETTERS = re.compile(r"[^\W\d_]+")
_DIGITS = re.compile(r"\d+")


def page_site(page):
    """The memory's site of `page` (:attr:`Page.site`, else :data:`NO_SITE`)."""
    return page.site or NO_SITE


def line_memory_keys(texts):
    """The memory keys of each line: ``({kind: uint64 array}, (token hashes, counts))``.

    :data:`~linesift._kernels.NO_KEY` marks a line without word tokens (only digits or
    punctuation) for the token keys: such lines are matched by ``line`` alone.
    """
    texts = list(texts)
    hashes, counts = batch_token_hashes([t[:MAX_FEATURE_CHARS] for t in texts])
    keys = {"line": line_keys(texts),
            "words": token_run_hashes(hashes, counts),
            "first2": token_run_hashes(hashes, counts, first=2),
            "first4": token_run_hashes(hashes, counts, first=4),
            "last3": token_run_hashes(hashes, counts, last=3)}
    shapes = [" ".join(_DIGITS.sub("0", _LETTERS.sub("a", t[:MAX_FEATURE_CHARS])).split())
              for t in texts]
    keys["head"] = string_hashes([s[:SHAPE_CHARS] for s in shapes])
    keys["tail"] = string_hashes([s[-SHAPE_CHARS:] for s in shapes])
    return keys, (hashes, counts)


class _PageFacts:
    """One labelled page as the memory keeps it: its site and fingerprint, each kind's keys
    with the label of their line, its word tokens with their line's label, and its distinct
    line keys (for site repetition)."""

    __slots__ = ("site", "print", "keys", "labels", "tokens", "token_labels", "lines")

    def __init__(self, site, print_, keys, labels, tokens, token_labels, lines):
        self.site, self.print = site, int(print_)
        self.keys, self.labels = keys, labels
        self.tokens, self.token_labels = tokens, token_labels
        self.lines = lines

    @classmethod
    def of(cls, page):
        texts, labels = [], []
        for line, label in zip(page.lines, page.labels or [None] * len(page.lines)):
            if not is_blank(line):
                texts.append(line)
                labels.append(label)
        keys, (hashes, counts) = line_memory_keys(texts)
        code = np.array([_B if x == BOILERPLATE else _C if x == CONTENT else -1
                         for x in labels], dtype=np.int8)
        labelled = code >= 0
        lines = np.unique(keys["line"])
        token_code = np.repeat(code, counts)
        token_line = np.repeat(np.arange(len(texts)), counts)
        # a word counts once per line
        pairs = np.unique(np.stack([token_line[token_code >= 0].astype(np.uint64),
                                    hashes[token_code >= 0]]), axis=1)
        tokens = pairs[1]
        token_labels = code[pairs[0].astype(np.int64)] if pairs.size else np.zeros(0, np.int8)
        return cls(page_site(page), page_print(lines),
                   {k: v[labelled] for k, v in keys.items()}, code[labelled],
                   tokens, token_labels, lines)


class _SiteTable:
    """A site's facts summed over its labelled pages, for lookups."""

    def __init__(self, facts):
        self.facts = facts
        self.n_pages = len(facts)
        self.prints = np.array([f.print for f in facts], dtype=np.uint64)
        self.kinds = {}
        for kind in KINDS:
            self.kinds[kind] = _count_pages([(f.keys[kind], f.labels) for f in facts])
        tokens = np.concatenate([f.tokens for f in facts]) if facts else np.zeros(0, np.uint64)
        token_labels = (np.concatenate([f.token_labels for f in facts]) if facts
                        else np.zeros(0, np.int8))
        self.token_keys, inverse = np.unique(tokens, return_inverse=True)
        inverse = inverse.ravel()
        self.token_counts = np.zeros((2, len(self.token_keys)), dtype=np.int64)
        for side in (_B, _C):
            self.token_counts[side] = np.bincount(inverse[token_labels == side],
                                                  minlength=len(self.token_keys))
        self.line_totals = np.array([sum(int((f.labels == side).sum()) for f in facts)
                                     for side in (_B, _C)], dtype=np.int64)
        lines = np.concatenate([f.lines for f in facts]) if facts else np.zeros(0, np.uint64)
        self.line_keys, self.line_pages = np.unique(lines, return_counts=True)


def _count_pages(per_page):
    """Sorted distinct keys and, per key, on how many pages it is on a boilerplate and on a
    content line: ``(keys, counts[2, n])``."""
    rows = []
    for keys, labels in per_page:
        for side in (_B, _C):
            chosen = np.unique(keys[(labels == side) & (keys != NO_KEY)])
            rows.append((chosen, side))
    if not rows:
        return np.zeros(0, np.uint64), np.zeros((2, 0), np.int64)
    all_keys = np.unique(np.concatenate([k for k, _ in rows]))
    counts = np.zeros((2, len(all_keys)), dtype=np.int64)
    for keys, side in rows:
        counts[side, np.searchsorted(all_keys, keys)] += 1
    return all_keys, counts


def _own_counts(facts, kind, keys):
    """For each of `keys`, 1 where the page `facts` has it on a boilerplate / content line:
    counts[2, n] to take away when that page is the one scored."""
    out = np.zeros((2, len(keys)), dtype=np.int64)
    for side in (_B, _C):
        own = facts.keys[kind][facts.labels == side]
        out[side] = np.isin(keys, own) & (keys != NO_KEY)
    return out


class SiteMemory:
    """The labelled pages of some sites, kept as keys and labels (see the module docstring).

    Build it with :meth:`from_pages` or :func:`load_memory`; add pages with :meth:`add_pages`.
    """

    def __init__(self, facts=()):
        self._facts = list(facts)
        self._tables = None  # (the facts list they were built from, {site: _SiteTable})

    @classmethod
    def from_pages(cls, pages):
        """The memory of the labelled lines of `pages` (pages without labels are left out)."""
        memory = cls()
        memory.add_pages(pages)
        return memory

    def add_pages(self, pages):
        """Remember the labelled pages of `pages`; a page already held (same lines) is
        replaced by its new labels. Returns the number of pages added or replaced."""
        held = list(self._facts)
        added = 0
        for page in pages:
            if page.labels is None or not any(x in (CONTENT, BOILERPLATE) for x in page.labels):
                continue
            facts = _PageFacts.of(page)
            held = [f for f in held if not (f.print == facts.print and f.site == facts.site)]
            held.append(facts)
            added += 1
        if added:  # one assignment: a reader sees the old list or the new one, never half
            self._facts = held
        return added

    def __len__(self):
        """Labelled pages held."""
        return len(self._facts)

    @property
    def sites(self):
        """Pages held per site."""
        out = {}
        for f in self._facts:
            out[f.site] = out.get(f.site, 0) + 1
        return out

    def _table(self, site):
        facts, cached = self._facts, self._tables
        if cached is None or cached[0] is not facts:
            by_site = {}
            for f in facts:
                by_site.setdefault(f.site, []).append(f)
            cached = (facts, {s: _SiteTable(group) for s, group in by_site.items()})
            self._tables = cached
        return cached[1].get(site)

    # --- features --------------------------------------------------------------------------

    def columns(self, frame, pages):
        """The :data:`MEMORY_COLUMNS` of each row of the lines table `frame` of `pages`, as a
        (columns, rows) array; a page the memory holds is scored without its own labels."""
        out = np.zeros((len(MEMORY_COLUMNS), len(frame)))
        if not self._facts or not len(frame):
            return out
        page_of = frame[PAGE].to_numpy()
        sites = np.array([page_site(pages[p]) for p in range(len(pages))], dtype=object)
        row_sites = sites[page_of]
        for site in set(sites.tolist()):
            table = self._table(site)
            if table is None:
                continue
            rows = np.flatnonzero(row_sites == site)
            texts = frame[TEXT].to_numpy()[rows].tolist()
            keys, tokens = line_memory_keys(texts)
            self._fill(out, rows, page_of[rows], keys, tokens, table)
        return out

    def _fill(self, out, rows, page_of, keys, tokens, table):
        counts = {}
        for kind in KINDS:
            known, per_side = table.kinds[kind]
            pos = sorted_lookup(known, keys[kind])
            found = (pos >= 0) & (keys[kind] != NO_KEY)
            got = np.zeros((2, len(rows)), dtype=np.int64)
            got[:, found] = per_side[:, pos[found]]
            counts[kind] = got
        hashes, token_counts = tokens
        token_line = np.repeat(np.arange(len(rows)), token_counts)
        tpos = sorted_lookup(table.token_keys, hashes)
        tfound = tpos >= 0
        tcounts = np.zeros((2, len(hashes)), dtype=np.int64)
        tcounts[:, tfound] = table.token_counts[:, tpos[tfound]]
        n_pages = np.full(len(rows), table.n_pages, dtype=np.int64)
        totals = np.tile(table.line_totals[:, None], (1, len(rows)))
        # leave one page out: a scored page the memory holds loses its own facts
        own_prints = set(table.prints.tolist())
        line_keys = keys["line"]
        for p in np.unique(page_of):
            at = np.flatnonzero(page_of == p)
            printed = page_print(line_keys[at])
            if printed not in own_prints:
                continue
            for facts in (f for f in table.facts if f.print == printed):
                n_pages[at] -= 1
                for kind in KINDS:
                    counts[kind][:, at] -= _own_counts(facts, kind, keys[kind][at])
                totals[:, at] -= np.array([(facts.labels == s).sum() for s in (_B, _C)])[:, None]
                tok_at = np.flatnonzero(np.isin(token_line, at))
                for side in (_B, _C):
                    # the page's own lines with each word (a word counts once per line)
                    own, lines = np.unique(facts.tokens[facts.token_labels == side],
                                           return_counts=True)
                    if not len(own):
                        continue
                    pos = sorted_lookup(own, hashes[tok_at])
                    tcounts[side, tok_at] -= np.where(pos >= 0, lines[np.maximum(pos, 0)], 0)
        out[0, rows] = np.log1p(np.maximum(n_pages, 0))
        col = 1
        for kind in KINDS:
            out[col:col + 2, rows] = np.log1p(np.maximum(counts[kind], 0))
            col += 2
        tcounts = np.maximum(tcounts, 0)
        seen = (tcounts.sum(axis=0) > 0).astype(np.float64)
        prior = np.log((totals[1] + 1.0) / (totals[0] + 1.0))
        logodds = (np.log((tcounts[1] + 1.0) / (tcounts[0] + 1.0)) - np.repeat(
            prior, token_counts)) * seen
        n_tokens = np.maximum(token_counts, 1).astype(np.float64)
        n_seen = np.bincount(token_line, seen, minlength=len(rows))
        out[col, rows] = np.bincount(token_line, logodds, minlength=len(rows)) / np.maximum(
            n_seen, 1.0)
        out[col + 1, rows] = n_seen / n_tokens

    def add_site_counts(self, frame, pages, counted_prints=None):
        """The site-repetition columns of `frame` (``site_line_pages``, ``site_pages``) with
        the memory's pages of each page's domain counted too (:meth:`site_counts`)."""
        if not self._facts or not len(frame) or SITE_PAGES not in frame:
            return frame
        line_pages, site_pages = frame[SITE_LINE_PAGES].to_numpy(), frame[SITE_PAGES].to_numpy()
        new_line_pages, new_site_pages = self.site_counts(
            frame[TEXT].tolist(), frame[PAGE].to_numpy(), pages, line_pages, site_pages,
            counted_prints)
        if new_line_pages is line_pages and new_site_pages is site_pages:
            return frame
        out = frame.copy()
        out[SITE_LINE_PAGES] = new_line_pages
        out[SITE_PAGES] = new_site_pages
        return out

    def site_counts(self, texts, page_of, pages, line_pages, site_pages, counted_prints=None):
        """`line_pages` and `site_pages` (:func:`linesift.columns.site.site_columns` of the
        lines `texts` with page codes `page_of` into `pages`) with the memory's pages of each
        page's domain counted too, so that a page filtered alone gets the repetition of its
        site's labelled pages; the arrays given when nothing changes.

        A memory page is not counted for itself, nor when the input's counts already hold it
        (`counted_prints`: domain -> fingerprints, from :attr:`SiteStats.page_prints`).
        """
        if not self._facts or not len(texts):
            return line_pages, site_pages
        counted_prints = counted_prints or {}
        new_line_pages, new_site_pages = line_pages.copy(), site_pages.copy()
        keys = None
        changed = False
        starts = np.flatnonzero(np.r_[True, page_of[1:] != page_of[:-1]])
        ends = np.r_[starts[1:], len(page_of)]
        for s, e in zip(starts, ends):
            page = pages[page_of[s]]
            if not page.domain:
                continue
            table = self._table(str(page.domain).lower())
            if table is None:
                continue
            if keys is None:
                keys = line_keys(texts)
            own = page_print(keys[s:e])
            skip = {own} | set(counted_prints.get(page.domain, ()))
            pos = sorted_lookup(table.line_keys, keys[s:e])
            extra = np.where(pos >= 0, table.line_pages[np.maximum(pos, 0)], 0)
            n_extra = table.n_pages
            for facts in table.facts:
                if facts.print in skip:
                    extra -= np.isin(keys[s:e], facts.lines)
                    n_extra -= 1
            if n_extra <= 0:
                continue
            new_line_pages[s:e] += extra
            new_site_pages[s:e] = np.maximum(new_site_pages[s:e], 1) + n_extra
            changed = True
        return (new_line_pages, new_site_pages) if changed else (line_pages, site_pages)

    def evidence(self, columns):
        """The memory's strongest word on one line, from its :data:`MEMORY_COLUMNS` values: a
        reason such as ``like lines labelled boilerplate on 4 pages of this site``, or None."""
        values = dict(zip(MEMORY_COLUMNS, columns))
        best = None
        for kind in KINDS:
            b = round(float(np.expm1(values[f"memory_{kind}_b"])))
            c = round(float(np.expm1(values[f"memory_{kind}_c"])))
            for label, n, other in (("boilerplate", b, c), ("content", c, b)):
                if n > other and (best is None or n - other > best[0]):
                    best = (n - other, kind, label, n)
        if best is None:
            return None
        _, kind, label, n = best
        if kind == "line":
            return f"the same line labelled {label} on {n} {'page' if n == 1 else 'pages'} of this site"
        what = {"words": "lines of the same words",
                "first2": "lines starting with the same words",
                "first4": "lines starting with the same words",
                "last3": "lines ending with the same words",
                "head": "lines starting the same way", "tail": "lines ending the same way"}[kind]
        pages = "page" if n == 1 else "pages"
        return f"like {what} labelled {label} on {n} {pages} of this site"

    # --- saving ----------------------------------------------------------------------------

    def save(self, path):
        """Write the memory to `path` (``.npz``; no pickle) and return the path."""
        path = Path(path)
        arrays = {"format": np.array(MEMORY_FORMAT),
                  "sites": np.array(json.dumps([f.site for f in self._facts])),
                  "prints": np.array([f.print for f in self._facts], dtype=np.uint64)}
        for name, get in (("labels", lambda f: f.labels), ("tokens", lambda f: f.tokens),
                          ("token_labels", lambda f: f.token_labels),
                          ("lines", lambda f: f.lines),
                          *((f"key_{k}", (lambda f, k=k: f.keys[k])) for k in KINDS)):
            parts = [get(f) for f in self._facts]
            arrays[name] = np.concatenate(parts) if parts else np.zeros(0)
            arrays[f"{name}_sizes"] = np.array([len(x) for x in parts], dtype=np.int64)
        with atomic_path(path) as tmp:
            with open(tmp, "wb") as fh:
                np.savez_compressed(fh, **arrays)
        return path


def load_memory(path):
    """Read a memory saved by :meth:`SiteMemory.save`; ModelError (one line) when it is not
    one."""
    path = Path(path)
    try:
        with np.load(path, allow_pickle=False) as data:
            if str(data["format"]) != MEMORY_FORMAT:
                raise ModelError(f"{path}: not a linesift site memory ({MEMORY_FORMAT})")
            sites = json.loads(str(data["sites"]))
            prints = data["prints"].astype(np.uint64)

            def split(name, dtype):
                return np.split(data[name].astype(dtype), np.cumsum(data[f"{name}_sizes"])[:-1]) \
                    if len(sites) else []

            labels = split("labels", np.int8)
            tokens = split("tokens", np.uint64)
            token_labels = split("token_labels", np.int8)
            lines = split("lines", np.uint64)
            keys = {k: split(f"key_{k}", np.uint64) for k in KINDS}
    except ModelError:
        raise
    except (OSError, KeyError, ValueError, TypeError) as exc:
        raise ModelError(f"{path}: not a readable linesift site memory "
                         f"({' '.join(str(exc).split())[:160]})") from None
    facts = [_PageFacts(sites[i], prints[i], {k: keys[k][i] for k in KINDS}, labels[i],
                        tokens[i], token_labels[i], lines[i]) for i in range(len(sites))]
    return SiteMemory(facts)


def memory_columns(frame, pages, memory):
    """The lines table `frame` of `pages` with the :data:`MEMORY_COLUMNS` of `memory` (all 0
    without one)."""
    block = (memory.columns(frame, pages) if memory is not None
             else np.zeros((len(MEMORY_COLUMNS), len(frame))))
    return _add_block(frame.drop(columns=[c for c in MEMORY_COLUMNS if c in frame]),
                      MEMORY_COLUMNS, block)


def uses_memory(pipeline):
    """True when a fitted pipeline's classifier reads the memory's columns."""
    final = pipeline.steps[-1][1] if hasattr(pipeline, "steps") else pipeline
    names = getattr(final, "feature_columns_", None) or getattr(final, "dense_columns_", None) or ()
    return MEMORY_PAGES in set(names)
