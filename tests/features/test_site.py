"""Site-level line repetition: counting, saving, and the SiteRepetition step."""

import joblib
import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone
from sklearn.compose import ColumnTransformer
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import Pipeline

import linesift
from conftest import FOOTER, NAV, get_page, site_pages
from linesift.features.site import (
    SITE_LINE_PAGES, SITE_PAGES, SiteRepetition, SiteStats, count_site_lines, line_hash,
    load_site_stats, normalise_line, site_rows, with_site_columns,
)
from linesift.recipe import build_pipeline


def test_lines_are_normalised_and_hashed_stably():
    assert normalise_line("  Home \t|  NEWS ") == "home | news"
    assert line_hash("Home | News") == line_hash("home  |  news ")
    # saved counts (format 2) are keyed by this value: a change needs a new format
    assert line_hash("Home | News") == 729429998672846258
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


def test_build_pipeline_puts_the_step_before_neighbours():
    names = [name for name, _ in build_pipeline(site_stats=True).steps]
    assert names.index("site") == names.index("neighbours") - 1
    assert "site" not in dict(build_pipeline().steps)


def test_line_keys_of_a_batch_are_those_of_each_line():
    from linesift.columns.site import KEY_CHUNK_LINES, line_keys

    lines = [f"Line {i} | Menu" for i in range(KEY_CHUNK_LINES + 3)] + ["", "  "]
    keys = line_keys(lines)
    assert keys.tolist() == [line_hash(line) for line in lines]
    assert len(set(keys[:-2].tolist())) == len(lines) - 2
