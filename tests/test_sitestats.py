"""Site-level line repetition: counting, saving, the feature step and the filter's two passes."""

import json

import joblib
import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone
from sklearn.compose import ColumnTransformer
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import Pipeline
from threadpoolctl import threadpool_limits
from typer.testing import CliRunner

import linesift
from linesift.cli import app
from linesift.errors import LinesiftError, ModelError
from linesift.filtering import filter_inputs
from linesift.model import build_pipeline
from linesift.sitestats import (
    SITE_LINE_PAGES, SITE_PAGES, SiteRepetition, SiteStats, count_site_lines, line_hash,
    load_site_stats, normalise_line, site_rows, with_site_columns,
)

from conftest import SAMPLE, get_page, sample_records

NAV = "Home | News | Sport | Contact"
FOOTER = "© 2024 Example Media. All rights reserved."


def site_page(site, n, *, labels=False):
    """Factory: page `n` of `site`, with the site's menu and footer around its own article."""
    article = [f"Article {n} of {site} tells a story in a few full sentences.",
               f"It goes on about topic number {n} at some length, as articles do."]
    lines = [NAV, f"Latest from {site}", *article, FOOTER]
    page_labels = ["boilerplate", "boilerplate", "content", "content", "boilerplate"]
    return get_page("\n".join(lines), id=f"{site}/{n}", domain=site,
                    labels=page_labels if labels else None)


def site_pages(sites=("a.example", "b.example"), per_site=4, **kwargs):
    return [site_page(s, n, **kwargs) for s in sites for n in range(per_site)]


def test_lines_are_normalised_and_hashed_stably():
    assert normalise_line("  Home \t|  NEWS ") == "home | news"
    assert line_hash("Home | News") == line_hash("home  |  news ")
    assert line_hash("Home | News") == 16676834429521603297  # blake2b, 8 bytes, little-endian
    assert line_hash("Home | News") != line_hash("Home | Sport")


def test_counts_are_pages_per_site_not_occurrences():
    pages = site_pages(per_site=3) + [get_page(f"{NAV}\n{NAV}\nOnly here.", id="c", domain="c.x"),
                                      get_page(f"{NAV}\nNo site.", id="nosite")]
    stats = count_site_lines(pages)
    assert stats.domain_pages == {"a.example": 3, "b.example": 3, "c.x": 1}
    assert stats.line_pages("a.example", [line_hash(NAV), line_hash(FOOTER)]).tolist() == [3, 3]
    assert stats.line_pages("a.example", [line_hash("Article 1 of a.example tells a story in a "
                                                    "few full sentences.")]).tolist() == [1]
    assert stats.line_pages("c.x", [line_hash(NAV)]).tolist() == [1]  # twice on one page
    assert stats.pages_of(None) == 0 and stats.pages_of("unseen.org") == 0
    assert len(stats) == 2 * 3  # menu, tagline, footer per site; single-page lines are dropped


@pytest.mark.parametrize("name", ["counts.parquet", "counts.jsonl"])
def test_saved_counts_load_back_equal(tmp_path, name):
    stats = count_site_lines(site_pages(per_site=3))
    path = stats.save(tmp_path / name)
    assert load_site_stats(path) == stats
    assert SiteStats.from_counts(site_rows(site_pages(per_site=3))) == stats  # group-by form


def test_loading_something_else_is_an_input_error(tmp_path):
    bad = tmp_path / "x.jsonl"
    bad.write_text('{"hello": 1}\n')
    with pytest.raises(linesift.InputError, match="not a linesift site-stats file"):
        load_site_stats(bad)
    with pytest.raises(linesift.InputError, match="no such site-stats file"):
        load_site_stats(tmp_path / "missing.parquet")


def test_site_columns_and_features():
    pages = site_pages(per_site=4) + [get_page(f"{NAV}\nA lone page.", id="z", domain="z.org")]
    frame = with_site_columns(linesift.lines_frame(pages), pages, count_site_lines(pages))
    first = frame[frame["page"] == 0]
    assert first[SITE_LINE_PAGES].tolist() == [4, 4, 1, 1, 4]
    assert set(first[SITE_PAGES]) == {4}
    out = SiteRepetition().fit_transform(frame)
    assert SITE_LINE_PAGES not in out and SITE_PAGES not in out
    assert out.loc[out["page"] == 0, "site_share"].tolist() == [1.0, 1.0, 0.25, 0.25, 1.0]
    assert out.loc[out["page"] == 8, "site_share"].tolist() == [0.0, 0.0]  # 1 page: no share
    assert np.allclose(out.loc[out["page"] == 0, "log_site_pages"], np.log1p(4))


def test_step_without_site_columns_says_how_to_add_them():
    frame = linesift.lines_frame([get_page()])
    with pytest.raises(ValueError, match="with_site_columns"):
        SiteRepetition().fit(frame)


def site_frame(n_sites=3, per_site=4):
    pages = site_pages(sites=[f"s{i}.example" for i in range(n_sites)], per_site=per_site,
                       labels=True)
    frame, y = linesift.lines_frame(pages, with_labels=True)
    return with_site_columns(frame, pages, count_site_lines(pages)), y


def test_step_follows_the_estimator_contract(tmp_path):
    frame, y = site_frame()
    step = SiteRepetition(min_site_pages=3)
    fitted = clone(step).fit(frame)
    assert fitted.get_params() == {"min_site_pages": 3}
    assert len(fitted.get_feature_names_out()) == 2
    path = tmp_path / "step.joblib"
    joblib.dump(fitted, path)
    pd.testing.assert_frame_equal(joblib.load(path).transform(frame), fitted.transform(frame))
    twice = SiteRepetition().fit(frame.iloc[:5]).fit(frame)
    pd.testing.assert_frame_equal(twice.transform(frame), SiteRepetition().fit(frame).transform(frame))
    pipe = Pipeline([("site", SiteRepetition()),
                     ("select", ColumnTransformer([("s", "passthrough",
                                                    ["site_share", "log_site_pages"])])),
                     ("clf", LogisticRegression())])
    search = GridSearchCV(pipe, {"site__min_site_pages": [2, 5]}, cv=2).fit(frame, y)
    assert search.best_params_["site__min_site_pages"] in (2, 5)


def write_site_training_data(path):
    records = sample_records()
    for page in site_pages(sites=[f"s{i}.example" for i in range(4)], per_site=5, labels=True):
        records.append({"id": page.id, "domain": page.domain, "text": page.text,
                        "labels": page.labels})
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def site_model(tmp_path_factory):
    """A model trained with --site-stats (no CV: a few seconds)."""
    from train.fit import train_model

    root = tmp_path_factory.mktemp("site")
    data = write_site_training_data(root / "train.jsonl")
    out = root / "model"
    with threadpool_limits(1):  # OpenMP threads crawl when other processes hold the cores
        card = train_model([str(data)], out, folds=0, progress=False, site_stats=True)
    assert card["uses_site_stats"] is True
    return out


def test_site_model_carries_the_step_and_needs_counts(site_model):
    sifter = linesift.load(site_model)
    assert sifter.uses_site_stats and "site" in sifter.pipeline.named_steps
    assert any(f.startswith("site:") for f in sifter.card["features"])
    with pytest.raises(ModelError, match="site statistics"):
        sifter.clean("Home\nSome text of a page.")
    page = site_page("s0.example", 0)
    got = next(sifter.sift_pages([page], site_stats=count_site_lines([page])))
    assert len(got.scores) == len(page.lines)


def test_build_pipeline_puts_the_step_before_neighbours():
    names = [name for name, _ in build_pipeline(site_stats=True).steps]
    assert names.index("site") == names.index("neighbours") - 1
    assert "site" not in dict(build_pipeline().steps)


def test_filter_counts_its_input_first_or_reuses_saved_counts(site_model, tmp_path):
    sifter = linesift.load(site_model)
    src = tmp_path / "in.jsonl"
    pages = site_pages(sites=["x.example", "y.example"], per_site=6)
    src.write_text("".join(json.dumps({"id": p.id, "domain": p.domain, "text": p.text}) + "\n"
                           for p in pages), encoding="utf-8")
    counted = tmp_path / "counted.jsonl"
    filter_inputs([str(src)], str(counted), sifter, scores=True)
    saved = tmp_path / "counts.parquet"
    result = CliRunner().invoke(app, ["site-stats", str(src), "-o", str(saved)])
    assert result.exit_code == 0, result.output
    assert "12 pages of 2 sites" in result.output
    reused = tmp_path / "reused.jsonl"
    result = CliRunner().invoke(app, ["filter", str(src), "-o", str(reused), "-m", str(site_model),
                                      "--site-stats", str(saved), "--scores", "-q"])
    assert result.exit_code == 0, result.output
    assert reused.read_text() == counted.read_text()
    expected = [s.scores for s in sifter.sift_pages(pages, site_stats=count_site_lines(pages))]
    assert [json.loads(line)["scores"] for line in counted.read_text().splitlines()] == expected


def test_filter_cannot_count_stdin_twice(site_model):
    sifter = linesift.load(site_model)
    with pytest.raises(LinesiftError, match="stdin can be read only once"):
        filter_inputs(["-"], None, sifter)
    result = CliRunner().invoke(app, ["filter", "-m", str(site_model)], input="Home\nText.\n")
    assert result.exit_code == 1 and "--site-stats PATH" in result.output


def test_models_without_the_step_ignore_site_counts(tiny_model):
    sifter = linesift.load(tiny_model)
    assert not sifter.uses_site_stats
    pages = [linesift.Page(id=r["id"], text=r["text"], meta=r) for r in sample_records()[:3]]
    plain = [s.scores for s in sifter.sift_pages(pages)]
    assert [s.scores for s in sifter.sift_pages(pages, site_stats=count_site_lines(pages))] == plain
    assert SAMPLE.exists()


def test_parallel_workers_get_the_counts(site_model, tmp_path, monkeypatch):
    from linesift import parallel

    monkeypatch.setattr(parallel, "CHUNK_PAGES", 4)
    sifter = linesift.load(site_model)
    src = tmp_path / "in.jsonl"
    pages = site_pages(sites=["x.example", "y.example"], per_site=6)
    src.write_text("".join(json.dumps({"id": p.id, "domain": p.domain, "text": p.text}) + "\n"
                           for p in pages), encoding="utf-8")
    outs = []
    for jobs in (1, 2):
        out = tmp_path / f"out{jobs}.jsonl"
        filter_inputs([str(src)], str(out), sifter, scores=True, jobs=jobs)
        outs.append(out.read_text())
    assert outs[0] == outs[1] and outs[0].count("\n") == 12
