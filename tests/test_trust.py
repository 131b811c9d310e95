"""Models from elsewhere: sha256 checked against the card, skops export and its allow-list."""

import json
import os
import re
import shutil

import joblib
import numpy as np
import pytest
import skops.io as sio
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import FunctionTransformer
from typer.testing import CliRunner

import linesift
from tests.conftest import tampered_copy
from linesift import ModelError
from linesift.cli import app
from linesift.model import CARD_FILE, MODEL_FILE, SKOPS_FILE, sha256_file
from linesift.model import COMPACT_FILE, TRUSTED_TYPES, export_skops, load_skops

runner = CliRunner()


class UnknownStep(TransformerMixin, BaseEstimator):
    """A type no allow-list knows."""

    def fit(self, X, y=None):
        return self

    def transform(self, X):
        return X


@pytest.fixture(scope="module")
def exported(tiny_model, tmp_path_factory):
    out = tmp_path_factory.mktemp("skops") / "tiny-skops"
    export_skops(tiny_model, out)
    return out


def sample_texts(sample_path, n=8):
    return [page.text for page in linesift.read_pages([sample_path])][:n]


def with_model_file(tmp_path, exported, write):
    """A copy of the exported model whose model.skops is what `write(path)` makes; card updated.
    The copy has no compact scorer, so loading it reads the skops file."""
    model = tmp_path / "model"
    shutil.copytree(exported, model)
    write(model / SKOPS_FILE)
    (model / COMPACT_FILE).unlink()
    card = json.loads((model / CARD_FILE).read_text())
    card["sha256"] = sha256_file(model / SKOPS_FILE)
    del card["compact_sha256"]
    (model / CARD_FILE).write_text(json.dumps(card))
    return model


def test_export_then_load_gives_identical_scores(tiny_model, exported, sample_path):
    card = json.loads((exported / CARD_FILE).read_text())
    assert card["model_file"] == SKOPS_FILE and card["sha256"] == sha256_file(exported / SKOPS_FILE)
    original = json.loads((tiny_model / CARD_FILE).read_text())
    assert card["exported_from"] == {"model_file": MODEL_FILE, "sha256": original["sha256"]}
    assert card["threshold"] == original["threshold"] and card["data"] == original["data"]
    assert not (exported / MODEL_FILE).exists()
    joblib_sifter, skops_sifter = linesift.load(tiny_model), linesift.load(exported)
    for text in sample_texts(sample_path):
        assert skops_sifter.score(text) == joblib_sifter.score(text)


def test_cli_model_export(tiny_model, tmp_path, sample_path):
    out = tmp_path / "shared"
    result = runner.invoke(app, ["model", "export", str(tiny_model), "-o", str(out),
                                 "--format", "skops"])
    assert result.exit_code == 0, result.output
    assert f"wrote {out / SKOPS_FILE}" in result.stderr
    info = runner.invoke(app, ["model", "info", str(out)])
    assert info.exit_code == 0 and json.loads(info.stdout)["model_file"] == SKOPS_FILE
    text = sample_texts(sample_path, 1)[0]
    assert linesift.load(out).score(text) == linesift.load(tiny_model).score(text)
    bad = runner.invoke(app, ["model", "export", str(tiny_model), "-o", str(tmp_path / "x"),
                              "--format", "onnx"])
    assert bad.exit_code == 1 and "linesift: error: --format must be one of skops" in bad.stderr


def test_skops_file_loads_with_exactly_the_trusted_list(exported):
    untrusted = set(sio.get_untrusted_types(file=exported / SKOPS_FILE))
    assert untrusted <= set(TRUSTED_TYPES)
    assert all(name.startswith(("linesift.", "sklearn.")) for name in TRUSTED_TYPES)


def test_unknown_type_is_refused_with_its_name(exported, tmp_path):
    pipeline = Pipeline([("unknown", UnknownStep())])
    model = with_model_file(tmp_path, exported, lambda path: sio.dump(pipeline, path))
    name = re.escape(f"{UnknownStep.__module__}.UnknownStep")
    with pytest.raises(ModelError, match=f"contains types linesift does not trust: {name}; "
                                         "refusing to load it"):
        linesift.load(model)


def test_a_function_that_would_run_a_command_is_refused(exported, tmp_path):
    pipeline = Pipeline([("run", FunctionTransformer(os.system))])
    model = with_model_file(tmp_path, exported, lambda path: sio.dump(pipeline, path))
    result = runner.invoke(app, ["filter", "-", "-m", str(model), "-q"], input="text\n")
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert result.stderr.startswith(f"linesift: error: {model / SKOPS_FILE} contains types "
                                    f"linesift does not trust: {os.system.__module__}.system")


def test_tampered_skops_file_is_refused(exported, tmp_path):
    model = tampered_copy(exported, SKOPS_FILE, tmp_path / "tampered")
    with pytest.raises(ModelError, match="does not match its card"):
        linesift.load(model)


def test_not_a_skops_file_is_a_clear_error(exported, tmp_path):
    model = with_model_file(tmp_path, exported, lambda path: path.write_bytes(b"not a zip"))
    with pytest.raises(ModelError, match="is not a readable skops model"):
        linesift.load(model)


def corrupt_first_tree(pipeline, **node_values):
    predictor = pipeline.steps[-1][1].second_._predictors[0][0]
    inner = int(np.flatnonzero(predictor.nodes["is_leaf"] == 0)[0])
    for field, value in node_values.items():
        predictor.nodes[field][inner] = value if value != "self" else inner
    return pipeline


@pytest.mark.parametrize("corruption, message", [
    ({"left": 10**6}, "child index out of range"),
    ({"right": "self"}, "child index out of range"),  # a loop: predict would never end
    ({"feature_idx": 10**6}, "feature index out of range"),
    ({"is_categorical": 1}, "categorical split"),
])
def test_malformed_gradient_boosting_tree_is_refused(tiny_model, exported, tmp_path, corruption,
                                                     message):
    """skops trusts no TreePredictor by default: its indices are followed without bounds checks."""
    pipeline = corrupt_first_tree(joblib.load(tiny_model / MODEL_FILE), **corruption)
    model = with_model_file(tmp_path, exported, lambda path: sio.dump(pipeline, path))
    with pytest.raises(ModelError, match=f"malformed tree in a gradient-boosting model "
                                         rf"\({message}\)"):
        load_skops(model / SKOPS_FILE)


def test_card_cannot_point_outside_the_model_directory(tiny_model, tmp_path):
    model = tmp_path / "m"
    shutil.copytree(tiny_model, model)
    card = json.loads((model / CARD_FILE).read_text())
    for name in ["../m/model.joblib", "/etc/passwd", "model.pkl"]:
        (model / CARD_FILE).write_text(json.dumps({**card, "model_file": name}))
        with pytest.raises(ModelError, match="model_file must be a .joblib or .skops file name"):
            linesift.load(model)
