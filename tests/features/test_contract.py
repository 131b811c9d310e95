"""scikit-learn's estimator contract for every feature step, written out as in its test_text.py
(check_estimator skips text input), and the frame steps' own contract (linesift.features.base)."""

import pickle

import joblib
import numpy as np
import pandas as pd
import pytest
from scipy import sparse
from sklearn.base import clone
from sklearn.linear_model import SGDClassifier
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import Pipeline

import linesift.features
from conftest import get_page
from frames import FRAME, PAGES, enriched
from linesift.features import (CommentMarks, FrameStep, LineRuns, LineShape, LineText,
                               NeighbourFeatures, PagePosition, PageRelative, SiteRepetition,
                               StopwordDensity, TokenRepetition, count_site_lines,
                               with_site_columns)
from linesift.frame import BASE_COLUMNS, lines_frame
from linesift.model import _legacy_modules


def plain(frame, pages):
    return frame


def with_sites(frame, pages):
    return with_site_columns(frame, pages, count_site_lines(pages))


CASES = [
    (LineShape(), plain),
    (LineRuns(), plain),
    (CommentMarks(), plain),
    (CommentMarks(mentions=True), plain),
    (PagePosition(), plain),
    (StopwordDensity(), plain),
    (TokenRepetition(), plain),
    (NeighbourFeatures(), lambda frame, pages: enriched(4, frame)),
    (PageRelative(), lambda frame, pages: enriched(3, frame)),
    (SiteRepetition(), with_sites),
    (LineText(n_features=2**10), plain),
    (LineText(min_sites=2), plain),
]
IDS = [type(c[0]).__name__ for c in CASES]
FRAME_CASES = [(step, prepare) for step, prepare in CASES if isinstance(step, FrameStep)]
FRAME_IDS = [type(step).__name__ for step, _ in FRAME_CASES]
READING_CASES = [(step, prepare) for step, prepare in FRAME_CASES
                 if set(step.reads) - set(BASE_COLUMNS)]  # columns made by earlier steps


def as_array(out):
    if sparse.issparse(out):
        return out.toarray()
    if isinstance(out, pd.DataFrame):
        return out.drop(columns=[c for c in BASE_COLUMNS if c in out and c not in ("page", "line_no")]).to_numpy(dtype=float)
    return np.asarray(out)


@pytest.mark.parametrize("step, prepare", CASES, ids=IDS)
def test_one_row_per_line_and_finite(step, prepare):
    X = prepare(FRAME, PAGES)
    out = as_array(clone(step).fit(X).transform(X))
    assert out.shape[0] == len(FRAME)
    assert np.isfinite(out).all()


@pytest.mark.parametrize("step, prepare", CASES, ids=IDS)
def test_clone_keeps_params_and_drops_state(step, prepare):
    fitted = clone(step).fit(prepare(FRAME, PAGES))
    copy = clone(fitted)
    assert copy.get_params() == step.get_params()
    assert not any(k.endswith("_") and not k.startswith("_") for k in vars(copy))


@pytest.mark.parametrize("step, prepare", CASES, ids=IDS)
def test_joblib_round_trip_gives_equal_output(step, prepare, tmp_path):
    X = prepare(FRAME, PAGES)
    fitted = clone(step).fit(X)
    joblib.dump(fitted, tmp_path / "s.joblib")
    loaded = joblib.load(tmp_path / "s.joblib")
    np.testing.assert_array_equal(as_array(fitted.transform(X)), as_array(loaded.transform(X)))


@pytest.mark.parametrize("step, prepare", CASES, ids=IDS)
def test_fitting_twice_equals_fitting_once_on_the_second_data(step, prepare):
    other_pages = [get_page("x\ny y y.\nz", id="o")]
    other = lines_frame(other_pages)
    if isinstance(step, (NeighbourFeatures, PageRelative)):
        other = enriched(4, other)
    other = prepare(other, other_pages) if prepare is with_sites else other
    X = prepare(FRAME, PAGES)
    twice = clone(step).fit(other).fit(X)
    once = clone(step).fit(X)
    np.testing.assert_array_equal(as_array(twice.transform(X)), as_array(once.transform(X)))


@pytest.mark.parametrize("step, prepare", FRAME_CASES, ids=FRAME_IDS)
def test_a_frame_step_adds_exactly_its_feature_names(step, prepare):
    X = prepare(FRAME, PAGES)
    assert all(c in X for c in step.reads)
    fitted = clone(step).fit(X)
    out = fitted.transform(X)
    names = list(fitted.get_feature_names_out())
    added = [c for c in out.columns if c not in X.columns]
    assert added == names or added == ["tokens"] + names  # tokens: a base column, not a feature
    assert all(c in out for c in X.columns if c not in step.reads or c in BASE_COLUMNS)


@pytest.mark.parametrize("step, prepare", READING_CASES, ids=str)
def test_a_frame_step_names_the_columns_it_misses(step, prepare):
    X = prepare(FRAME, PAGES)
    missing = [c for c in step.reads if c not in BASE_COLUMNS]
    with pytest.raises(ValueError, match=missing[0]):
        clone(step).fit(X.drop(columns=missing))


def test_line_text_feature_names_count():
    step = LineText(n_features=2**8).fit(FRAME)
    assert len(step.get_feature_names_out()) == step.transform(FRAME).shape[1] == 2**8
    assert LineText(word_ngrams=None).fit(FRAME).transform(FRAME).shape == (len(FRAME), 0)


@pytest.mark.parametrize("step", [LineShape(), PagePosition(), LineText()], ids=str)
def test_a_bare_string_is_rejected(step):
    with pytest.raises(TypeError, match="single string"):
        step.fit("one line")


def test_inside_pipeline_and_grid_search():
    X = pd.concat([FRAME] * 3, ignore_index=True)
    y = np.tile(np.arange(len(FRAME)) % 2, 3)
    pipe = Pipeline([("text", LineText(n_features=2**10)),
                     ("clf", SGDClassifier(loss="log_loss", random_state=0))])
    search = GridSearchCV(pipe, {"text__word_ngrams": [(1, 1), (1, 2)]}, cv=3).fit(X, y)
    assert search.best_params_["text__word_ngrams"] in [(1, 1), (1, 2)]
    assert search.predict(FRAME).shape == (len(FRAME),)


def test_frame_steps_inside_pipeline_and_grid_search():
    from sklearn.compose import ColumnTransformer, make_column_selector
    from sklearn.linear_model import LogisticRegression

    X = pd.concat([FRAME] * 3, ignore_index=True)
    y = np.tile(np.arange(len(FRAME)) % 2, 3)
    pipe = Pipeline([("shape", LineShape()), ("stopwords", StopwordDensity()),
                     ("repetition", TokenRepetition()), ("position", PagePosition()),
                     ("relative", PageRelative()), ("neighbours", NeighbourFeatures()),
                     ("select", ColumnTransformer([("dense", "passthrough", make_column_selector(
                         pattern="^(?!page$|line_no$)", dtype_include=np.number))])),
                     ("clf", LogisticRegression(max_iter=200))])
    search = GridSearchCV(pipe, {"shape__max_chars": [20, 600]}, cv=3).fit(X, y)
    assert search.best_params_["shape__max_chars"] in [20, 600]
    assert search.predict(FRAME).shape == (len(FRAME),)


@pytest.mark.parametrize("step, old_module", [
    *[(step, "linesift.features") for step, _ in CASES if not isinstance(step, SiteRepetition)],
    (SiteRepetition(), "linesift.sitestats")], ids=str)
def test_steps_load_by_the_names_saved_models_give_them(step, old_module):
    new_path = f"{type(step).__module__}\n{type(step).__name__}\n".encode()
    saved = pickle.dumps(step, protocol=0)  # names classes by "module\nname" text
    assert new_path in saved
    old = saved.replace(new_path, f"{old_module}\n{type(step).__name__}\n".encode())
    with _legacy_modules():  # what the persistence module sets up for version-1 models
        assert type(pickle.loads(old)) is type(step)
    assert getattr(linesift.features, type(step).__name__) is type(step)


@pytest.mark.parametrize("step", [LineRuns(alternating=True), CommentMarks(mentions=True),
                                  LineShape(max_chars=20)], ids=str)
def test_a_step_pickled_before_its_parameters_existed_loads_with_their_defaults(step):
    """A parameter added to a step after models were saved is absent from their pickles: the
    step loads with the parameter's default, what it computed before the parameter existed."""
    fitted = clone(step).fit(FRAME)
    state = dict(fitted.__getstate__())  # a copy: Python's __getstate__ gives the __dict__ itself
    for name in step.get_params():
        del state[name]
    restored = type(step).__new__(type(step))
    restored.__setstate__(state)
    assert restored.get_params() == type(step)().get_params() != step.get_params()
    assert list(restored.feature_names_out_) == list(fitted.feature_names_out_)
