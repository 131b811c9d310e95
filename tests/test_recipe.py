"""One recipe by default: `linesift train` without options trains DEFAULT_RECIPE, each option
overrides one value, and ngram_min_sites is lowered on few sites."""

import json

import pytest
from typer.testing import CliRunner

import linesift
from linesift.cli import app
from linesift.recipe import DEFAULT_RECIPE, Recipe
from linesift.train.card import describe_features
from linesift.train.notes import Notes
from linesift.train.prepare import NGRAM_SITES_PER_MIN_SITE, effective_ngram_min_sites
from tests.conftest import site_pages


def test_the_default_recipe_is_the_shipped_models():
    card = json.loads(open("models/default/card.json").read())
    # an option added after the model was trained is absent from its card: its default holds
    assert Recipe(**card["recipe"]) == DEFAULT_RECIPE
    assert DEFAULT_RECIPE.balance_sources == card["source_balance"] == 0.5
    assert any(f"found on >= {DEFAULT_RECIPE.ngram_min_sites} training sites" in f
               for f in card["features"])
    assert DEFAULT_RECIPE.site_stats and card["uses_site_stats"]
    assert card["definition_alignment"]["comment_section_lines"] > 0
    steps = dict(DEFAULT_RECIPE.pipeline().steps)
    assert {"relative", "site", "cues"} <= set(steps)
    assert set(steps) == set(linesift.load().pipeline.named_steps)


def test_options_given_as_none_keep_the_recipes_values():
    changed = DEFAULT_RECIPE.with_options(page_relative=False, balance_sources=None)
    assert changed.page_relative is False and changed.balance_sources == 0.5
    with pytest.raises(TypeError, match="unknown recipe options"):
        DEFAULT_RECIPE.with_options(colour="red")


@pytest.mark.parametrize("sites, expected", [(1, 1), (9, 1), (25, 2), (99, 9), (100, 10),
                                             (3000, 10)])
def test_ngram_min_sites_is_lowered_on_few_sites_with_a_warning(sites, expected):
    notes = Notes(progress=False)
    assert effective_ngram_min_sites(10, sites, notes) == expected
    assert bool(notes) == (expected != 10)
    assert effective_ngram_min_sites(None, 1) is None
    assert NGRAM_SITES_PER_MIN_SITE * 10 == 100


def _write(path, pages):
    path.write_text("".join(json.dumps({"id": p.id, "domain": p.domain, "text": p.text,
                                        "labels": p.labels}) + "\n" for p in pages))
    return path


def test_train_without_options_uses_the_recipe_and_says_what_it_lowered(tmp_path):
    data = _write(tmp_path / "one-site.jsonl", site_pages(sites=["a.example"], per_site=6,
                                                          labels=True))
    result = CliRunner().invoke(app, ["train", str(data), "-o", str(tmp_path / "m"),
                                      "--folds", "3"])
    assert result.exit_code == 0, result.output
    card = json.loads((tmp_path / "m" / "card.json").read_text())
    assert card["recipe"] == {**DEFAULT_RECIPE.as_dict(), "ngram_min_sites": 1}
    assert card["cv_grouping"] == "page"
    assert any("grouped by page" in w for w in card["warnings"])
    assert any("instead of the recipe's 10" in w for w in card["warnings"])
    assert "warning: only 1 site(s) for 3 folds" in result.output
    assert not any("0 kept" in f for f in card["features"])


def test_no_forms_and_zero_override_the_recipe(tmp_path):
    data = _write(tmp_path / "d.jsonl", site_pages(sites=["a.example", "b.example"],
                                                   per_site=3, labels=True))
    result = CliRunner().invoke(app, ["train", str(data), "-o", str(tmp_path / "m"), "--folds",
                                      "0", "--no-page-relative", "--ngram-min-sites", "0",
                                      "--no-unlabel-trailing-prose", "--balance-sources", "0",
                                      "--no-site-stats", "--site-single-share", "0",
                                      "--no-align-definition", "--no-glue-lines",
                                      "--no-cue-features", "--no-article-span",
                                      "--no-line-runs", "--no-comment-marks",
                                      "--no-comment-mentions", "--no-refine",
                                      "--refine-blend", "0"])
    assert result.exit_code == 0, result.output
    card = json.loads((tmp_path / "m" / "card.json").read_text())
    assert card["recipe"] == Recipe().as_dict()
    assert any("hashed word n-grams" in f for f in card["features"])
    assert any("no cross-validation" in w for w in card["warnings"])


def test_a_vocabulary_with_no_ngram_is_a_warning(tmp_path):
    from linesift.train.fit import train_model

    data = _write(tmp_path / "d.jsonl", site_pages(sites=[f"s{i}.example" for i in range(3)],
                                                   per_site=2, labels=True))
    # a pipeline given as it is, so its 50 sites are not lowered to the 3 there are
    card = train_model([str(data)], tmp_path / "m", folds=0, progress=False,
                       pipeline=Recipe(ngram_min_sites=50).pipeline())
    assert any("no word n-gram is found on 50 training sites" in w for w in card["warnings"])
    assert any("(0 kept)" in f for f in describe_features(linesift.load(tmp_path / "m").pipeline))
