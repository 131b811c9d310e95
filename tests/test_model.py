import json

import numpy as np
import pytest

import linesift
from linesift import ModelError
from linesift.model import CARD_FILE, MODEL_FILE, sha256_file
from tests.conftest import tampered_copy


def test_saved_model_has_a_complete_card(tiny_model):
    card = json.loads((tiny_model / CARD_FILE).read_text())
    assert card["sha256"] == sha256_file(tiny_model / MODEL_FILE)
    assert set(card["versions"]) >= {"linesift", "scikit-learn", "python"}
    assert card["data"]["label_counts"] == {"content": 64, "boilerplate": 74, "unlabelled": 2127}
    assert len(card["data"]["fingerprint"]) == 64
    assert card["features"] and 0 < card["threshold"] < 1 and card["training_seconds"] > 0
    assert "trafilatura_eval" in card["data"]["licences"]
    assert (tiny_model / "README.md").read_text().startswith("# linesift model `tiny`")


def test_train_save_load_filter(tiny_model):
    sifter = linesift.load(tiny_model)
    text = "Home | News | Sport\n\nThe minister said on Tuesday that talks would start soon.\n© 2024"
    scores = sifter.score(text)
    assert len(scores) == 4 and scores[1] is None
    assert all(0.0 <= s <= 1.0 for s in scores if s is not None)
    keep = sifter.keep(text)
    assert keep == [s is not None and s >= sifter.threshold for s in scores]
    kept = [line for line, k in zip(text.split("\n"), keep) if k]
    assert sifter.clean(text) == "\n".join(kept)


def test_batch_method_equals_one_by_one(tiny_model, sample_path):
    sifter = linesift.load(tiny_model)
    texts = [p.text for p in linesift.read_pages([sample_path])][:6]
    assert sifter.clean_many(texts) == [sifter.clean(t) for t in texts]
    with pytest.raises(TypeError, match="single string"):
        sifter.clean_many("one page")


def test_training_is_deterministic(tiny_model, tmp_path, sample_path):
    from linesift.recipe import Recipe
    from linesift.train.fit import train_model

    card = train_model([str(sample_path)], tmp_path / "again", folds=0, progress=False,
                       recipe=Recipe())
    assert card["data"]["fingerprint"] == json.loads((tiny_model / CARD_FILE).read_text())[
        "data"]["fingerprint"]
    again = linesift.load(tmp_path / "again")
    first = linesift.load(tiny_model)
    page = next(iter(linesift.read_pages([sample_path])))
    assert again.score(page.text) == first.score(page.text)


def test_tampered_model_file_is_refused(tiny_model, tmp_path):
    copy = tampered_copy(tiny_model, MODEL_FILE, tmp_path / "tampered")
    with pytest.raises(ModelError, match="does not match its card"):
        linesift.load(copy)


def test_missing_model_says_how_to_get_one(tmp_path):
    with pytest.raises(ModelError, match="does not exist; train one") as raised:
        linesift.load(tmp_path / "nothing")
    assert raised.value.hint == "model"  # the CLI adds: pass --model DIR, or train one


def test_cross_validation_reports_metrics_and_threshold(tmp_path, sample_path):
    from linesift.recipe import Recipe
    from linesift.train.fit import train_model

    card = train_model([str(sample_path)], tmp_path / "cv", folds=3, progress=False,
                       recipe=Recipe())
    cv = card["cv"]
    for key in ["content_precision", "content_recall", "content_f1", "boilerplate_f1",
                "page_avg_content_f1"]:
        assert 0.0 <= cv[key] <= 1.0
    assert cv["threshold"] == card["threshold"]
    assert cv["lines"] == 138  # only labelled lines are scored
    (source,) = card["cv_detail"]["per_source"]  # the sample is one source
    assert card["cv_detail"]["per_source"][source]["lines"] == 138
    calibration = card["calibration"]
    assert 0.0 <= calibration["ece_raw"] <= 1.0
    assert 0.0 <= calibration["brier_calibrated_held_out"] <= 1.0
    assert "## Calibration" in (tmp_path / "cv" / "README.md").read_text()
    sifter = linesift.load(tmp_path / "cv")
    assert sifter.pipeline[-1].calibration_.shape[0] == 2
    scores = [s for s in sifter.score(get_page_text(sample_path)) if s is not None]
    assert scores and all(0.0 <= s <= 1.0 for s in scores)


def get_page_text(path):
    return next(iter(linesift.read_pages([path]))).text


def test_calibration_is_a_monotone_map_onto_observed_rates():
    from linesift.classifier import ContextClassifier

    rng = np.random.default_rng(0)
    scores = rng.uniform(size=2000)
    y = (rng.uniform(size=2000) < scores ** 2).astype(int)  # over-confident raw scores
    step = ContextClassifier().set_calibration(scores, y)
    grid = np.linspace(0, 1, 101)
    mapped = step._calibrated(grid)[:, 1]
    assert np.all(np.diff(mapped) >= 0) and mapped.min() >= 0 and mapped.max() <= 1
    # P(content | raw 0.5) is 0.25 here: the map moves 0.5 down to about that.
    assert abs(mapped[50] - 0.25) < 0.08
    np.testing.assert_allclose(step._calibrated(grid).sum(axis=1), 1.0)


def test_trailing_prose_after_the_article_becomes_unlabelled():
    from linesift.train.data import unlabel_trailing_prose

    text = "\n".join([
        "Menu | Home | News",
        "The minister spoke for an hour about the budget and the plans for next year.",
        "Great article, thanks for writing it, I learned a lot about the whole budget process.",
        "Posted by Anna at 10:32",
        "© 2024 Example News. All rights reserved to the company and its many partners here.",
    ])
    page = linesift.Page(id="p", text=text, labels=["boilerplate", "content", "boilerplate",
                                                   "boilerplate", "boilerplate"])
    (out,), changed = unlabel_trailing_prose([page])
    # The comment and the long footer sentence are unlabelled; short lines, the menu before
    # the article and the article itself keep their labels.
    assert out.labels == ["boilerplate", "content", None, "boilerplate", None]
    assert changed == 2 and page.labels[2] == "boilerplate"


def test_fast_first_stage_equals_the_pipeline(tiny_model, sample_path):
    from linesift.classifier import _linear_first_stage_proba

    sifter = linesift.load(tiny_model)
    frame = linesift.lines_frame(list(linesift.read_pages([sample_path])))
    enriched = sifter.pipeline[:-1].transform(frame)
    first = sifter.pipeline[-1].first_
    fast = _linear_first_stage_proba(first, enriched)
    assert fast is not None
    np.testing.assert_allclose(fast, first.predict_proba(enriched)[:, 1], rtol=1e-9, atol=1e-12)
    columns = sifter.pipeline[-1].dense_columns_
    folded = _linear_first_stage_proba(first, enriched, enriched[columns].to_numpy(), columns)
    np.testing.assert_allclose(folded, fast, rtol=1e-9, atol=1e-12)


def test_parallel_training_gives_the_same_model_and_metrics(tmp_path, sample_path):
    from linesift.recipe import Recipe
    from linesift.train.fit import train_model

    one = train_model([str(sample_path)], tmp_path / "one", folds=3, progress=False,
                      recipe=Recipe())
    two = train_model([str(sample_path)], tmp_path / "two", folds=3, progress=False, jobs=2,
                      recipe=Recipe())
    assert one["cv"] == two["cv"] and one["threshold"] == two["threshold"]
    text = next(iter(linesift.read_pages([sample_path]))).text
    assert linesift.load(tmp_path / "one").score(text) == linesift.load(tmp_path / "two").score(text)


def test_source_weights_even_out_sources():
    from linesift.train.data import source_weights, training_table

    big = [linesift.Page(id=f"b{i}", text="A line.\nAnother line.", labels=["content", None],
                         meta={"source": "big"}) for i in range(4)]
    small = [linesift.Page(id="s", text="One line.", labels=["boilerplate"],
                           meta={"source": "small"})]
    pages = big + small
    frame, y = training_table(pages)
    equal = source_weights(pages, frame, y, power=1.0)
    labelled = y != -1
    # 4 labelled lines from "big", 1 from "small": each source's weights sum to the same.
    assert equal[labelled][:4].sum() == pytest.approx(equal[labelled][4:].sum())
    assert equal[labelled].mean() == pytest.approx(1.0)
    assert np.all(source_weights(pages, frame, y, power=0.0) == 1.0)


def test_balanced_training_is_recorded_on_the_card(tmp_path, sample_path):
    from typer.testing import CliRunner

    from linesift.cli import app

    out = tmp_path / "balanced"
    result = CliRunner().invoke(app, ["train", str(sample_path), "-o", str(out), "--folds", "0",
                                      "--balance-sources", "0.5"])
    assert result.exit_code == 0, result.output
    card = linesift.load(out).card
    assert card["source_balance"] == 0.5
    refused = CliRunner().invoke(app, ["train", str(sample_path), "-o", str(out),
                                       "--balance-sources", "2"])
    assert refused.exit_code != 0 and "balance-sources" in refused.output


def test_the_shipped_options_score_the_same_by_the_fast_path(sample_path):
    from linesift.recipe import build_pipeline
    from linesift.train.data import load_training_pages, training_table

    frame, y = training_table(load_training_pages([str(sample_path)]))
    model = build_pipeline(ngram_min_sites=2, page_relative=True).fit(frame, y)
    enriched = model[:-1].transform(frame)
    clf = model[-1]
    fast = clf.first_stage_proba(enriched)
    np.testing.assert_allclose(fast, clf.first_.predict_proba(enriched)[:, 1], atol=1e-9)
    text = clf.first_.named_steps["features"].named_transformers_["text"]
    assert text.vocabulary_ is not None and "rel_log_chars" in enriched


def test_vocabulary_and_page_relative_options_reach_the_saved_model(tmp_path, sample_path):
    from typer.testing import CliRunner

    from linesift.cli import app

    out = tmp_path / "vocabulary"
    result = CliRunner().invoke(app, ["train", str(sample_path), "-o", str(out), "--folds", "0",
                                      "--page-relative", "--ngram-min-sites", "2"])
    assert result.exit_code == 0, result.output
    sifter = linesift.load(out)
    assert any("found on >= 2 training sites" in f for f in sifter.card["features"])
    assert any(f.startswith("relative:") for f in sifter.card["features"])
    page = "Accueil | Actualités\nLe ministre a affirmé que Moscou serait prêt à négocier.\n© 2024"
    scores = sifter.score(page)
    assert len(scores) == 3 and all(0.0 <= s <= 1.0 for s in scores)
