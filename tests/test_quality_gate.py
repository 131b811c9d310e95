"""Quality gate: the shipped default model on a committed sample of labelled pages.

The sample (``tests/data/gate_pages.jsonl.gz``, built by ``tests/make_gate_sample.py``) holds
16 pages in 12 languages from three shared sets. The gate pins the default model's content F1
on its labelled lines and the sha256 of every line's score rounded to 6 decimals, so a change
meant to move code without changing what it computes is proven to do so (trafilatura's
``tests/eval_gate.py`` does the same). A change that retrains the default model updates both
pins in the same commit, with the new figures in its message.
"""

import hashlib
import json
from pathlib import Path

import numpy as np

import linesift

GATE = Path(__file__).parent / "data" / "gate_pages.jsonl.gz"
PINNED_LABELLED_LINES = 908
PINNED_CONTENT_F1 = 0.8372093023255814
PINNED_SCORES_SHA256 = "7823c1e9bf8d378d9f276275865a69e1ee2e5658f3fddc993ee7367cfd3c71a8"
SCORE_DECIMALS = 6


def _gate_run():
    pages = list(linesift.read_labelled_pages([GATE]))
    sifter = linesift.load()
    rounded, truth, kept = [], [], []
    for sifted in sifter.sift_pages(pages):
        rounded.append([None if s is None else round(s, SCORE_DECIMALS) for s in sifted.scores])
        for label, score, keep in zip(sifted.page.labels, sifted.scores, sifted.keep):
            if label is not None and score is not None:
                truth.append(label == linesift.CONTENT)
                kept.append(keep)
    return rounded, np.array(truth), np.array(kept)


def _content_f1(truth, kept):
    tp = float((truth & kept).sum())
    precision, recall = tp / kept.sum(), tp / truth.sum()
    return 2 * precision * recall / (precision + recall)


def test_default_model_quality_and_scores_are_pinned():
    rounded, truth, kept = _gate_run()
    assert len(truth) == PINNED_LABELLED_LINES
    assert abs(_content_f1(truth, kept) - PINNED_CONTENT_F1) < 1e-12
    digest = hashlib.sha256(json.dumps(rounded).encode()).hexdigest()
    assert digest == PINNED_SCORES_SHA256
