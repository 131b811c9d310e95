"""What to label next: choosing the pages (or lines) of a pool that help the model most.

Three strategies, each a pure function of the pool's verdicts:

``uncertain``
    The pages where the model expects to be wrong most often, two pages of a site before any
    site's third (the pages of one site share its template, so a site whose template the model
    gets wrong would otherwise fill the budget: on daniel_a, 24 of the 30 most doubtful pages
    were dailymail.co.uk's). With a calibrated model a line
    scored p is wrong with probability p when it is dropped (p below the threshold) and 1 - p
    when it is kept, so a page's *expected wrong lines* are the sum of that over its lines: the
    corrections its annotator will make, which is what the labels teach. A sum, not a mean: a
    mean ranks a three-line page with one doubtful line above a long article whose whole
    comment section is in doubt; a maximum looks at one line only. Pages come two of a site at
    a time (:data:`SITE_GROUP`): a site's memory needs a second labelled page to show what it
    gains. (Uncertainty sampling:
    Lewis & Gale 1994, "A sequential algorithm for training text classifiers"; summed over a
    structured item as in Settles & Craven 2008, "An analysis of active learning strategies for
    sequence labeling tasks".) In the line layout, the lines with the largest chance of being
    wrong.
``diverse``
    Spread over languages and sites: languages in turn, and within a language its sites in
    turn, a random page of each; a site gets its second page only after every site of its
    language has had one.
``random``
    A seeded random sample: the control the other two are measured against.
"""

import numpy as np

from linesift.labels import DEFAULT_THRESHOLD

UNCERTAIN, DIVERSE, RANDOM = "uncertain", "diverse", "random"
STRATEGIES = (UNCERTAIN, DIVERSE, RANDOM)
UNKNOWN_LANG = "?"


def wrong_chance(scores, threshold):
    """Each line's chance of being wrong (0 for blank lines): p if dropped, else 1 - p."""
    p = np.array([np.nan if s is None else s for s in scores], dtype=np.float64)
    chance = np.where(p >= threshold, 1.0 - p, p)
    return np.nan_to_num(chance, nan=0.0)


def expected_wrong_lines(sifted, threshold):
    """The expected number of wrong lines of a page (see the module docstring), at the
    threshold its verdicts were made at (a page alone has its own), else `threshold`."""
    return float(wrong_chance(sifted.scores, _threshold_of(sifted, threshold)).sum())


def _threshold_of(sifted, threshold):
    return sifted.threshold if getattr(sifted, "threshold", None) is not None else threshold


def select_pages(pages, strategy, budget, *, sifted=None, threshold=DEFAULT_THRESHOLD, seed=0):
    """Positions in `pages` of the `budget` pages to label next, in the order chosen.

    Parameters
    ----------
    pages : list of linesift.Page
    strategy : str
        ``"uncertain"``, ``"diverse"`` or ``"random"``.
    budget : int
    sifted : list of SiftedPage, optional
        The model's verdicts for `pages` (needed by ``uncertain``).
    threshold : float
        The model's threshold.
    seed : int
        Seeds ``random`` and the order within a site of ``diverse``.
    """
    _check(strategy, sifted)
    budget = max(0, min(int(budget), len(pages)))
    rng = np.random.default_rng(seed)
    if strategy == RANDOM:
        return [int(i) for i in rng.permutation(len(pages))[:budget]]
    if strategy == UNCERTAIN:
        wrong = np.array([expected_wrong_lines(s, threshold) for s in sifted])
        sites = [page.domain or page.id for page in pages]
        return _site_by_site(np.argsort(-wrong, kind="stable"), sites)[:budget]
    keys = [(page.meta.get("lang") or UNKNOWN_LANG, page.domain or page.id) for page in pages]
    return _round_robin(keys, rng)[:budget]


SITE_GROUP = 2
"""Pages of a site taken together: a site's memory shows what it gains on one labelled page
only with another labelled page of the site (``train --base`` holds pages out one at a time)."""


def _site_by_site(order, sites, group=SITE_GROUP):
    """`order` (positions, most wanted first) taken `group` pages of a site at a time, a site's
    next `group` only after every site's previous ones: the pages of one site share a
    template, so its doubts are one doubt, and learning its template takes two pages."""
    seen, first = {}, {}
    keys = []
    for i, position in enumerate(order):
        site = sites[int(position)]
        rank = seen.get(site, 0) // group
        seen[site] = seen.get(site, 0) + 1
        first.setdefault((site, rank), i)
        keys.append((rank, first[(site, rank)], i))
    return [int(order[i]) for i in sorted(range(len(order)), key=keys.__getitem__)]


def select_lines(pages, strategy, budget, *, sifted=None, candidates=None,
                 threshold=DEFAULT_THRESHOLD, seed=0):
    """``(page position, line_no)`` of the `budget` lines to label next (the line layout).

    `candidates`, if given, maps a page position to the line numbers that may be chosen
    (default: every non-blank line). ``diverse`` goes round languages and sites, a random line
    of a random page at each turn.
    """
    _check(strategy, sifted)
    lines = [(k, n) for k, page in enumerate(pages)
             for n in (candidates[k] if candidates is not None else page.nonblank_line_nos())]
    budget = max(0, min(int(budget), len(lines)))
    rng = np.random.default_rng(seed)
    if strategy == RANDOM:
        return [lines[int(i)] for i in rng.permutation(len(lines))[:budget]]
    if strategy == UNCERTAIN:
        chance = {k: wrong_chance(s.scores, _threshold_of(s, threshold))
                  for k, s in enumerate(sifted)}
        wrong = np.array([chance[k][n] for k, n in lines])
        return [lines[int(i)] for i in np.argsort(-wrong, kind="stable")[:budget]]
    keys = [(pages[k].meta.get("lang") or UNKNOWN_LANG, pages[k].domain or pages[k].id)
            for k, _ in lines]
    return [lines[i] for i in _round_robin(keys, rng)[:budget]]


def _check(strategy, sifted):
    if strategy not in STRATEGIES:
        raise ValueError(f"unknown strategy {strategy!r}; expected one of {STRATEGIES}")
    if strategy == UNCERTAIN and sifted is None:
        raise ValueError("the uncertain strategy needs the model's verdicts")


def _round_robin(keys, rng):
    """Positions ordered languages in turn, within a language sites in turn, each site's items
    in a random order: ``keys`` are ``(language, site)`` per item."""
    by_lang = {}
    for i in rng.permutation(len(keys)):
        lang, site = keys[int(i)]
        by_lang.setdefault(lang, {}).setdefault(site, []).append(int(i))
    queues = {lang: _interleave(list(sites.values())) for lang, sites in by_lang.items()}
    return _interleave([queues[lang] for lang in sorted(queues)])


def _interleave(lists):
    out, depth = [], 0
    while any(depth < len(x) for x in lists):
        out += [x[depth] for x in lists if depth < len(x)]
        depth += 1
    return out
