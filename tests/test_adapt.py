"""`linesift train --base`: a site memory that generalises, adaptation that never goes below its
base on what the labels show, and a card whose sentences fit the split."""

import json
import random

import numpy as np
import pytest

import linesift
from linesift import Page
from linesift.card import render_card_readme
from linesift.features.memory import (MEMORY_COLUMNS, SiteMemory, line_memory_keys,
                                      load_memory)
from linesift.features.site import count_site_lines, with_site_columns
from linesift.frame import lines_frame
from linesift.train.adapt import bootstrap_gain, page_mean_f1
from linesift.train.fit import base_of, train_model

NAV = "Home | World | Sport | Contact"
FOOTER = "© 2012 Toy Media"


def dateline(site, n, rng):
    """A site's dateline whose time, day and month vary from page to page."""
    return (f"This article was published on {site} at {rng.randrange(24)}.{rng.randrange(60):02d} "
            f"GMT on {rng.choice(['Monday', 'Tuesday', 'Sunday'])} {n} "
            f"{rng.choice(['January', 'March', 'May'])} 2012 by the news desk.")


def toy_page(site, n, rng, labels=True):
    lines = [NAV,
             f"The mayor opened bridge number {n} after {n + 2} years of careful work in town.",
             f"Residents said the crossing number {n} would cut their daily trip by half an hour.",
             dateline(site, n, rng),
             f"Engineers will inspect the structure of bridge {n} again next spring, said the "
             "council.",
             FOOTER]
    page_labels = ["boilerplate", "content", "content", "boilerplate", "content", "boilerplate"]
    return Page(id=f"{site}/{n}", text="\n".join(lines), meta={"domain": site},
                labels=page_labels if labels else None)


def write_pages(path, pages):
    path.write_text("".join(json.dumps({"id": p.id, "domain": p.domain, "text": p.text,
                                        "labels": p.labels}) + "\n" for p in pages))
    return path


@pytest.fixture(scope="module")
def toy_adapted(tiny_model, tmp_path_factory):
    """The tiny model adapted to 6 labelled pages of toy.example."""
    rng = random.Random(0)
    folder = tmp_path_factory.mktemp("adapt")
    data = write_pages(folder / "toy.jsonl", [toy_page("toy.example", n, rng) for n in range(6)])
    out = folder / "toy-model"
    card = train_model([str(data)], out, base=tiny_model, progress=False)
    return out, card


def test_a_labelled_line_pattern_with_varying_dates_is_dropped_on_the_sites_new_page(
        tiny_model, toy_adapted):
    out, card = toy_adapted
    assert not card["adaptation"]["kept_base"], card["adaptation"]["message"]
    rng = random.Random(7)
    new = toy_page("toy.example", 41, rng, labels=False)  # a date no labelled page had
    other = Page(id="other/1", text=new.text.replace("toy.example", "other.example"),
                 meta={"domain": "other.example"})
    base, adapted = linesift.load(tiny_model), linesift.load(out)
    assert dateline("toy.example", 41, random.Random(7)) not in {
        line for p in load_pages(out) for line in p}  # the exact line was never labelled
    # the base model keeps the dateline; the site's labels drop it on a page of the site
    assert base.keep(new.text)[3] and base.keep(other.text)[3]
    on_site = next(adapted.sift_pages([new]))
    assert not on_site.keep[3]
    assert on_site.keep[1] and on_site.keep[2] and on_site.keep[4]
    # and another site's page gets the base model's verdicts, unchanged
    elsewhere = next(adapted.sift_pages([other]))
    assert elsewhere.keep == next(base.sift_pages([other])).keep
    np.testing.assert_allclose([s for s in elsewhere.scores if s is not None],
                               [s for s in base.score(other.text) if s is not None], atol=1e-6)


def load_pages(model_dir):
    """The lines of the pages a toy model's training file holds (for the test above)."""
    data = json.loads((model_dir / "card.json").read_text())["data"]["paths"][0]
    return [json.loads(line)["text"].split("\n") for line in open(data)]


def test_explain_shows_the_memory_as_a_reason(toy_adapted, tmp_path):
    from typer.testing import CliRunner

    from linesift.cli import app

    out, _ = toy_adapted
    page = tmp_path / "page.txt"
    page.write_text(toy_page("toy.example", 50, random.Random(3), labels=False).text)
    result = CliRunner().invoke(app, ["explain", str(page), "-m", str(out), "--site",
                                      "toy.example", "--top", "2"])
    assert result.exit_code == 0, result.output
    rows = result.output.splitlines()
    assert "the same line labelled boilerplate on 6 pages of this site" in rows[1]  # the menu
    assert "labelled boilerplate on 6 pages of this site" in rows[4]  # the dateline
    alone = CliRunner().invoke(app, ["explain", str(page), "-m", str(out)])
    assert "of this site" not in alone.output  # a page of no site gets no memory


def test_labels_that_cannot_show_a_gain_keep_the_base_models_decisions(tiny_model, tmp_path,
                                                                      sample_path):
    base = linesift.load(tiny_model)
    rng = random.Random(1)
    pages = [toy_page("easy.example", n, rng, labels=False) for n in range(5)]
    for page in pages:  # labelled exactly as the base model decides: nothing to gain
        page.labels = ["content" if k else "boilerplate" for k in base.keep(page.text)]
    data = write_pages(tmp_path / "easy.jsonl", pages)
    card = train_model([str(data)], tmp_path / "m", base=tiny_model, progress=False)
    assert card["adaptation"]["kept_base"]
    assert "kept the base model" in card["adaptation"]["message"]
    assert not (tmp_path / "m" / "memory.npz").exists()
    kept = linesift.load(tmp_path / "m")
    assert kept.threshold == base.threshold
    new = [toy_page("easy.example", 9, rng, labels=False), *linesift.read_pages(
        [str(sample_path)])]
    for a, b in zip(kept.sift_pages(new), base.sift_pages(new)):
        assert a.keep == b.keep

    one = write_pages(tmp_path / "one.jsonl", [toy_page("toy.example", 1, rng)])
    card = train_model([str(one)], tmp_path / "one", base=tiny_model, progress=False)
    assert card["adaptation"]["kept_base"] and "1 labelled page" in card["adaptation"]["message"]


def test_the_base_model_is_never_overwritten(tiny_model, tmp_path):
    from linesift.errors import LinesiftError

    data = write_pages(tmp_path / "toy.jsonl", [toy_page("t.example", n, random.Random(n))
                                                 for n in range(3)])
    before = (tiny_model / "model.joblib").read_bytes()
    with pytest.raises(LinesiftError, match="base model's directory"):
        train_model([str(data)], tiny_model, base=tiny_model, progress=False)
    assert (tiny_model / "model.joblib").read_bytes() == before


def test_the_card_of_an_adapted_model_says_what_was_held_out(toy_adapted):
    out, card = toy_adapted
    readme = (out / "README.md").read_text()
    assert card["cv_grouping"] == "page"
    assert "Cross-validated by page over the 6 labelled pages" in readme
    assert "not for other sites" in readme
    assert "held-out sites" not in readme and "other half of the sites" not in readme
    assert f"They rest on {card['cv_detail']['adaptation']['content_lines']} content lines" in readme
    assert "| base " in readme or "base `" in readme  # the base's figure beside the new one
    assert len(card["cv_detail"]["per_page"]["model"]) == 6
    boot = card["cv_detail"]["adaptation"]["bootstrap"]
    assert boot["low"] <= boot["high"] and 0 <= boot["share_better"] <= 1


@pytest.mark.parametrize("grouping, says, never", [
    ("site", "sites the model has not seen", "new pages of the sites"),
    ("page", "new pages of the sites trained on", "sites the model has not seen"),
    ("site, own pages by page", "by page for your own pages", "sites the model has not seen"),
])
def test_card_sentences_fit_the_split(grouping, says, never):
    readme = render_card_readme({"name": "m", "cv": {"content_f1": 0.9}, "cv_grouping": grouping,
                                 "cv_detail": {"per_source": {"a": {
                                     "content_precision": 0.9, "content_recall": 0.9,
                                     "content_f1": 0.9, "lines": 10, "split": grouping}}},
                                 "calibration": {"method": "isotonic", "ece_raw": 0.1,
                                                 "brier_raw": 0.1}})
    assert says in readme and never not in readme
    if grouping == "page":
        assert "other half of the pages" in readme and "half of the sites" not in readme


def test_a_threshold_on_the_edge_of_the_grid_is_a_warning(tmp_path):
    from linesift.train.card import threshold_on_edge
    from linesift.train.notes import Notes

    notes = Notes(progress=False)
    threshold_on_edge(0.05, notes)
    threshold_on_edge(0.40, notes)
    assert len(notes) == 1 and "edge of the grid" in notes[0]


def test_retraining_from_serve_learns_on_the_base_of_the_served_model(tiny_model, toy_adapted,
                                                                      tmp_path):
    import shutil

    out, _ = toy_adapted
    assert base_of(out) == tiny_model  # an adapted model: its base, found and unchanged
    assert base_of(tiny_model) == tiny_model  # a model learned from scratch: itself
    moved = tmp_path / "moved"
    shutil.copytree(out, moved)
    card = json.loads((moved / "card.json").read_text())
    card["base"]["sha256"] = "0" * 64  # the base changed since: retrain on the served model
    (moved / "card.json").write_text(json.dumps(card))
    assert base_of(moved) == moved


# --- the memory itself -------------------------------------------------------------------

def test_memory_leaves_a_page_out_of_its_own_features_and_round_trips(tmp_path):
    rng = random.Random(2)
    pages = [toy_page("toy.example", n, rng) for n in range(4)]
    memory = SiteMemory.from_pages(pages)
    assert memory.sites == {"toy.example": 4}
    frame = lines_frame(pages)
    block = memory.columns(frame, pages)
    named = dict(zip(MEMORY_COLUMNS, block))
    # each page sees the other 3: the menu was boilerplate on 3 of them, never content
    assert np.allclose(named["memory_pages"], np.log1p(3))
    assert np.allclose(named["memory_line_b"][frame["line_no"] == 0], np.log1p(3))
    assert np.allclose(named["memory_line_c"][frame["line_no"] == 0], 0)
    # a page the memory does not hold sees all 4
    new = toy_page("toy.example", 9, rng)
    new_block = memory.columns(lines_frame([new]), [new])
    assert np.allclose(new_block[0], np.log1p(4))
    path = memory.save(tmp_path / "memory.npz")
    again = load_memory(path)
    assert again.sites == memory.sites
    assert np.array_equal(again.columns(frame, pages), block)


def test_memory_keys_mask_digits_and_keep_prefixes_across_scripts():
    keys, _ = line_memory_keys([
        "Published at 12.37 GMT on 15 January 2012",
        "Published at 9.05 GMT on 3 January 2011",
        "[责任编辑：xinht] 标签：经济",
        "[责任编辑：wangq] 标签：股市",
        "来源： 经济参考报 作者： 王明",
        "来源： 新华网 作者： 李华"])
    assert keys["words"][0] == keys["words"][1] and keys["line"][0] != keys["line"][1]
    assert keys["first4"][2] == keys["first4"][3] and keys["words"][2] != keys["words"][3]
    assert keys["first2"][4] == keys["first2"][5]
    assert keys["head"][2] == keys["head"][3]


def test_memory_counts_its_pages_as_site_repetition_without_counting_a_page_twice():
    rng = random.Random(4)
    labelled = [toy_page("toy.example", n, rng) for n in range(3)]
    memory = SiteMemory.from_pages(labelled)
    new = toy_page("toy.example", 7, rng, labels=False)
    alone = with_site_columns(lines_frame([new]), [new], count_site_lines([new]))
    counted = memory.add_site_counts(alone, [new])
    assert counted["site_pages"].tolist() == [4] * 6  # the page and 3 labelled ones
    assert counted["site_line_pages"].tolist()[0] == 4  # the menu is on all of them
    again = labelled[0]  # a labelled page filtered again is not its own repetition
    frame = with_site_columns(lines_frame([again]), [again], count_site_lines([again]))
    counted = memory.add_site_counts(frame, [again], count_site_lines([again]).page_prints)
    assert counted["site_pages"].tolist() == [3] * 6


def test_page_mean_f1_and_bootstrap_gain():
    truth = np.array([1, 1, 0, 0, 1, 0])
    pages = np.array([0, 0, 0, 1, 1, 1])
    good = np.array([0.9, 0.8, 0.1, 0.1, 0.9, 0.2])
    bad = np.array([0.9, 0.1, 0.9, 0.1, 0.1, 0.2])
    assert page_mean_f1(truth, good, pages, 0.5) == 1.0
    assert page_mean_f1(truth, bad, pages, 0.5) == pytest.approx(0.25)
    boot = bootstrap_gain(truth, good, bad, pages, 0.5, rounds=200)
    assert boot["share_better"] == 1.0 and boot["low"] > 0
    same = bootstrap_gain(truth, good, good, pages, 0.5, rounds=50)
    assert same["share_better"] == 0.0 and same["low"] == same["high"] == 0


def test_three_rounds_of_train_base_each_on_the_last(tiny_model, tmp_path):
    """The labelling loop's rounds: each `train --base` names the model of the round before;
    it learns on that model's own base from every page labelled so far."""
    rng = random.Random(5)
    pages = [toy_page("loop.example", n, rng) for n in range(9)]
    model = tiny_model
    for round_ in (1, 2, 3):
        data = write_pages(tmp_path / f"round{round_}.jsonl", pages[:3 * round_])
        out = tmp_path / f"round{round_}"
        card = train_model([str(data)], out, base=model, progress=False)
        assert card["base"]["sha256"] == json.loads(
            (tiny_model / "card.json").read_text())["sha256"]
        assert card["data"]["pages"] == 3 * round_
        model = out
    new = toy_page("loop.example", 30, rng, labels=False)
    adapted = linesift.load(model)
    assert not adapted.keep(new.text, site="loop.example")[3]  # the dateline, learned
    assert adapted.keep(new.text)[3]  # a text of no site gets the base model's verdict


@pytest.mark.parametrize("layout", ["runs", "page"])
def test_serve_adds_every_annotated_page_to_the_memory_at_once(toy_adapted, layout):
    """A webhook's annotation goes into the served model's site memory without refitting, and
    the next pre-fill of the site reads it."""
    from linesift.annotate.backend import LiveModel
    from linesift.annotate.tasks import page_prediction, page_tasks

    out, _ = toy_adapted
    live = LiveModel(linesift.load(out))
    pages_before = live.sifter.memory.sites["toy.example"]
    page = toy_page("toy.example", 77, random.Random(9))
    (task,) = page_tasks(page, layout)
    sifted = next(live.sifter.sift_pages([page]))
    sifted.keep = [label == "content" for label in page.labels]  # the annotator's labels
    result = page_prediction(sifted, layout)["result"]
    live.webhook({"action": "ANNOTATION_CREATED", "project": {"id": 3},
                  "task": {"id": 5, "data": task["data"]},
                  "annotation": {"id": 8, "result": result}})
    assert live.sifter.memory.sites["toy.example"] == pages_before + 1
    assert live.annotated[page.id].labels == page.labels
    again = next(live.sifter.sift_pages([page]))  # the page itself: scored without itself
    assert again.scores == next(linesift.load(out).sift_pages([page])).scores
    live.webhook({"action": "ANNOTATION_CREATED", "project": {"id": 3},
                  "task": {"id": 6, "data": {"text": "not a linesift task"}},
                  "annotation": {"id": 9, "result": []}})
    assert live.sifter.memory.sites["toy.example"] == pages_before + 1


def test_the_shipped_model_answers_to_its_name_anywhere(tmp_path, monkeypatch):
    from linesift.model import default_model_dir, resolve_model_dir

    monkeypatch.chdir(tmp_path)  # no models/ folder here, as for a wheel's user
    assert resolve_model_dir("default") == default_model_dir()
    assert resolve_model_dir("models/default") == default_model_dir()
    assert linesift.load("default").card["name"] == "default"
    (tmp_path / "default").mkdir()  # a folder of that name here is what it names
    assert resolve_model_dir("default").resolve() == tmp_path / "default"
