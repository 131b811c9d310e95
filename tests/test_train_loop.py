"""Honest figures for a team's own labels, learning on top of a saved model, learning curves."""

import json

import numpy as np
import pytest
from typer.testing import CliRunner

import linesift
from linesift import Page
from linesift.cli import app
from linesift.formats import read_labelled_pages
from linesift.recipe import Recipe
from linesift.train.data import training_table
from linesift.train.cv import BY_PAGE, BY_SITE, MIXED, cv_groups
from linesift.train.fit import train_model
from linesift.train.notes import Notes


def _write(path, pages, source=None):
    path.write_text("".join(json.dumps({"id": p.id, "domain": p.domain, "text": p.text,
                                        "labels": p.labels,
                                        **({"source": source} if source else {})}) + "\n"
                            for p in pages))
    return path


MENU = ["Home", "World", "Politics", "Business", "Sport", "Culture", "Weather", "Login"]
FOOTER = ["About us", "Contact", "Privacy policy", "Cookie settings", "© 2024 Team News"]


def team_page(site, n, labels=True):
    """Factory: page `n` of a team's site, a menu and a footer around a six-line article."""
    article = [f"Story {n} of {site} begins with a sentence that sets the scene at length.",
               *(f"Paragraph {k} of story {n} goes on about the matter, as articles do, with "
                 f"details number {k * n} and a quote from someone." for k in range(1, 6))]
    lines = MENU + [f"Most read on {site}"] + article + FOOTER
    page_labels = ["boilerplate"] * (len(MENU) + 1) + ["content"] * 6 + ["boilerplate"] * 5
    return Page(id=f"{site}/{n}", text="\n".join(lines), meta={"domain": site},
                labels=page_labels if labels else None)


def _own(n_sites=1, per_site=6):
    return [team_page(f"team{i}.example", n) for i in range(n_sites) for n in range(per_site)]


def test_own_pages_are_held_out_by_page_and_shared_ones_by_site(sample_path):
    shared = list(read_labelled_pages([sample_path]))  # trafilatura_eval: a shared source
    pages = shared + _own()
    frame, _ = training_table(pages)
    groups, grouping = cv_groups(pages, frame, folds=5)
    own = frame["page"].to_numpy() >= len(shared)
    assert grouping == MIXED
    assert all(g.startswith("page:") for g in groups[own])
    assert set(groups[~own]) == set(frame["group"][~own])  # the sites
    assert len(set(groups[own])) == 6  # one group per own page, though they share a site


def test_too_few_sites_fall_back_to_pages_and_say_so():
    pages = _own(n_sites=2)
    frame, _ = training_table(pages)
    notes = Notes(progress=False)
    groups, grouping = cv_groups(pages, frame, folds=5, notes=notes)
    assert grouping == BY_PAGE and len(set(groups)) == 12
    assert "only 2 site(s) for 5 folds" in notes[0]
    groups, grouping = cv_groups(pages, frame, folds=2)
    assert grouping == BY_SITE and len(set(groups)) == 2


def test_the_card_gives_own_pages_figures_split_by_page(tmp_path, sample_path):
    own = _write(tmp_path / "own.jsonl", _own())
    card = train_model([str(sample_path), str(own)], tmp_path / "m", folds=3, progress=False,
                       recipe=Recipe())
    per_source = card["cv_detail"]["per_source"]
    assert per_source["unknown"]["split"] == "page" and per_source["unknown"]["lines"] == 120
    assert per_source["trafilatura_eval"]["split"] == "site"
    assert card["cv_grouping"] == MIXED


def test_one_page_gives_no_figure_and_warns(tmp_path):
    data = _write(tmp_path / "one.jsonl", _own(per_site=1))
    card = train_model([str(data)], tmp_path / "m", folds=5, progress=False, recipe=Recipe())
    assert card["cv"] == {} and card["threshold"] == 0.5
    assert any("no cross-validated figure" in w for w in card["warnings"])


def test_pages_of_one_label_are_refused(tmp_path):
    pages = _own(per_site=2)
    for page in pages:
        page.labels = ["boilerplate"] * len(page.labels)
    with pytest.raises(linesift.LinesiftError,
                       match="every labelled line is 'boilerplate' .* none is 'content'"):
        train_model([str(_write(tmp_path / "b.jsonl", pages))], tmp_path / "m", folds=0,
                    progress=False)


@pytest.fixture(scope="module")
def based_model(tmp_path_factory, tiny_model):
    tmp = tmp_path_factory.mktemp("based")
    data = _write(tmp / "own.jsonl", _own(per_site=5))
    result = CliRunner().invoke(app, ["train", str(data), "-o", str(tmp / "based"), "--base",
                                      str(tiny_model), "--folds", "5"])
    assert result.exit_code == 0, result.output
    return tmp / "based", result.output


def test_train_on_a_base_names_the_step_options_it_ignores(tmp_path, tiny_model):
    data = _write(tmp_path / "own.jsonl", _own(per_site=5))
    result = CliRunner().invoke(app, ["train", str(data), "-o", str(tmp_path / "based"),
                                      "--base", str(tiny_model), "--folds", "0",
                                      "--no-comment-marks", "--refine", "--refine-blend",
                                      "0.2"])
    assert result.exit_code == 0, result.output
    assert ("warning: with --base the feature steps are the base model's; "
            "--comment-marks, --refine, --refine-blend ignored") in result.output
    assert "--page-relative" not in result.output


def test_a_based_model_records_its_base_and_the_bases_figure(based_model, tiny_model):
    model, output = based_model
    card = json.loads((model / "card.json").read_text())
    tiny = json.loads((tiny_model / "card.json").read_text())
    assert card["base"]["sha256"] == tiny["sha256"] and card["base"]["name"] == "tiny"
    assert card["cv_detail"]["base_on_same_lines"]["model"].startswith("tiny@")
    assert card["cv_grouping"] == "page"
    assert "base: 4 columns" in card["features"]
    assert "the base model tiny@" in output


def test_a_based_model_filters_and_exports_like_any_model(based_model, tmp_path, tiny_model):
    model, _ = based_model
    sifter = linesift.load(model)
    page = team_page("team0.example", 9, labels=False)  # a page it did not see
    keep = sifter.keep(page.text)
    assert keep == [False] * 9 + [True] * 6 + [False] * 5  # the site's menu and footer go
    result = CliRunner().invoke(app, ["model", "export", str(model), "-o", str(tmp_path / "sk"),
                                      "--format", "skops"])
    assert result.exit_code == 0, result.output
    assert linesift.load(tmp_path / "sk").score(page.text) == sifter.score(page.text)
    out = CliRunner().invoke(app, ["filter", "-", "--model", str(model)], input=page.text)
    assert out.exit_code == 0 and out.output.split("\n")[:6] == page.lines[9:15]


def test_the_base_step_is_not_refitted_by_a_clone(based_model):
    from sklearn.base import clone

    model, _ = based_model
    step = linesift.load(model).pipeline.named_steps["base"]
    assert clone(step).classifier is step.classifier


def test_train_writes_a_learning_curve(tmp_path):
    pytest.importorskip("matplotlib")
    data = _write(tmp_path / "own.jsonl", _own(n_sites=2, per_site=4))
    png = tmp_path / "curve.png"
    card = train_model([str(data)], tmp_path / "m", folds=2, progress=False, recipe=Recipe(),
                       curve=png)
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and png.stat().st_size > 10_000
    points = card["learning_curve"]
    assert [p["pages"] for p in points] == [1, 2, 3, 4]
    assert all(len(p["folds"]) == 2 and 0 <= p["content_f1"] <= 1 for p in points)


def test_evaluate_writes_a_curve_over_models(tmp_path, tiny_model, sample_path):
    pytest.importorskip("matplotlib")
    png = tmp_path / "eval.png"
    result = CliRunner().invoke(app, ["evaluate", str(sample_path), "-m", str(tiny_model),
                                      "-m", "default", "--curve", str(png)])
    assert result.exit_code == 0, result.output
    assert result.output.count("model ") == 2
    assert png.read_bytes()[:4] == b"\x89PNG"


def _result(model, pages, f1, base=None, seed=0):
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 2, 200)
    return {"model": model, "threshold": 0.5, "trained_pages": pages, "base": base,
            "overall": {"content_f1": f1},
            "scores": {"y": y.tolist(), "proba": np.clip(y * 0.6 + rng.random(200) * 0.4,
                                                         0, 1).tolist()}}


def test_an_evaluation_plot_shows_every_model_and_a_base_as_a_line(monkeypatch, tmp_path):
    pytest.importorskip("matplotlib")
    from linesift.train import curves

    drawn = {}
    monkeypatch.setattr(curves, "_save", lambda fig, path, plt: drawn.setdefault("fig", fig))
    results = [_result("default@aaa", 1500, 0.85),
               *(_result(f"scratch{n}@b{n}", n, 0.6 + n / 100, seed=n) for n in (5, 10, 20)),
               _result("mine@ccc", 5, 0.9, base="default@aaa", seed=9)]
    curves.write_evaluation_png(tmp_path / "e.png", results)
    left, right = drawn["fig"].axes[:2]
    assert [t.get_text() for t in left.get_legend().get_texts()] == [
        "trained on these pages", "trained on its base + these pages", "default (base)"]
    base_line = [line for line in left.get_lines() if line.get_label() == "default (base)"]
    assert len(set(base_line[0].get_ydata())) == 1  # a horizontal line at its F1
    # all five models in the threshold panel (F1 only, five are too many for P and R too)
    assert sorted(t.get_text() for t in right.get_legend().get_texts()) == sorted(
        f"{r['model'].split('@')[0]} F1" for r in results)
    assert right.get_ylabel() == "precision / recall / F1 (content lines)"
    # plain tick labels on the log axis, and the legend outside the data
    assert left.get_xscale() == "linear"  # 5..20: no log axis needed
    assert left.get_legend().get_bbox_to_anchor().x0 > left.get_window_extent().x1 - 1


def test_a_training_curve_has_plain_ticks(monkeypatch, tmp_path):
    pytest.importorskip("matplotlib")
    from linesift.train import curves

    drawn = {}
    monkeypatch.setattr(curves, "_save", lambda fig, path, plt: drawn.setdefault("fig", fig))
    points = [{"pages": n, "content_f1": 0.5 + n / 100, "folds": [0.5, 0.6]}
              for n in (1, 2, 5, 10, 20, 40)]
    curves.write_training_png(tmp_path / "t.png", points, None, None)
    left = drawn["fig"].axes[0]
    drawn["fig"].canvas.draw()
    labels = [t.get_text() for t in left.get_xticklabels() if t.get_text()]
    assert labels == ["1", "2", "5", "10", "20", "40"]  # the points trained


def test_a_curve_without_matplotlib_is_a_one_line_error(tmp_path, monkeypatch, tiny_model,
                                                        sample_path):
    import builtins

    real_import = builtins.__import__

    def no_matplotlib(name, *args, **kwargs):
        if name.startswith("matplotlib"):
            raise ImportError(name)
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_matplotlib)
    result = CliRunner().invoke(app, ["evaluate", str(sample_path), "-m", str(tiny_model),
                                      "--curve", str(tmp_path / "c.png")])
    assert result.exit_code == 1
    assert result.output.strip() == ("linesift: error: drawing a curve needs matplotlib, which "
                                     "is not installed; install it with pip install "
                                     "'linesift[plot]' (or pip install matplotlib)")
