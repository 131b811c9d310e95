"""What to label next (pure functions): uncertain, diverse and random choices of pages and
lines."""

import pytest

from linesift.annotate.select import (expected_wrong_lines, select_lines, select_pages,
                                      wrong_chance)
from linesift.annotate.review import LabelsPrefill
from linesift.sift import SiftedPage
from tests.conftest import get_page


def _sifted(page, scores, threshold=0.5):
    return SiftedPage(page=page, scores=scores,
                      keep=[s is not None and s >= threshold for s in scores])


def test_a_lines_wrong_chance_is_p_when_dropped_and_one_minus_p_when_kept():
    assert list(wrong_chance([0.1, None, 0.5, 0.9, 0.3], 0.5)) == pytest.approx(
        [0.1, 0.0, 0.5, 0.1, 0.3])
    assert list(wrong_chance([0.3], 0.25)) == pytest.approx([0.7])


def test_uncertain_sums_a_pages_doubt_so_a_long_doubtful_page_beats_a_short_one():
    short = get_page("a\nb", id="short")            # one line in full doubt
    long = get_page("\n".join("x" * 10), id="long")  # ten lines, each a little doubtful
    sure = get_page("a\nb\nc", id="sure")
    pages = [short, long, sure]
    sifted = [_sifted(short, [0.5, 0.99]), _sifted(long, [0.8] * 10),
              _sifted(sure, [0.99, 0.01, 0.98])]
    assert [round(expected_wrong_lines(s, 0.5), 2) for s in sifted] == [0.51, 2.0, 0.04]
    assert select_pages(pages, "uncertain", 2, sifted=sifted) == [1, 0]


def test_uncertain_takes_two_pages_of_a_site_before_a_sites_third():
    pages = [get_page("a\nb", id=f"{site}/{n}", domain=site)
             for site in ("big.example", "small.example") for n in range(3)]
    doubt = {"big.example": [0.5, 0.5], "small.example": [0.7, 0.99]}
    sifted = [_sifted(p, doubt[p.domain]) for p in pages]
    chosen = [pages[k].domain for k in select_pages(pages, "uncertain", 5, sifted=sifted)]
    # the most doubtful site's pages two at a time (a site's memory shows its gain on one
    # page with another one labelled), then the next site's, then a third page
    assert chosen == ["big.example", "big.example", "small.example", "small.example",
                      "big.example"]


def test_diverse_goes_round_languages_then_sites():
    pages = [get_page("t", id=f"{lang}-{site}-{n}", domain=f"{site}.{lang}", lang=lang)
             for lang, sites in (("el", 3), ("en", 1)) for site in range(sites)
             for n in range(3)]
    chosen = [pages[k] for k in select_pages(pages, "diverse", 5, seed=3)]
    assert [p.meta["lang"] for p in chosen[:2]] == ["el", "en"]
    assert len({p.domain for p in chosen if p.meta["lang"] == "el"}) == 3  # every el site first
    assert len({p.id for p in chosen}) == 5


def test_random_is_seeded_and_never_repeats():
    pages = [get_page("t", id=str(k)) for k in range(20)]
    one = select_pages(pages, "random", 8, seed=5)
    assert one == select_pages(pages, "random", 8, seed=5) != select_pages(pages, "random", 8,
                                                                           seed=6)
    assert len(set(one)) == 8
    assert len(select_pages(pages, "random", 50)) == 20  # the budget is capped by the pool


def test_lines_of_the_line_layout_are_chosen_among_candidates():
    page = get_page("a\nb\n\nc\nd", id="p")
    sifted = [_sifted(page, [0.9, 0.45, None, 0.6, 0.02])]
    assert select_lines([page], "uncertain", 2, sifted=sifted) == [(0, 1), (0, 3)]
    assert select_lines([page], "uncertain", 2, sifted=sifted, candidates={0: [0, 4]}) == \
        [(0, 0), (0, 4)]
    assert sorted(select_lines([page], "random", 9)) == [(0, 0), (0, 1), (0, 3), (0, 4)]


def test_uncertain_needs_the_models_verdicts_and_strategies_are_known():
    with pytest.raises(ValueError, match="needs the model's verdicts"):
        select_pages([get_page()], "uncertain", 1)
    with pytest.raises(ValueError, match="unknown strategy"):
        select_pages([get_page()], "hardest", 1)


def test_review_prefill_shows_the_labels_and_the_audits_doubt():
    page = get_page("Menu\nArticle text.\n\nFooter", id="p",
                    labels=["boilerplate", "content", None, "content"])
    prefill = LabelsPrefill({"p": {0: 0.1, 1: 0.9, 3: 0.05}}, "labels:x")
    (sifted,) = prefill.sift_pages([page])
    assert sifted.keep == [False, True, False, True]  # the labels, not the scores
    assert sifted.scores == [0.1, 0.9, None, 0.05]    # line 3: labelled content, P 0.05


def test_a_pages_doubt_is_measured_at_the_threshold_its_verdicts_were_made_at():
    page = get_page("a\nb", id="alone")
    at_its_own = SiftedPage(page=page, scores=[0.45, 0.9], keep=[True, True], threshold=0.4)
    # kept at 0.4, the 0.45 line is wrong with chance 0.55 (not 0.45 as if dropped at 0.5)
    assert expected_wrong_lines(at_its_own, 0.5) == pytest.approx(0.55 + 0.1)
    line_doubt = select_lines([page], "uncertain", 1, sifted=[at_its_own])
    assert line_doubt == [(0, 0)]
