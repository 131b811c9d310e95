"""A model saved by linesift before model cards carried a format version still loads and
scores exactly as it did when it was saved (tests/data/legacy_model_v0, trained on
tests/data/sample_pages.jsonl.gz with the default recipe's options)."""

import hashlib
import json
from pathlib import Path

import numpy as np

import linesift

LEGACY = Path(__file__).parent / "data" / "legacy_model_v0"
GATE = Path(__file__).parent / "data" / "gate_pages.jsonl.gz"
SCORES_SHA256_WHEN_SAVED = "b39413d113074b5216881e78d0f769f50716430720c3b915acb172267b9a81f4"


def test_legacy_model_scores_as_when_saved():
    pages = list(linesift.read_pages([GATE]))
    sifter = linesift.load(LEGACY)
    rounded = [[None if s is None else round(s, 6) for s in sifted.scores]
               for sifted in sifter.sift_pages(pages)]
    assert hashlib.sha256(json.dumps(rounded).encode()).hexdigest() == SCORES_SHA256_WHEN_SAVED


def test_legacy_model_loads_through_the_legacy_path_and_resaves_as_current(tmp_path):
    from linesift.model import FORMAT_VERSION, load_pipeline, save_model

    pipeline, card = load_pipeline(LEGACY)
    assert "format_version" not in card
    assert not hasattr(pipeline[-1], "cue_words")  # the dropped options are gone
    saved = save_model(pipeline, tmp_path / "now", {k: v for k, v in card.items()
                                                   if k not in ("sha256", "versions")})
    assert saved["format_version"] == FORMAT_VERSION
    page = next(iter(linesift.read_pages([GATE])))
    now, legacy = linesift.load(tmp_path / "now"), linesift.load(LEGACY)
    assert now.compact is not None and legacy.compact is None  # resaved: compiled too
    assert np.allclose([s for s in now.score(page.text) if s is not None],
                       [s for s in legacy.score(page.text) if s is not None], rtol=0, atol=1e-12)


def test_a_legacy_model_with_an_option_no_longer_computed_is_refused(tmp_path):
    import shutil

    import joblib
    import pytest

    from linesift import ModelError
    from linesift.model import _legacy_modules, sha256_file

    shutil.copytree(LEGACY, tmp_path / "m")
    with _legacy_modules():
        pipeline = joblib.load(tmp_path / "m" / "model.joblib")
    pipeline[-1].cue_words = True
    joblib.dump(pipeline, tmp_path / "m" / "model.joblib")
    card = json.loads((tmp_path / "m" / "card.json").read_text())
    card["sha256"] = sha256_file(tmp_path / "m" / "model.joblib")
    (tmp_path / "m" / "card.json").write_text(json.dumps(card))
    with pytest.raises(ModelError, match="cue_words=True.*retrain"):
        linesift.load(tmp_path / "m")
