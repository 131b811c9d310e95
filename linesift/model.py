"""Building, saving and loading line models.

A model is a directory: ``model.joblib`` (one scikit-learn Pipeline), ``card.json`` (what it is,
what it saw, how good it is, the sha256 of ``model.joblib``) and a short ``README.md``. Loading
checks the hash and refuses a file that does not match its card.
"""

import hashlib
import json
import os
import platform
from pathlib import Path

import joblib
import numpy as np
from sklearn.pipeline import Pipeline

from .classifier import ContextClassifier
from .errors import ModelError
from .features import (LineShape, NeighbourFeatures, PagePosition, PageRelative,
                       StopwordDensity, TokenRepetition)
from .frame import lines_frame

MODEL_FILE = "model.joblib"
SKOPS_FILE = "model.skops"
CARD_FILE = "card.json"
README_FILE = "README.md"
DEFAULT_THRESHOLD = 0.5
DEFAULT_MODEL_NAME = "default"


def build_pipeline(*, site_stats=False, page_relative=False, **classifier_params):
    """The full model: frame feature steps, then the two-stage :class:`ContextClassifier`.

    With `site_stats`, a :class:`~linesift.features.SiteRepetition` step before "neighbours"
    reads the site counts that :func:`~linesift.features.with_site_columns` attaches. With
    `page_relative`, a :class:`~linesift.features.PageRelative` step adds each line's features
    against its page's mean.
    """
    steps = [
        ("shape", LineShape()),
        ("stopwords", StopwordDensity()),
        ("repetition", TokenRepetition()),
        ("position", PagePosition()),
        *([("relative", PageRelative())] if page_relative else []),
        ("neighbours", NeighbourFeatures()),
        ("classify", ContextClassifier(**classifier_params)),
    ]
    if site_stats:
        from .features import SiteRepetition

        names = [name for name, _ in steps]
        steps.insert(names.index("neighbours"), ("site", SiteRepetition()))
    return Pipeline(steps)


def default_model_dir():
    """``$LINESIFT_MODEL``, else ``models/default`` in the current directory if present,
    else the ``models/default`` shipped beside the package."""
    env = os.environ.get("LINESIFT_MODEL")
    if env:
        return Path(env)
    local = Path("models") / DEFAULT_MODEL_NAME
    if (local / CARD_FILE).exists():
        return local
    return Path(__file__).resolve().parent.parent / "models" / DEFAULT_MODEL_NAME


def sha256_file(path, chunk=1 << 20):
    """Hex sha256 of a file's bytes."""
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        while block := fh.read(chunk):
            digest.update(block)
    return digest.hexdigest()


def write_atomic_bytes(path, data):
    """Write `data` to `path` through a temporary file renamed into place."""
    path = Path(path)
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    try:
        with open(tmp, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    finally:
        if tmp.exists():
            tmp.unlink()


def save_model(pipeline, directory, card):
    """Save `pipeline` and its `card` (a dict) into `directory`; returns the final card.

    The card gets ``sha256`` of ``model.joblib`` plus library versions; a README model card is
    written beside it. Each file is written to a temporary name and renamed into place.
    """
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    tmp = directory / f".{MODEL_FILE}.tmp-{os.getpid()}"
    try:
        joblib.dump(pipeline, tmp, compress=("zlib", 3))
        digest = sha256_file(tmp)
        os.replace(tmp, directory / MODEL_FILE)
    finally:
        if tmp.exists():
            tmp.unlink()
    card = {**card, "sha256": digest, "model_file": MODEL_FILE, "versions": library_versions()}
    card.setdefault("threshold", DEFAULT_THRESHOLD)
    write_atomic_bytes(directory / CARD_FILE, (json.dumps(card, indent=2) + "\n").encode())
    from .card import render_card_readme

    write_atomic_bytes(directory / README_FILE, render_card_readme(card).encode())
    return card


def library_versions():
    """Versions of linesift, scikit-learn, numpy, pandas and Python."""
    import pandas
    import sklearn

    from . import __version__

    return {"linesift": __version__, "scikit-learn": sklearn.__version__,
            "numpy": np.__version__, "pandas": pandas.__version__,
            "python": platform.python_version()}


def read_card(directory):
    """The card of the model in `directory`, or ModelError saying what is missing."""
    directory = Path(directory)
    card_path = directory / CARD_FILE
    if not directory.exists():
        raise ModelError(f"model directory {directory} does not exist; train one with "
                         f"`linesift train DATA -o {directory}` or use the default model")
    if not card_path.exists():
        raise ModelError(f"{card_path} is missing: {directory} is not a linesift model directory")
    try:
        return json.loads(card_path.read_text(encoding="utf-8"))
    except (ValueError, UnicodeDecodeError) as exc:
        raise ModelError(f"{card_path} is not valid JSON ({exc})") from None


def load_pipeline(directory):
    """Load the fitted pipeline of a model directory after checking its sha256 against the card.

    Returns
    -------
    pipeline, card
    """
    directory = Path(directory)
    card = read_card(directory)
    name = card.get("model_file", MODEL_FILE)
    if not isinstance(name, str) or Path(name).name != name or not name.endswith(
            (".joblib", ".skops")):
        raise ModelError(f"{directory / CARD_FILE}: model_file must be a .joblib or .skops file "
                         f"name inside the model directory, not {name!r}")
    path = directory / name
    if not path.exists():
        raise ModelError(f"{path} is missing (the card names it)")
    expected = card.get("sha256")
    actual = sha256_file(path)
    if not expected or actual != expected:
        raise ModelError(
            f"{path} does not match its card: sha256 is {actual[:12]}…, the card says "
            f"{(expected or 'nothing')[:12]}…. The file was changed or replaced after training; "
            "refusing to load it (a joblib file can run code). Retrain or restore the model.")
    if name.endswith(".skops"):
        from .trust import load_skops

        pipeline = load_skops(path)
    else:
        pipeline = joblib.load(path)
    return pipeline, card


def predict_proba_pages(pipeline, pages, site_stats=None):
    """P(content) for each non-blank line of `pages`, with the lines table it was computed on.

    `site_stats` (a :class:`~linesift.features.SiteStats`) adds the site columns first.
    """
    frame = lines_frame(pages)
    if len(frame) == 0:
        return frame, np.zeros(0)
    if site_stats is not None:
        from .features import with_site_columns

        frame = with_site_columns(frame, pages, site_stats)
    return frame, pipeline.predict_proba(frame)[:, 1]
