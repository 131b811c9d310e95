"""Saving and loading line models, and what may be trusted in a model file.

A model is a directory: ``model.joblib`` (one scikit-learn Pipeline) or ``model.skops``,
``card.json`` (what it is, what it saw, how good it is, the sha256 of the model file, the
format version) and a short ``README.md``. Loading checks the card, then the hash, and refuses
a file that does not match its card.

A ``model.joblib`` is a pickle: loading it runs whatever code it names, so it is loaded only
after its sha256 matches the card beside it, and only a file you made (or fully trust) should
be loaded that way. A ``model.skops`` file (``skops.io``) holds no code: loading builds only
objects of types on an allow-list (:data:`TRUSTED_TYPES`) and refuses a file that names any
other type. Beyond linesift's own steps, the list holds the one scikit-learn type skops does
not trust by default that the models need: HistGradientBoosting's ``TreePredictor``, whose
``nodes`` array holds child and feature indices that scikit-learn follows without bounds checks
(skops-dev/skops#535, scikit-learn/scikit-learn#34558); every loaded tree is checked here
before it is used (:func:`check_tree_predictors`).

Models saved before cards carried ``format_version`` are read through :func:`_load_legacy`,
the one place that knows their layout.
"""

import hashlib
import json
import os
import platform
import sys
import zipfile
from contextlib import contextmanager
from importlib import import_module, resources
from numbers import Real
from pathlib import Path

import numpy as np

from . import __version__
from .card import render_card_readme
from .errors import ModelError
from .formats.atomic import atomic_path, write_atomic_bytes, write_atomic_text
from .labels import DEFAULT_THRESHOLD
from .scorer import CompactModel, NotCompilable

MODEL_FILE = "model.joblib"
SKOPS_FILE = "model.skops"
CARD_FILE = "card.json"
COMPACT_FILE = "compact.npz"
"""The model as plain arrays (:mod:`linesift.scorer`), beside the model file: what filtering
loads."""
MEMORY_FILE = "memory.npz"
"""A model's site memory (:mod:`linesift.features.memory`), beside the model file."""
README_FILE = "README.md"
DEFAULT_MODEL_NAME = "default"
FORMAT_VERSION = 2
"""Version of the model directory's layout, recorded on every card; a card without one is a
version-1 model, read by :func:`_load_legacy`."""
MODEL_ENV = "LINESIFT_MODEL"
SKOPS_FORMAT = "skops"
EXPORT_FORMATS = (SKOPS_FORMAT,)
JOBLIB_COMPRESSION = ("zlib", 3)
SKOPS_COMPRESSION = 6

TREE_PREDICTOR = "sklearn.ensemble._hist_gradient_boosting.predictor.TreePredictor"
TRUSTED_TYPES = (
    "linesift.adapter.SiteAdapter",
    "linesift.classifier.ContextClassifier",
    "linesift.features.cues.CueWords",
    "linesift.features.neighbours.NeighbourFeatures",
    "linesift.features.prior.BaseModelScores",
    "linesift.features.position.PagePosition",
    "linesift.features.relative.PageRelative",
    "linesift.features.runs.LineRuns",
    "linesift.features.comments.CommentMarks",
    "linesift.features.repetition.TokenRepetition",
    "linesift.features.shape.LineShape",
    "linesift.features.site.SiteContext",
    "linesift.features.site.SiteRepetition",
    "linesift.features.stopwords.StopwordDensity",
    "linesift.features.text.LineText",
    TREE_PREDICTOR,
)
"""Types a ``.skops`` model may contain beyond those skops trusts by default."""
_NODE_FIELDS = ("is_leaf", "left", "right", "feature_idx", "is_categorical")


# --- where the default model is ------------------------------------------------------------

def default_model_dir():
    """``$LINESIFT_MODEL`` if set, else the default model shipped with the package.

    The shipped model is package data of ``linesift.models`` (the ``models/`` folder of a
    checkout, ``linesift/models/`` in an installed wheel), found through
    :mod:`importlib.resources`.
    """
    env = os.environ.get(MODEL_ENV)
    if env:
        return Path(env)
    return Path(str(resources.files("linesift.models") / DEFAULT_MODEL_NAME))


def resolve_model_dir(model=None):
    """The model directory `model` names: None is the default model (:func:`default_model_dir`);
    a path that exists is itself; ``default`` (or ``models/default``, as a checkout names it)
    that is no directory here is the shipped default model, so the same commands work from a
    checkout and from an installed wheel."""
    if model is None:
        return default_model_dir()
    path = Path(model)
    if not path.exists() and path.as_posix().rstrip("/") in (
            DEFAULT_MODEL_NAME, f"models/{DEFAULT_MODEL_NAME}"):
        return default_model_dir()
    return path


# --- saving ---------------------------------------------------------------------------------

def sha256_file(path, chunk=1 << 20):
    """Hex sha256 of a file's bytes."""
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        while block := fh.read(chunk):
            digest.update(block)
    return digest.hexdigest()


def save_model(pipeline, directory, card):
    """Save `pipeline` and its `card` (a dict) into `directory`; returns the final card.

    The card gets the sha256 of ``model.joblib``, the format version and the library
    versions; a README model card is written beside it. Each file is written atomically.
    """
    import joblib

    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    with atomic_path(directory / MODEL_FILE) as tmp:
        joblib.dump(pipeline, tmp, compress=JOBLIB_COMPRESSION)
        digest = sha256_file(tmp)
    card = {**card, "format_version": FORMAT_VERSION, "sha256": digest, "model_file": MODEL_FILE,
            "versions": library_versions()}
    card.setdefault("threshold", DEFAULT_THRESHOLD)
    card.pop("compact_sha256", None)
    try:
        card["compact_sha256"] = _save_compact(CompactModel.from_pipeline(pipeline), directory)
    except NotCompilable:  # a model adapted with train --base scores through its pipeline
        (directory / COMPACT_FILE).unlink(missing_ok=True)
    _write_card(directory, card)
    return card


def _save_compact(compact, directory):
    """Write `compact` into the model `directory` atomically; its sha256."""
    with atomic_path(Path(directory) / COMPACT_FILE) as tmp:
        compact.save(tmp)
        digest = sha256_file(tmp)
    return digest


def compile_model(directory):
    """Add the compact scorer (:mod:`linesift.scorer`) to a saved model that lacks it (models
    saved before it existed); returns the updated card.

    The pipeline is loaded (its sha256 checked against the card) and exported to arrays, which
    the card then names by their sha256. Raises ModelError for a model the compact scorer does
    not run (one adapted with ``train --base``).
    """
    directory = resolve_model_dir(directory)
    pipeline, card = load_pipeline(directory)
    compact = CompactModel.from_pipeline(pipeline)
    card = {**card, "compact_sha256": _save_compact(compact, directory)}
    _write_card(directory, card)
    return card


def load_compact(directory, card):
    """The compact scorer of the model in `directory`, after checking its sha256 against the
    card; None when the card names none."""
    expected = card.get("compact_sha256")
    if not expected:
        return None
    path = Path(directory) / COMPACT_FILE
    if not path.exists():
        raise ModelError(f"{path} is missing (the card names it)")
    if not isinstance(expected, str) or sha256_file(path) != expected:
        raise ModelError(f"{path} does not match its card's compact_sha256: the file was changed "
                         "or replaced after training; restore the model or recompile it with "
                         "`linesift model compile`")
    return CompactModel.load(path)


def _write_card(directory, card):
    write_atomic_text(Path(directory) / CARD_FILE, json.dumps(card, indent=2) + "\n")
    write_atomic_text(Path(directory) / README_FILE, render_card_readme(card))


def library_versions():
    """Versions of linesift, scikit-learn, numpy, pandas and Python."""
    import pandas
    import sklearn

    return {"linesift": __version__, "scikit-learn": sklearn.__version__,
            "numpy": np.__version__, "pandas": pandas.__version__,
            "python": platform.python_version()}


# --- loading --------------------------------------------------------------------------------

def read_card(directory):
    """The card of the model in `directory` (:func:`resolve_model_dir`), checked; ModelError
    saying what is wrong."""
    directory = resolve_model_dir(directory)
    card_path = directory / CARD_FILE
    if not directory.exists():
        raise ModelError(f"model directory {directory} does not exist; train one or use the "
                         "default model", hint="model")
    if not card_path.exists():
        raise ModelError(f"{card_path} is missing: {directory} is not a linesift model directory")
    try:
        card = json.loads(card_path.read_text(encoding="utf-8"))
    except (ValueError, UnicodeDecodeError) as exc:
        raise ModelError(f"{card_path} is not valid JSON ({exc})") from None
    _check_card(card, card_path)
    return card


def _check_card(card, card_path):
    if not isinstance(card, dict):
        raise ModelError(f"{card_path}: a card is a JSON object, not a {type(card).__name__}")
    for key in ("sha256", "model_file", "name", "compact_sha256"):
        if key in card and not isinstance(card[key], str):
            raise ModelError(f"{card_path}: {key!r} must be a string, not "
                             f"{type(card[key]).__name__}")
    for key, default in (("threshold", DEFAULT_THRESHOLD), ("threshold_alone", None)):
        threshold = card.get(key, default)
        if threshold is None and default is None:
            continue  # a model with one threshold for every page
        if isinstance(threshold, bool) or not isinstance(threshold, Real) \
                or not 0.0 <= threshold <= 1.0:
            raise ModelError(f"{card_path}: {key!r} must be a number from 0 to 1, not "
                             f"{threshold!r}")
    version = card.get("format_version", 1)
    if not isinstance(version, int) or isinstance(version, bool) or version > FORMAT_VERSION:
        raise ModelError(f"{card_path}: format_version {version!r} is not one this linesift "
                         f"reads (1 to {FORMAT_VERSION}); upgrade linesift")


def load_pipeline(directory):
    """Load the fitted pipeline of a model directory after checking its sha256 against the card.

    Returns
    -------
    pipeline, card
    """
    directory = resolve_model_dir(directory)
    card = read_card(directory)
    path = checked_model_file(directory, card)
    if card.get("format_version", 1) < FORMAT_VERSION:
        return _load_legacy(path, card), card
    pipeline = load_skops(path) if path.suffix == ".skops" else _load_joblib(path)
    return pipeline, card


def checked_model_file(directory, card):
    """The path of the model file `card` names in `directory`, after checking its sha256
    against the card (ModelError for a missing or changed file). Loading the compact scorer
    checks it too: a model whose file was changed is refused whichever form scores."""
    name = card.get("model_file", MODEL_FILE)
    if Path(name).name != name or not name.endswith((".joblib", ".skops")):
        raise ModelError(f"{directory / CARD_FILE}: model_file must be a .joblib or .skops file "
                         f"name inside the model directory, not {name!r}")
    path = Path(directory) / name
    if not path.exists():
        raise ModelError(f"{path} is missing (the card names it)")
    expected = card.get("sha256")
    actual = sha256_file(path)
    if not expected or actual != expected:
        raise ModelError(
            f"{path} does not match its card: sha256 is {actual[:12]}…, the card says "
            f"{(expected or 'nothing')[:12]}…. The file was changed or replaced after training; "
            "refusing to load it (a joblib file can run code). Retrain or restore the model.")
    return path


def _load_joblib(path):
    import joblib

    try:
        pipeline = joblib.load(path)
    except Exception as exc:  # a truncated or foreign pickle
        raise ModelError(f"{path} is not a readable model file ({type(exc).__name__}: {exc})") \
            from None
    check_pipeline(pipeline, path)
    return pipeline


# --- skops: files that hold no code ---------------------------------------------------------

def load_skops(path, trusted=TRUSTED_TYPES):
    """Load a pipeline from a ``.skops`` file, refusing any type outside `trusted`.

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
            "(see linesift.model.TRUSTED_TYPES).") from None
    except (zipfile.BadZipFile, KeyError, ValueError, TypeError, AttributeError,
            json.JSONDecodeError) as exc:
        raise ModelError(f"{path} is not a readable skops model ({exc})") from None
    except RecursionError:  # a schema that refers to itself
        raise ModelError(f"{path} is not a readable skops model (its schema nests without "
                         "end)") from None
    check_pipeline(pipeline, path)
    return pipeline


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

    model_dir = resolve_model_dir(model_dir)
    pipeline, card = load_pipeline(model_dir)
    out_dir = Path(out_dir)
    if out_dir.resolve() == Path(model_dir).resolve():
        raise ModelError("export into a new directory, not the model's own")
    out_dir.mkdir(parents=True, exist_ok=True)
    with atomic_path(out_dir / SKOPS_FILE) as tmp:
        sio.dump(pipeline, tmp, compression=zipfile.ZIP_DEFLATED,
                 compresslevel=SKOPS_COMPRESSION)
        load_skops(tmp)  # what we write must load back under our own rules
        digest = sha256_file(tmp)
    card = {**card, "format_version": FORMAT_VERSION, "model_file": SKOPS_FILE,
            "sha256": digest,
            "exported_from": {"model_file": card.get("model_file"), "sha256": card.get("sha256")}}
    # the site memory and the compact scorer are plain arrays, read without pickle: they go
    # along as they are (the card's sha256 still names the compact file)
    for name, used in ((MEMORY_FILE, card.get("memory")), (COMPACT_FILE, card.get("compact_sha256"))):
        if used and (Path(model_dir) / name).exists():
            write_atomic_bytes(out_dir / name, (Path(model_dir) / name).read_bytes())
    _write_card(out_dir, card)
    return card


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


# --- version-1 models (cards without format_version) ----------------------------------------

_LEGACY_MODULES = {"linesift.sitestats": "linesift.features.site"}
"""Modules that version-1 pickles name and that have moved."""
_LEGACY_TRUSTED_TYPES = TRUSTED_TYPES + tuple(
    f"linesift.features.{name}" for name in ("LineShape", "LineText", "NeighbourFeatures",
                                             "PagePosition", "PageRelative", "StopwordDensity",
                                             "TokenRepetition")) + (
    "linesift.sitestats.SiteRepetition",)
"""The same classes by the paths version-1 ``.skops`` files name them."""
_LEGACY_CLASSIFIER_OPTIONS = {
    "first": None, "second": None, "use_context": True, "word_ngrams": (1, 2),
    "char_ngrams": None, "first_stage_neighbours": True, "alpha": 1e-5, "cue_words": False,
    "first_solver": "sgd",
}
"""Options version-1 classifiers had, with the one value linesift still computes."""
_LEGACY_TEXT_OPTIONS = {"char_ngrams": None, "cue_words": False, "token_hash_": "poly64"}
"""Options version-1 n-gram steps had, with the one value linesift still computes."""


def _load_legacy(path, card):
    """A version-1 model: unpickled under its old module names, then stripped of the options
    that linesift no longer has, each checked to hold the value today's code computes (any
    other value is refused: such a model has to be retrained)."""
    with _legacy_modules():
        pipeline = load_skops(path, _LEGACY_TRUSTED_TYPES) if str(path).endswith(".skops") \
            else _load_joblib(path)
    for _, step in getattr(pipeline, "steps", []):
        if type(step).__name__ == "ContextClassifier":
            _drop_options(step, _LEGACY_CLASSIFIER_OPTIONS, path)
            text = step.first_.named_steps["features"].named_transformers_.get("text")
            if text is not None:
                _drop_options(text, _LEGACY_TEXT_OPTIONS, path)
    return pipeline


def _drop_options(step, options, path):
    for name, value in options.items():
        if name not in vars(step):
            continue
        held = getattr(step, name)
        same = held == value if not isinstance(value, tuple) else tuple(held or ()) == value
        if not same:
            raise ModelError(f"{path} was trained with {type(step).__name__} {name}={held!r}, "
                             "which this linesift no longer computes; retrain the model")
        delattr(step, name)


@contextmanager
def _legacy_modules():
    """Old module names resolve to their new homes while a version-1 model is unpickled."""
    added = []
    for old, new in _LEGACY_MODULES.items():
        if old not in sys.modules:
            sys.modules[old] = import_module(new)
            added.append(old)
    try:
        yield
    finally:
        for old in added:
            sys.modules.pop(old, None)
