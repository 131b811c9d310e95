"""The compact scorer (linesift.scorer) against the scikit-learn pipeline it is read from.

The pipeline is the reference: on the quality-gate sample, filtered as a crawl (with site
counts) and page by page, and on a model trained here without the shipped options, the compact
scorer keeps exactly the lines the pipeline keeps, with scores within 1e-9. Its files are
trusted as the pipeline's are: by the card's sha256, and checked before use.
"""

import json
import shutil
from pathlib import Path

import numpy as np
import pytest

import linesift
from conftest import train_sample_model
from linesift import _kernels
from linesift.columns.site import SiteStats, count_site_lines
from linesift.errors import ModelError
from linesift.model import COMPACT_FILE, CARD_FILE, compile_model, load_pipeline
from linesift.scorer import CompactModel, NotCompilable
from linesift.sift import Sifter

GATE = Path(__file__).parent / "data" / "gate_pages.jsonl.gz"
TOLERANCE = 1e-9


def _both(model_dir):
    """The model of `model_dir` as a compact Sifter and as a pipeline Sifter."""
    compact = linesift.load(model_dir)
    assert compact.compact is not None and compact._pipeline is None
    pipeline, card = load_pipeline(model_dir)
    return compact, Sifter(pipeline, card)


def _scores(sifter, pages, site_stats=None, reasons=0):
    out = list(sifter.sift_pages(pages, site_stats=site_stats, reasons=reasons))
    flat = np.array([s for page in out for s in page.scores if s is not None])
    keep = [k for page in out for k in page.keep]
    return flat, keep, out


@pytest.fixture(params=["compiled", "numpy"])
def kernels(request, monkeypatch):
    """Each test that takes it runs with the compiled kernels (linesift._ckernels), then with
    the numpy ones a machine without a C compiler runs."""
    if request.param == "numpy":
        monkeypatch.setattr(_kernels, "USE_COMPILED", False)
    elif _kernels.compiled() is None:
        pytest.skip("the compiled kernels are not built (tests/test_ckernels.py says so)")
    return request.param


@pytest.mark.parametrize("as_crawl", [True, False])
def test_compact_scorer_keeps_what_the_pipeline_keeps_on_the_gate_sample(as_crawl, kernels):
    pages = list(linesift.read_labelled_pages([GATE]))
    compact, pipeline = _both("default")
    stats = count_site_lines(pages) if as_crawl else SiteStats()
    got, got_keep, _ = _scores(compact, pages, stats)
    want, want_keep, _ = _scores(pipeline, pages, stats)
    assert len(got) == len(want) > 900
    assert np.abs(got - want).max() < TOLERANCE
    assert got_keep == want_keep
    assert 0 < sum(got_keep) < len(got_keep)


def test_compact_scorer_gives_the_pipelines_reasons():
    pages = list(linesift.read_labelled_pages([GATE]))[:4]
    compact, pipeline = _both("default")
    *_, got = _scores(compact, pages, reasons=3)
    *_, want = _scores(pipeline, pages, reasons=3)
    for a, b in zip(got, want):
        assert np.allclose([s for s in a.stage1 if s is not None],
                           [s for s in b.stage1 if s is not None], atol=TOLERANCE)
        for ra, rb in zip(a.reasons, b.reasons):
            assert (ra is None) == (rb is None)
            if ra is not None:
                assert [n for n, _ in ra] == [n for n, _ in rb]
                assert np.allclose([v for _, v in ra], [v for _, v in rb], atol=1e-7)


def test_a_model_trained_without_the_shipped_options_compiles_and_agrees(tiny_model,
                                                                         sample_path, kernels):
    """The tiny model hashes its n-grams (no vocabulary) and counts no sites: the other branch
    of every compact step."""
    assert (tiny_model / COMPACT_FILE).exists()
    compact, pipeline = _both(tiny_model)
    assert not compact.compact.uses_site_stats and "vocabulary" not in compact.compact.arrays
    pages = list(linesift.read_labelled_pages([sample_path]))
    got, got_keep, _ = _scores(compact, pages)
    want, want_keep, _ = _scores(pipeline, pages)
    assert np.abs(got - want).max() < TOLERANCE and got_keep == want_keep


@pytest.fixture(scope="module")
def refined_model(tmp_path_factory):
    """A model with a third stage and comment marks and mentions, trained here on the
    sample."""
    from linesift.recipe import Recipe

    return train_sample_model(tmp_path_factory.mktemp("models") / "refined",
                              Recipe(refine=True, refine_blend=0.5, comment_marks=True,
                                     comment_mentions=True))


def test_a_model_with_a_third_stage_compiles_and_agrees(refined_model, sample_path, kernels):
    compact, pipeline = _both(refined_model)
    classifier = pipeline._pipeline[-1]
    assert classifier.third_ is not None and "refine" in compact.compact.spec["classifier"]
    assert compact.compact.spec["classifier"]["refine"]["blend"] == 0.5
    comments = [step for step in compact.compact.spec["steps"] if step["kind"] == "comments"]
    assert len(comments) == 1 and comments[0]["mentions"] is True
    assert "comment_words_before" in compact.compact.spec["classifier"]["dense_columns"]
    pages = list(linesift.read_labelled_pages([sample_path]))
    got, got_keep, _ = _scores(compact, pages)
    want, want_keep, _ = _scores(pipeline, pages)
    assert np.abs(got - want).max() < TOLERANCE and got_keep == want_keep
    # the third stage decides: its trees' verdicts are not stage two's
    third = classifier.third_
    del classifier.third_
    try:
        second_only, _, _ = _scores(pipeline, pages)
    finally:
        classifier.third_ = third
    assert np.abs(second_only - want).max() > 1e-3
    # the blend is the share of stage two's score: all of it gives stage two's verdicts; a
    # model pickled before the blend existed loads without it and gives stage three's alone
    steps = pipeline._pipeline.steps
    state = dict(classifier.__getstate__())  # a copy: Python's __getstate__ gives the __dict__
    del state["refine_blend"]
    old = type(classifier).__new__(type(classifier))
    old.__setstate__(state)
    try:
        classifier.refine_blend = 1.0
        all_second, _, _ = _scores(pipeline, pages)
        steps[-1] = (steps[-1][0], old)
        third_only, _, _ = _scores(pipeline, pages)
    finally:
        classifier.refine_blend = 0.5
        steps[-1] = (steps[-1][0], classifier)
    assert old.refine_blend == 0.0
    assert np.abs(all_second - second_only).max() < 1e-12
    assert np.abs(third_only - want).max() > 1e-3 and np.abs(third_only - second_only).max() > 1e-3



def test_trees_follow_missing_values_as_scikit_learn_does(kernels):
    pipeline, _ = load_pipeline("default")
    model = CompactModel.from_pipeline(pipeline)
    trees = pipeline[-1].second_
    rng = np.random.default_rng(0)
    width = trees.n_features_in_
    Z = np.asfortranarray(rng.normal(size=(300, width)))
    Z[rng.random(Z.shape) < 0.2] = np.nan
    want = trees._raw_predict(Z)[:, 0]
    assert np.abs(model._trees(Z, "tree", model.spec["classifier"]) - want).max() < 1e-12


def test_an_empty_input_scores_nothing():
    sifter = linesift.load()
    assert sifter.score("") == [None]
    assert sifter.clean("\n\n") == ""


def _copy(model_dir, dest):
    return Path(shutil.copytree(linesift.model.resolve_model_dir(model_dir), dest))


def test_a_changed_compact_file_is_refused(tmp_path):
    model = _copy("default", tmp_path / "m")
    with open(model / COMPACT_FILE, "ab") as fh:
        fh.write(b"\0")
    with pytest.raises(ModelError, match="compact.npz does not match its card"):
        linesift.load(model)


def test_a_missing_compact_file_the_card_names_is_refused(tmp_path):
    model = _copy("default", tmp_path / "m")
    (model / COMPACT_FILE).unlink()
    with pytest.raises(ModelError, match="compact.npz is missing"):
        linesift.load(model)


@pytest.mark.parametrize("change", ["child_outside", "deeper", "feature", "unsorted", "spec",
                                    "third_feature", "third_missing", "third_deeper",
                                    "third_blend"])
def test_malformed_arrays_are_refused_before_use(tmp_path, change):
    pipeline, _ = load_pipeline("default")
    model = CompactModel.from_pipeline(pipeline)
    a, spec = model.arrays, json.loads(json.dumps(model.spec))
    inner = np.flatnonzero(a["tree_left"] != np.arange(len(a["tree_left"])))
    if change == "child_outside":
        a["tree_left"][inner[0]] = len(a["tree_left"]) + 5
    elif change == "deeper":
        spec["classifier"]["tree_depths"][0] = 1
    elif change == "feature":
        a["tree_feature"][inner[0]] = 10_000
    elif change == "unsorted":
        a["vocabulary"] = a["vocabulary"][::-1].copy()
    elif change.startswith("third"):  # the default model's stage three is checked as two's
        assert "refine" in spec["classifier"]
        third = np.flatnonzero(a["refine_left"] != np.arange(len(a["refine_left"])))
        if change == "third_feature":
            a["refine_feature"][third[0]] = a["refine_feature"].max() + 10_000
        elif change == "third_missing":
            del a["refine_roots"]
        elif change == "third_blend":
            spec["classifier"]["refine"]["blend"] = 1.5
        else:
            spec["classifier"]["refine"]["tree_depths"][0] = 1
    else:
        spec["format"] = 99
    path = tmp_path / COMPACT_FILE
    _save_unchecked(path, spec, a)
    with pytest.raises(ModelError, match=str(path)):
        CompactModel.load(path)


def _save_unchecked(path, spec, arrays):
    """Write arrays as CompactModel.save does, without the checks of building one."""
    payload = {"spec": np.frombuffer(json.dumps(spec).encode(), dtype=np.uint8), **arrays}
    with open(path, "wb") as fh:
        np.savez(fh, **payload)


def test_malformed_arrays_are_refused_when_built_too():
    pipeline, _ = load_pipeline("default")
    model = CompactModel.from_pipeline(pipeline)
    a = dict(model.arrays)
    a["tree_left"] = a["tree_left"].copy()
    inner = np.flatnonzero(a["tree_left"] != np.arange(len(a["tree_left"])))
    a["tree_left"][inner[-1]] = inner[-1] - 1  # a cycle: the walk would go back up
    with pytest.raises(ModelError, match="outside their tree"):
        CompactModel(model.spec, a)


@pytest.mark.parametrize("garbage", [b"", b"not an npz", b"PK\x03\x04broken"])
def test_a_file_that_is_no_compact_model_is_one_clear_error(tmp_path, garbage):
    path = tmp_path / COMPACT_FILE
    path.write_bytes(garbage)
    with pytest.raises(ModelError, match="not a readable compact model"):
        CompactModel.load(path)


def test_an_old_model_loads_through_its_pipeline_with_a_note_and_compiles(tmp_path, capfd):
    model = _copy("default", tmp_path / "old")
    (model / COMPACT_FILE).unlink()
    card = json.loads((model / CARD_FILE).read_text())
    del card["compact_sha256"]
    (model / CARD_FILE).write_text(json.dumps(card))
    sifter = linesift.load(model)
    assert sifter.compact is None
    note = capfd.readouterr().err
    assert note.count("\n") == 1 and "no compact scorer" in note and "model compile" in note
    text = (Path(__file__).parent.parent / "examples" / "doingbuzz-fr.txt").read_text()
    before = sifter.clean(text)
    card = compile_model(model)
    assert card["compact_sha256"] and (model / COMPACT_FILE).exists()
    compiled = linesift.load(model)
    assert compiled.compact is not None and compiled.clean(text) == before


def test_a_pipeline_the_compact_scorer_cannot_run_is_named():
    class Foreign:
        steps = [("odd", object()), ("classify", object())]

    with pytest.raises(NotCompilable, match="odd"):
        CompactModel.from_pipeline(Foreign())
    with pytest.raises(NotCompilable):
        CompactModel.from_pipeline(object())


def test_a_site_memory_counts_towards_site_repetition_as_with_the_pipeline():
    """`annotate serve` gives its model a memory of the pages annotated so far: the compact
    scorer counts their lines as the pipeline does."""
    from conftest import site_pages

    from linesift.features.memory import SiteMemory

    labelled = site_pages(sites=("a.example",), per_site=4, labels=True)
    new = site_pages(sites=("a.example", "b.example"), per_site=6)[4:]
    compact, pipeline = _both("default")
    for sifter in (compact, pipeline):
        sifter.memory = SiteMemory.from_pages(labelled)
    for page in new:  # each page alone: the memory is its site's only other pages
        got, got_keep, _ = _scores(compact, [page], SiteStats())
        want, want_keep, _ = _scores(pipeline, [page], SiteStats())
        assert np.abs(got - want).max() < TOLERANCE and got_keep == want_keep
    alone, _, _ = _scores(linesift.load(), [new[0]], SiteStats())
    remembered, _, _ = _scores(compact, [new[0]], SiteStats())
    assert not np.allclose(alone, remembered)  # the memory did count


def test_the_article_span_is_the_run_of_largest_summed_score():
    """Scores above the bar (0.5, or halfway between the page's mean and best score when that
    is lower) summed: the span is the run where the sum is largest."""
    from linesift.scorer import article_span

    rng = np.random.default_rng(0)
    for _ in range(200):
        n = int(rng.integers(1, 12))
        scores = rng.random(n) * rng.choice([0.4, 1.0])  # some pages the model is unsure of
        gain = scores - min(0.5, (scores.mean() + scores.max()) / 2)
        best = max(((gain[i:j + 1].sum(), -(j - i), i, j) for i in range(n)
                    for j in range(i, n)))
        _, _, start, end = best
        got = article_span(scores, np.zeros(n, dtype=np.int64))
        assert got[:, 0].tolist() == [float(start <= k <= end) for k in range(n)]
        assert np.isclose(got[:, 0] @ gain, best[0])
        assert got[:, 1].tolist() == np.log1p(np.maximum(start - np.arange(n), 0)).tolist()


def test_a_model_with_the_article_span_and_line_runs_compiles_and_agrees(tmp_path, sample_path):
    """With teaser runs too, which the shipped model does not use (the other branch of the
    runs step)."""
    from threadpoolctl import threadpool_limits

    from linesift.recipe import Recipe
    from linesift.train.fit import train_model

    with threadpool_limits(limits=1):
        train_model([str(sample_path)], tmp_path / "span", folds=0, progress=False,
                    recipe=Recipe(article_span=True, line_runs=True, teaser_runs=True))
    compact, pipeline = _both(tmp_path / "span")
    assert compact.compact.spec["classifier"]["span"]
    assert {"kind": "runs", "alternating": True} in compact.compact.spec["steps"]
    assert "run_alternating_lines" in compact.compact.dense_columns
    pages = list(linesift.read_labelled_pages([sample_path]))
    got, got_keep, _ = _scores(compact, pages)
    want, want_keep, _ = _scores(pipeline, pages)
    assert np.abs(got - want).max() < TOLERANCE and got_keep == want_keep
