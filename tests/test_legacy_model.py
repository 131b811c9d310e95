"""A model saved by linesift before model cards carried a format version still loads and
scores exactly as it did when it was saved (tests/data/legacy_model_v0, trained on
tests/data/sample_pages.jsonl.gz with the default recipe's options)."""

import hashlib
import json
from pathlib import Path

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
