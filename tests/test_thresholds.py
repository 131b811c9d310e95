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


def _table(n, seed=0):
    """`n` held-out content and `n` boilerplate lines, scored as trained (boilerplate 0.2-0.45)
    and as pages alone (0.45-0.7: the boilerplate after an article has no site repetition
    against it); content 0.75-1.0 both ways."""
    rng = np.random.default_rng(seed)
    y = np.repeat([1, 0], n)
    content = rng.uniform(0.75, 1.0, 2 * n)
    oof = np.where(y == 1, content, rng.uniform(0.2, 0.45, 2 * n))
    oof_alone = np.where(y == 1, content, rng.uniform(0.45, 0.7, 2 * n))
    frame = pd.DataFrame({PAGE: np.arange(2 * n) // 10, SITE_PAGES: 3})
    return frame, y, oof, oof_alone


def test_training_chooses_a_threshold_for_pages_alone_on_their_scores():
    frame, y, oof, oof_alone = _table(ALONE_MIN_LINES)
    threshold, cv = evaluate_oof(frame, y, oof, oof_alone)
    alone = cv["threshold_alone"]
    assert 0.45 <= threshold <= 0.75 and 0.7 <= alone <= 0.75  # each splits its own scores
    assert cv["at_threshold"]["threshold_alone"] == alone
    assert cv["pages_alone"]["content_f1"] == 1.0
    assert cv["pages_alone_at_threshold"]["content_f1"] < 1.0
    assert cv["at_threshold"]["content_f1"] == 1.0
    frame[SITE_PAGES] = np.where(np.arange(len(frame)) % 2, 1, 4)
    per_line = line_thresholds(frame, threshold, alone)
    assert set(per_line[frame[SITE_PAGES] == 1]) == {alone}
    assert set(per_line[frame[SITE_PAGES] == 4]) == {threshold}


def test_without_scores_alone_or_with_too_few_there_is_one_threshold():
    frame, y, oof, oof_alone = _table(ALONE_MIN_LINES - 1)
    threshold, cv = evaluate_oof(frame, y, oof, oof_alone)
    assert cv["threshold_alone"] is None and "pages_alone" not in cv
    assert cv["at_threshold"]["threshold"] == threshold
    assert set(line_thresholds(frame, threshold, None)) == {threshold}
    frame, y, oof, _ = _table(ALONE_MIN_LINES)
    assert evaluate_oof(frame, y, oof)[1]["threshold_alone"] is None


def test_alone_site_columns_count_each_page_by_itself():
    from train.sites import alone_site_columns

    pages = [Page(id="a", text="x\ny", meta={"domain": "s.fr"}), Page(id="b", text="x")]
    frame = pd.DataFrame({PAGE: [0, 0, 1], SITE_PAGES: [2, 2, 0], "site_line_pages": [2, 1, 1]})
    out = alone_site_columns(frame, pages)
    assert out[SITE_PAGES].tolist() == [1, 1, 0] and out["site_line_pages"].tolist() == [1, 1, 1]
    assert frame[SITE_PAGES].tolist() == [2, 2, 0]  # the table trained on is left as it was
