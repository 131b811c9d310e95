"""Two thresholds: one for the pages of a crawl, one for a page scored alone (its site counted
on fewer than two pages), chosen by training on each kind of held-out line and applied per page
by the Sifter."""

import json
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import linesift
from linesift.errors import ModelError
from linesift.features.site import SITE_PAGES
from linesift.frame import PAGE
from linesift.pages import Page
from train.cv import ALONE_MIN_LINES, evaluate_oof, line_thresholds

EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "doingbuzz-fr.txt"


def _model_with(tmp_path, **card_fields):
    """The default model, copied, with `card_fields` set on its card."""
    model = Path(shutil.copytree(linesift.model.resolve_model_dir("default"), tmp_path / "m"))
    card = json.loads((model / "card.json").read_text())
    card.update(card_fields)
    (model / "card.json").write_text(json.dumps(card))
    return model


def _crawl():
    """Two pages of one site sharing their navigation, then the example page alone."""
    nav = "Accueil | Politique | Sport | Contact\nS'abonner à la newsletter"
    text = EXAMPLE.read_text(encoding="utf-8")
    return [Page(id="a", text=f"{nav}\n{text}", meta={"domain": "example.fr"}),
            Page(id="b", text=f"{nav}\nUn autre article, assez long pour être lu comme "
                              "tel par le modèle, avec des phrases entières.",
                 meta={"domain": "example.fr"}),
            Page(id="c", text=text, meta={"domain": "elsewhere.fr"})]


def test_a_page_alone_gets_the_alone_threshold_and_a_crawl_the_other(tmp_path):
    sifter = linesift.load(_model_with(tmp_path, threshold=0.39, threshold_alone=0.97))
    assert (sifter.threshold, sifter.threshold_alone) == (0.39, 0.97)
    a, b, c = sifter.sift_pages(_crawl())
    assert a.threshold == b.threshold == 0.39  # their site is counted on two pages
    assert c.threshold == 0.97  # its site on one
    for sifted in (a, c):
        assert sifted.keep == [s is not None and s >= sifted.threshold for s in sifted.scores]
    text = EXAMPLE.read_text(encoding="utf-8")
    alone = sifter.keep(text)
    same_page_in_crawl = a.keep[2:]
    assert sum(alone) < sum(same_page_in_crawl)  # the higher bar keeps fewer of its lines


def test_a_threshold_given_is_used_on_every_page(tmp_path):
    sifter = linesift.load(_model_with(tmp_path, threshold=0.39, threshold_alone=0.97),
                           threshold=0.5)
    assert (sifter.threshold, sifter.threshold_alone) == (0.5, 0.5)
    assert {s.threshold for s in sifter.sift_pages(_crawl())} == {0.5}


def test_a_card_without_one_uses_its_threshold_everywhere(tmp_path):
    sifter = linesift.load(_model_with(tmp_path, threshold=0.41, threshold_alone=None))
    assert sifter.threshold_alone == 0.41
    assert {s.threshold for s in sifter.sift_pages(_crawl())} == {0.41}


@pytest.mark.parametrize("bad", [1.5, -0.1, "0.5", True])
def test_a_bad_alone_threshold_is_refused_at_load(tmp_path, bad):
    with pytest.raises(ModelError, match="'threshold_alone' must be a number from 0 to 1"):
        linesift.load(_model_with(tmp_path, threshold_alone=bad))


def _table(n_per_side, seed=0):
    """Held-out lines of crawl pages (site counted on 5 pages) and pages alone (1): content
    scores high on both; boilerplate scores 0.2-0.45 in a crawl and 0.45-0.7 alone, as
    boilerplate after an article scores when no site repetition is against it."""
    rng = np.random.default_rng(seed)
    rows = []
    for site_pages, low, high in ((5, 0.2, 0.45), (1, 0.45, 0.7)):
        y = np.repeat([1, 0], n_per_side)
        oof = np.where(y == 1, rng.uniform(0.75, 1.0, 2 * n_per_side),
                       rng.uniform(low, high, 2 * n_per_side))
        rows.append(pd.DataFrame({PAGE: np.arange(2 * n_per_side) // 10 + 1000 * site_pages,
                                  SITE_PAGES: site_pages, "y": y, "oof": oof}))
    frame = pd.concat(rows, ignore_index=True)
    return frame, frame["y"].to_numpy(), frame["oof"].to_numpy()


def test_training_chooses_a_threshold_for_each_kind_of_page():
    frame, y, oof = _table(ALONE_MIN_LINES)
    threshold, cv = evaluate_oof(frame, y, oof)
    alone = cv["threshold_alone"]
    assert 0.45 <= threshold <= 0.75 and 0.7 <= alone <= 0.75  # each splits its own lines
    assert cv["pages_alone"]["content_f1"] == 1.0
    assert cv["pages_alone_at_crawl_threshold"]["content_f1"] < 1.0
    per_line = line_thresholds(frame, threshold, alone)
    assert set(per_line[frame[SITE_PAGES] == 1]) == {alone}
    assert set(per_line[frame[SITE_PAGES] == 5]) == {threshold}
    assert cv["at_threshold"]["content_f1"] == 1.0


def test_too_few_lines_alone_give_one_threshold():
    frame, y, oof = _table(ALONE_MIN_LINES - 1)
    threshold, cv = evaluate_oof(frame, y, oof)
    assert cv["threshold_alone"] is None
    assert cv["at_threshold"]["threshold"] == threshold
    assert set(line_thresholds(frame, threshold, None)) == {threshold}
    no_site = frame.drop(columns=[SITE_PAGES])
    assert evaluate_oof(no_site, y, oof)[1]["threshold_alone"] is None
