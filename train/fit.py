"""``linesift train``: fitting a line model on labelled pages, judging it honestly and saving it
with its card."""

import time
from dataclasses import replace
from pathlib import Path

import numpy as np

from linesift.classifier import ContextClassifier
from linesift.errors import LinesiftError
from linesift.features.site import SITE_PAGES
from linesift.formats import expand_inputs
from linesift.formats.atomic import atomic_directory
from linesift.frame import GROUP
from linesift.labels import DEFAULT_THRESHOLD
from linesift.model import (MEMORY_FILE, load_pipeline, read_card, resolve_model_dir, save_model,
                            sha256_file)
from linesift.recipe import DEFAULT_RECIPE
from linesift.run import refuse_overwriting_inputs

from .adapt import adapt
from .card import adapted_card, build_card, check_vocabulary, report
from .curves import adaptation_curve, require_matplotlib, training_curve, write_training_png
from .cv import CV_FOLDS, cv_groups, fit_with_cv, line_thresholds, per_source_metrics
from .data import load_training_pages, own_lines, source_weights, sources
from .notes import Notes, log
from .prepare import effective_ngram_min_sites, prepare, site_columns
from .sites import alone_site_columns


def train_model(paths, out_dir, *, name=None, folds=CV_FOLDS, recipe=DEFAULT_RECIPE, base=None,
                pipeline=None, read_options=None, progress=True, calibrate=True, jobs=1,
                curve=None):
    """Train on labelled pages, cross-validate, choose the threshold and save the model.

    Parameters
    ----------
    paths : list of str
        Labelled pages (JSONL, JSONL.gz, Parquet; the ``shared/data`` format).
    out_dir : str or Path
        Model directory to write (``model.joblib``, ``card.json``, ``README.md``).
    folds : int
        Grouped CV folds (:func:`cv_groups`); 0 or 1 skips cross-validation (the default
        threshold).
    recipe : linesift.recipe.Recipe
        Training options; default the shipped model's (:data:`~linesift.recipe.DEFAULT_RECIPE`).
        ``ngram_min_sites`` is lowered on few sites (:func:`effective_ngram_min_sites`).
    base : str or Path, optional
        A saved model to learn on top of from `paths` alone (:func:`train_on_base`): the
        result is that model adapted to the labelled pages, or that model unchanged when the
        labels show no gain on pages held out. The recipe's feature options do not apply.
    calibrate : bool
        Map P(content) through an isotonic fit of the cross-validated scores.
    jobs : int
        Processes fitting the CV folds and the final model side by side.
    curve : str or Path, optional
        Also write a PNG: held-out content F1 against the number of labelled pages (own pages
        when mixed with shared ones) and precision / recall against the threshold
        (:mod:`linesift.train.curves`; folds x sizes more fits).

    Returns
    -------
    dict : the saved card.
    """
    started = time.perf_counter()
    notes = Notes(progress)
    check_outputs(paths, out_dir, curve)
    if curve is not None:
        require_matplotlib()
    if base is not None and pipeline is None:
        return _train_and_save_on_base(paths, out_dir, base, name=name, folds=folds,
                                       recipe=recipe, read_options=read_options,
                                       progress=progress, curve=curve, notes=notes,
                                       started=started)
    pages, frame, y, prepared = prepare(
        load_training_pages(paths, read_options), recipe, notes, progress, paths)
    n_sites = len(np.unique(frame[GROUP].to_numpy()))
    min_sites = effective_ngram_min_sites(recipe.ngram_min_sites, n_sites, notes)
    used_recipe = replace(recipe, ngram_min_sites=min_sites)
    if pipeline is None:
        pipeline = used_recipe.pipeline()
    frame = site_columns(pages, frame, pipeline, notes, recipe.site_single_share)
    weights = None
    if recipe.balance_sources and len(sources(pages)) > 1:
        weights = source_weights(pages, frame, y, recipe.balance_sources)
    groups, grouping = cv_groups(pages, frame, folds, notes)
    alone_frame = alone_site_columns(frame, pages) if SITE_PAGES in frame.columns else None
    fitted, threshold, cv, calibration, oof = fit_with_cv(
        pipeline, frame, y, folds=folds, jobs=jobs, calibrate=calibrate, progress=progress,
        weights=weights, groups=groups, notes=notes, alone_frame=alone_frame)
    del alone_frame
    if oof is not None:
        cv["per_source"] = per_source_metrics(
            pages, frame, y, oof, line_thresholds(frame, threshold, cv.get("threshold_alone")),
            groups, notes)
    card = build_card(name, out_dir, fitted, threshold, cv, calibration, pages, frame, paths,
                      started, used_recipe, prepared, grouping, notes)
    check_vocabulary(fitted, notes)
    card["warnings"] = list(notes)
    draw = None
    if curve is not None:
        points = training_curve(pipeline, frame, y, groups, own_lines(pages, frame),
                                folds=folds or CV_FOLDS, weights=weights, progress=progress)
        card["learning_curve"] = points

        def draw(path):
            write_training_png(path, points, y, oof, title=card["name"])

    card = _save(fitted, out_dir, card, curve=curve, draw=draw, progress=progress)
    report(card, out_dir, progress)
    return card


def check_outputs(paths, out_dir, curve=None):
    """LinesiftError, before any work, when the model directory or the curve would overwrite
    an input, or the model directory is a file or a folder that holds no model."""
    out_dir = Path(out_dir)
    if not str(out_dir).strip():
        raise LinesiftError("the output path is empty (an unset variable?); nothing was written")
    if out_dir.exists() and not out_dir.is_dir():
        raise LinesiftError(f"{out_dir}: exists and is not a directory; a model is a directory "
                            "(give a new path)")
    inside = out_dir.resolve()
    for path, _ in expand_inputs([str(p) for p in paths]):
        resolved = Path(path).resolve()
        if resolved == inside or inside in resolved.parents:
            raise LinesiftError(f"{out_dir}: holds the input {path}; writing the model there "
                                "would destroy it. Give another output path")
    if out_dir.is_dir() and any(out_dir.iterdir()) and not (out_dir / "card.json").exists():
        raise LinesiftError(f"{out_dir}: is a directory that holds no linesift model; give a "
                            "new path (it would be replaced)")
    if curve is not None:
        refuse_overwriting_inputs(curve, [str(p) for p in paths])


def _save(pipeline, out_dir, card, *, memory=None, curve=None, draw=None, progress=False):
    """Write the model directory in one step: the model, its card, its memory and the curve
    are written first (a curve inside the directory with it), and the directory replaces an
    earlier one only when all of them are."""
    out_dir = Path(out_dir)
    with atomic_directory(out_dir) as tmp:
        if draw is not None:
            target = Path(curve)
            try:
                target = tmp / target.resolve().relative_to(out_dir.resolve())
            except ValueError:
                pass  # elsewhere: written in place, atomically
            draw(target)
            if progress:
                log(f"learning curve: {curve}")
        if memory is not None:
            memory.save(tmp / MEMORY_FILE)
        card = save_model(pipeline, tmp, card)
    return card


def train_on_base(pages, base, *, folds=CV_FOLDS, notes=None, progress=False,
                  paths=("the labelled pages",)):
    """What ``linesift train PAGES --base BASE`` fits, without saving it.

    The labels are taken as given (a team's labels are its definition; pages of the shared
    sets are aligned with linesift's), no synthetic lines are added, and site repetition is
    counted over all the labelled pages (:func:`linesift.train.adapt.adapt`).

    Returns
    -------
    adaptation : linesift.train.adapt.Adaptation
    base_card : dict
    """
    notes = notes if notes is not None else Notes(progress)
    base_pipeline, base_card = load_pipeline(base)
    _check_base(base_pipeline, base)
    recipe = replace(DEFAULT_RECIPE, glue_lines=False, unlabel_trailing_prose=False)
    pages, frame, y, _ = prepare(list(pages), recipe, notes, progress, paths)
    threshold = float(base_card.get("threshold", DEFAULT_THRESHOLD))
    from threadpoolctl import threadpool_limits

    with threadpool_limits(1):  # small fits: threads would spin more than they work
        adaptation = adapt(base_pipeline, threshold, pages, frame, y, folds=folds, notes=notes)
    adaptation.pages, adaptation.frame, adaptation.y = pages, frame, y
    return adaptation, base_card


def _train_and_save_on_base(paths, out_dir, base, *, name, folds, recipe, read_options,
                            progress, curve, notes, started):
    """``linesift train --base``: :func:`train_on_base`, its card, the model directory."""
    _check_not_base(base, out_dir)
    resolved = base_of(base, strict=True)
    if resolved != Path(base):
        notes.say(f"{base} was itself learned on top of {resolved}: learning on top of "
                  f"{resolved} from the pages given (give every labelled page, the earlier "
                  "rounds' too)")
        base = resolved
    _check_not_base(base, out_dir)
    pages = load_training_pages(paths, read_options)
    adaptation, base_card = train_on_base(pages, base, folds=folds, notes=notes,
                                          progress=progress, paths=paths)
    notes.say(adaptation.message)
    card = adapted_card(name, out_dir, adaptation, base, base_card, paths, started, notes)
    draw = None
    if curve is not None:
        points = adaptation_curve(base, adaptation, folds=folds or CV_FOLDS, progress=progress)
        card["learning_curve"] = points

        def draw(path):
            write_training_png(path, points, adaptation.y, adaptation.oof, title=card["name"],
                               threshold=adaptation.threshold)

    card["warnings"] = list(notes)
    card = _save(adaptation.pipeline, out_dir, card, memory=adaptation.memory, curve=curve,
                 draw=draw, progress=progress)
    report(card, out_dir, progress)
    return card


def _check_base(pipeline, base):
    """LinesiftError unless `pipeline` is a model linesift can learn on top of: its feature
    steps, then a ContextClassifier."""
    steps = getattr(pipeline, "steps", None) or []
    last = steps[-1][1] if steps else pipeline
    if not isinstance(last, ContextClassifier):
        raise LinesiftError(f"{base}: its model ends in a {type(last).__name__}, not a "
                            "linesift ContextClassifier; learn on top of a model made by "
                            "`linesift train`")


def _check_not_base(base, out_dir):
    if resolve_model_dir(base).resolve() == Path(out_dir).resolve():
        raise LinesiftError(f"{out_dir}: the output is the base model's directory; write the "
                            "new model elsewhere (a model is never overwritten by one learned "
                            "on top of it)")


def base_of(model_dir, strict=False):
    """The model to learn on top of, for `model_dir`: the base it was itself learned on
    (``train --base``), when that base is still where its card says and unchanged, else
    `model_dir` itself. With `strict`, a model learned on a base that is gone or changed is an
    error instead (it cannot be learned on: its adapter reads a memory of its own)."""
    model_dir = resolve_model_dir(model_dir)
    card = read_card(model_dir)
    base = card.get("base") or {}
    path = base.get("path")
    if not path:
        return Path(model_dir)
    try:
        base_card = read_card(path)
        model_file = Path(path) / base_card.get("model_file", "model.joblib")
        if base_card.get("sha256") == base.get("sha256") == sha256_file(model_file):
            return Path(path)
    except (OSError, LinesiftError):
        pass
    if strict and card.get("memory"):
        raise LinesiftError(f"{model_dir} was learned on top of {base.get('name')} at {path}, "
                            "which is not there any more or has changed; give that base with "
                            "--base, and every labelled page")
    return Path(model_dir)
