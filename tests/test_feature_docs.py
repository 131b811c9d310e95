"""Every feature `linesift explain` can name is explained in docs/features.md."""

import re
from pathlib import Path

import linesift
from linesift.adapter import SiteAdapter

DOC = (Path(__file__).resolve().parents[1] / "docs" / "features.md").read_text()
DOCUMENTED = set(re.findall(r"`([^`]+)`", DOC))
PATTERNS = ((r"^nb[+-]\d+_(.+)$", "nb{k}_"), (r"^win\d+_(.+)$", "win{w}_"),
            (r"^rel_(.+)$", "rel_"), (r"^site_win\d+_other_share$", None),
            (r"^memory_(line|words|first2|first4|last3|head|tail)_[bc]$", None),
            (r"^window\d+_memory_\w+_net$", None))


def _documented(name):
    """The name itself, or its pattern and base feature, are in the doc."""
    if name in DOCUMENTED:
        return True
    for pattern, prefix in PATTERNS:
        found = re.match(pattern, name)
        if not found:
            continue
        if prefix is None:
            return True
        base = found.group(1)
        return (prefix + ("exists" if base == "exists" else "{feature}") in DOCUMENTED
                and (base == "exists" or base in DOCUMENTED))
    return False


def _explain_names(classifier):
    return ["text_ngrams", *classifier.dense_columns_]


def test_every_feature_of_the_default_model_is_explained():
    classifier = linesift.load("default").pipeline.steps[-1][1]
    names = _explain_names(classifier)
    assert len(names) > 150  # the real model's columns, not an empty list
    missing = [n for n in names if not _documented(n)]
    assert not missing, missing


def test_every_feature_of_an_adapter_is_explained():
    names = SiteAdapter()._names()
    assert "span_inside" in names and "memory_vocab_seen" in names
    missing = [n for n in ["base_logit (the base model)", *names] if not _documented(n)]
    assert not missing, missing


def test_an_undocumented_name_is_caught():
    assert not _documented("nb-1_made_up_feature")
    assert not _documented("made_up_feature")
