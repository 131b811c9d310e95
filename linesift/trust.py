"""Models from elsewhere: exporting to and loading from skops, which refuses unknown types.

A ``model.joblib`` is a pickle: loading it runs whatever code it names, so linesift loads one
only after its sha256 matches the card beside it, and only a file you made (or fully trust)
should be loaded that way. A ``model.skops`` file (``skops.io``) holds no code: loading builds
only objects of types on an allow-list and refuses a file that names any other type.

linesift's allow-list, :data:`TRUSTED_TYPES`, is its own transformers and classifier plus the
one scikit-learn type skops does not trust by default that our models need:
HistGradientBoosting's ``TreePredictor``. skops leaves it out because its ``nodes`` array holds
child and feature indices that scikit-learn follows without bounds checks (skops-dev/skops#535,
scikit-learn/scikit-learn#34558); so every loaded tree is checked here before it is used
(:func:`check_tree_predictors`): each internal node's children come after it, are in range and
have one parent, its feature index is in range, and no split is categorical.
"""

import json
import os
import zipfile
from pathlib import Path

import numpy as np

from .errors import ModelError

TREE_PREDICTOR = "sklearn.ensemble._hist_gradient_boosting.predictor.TreePredictor"
TRUSTED_TYPES = (
    "linesift.classifier.ContextClassifier",
    "linesift.features.neighbours.NeighbourFeatures",
    "linesift.features.position.PagePosition",
    "linesift.features.relative.PageRelative",
    "linesift.features.repetition.TokenRepetition",
    "linesift.features.shape.LineShape",
    "linesift.features.site.SiteRepetition",
    "linesift.features.stopwords.StopwordDensity",
    "linesift.features.text.LineText",
    # the same classes by the paths .skops files exported before linesift.features was a
    # package name them
    "linesift.features.LineShape",
    "linesift.features.LineText",
    "linesift.features.NeighbourFeatures",
    "linesift.features.PagePosition",
    "linesift.features.PageRelative",
    "linesift.features.StopwordDensity",
    "linesift.features.TokenRepetition",
    "linesift.sitestats.SiteRepetition",
    TREE_PREDICTOR,
)
"""Types a ``.skops`` model may contain beyond those skops trusts by default."""
SKOPS_FORMAT = "skops"
EXPORT_FORMATS = (SKOPS_FORMAT,)
_NODE_FIELDS = ("is_leaf", "left", "right", "feature_idx", "is_categorical")


def load_skops(path, trusted=TRUSTED_TYPES):
    """Load a pipeline from a ``.skops`` file, refusing any type outside `trusted`.

    Parameters
    ----------
    path : str or Path
    trusted : sequence of str
        Type names allowed beyond skops' defaults (default :data:`TRUSTED_TYPES`).

    Raises
    ------
    linesift.errors.ModelError
        When the file names an untrusted type, is not a skops file, or holds a malformed tree.
    """
    import skops.io as sio
    from skops.io.exceptions import UntrustedTypesFoundException

    try:
        pipeline = sio.load(path, trusted=list(trusted))
    except UntrustedTypesFoundException:
        untrusted = sorted(set(sio.get_untrusted_types(file=path)) - set(trusted))
        raise ModelError(
            f"{path} contains types linesift does not trust: {', '.join(untrusted)}; refusing "
            "to load it. A linesift model holds only linesift and scikit-learn types "
            "(see linesift.trust.TRUSTED_TYPES).") from None
    except (zipfile.BadZipFile, KeyError, ValueError, TypeError, json.JSONDecodeError) as exc:
        raise ModelError(f"{path} is not a readable skops model ({exc})") from None
    check_pipeline(pipeline, path)
    return pipeline


def check_pipeline(pipeline, path):
    """Raise ModelError unless `pipeline` can score lines and its trees are well formed."""
    if not (hasattr(pipeline, "predict_proba") and hasattr(pipeline, "steps")):
        raise ModelError(f"{path} holds a {type(pipeline).__name__}, not a linesift pipeline")
    for model in _hist_gradient_boosting_models(pipeline):
        check_tree_predictors(model, path)


def _hist_gradient_boosting_models(obj, seen=None):
    """Every object below `obj` (attributes, lists, tuples, dicts) that holds tree predictors."""
    seen = set() if seen is None else seen
    if id(obj) in seen:
        return
    seen.add(id(obj))
    if hasattr(obj, "_predictors"):
        yield obj
    if isinstance(obj, (list, tuple)):
        children = obj
    elif isinstance(obj, dict):
        children = obj.values()
    elif type(obj).__module__.startswith(("sklearn.", "linesift.")) and hasattr(obj, "__dict__"):
        children = vars(obj).values()
    else:
        return
    for child in children:
        yield from _hist_gradient_boosting_models(child, seen)


def check_tree_predictors(model, path):
    """Raise ModelError unless every tree of a HistGradientBoosting model is well formed.

    The checks follow scikit-learn/scikit-learn#34558: an internal node's children are node
    ids greater than its own and each node has at most one parent (so every walk from the
    root ends at a leaf), feature indices are within ``n_features_in_``; categorical splits,
    which linesift models never make, are refused.
    """
    n_features = getattr(model, "n_features_in_", None)
    if not isinstance(n_features, (int, np.integer)) or n_features < 1:
        raise ModelError(f"{path}: a gradient-boosting model has no valid n_features_in_")
    for iteration in model._predictors:
        for predictor in iteration:
            problem = _tree_problem(getattr(predictor, "nodes", None), int(n_features))
            if problem:
                raise ModelError(f"{path}: malformed tree in a gradient-boosting model "
                                 f"({problem}); refusing to load it")


def _tree_problem(nodes, n_features):
    if not isinstance(nodes, np.ndarray) or nodes.ndim != 1 or not nodes.dtype.names:
        return "nodes is not a structured array"
    missing = [f for f in _NODE_FIELDS if f not in nodes.dtype.names]
    if missing or len(nodes) == 0:
        return f"nodes lack {missing}" if missing else "no nodes"
    n = len(nodes)
    inner = np.flatnonzero(nodes["is_leaf"] == 0)
    left = nodes["left"][inner].astype(np.int64)
    right = nodes["right"][inner].astype(np.int64)
    feature = nodes["feature_idx"][inner].astype(np.int64)
    if np.any(nodes["is_categorical"] != 0):
        return "categorical split"
    if np.any((left <= inner) | (right <= inner) | (left >= n) | (right >= n)):
        return "child index out of range"
    children = np.concatenate([left, right])
    if len(np.unique(children)) != len(children):
        return "a node with two parents"
    if np.any((feature < 0) | (feature >= n_features)):
        return "feature index out of range"
    return None


def export_skops(model_dir, out_dir):
    """Write the model of `model_dir` as ``model.skops`` with its card into `out_dir`.

    The model is loaded first (so its sha256 must match its card); the new card keeps every
    field and points ``model_file`` and ``sha256`` at the skops file.

    Returns
    -------
    dict
        The new card.
    """
    import skops.io as sio

    from .card import render_card_readme
    from .model import (CARD_FILE, README_FILE, SKOPS_FILE, load_pipeline, sha256_file,
                        write_atomic_bytes)

    pipeline, card = load_pipeline(model_dir)
    out_dir = Path(out_dir)
    if out_dir.resolve() == Path(model_dir).resolve():
        raise ModelError("export into a new directory, not the model's own")
    out_dir.mkdir(parents=True, exist_ok=True)
    tmp = out_dir / f".{SKOPS_FILE}.tmp-{os.getpid()}"
    try:
        sio.dump(pipeline, tmp, compression=zipfile.ZIP_DEFLATED, compresslevel=6)
        load_skops(tmp)  # what we write must load back under our own rules
        digest = sha256_file(tmp)
        os.replace(tmp, out_dir / SKOPS_FILE)
    finally:
        if tmp.exists():
            tmp.unlink()
    card = {**card, "model_file": SKOPS_FILE, "sha256": digest,
            "exported_from": {"model_file": card.get("model_file"), "sha256": card.get("sha256")}}
    write_atomic_bytes(out_dir / CARD_FILE, (json.dumps(card, indent=2) + "\n").encode())
    write_atomic_bytes(out_dir / README_FILE, render_card_readme(card).encode())
    return card
