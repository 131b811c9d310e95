"""Site-grouped cross-validation over ALL shared sets, per set and per language, in two settings.

The default model is trained on every shared set, so scoring it on them would be in-sample.
Instead every shared set is split into K folds grouped by site (``domain``, else page id), the
same folds for every variant. A variant (a :class:`linesift.recipe.Recipe`, and sources left
out of training) is trained on the other folds exactly as ``linesift train`` builds its
training table (``linesift.train.prepare.prepare`` and ``site_columns``: aligned labels,
glued lines, site columns with half the sites counted page by page, sources balanced), without
calibration, and scores the held-out fold twice:

- **crawl**: site-repetition counts over every page of the held-out fold (a site's pages are
  all in one fold), as ``linesift filter`` counts its whole input;
- **page**: counts over each page alone (one page per site: what a single page gets).

Models without site features score the same in both settings. Content precision / recall / F1
is reported per set, per language (daniel_a's en/zh/el/pl/ru separately, pooled languages over
all sets) and per htmltotext / polish_sparse page kind, beside the two text-only rule baselines
(C4 line rules, jusText on lines; ``bench/baselines.py``) on the same lines. Sparse sets are
scored on their labelled lines only. The scoring labels are the shared labels aligned with the
settled definition (:func:`linesift.train.align.align_with_definition`: comment sections and
bylines / datelines / captions labelled content become unlabelled), the same for every variant;
the threshold is the one that maximises pooled content F1 of the crawl setting over all
held-out lines, and the page setting's the one that maximises it over the page scores, as
``linesift train`` chooses its two (a page scored alone is kept at its own threshold). daniel_a is also reported as the mean of its
per-site F1 (a few sites have many pages).

    python bench/quality.py run --variants recipe previous --folds 2 --jobs 2
    python bench/quality.py report --variants recipe previous
    python bench/quality.py report --variants recipe no_site previous --compact
    python bench/check_example.py --variants recipe          # the fold models on one page

Variants: ``recipe`` (DEFAULT_RECIPE), ``no_site`` (it without site counts), ``no_span``,
``no_runs`` and ``no_refine`` (it without the article span, the line runs, the third stage),
``previous``
(the recipe shipped before issue 18), and each of them as ``NAME_no_daniel`` (daniel_a left out
of training, still scored).

Time: ``run --variants recipe --folds 2 --jobs 2`` fits both folds side by side in about 9
minutes on 2 cores (measured 496 s and 502 s per fold, each on ~470,000 training lines; longer
when the cores are busy, roughly double with ``--jobs 1``); ``report`` takes about 2 minutes
(the first time includes jusText on every line, then cached). Fold scores and models are cached in
``bench/out/quality/VARIANT/fold{K}.npz`` / ``.joblib`` (``QCV_OUT`` moves the folder); ``run``
skips folds present for the same folds, pages and recipe. Smoke test: ``--smoke-pages N`` (or
``QCV_SMOKE_PAGES=N``) keeps N random pages and caches under ``bench/out/quality/smokeN``.
"""

import argparse
import json
import os
import subprocess
import sys
import time
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from common import print_table, shared_file

from linesift.features.site import (SITE_LINE_PAGES, SITE_PAGES, count_site_lines,
                                    with_site_columns)
from linesift.frame import GROUP, PAGE, lines_frame, page_bounds
from linesift.labels import UNLABELLED_CODE as UNLABELLED
from linesift.recipe import DEFAULT_RECIPE, Recipe
from linesift.train.data import load_training_pages, source_weights, sources, training_table
from linesift.train.metrics import best_threshold, prf

ALL_SETS = ("big9_chaos", "cleaneval", "cleanportaleval", "daniel_a", "dragnet", "htmltotext",
            "l3s_gn1", "polish_sparse", "trafilatura_eval")
OUT_ROOT = Path(os.environ.get("QCV_OUT", Path(__file__).resolve().parent / "out" / "quality"))
MIN_ROW_LINES = 30
DANIEL_LANGS = ("en", "zh", "el", "pl", "ru")
REPORT_LANGS = ("en", "de", "zh", "ru", "el", "pl", "hr", "fr", "es")


@dataclass(frozen=True)
class Variant:
    """A training recipe and the sources left out of training (they are still scored)."""

    recipe: Recipe
    exclude: tuple = ()

    def as_dict(self):
        return {"recipe": self.recipe.as_dict(), "exclude": list(self.exclude)}


PREVIOUS_RECIPE = Recipe(unlabel_trailing_prose=True, balance_sources=0.5, page_relative=True,
                         ngram_min_sites=10)
"""The recipe shipped before issue 18: trailing prose unlabelled, sources balanced,
page-relative features, n-grams of 10+ sites; no site counts, alignment, glued lines or cues."""

_BASE = {
    "recipe": DEFAULT_RECIPE,
    "no_site": replace(DEFAULT_RECIPE, site_stats=False, site_single_share=0.0),
    "previous": PREVIOUS_RECIPE,
    "single_share_75": replace(DEFAULT_RECIPE, site_single_share=0.75),
    "no_span": replace(DEFAULT_RECIPE, article_span=False),
    "no_runs": replace(DEFAULT_RECIPE, line_runs=False),
    "teasers": replace(DEFAULT_RECIPE, teaser_runs=True),
    "no_refine": replace(DEFAULT_RECIPE, refine=False),
    "no_comments": replace(DEFAULT_RECIPE, comment_marks=False, comment_mentions=False),
    "no_mentions": replace(DEFAULT_RECIPE, comment_mentions=False),
}
VARIANTS = {name: Variant(recipe) for name, recipe in _BASE.items()}
VARIANTS.update({f"{name}_no_daniel": Variant(recipe, ("daniel_a",))
                 for name, recipe in _BASE.items()})
"""Variant name -> Variant."""


def smoke_pages(value=None):
    """The smoke-test page count: `value` if given, else ``QCV_SMOKE_PAGES`` (0: all pages)."""
    return int(value if value is not None else os.environ.get("QCV_SMOKE_PAGES", "0") or 0)


def out_dir(smoke=0):
    """Cache folder: ``OUT_ROOT``, or ``OUT_ROOT/smokeN`` for a smoke test of N pages."""
    return OUT_ROOT / f"smoke{smoke}" if smoke else OUT_ROOT


def _make_dir(folder):
    """Create `folder`; ``OUT_ROOT`` gets a ``.gitignore`` of ``*`` (itself included), so the
    cached models and scores never end up in a commit (bench/out is not git-ignored)."""
    folder.mkdir(parents=True, exist_ok=True)
    ignore = OUT_ROOT / ".gitignore"
    if not ignore.exists():
        ignore.write_text("*\n")


# --- data -------------------------------------------------------------------------------------

def load_all(smoke=0):
    """All shared pages (`smoke` random ones when > 0) and the same pages with the scoring
    labels (aligned with the settled definition)."""
    from linesift.train.align import align_with_definition

    pages = load_training_pages([shared_file(n) for n in ALL_SETS])
    if smoke:
        keep = np.random.default_rng(0).choice(len(pages), smoke, replace=False)
        pages = [pages[i] for i in sorted(keep)]
    aligned, _ = align_with_definition(pages)
    return pages, aligned


def page_folds(pages, k):
    """Fold of each page: GroupKFold over sites (domain, else page id); deterministic."""
    from sklearn.model_selection import GroupKFold

    groups = np.array([p.domain or p.id for p in pages], dtype=object)
    fold = np.empty(len(pages), dtype=np.int64)
    for i, (_, test) in enumerate(GroupKFold(n_splits=k).split(np.zeros(len(pages)),
                                                                 groups=groups)):
        fold[test] = i
    return fold


def recipe_training(pages, recipe):
    """What ``linesift train`` fits for `recipe` on `pages` (train_model's steps before CV).

    Builds the recipe's training table of the given pages
    (``linesift.train.prepare.prepare``), lowers ``ngram_min_sites`` on few sites, adds the
    site columns (``site_columns``) and the source weights.

    Returns
    -------
    pipeline (unfitted), frame, y, weights (or None)
    """
    from linesift.train import prepare
    from linesift.train.notes import Notes

    notes = Notes(progress=False)
    pages, frame, y, _ = prepare.prepare(list(pages), recipe, notes)
    n_sites = len(np.unique(frame[GROUP].to_numpy()))
    used = replace(recipe, ngram_min_sites=prepare.effective_ngram_min_sites(
        recipe.ngram_min_sites, n_sites, notes))
    pipeline = used.pipeline()
    frame = prepare.site_columns(pages, frame, pipeline, notes, recipe.site_single_share)
    weights = None
    if recipe.balance_sources and len(sources(pages)) > 1:
        weights = source_weights(pages, frame, y, recipe.balance_sources)
    return pipeline, frame, y, weights


# --- site columns -------------------------------------------------------------------------------

def site_columns_crawl(frame, pages):
    """Site columns counted over all `pages` together (a crawl, a whole input)."""
    return with_site_columns(frame, pages, count_site_lines(pages))


def site_columns_single(frame, pages):
    """Site columns counted over each page alone: what ``count_site_lines([page])`` gives
    (every line on 1 page; the site has 1 page, 0 without a domain), as `linesift filter`
    sees a single page."""
    out = frame.copy()
    has_domain = np.array([bool(p.domain) for p in pages])
    out[SITE_LINE_PAGES] = 1
    out[SITE_PAGES] = has_domain[frame[PAGE].to_numpy()].astype(np.int64)
    return out


# --- fold fits ----------------------------------------------------------------------------------

def _fingerprint(variant, k, n_pages):
    return json.dumps({**VARIANTS[variant].as_dict(), "k": k, "pages": n_pages}, sort_keys=True)


def fold_is_current(path, variant, k, n_pages, ignore=()):
    """True when `path` holds the fold of `variant` for these folds, pages and recipe (the
    recipe options in `ignore` may differ: a script that sets them itself at scoring time)."""
    if not path.exists():
        return False
    with np.load(path) as data:
        if "spec" not in data:
            return False
        stored = json.loads(str(data["spec"]))
    # a recipe option added after the fold was fitted is absent there: it had its default
    stored["recipe"] = {**Recipe().as_dict(), **stored.get("recipe", {})}
    wanted = json.loads(_fingerprint(variant, k, n_pages))
    for option in ignore:
        stored["recipe"].pop(option, None)
        wanted["recipe"].pop(option, None)
    return stored == wanted


def run_fold(variant, fold_index, k, smoke):
    """Train `variant` without fold `fold_index`, score that fold in both settings, save."""
    import joblib
    from threadpoolctl import threadpool_limits

    from linesift.train.cv import fit_and_score

    spec = VARIANTS[variant]
    start = time.perf_counter()
    pages, _ = load_all(smoke)
    fold = page_folds(pages, k)
    train = [p for p, f in zip(pages, fold) if f != fold_index
             and p.meta.get("source") not in spec.exclude]
    test_idx = np.flatnonzero(fold == fold_index)
    test = [pages[i] for i in test_idx]
    pipeline, frame, y, weights = recipe_training(train, spec.recipe)
    model, fit_seconds = fit_and_score(pipeline, frame, y, None, weights)
    with threadpool_limits(1):
        test_frame = lines_frame(test)
        if spec.recipe.site_stats:
            crawl = model.predict_proba(site_columns_crawl(test_frame, test))[:, 1]
            single = model.predict_proba(site_columns_single(test_frame, test))[:, 1]
        else:
            crawl = single = model.predict_proba(test_frame)[:, 1]
    folder = out_dir(smoke) / variant
    _make_dir(folder)
    joblib.dump(model, folder / f"fold{fold_index}.joblib", compress=3)
    np.savez_compressed(folder / f"fold{fold_index}.npz", pages=test_idx[test_frame[PAGE]],
                        line_no=test_frame["line_no"].to_numpy(), crawl=crawl, single=single,
                        seconds=time.perf_counter() - start, fit_seconds=fit_seconds,
                        training_lines=len(frame), k=k,
                        spec=_fingerprint(variant, k, len(pages)))
    return time.perf_counter() - start, len(frame)


def _n_pages(smoke):
    """Pages load_all gives (one page a line in the shared files), without parsing them."""
    import gzip

    if smoke:
        return smoke
    total = 0
    for name in ALL_SETS:
        with gzip.open(shared_file(name), "rb") as f:
            total += sum(1 for line in f if line.strip())
    return total


def run(args, smoke):
    """Each missing (variant, fold) in its own process, `args.jobs` at a time."""
    n_pages = _n_pages(smoke)
    folds = args.only_folds if args.only_folds is not None else range(args.folds)
    tasks = [(v, i) for v in args.variants for i in folds
             if not fold_is_current(out_dir(smoke) / v / f"fold{i}.npz", v, args.folds, n_pages)]
    print(f"{len(tasks)} fold fits to run ({n_pages:,} pages, {args.folds} folds, "
          f"{args.jobs} at a time)", file=sys.stderr, flush=True)
    running, failed = [], []
    while tasks or running:
        while tasks and len(running) < args.jobs:
            v, i = tasks.pop(0)
            cmd = [sys.executable, __file__, "fold", "--variants", v, "--only-folds", str(i),
                   "--folds", str(args.folds), "--smoke-pages", str(smoke)]
            running.append((v, i, subprocess.Popen(cmd)))
        time.sleep(2)
        for item in list(running):
            if item[2].poll() is not None:
                running.remove(item)
                if item[2].returncode:
                    failed.append(item[:2])
                    print(f"{item[0]} fold {item[1]} failed ({item[2].returncode})",
                          file=sys.stderr, flush=True)
    if failed:
        sys.exit(f"{len(failed)} fold fit(s) failed: {failed}")


# --- scoring ------------------------------------------------------------------------------------

def line_positions(frame, pages, line_no):
    """The rows of `frame` (lines table of all pages) holding the lines (`pages`, `line_no`)."""
    key = frame[PAGE].to_numpy().astype(np.int64) * 1_000_000 + frame["line_no"].to_numpy()
    order = np.argsort(key)
    return order[np.searchsorted(key[order], np.asarray(pages) * 1_000_000 + line_no)]


def collect(variant, frame, k, smoke, n_pages):
    """The variant's held-out scores aligned with `frame` (lines table of all pages)."""
    out = {"crawl": np.full(len(frame), np.nan), "single": np.full(len(frame), np.nan)}
    for i in range(k):
        path = out_dir(smoke) / variant / f"fold{i}.npz"
        if not fold_is_current(path, variant, k, n_pages):
            raise SystemExit(f"{path} missing or for other folds / pages / recipe: run "
                             f"`quality.py run --variants {variant} --folds {k}`")
        with np.load(path) as data:
            at = line_positions(frame, data["pages"], data["line_no"])
            out["crawl"][at] = data["crawl"]
            out["single"][at] = data["single"]
    return out


def read_folds(description):
    """For the scripts that read a variant's folds without refitting: parse ``--variant`` and
    ``--folds``; the arguments, all shared pages, their lines table, labels and the variant's
    held-out scores (:func:`collect`)."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--variant", default="recipe")
    parser.add_argument("--folds", type=int, default=2)
    args = parser.parse_args()
    pages, aligned = load_all(0)
    frame, y = training_table(aligned)
    return args, pages, frame, y, collect(args.variant, frame, args.folds, 0, len(pages))


def baseline_keeps(pages, frame, smoke):
    """C4 line rules and jusText on lines for every line of `frame` (cached)."""
    from baselines import c4_page, justext_page

    path = out_dir(smoke) / "_baselines.npz"
    if path.exists():
        with np.load(path) as data:
            if len(data["c4"]) == len(frame):
                return {"C4": data["c4"], "jusText": data["justext"]}
    c4, jt = [], []
    texts = frame["text"].to_numpy()
    page_of = frame[PAGE].to_numpy()
    starts, ends = page_bounds(page_of)
    for s, e in zip(starts, ends):
        lines = list(texts[s:e])
        c4.append(c4_page(lines))
        jt.append(justext_page(lines, pages[page_of[s]].meta.get("lang")))
    c4, jt = np.concatenate(c4), np.concatenate(jt)
    _make_dir(path.parent)
    np.savez_compressed(path, c4=c4, justext=jt)
    return {"C4": c4, "jusText": jt}


def page_kind(page):
    """htmltotext's page kind (news / blog / forum, from its page names: its gold keeps forum
    posts and blog comments), polish_sparse's news / forum; '' elsewhere."""
    from linesift.train.align import is_forum_page

    if page.id.startswith("htmltotext:"):
        return page.id.split("/", 1)[-1].split("-", 1)[0]
    if page.meta.get("source") == "polish_sparse":
        return "forum" if is_forum_page(page) else "news"
    return ""


def row_masks(pages, frame, y):
    """(set, slice, mask) rows of the report."""
    page_of = frame[PAGE].to_numpy()
    source = np.array([p.meta.get("source") for p in pages], dtype=object)[page_of]
    lang = np.array([p.meta.get("lang") or "?" for p in pages], dtype=object)[page_of]
    kind = np.array([page_kind(p) for p in pages], dtype=object)[page_of]
    labelled = y != UNLABELLED
    rows = [("ALL", "all", labelled)]
    for name in ALL_SETS:
        in_set = labelled & (source == name)
        if not in_set.any():
            continue
        rows.append((name, "all", in_set))
        kinds = sorted(set(kind[in_set]) - {""})
        if len(kinds) > 1:
            rows += [(name, f"{k} pages", in_set & (kind == k)) for k in kinds]
        langs = sorted(set(lang[in_set]))
        if len(langs) > 1:
            rows += [(name, g, in_set & (lang == g)) for g in langs
                     if (in_set & (lang == g)).sum() >= MIN_ROW_LINES]
    for g in REPORT_LANGS:
        if (labelled & (lang == g)).any():
            rows.append(("all sets", g, labelled & (lang == g)))
    rows.append(("all sets", "not en", labelled & (lang != "en")))
    return rows


def site_macro_f1(pages, frame, y, keep, source="daniel_a", lang=None):
    """Mean over `source`'s sites of the site's content F1 (each site weighs the same)."""
    page_of = frame[PAGE].to_numpy()
    wanted = np.array([p.meta.get("source") == source and (lang is None
                                                           or p.meta.get("lang") == lang)
                       for p in pages])
    idx = np.flatnonzero(wanted[page_of] & (y != UNLABELLED))
    if not len(idx):
        return float("nan")
    site = np.array([p.domain or p.id for p in pages], dtype=object)[page_of[idx]]
    codes = np.unique(site, return_inverse=True)[1]
    scores = []
    for c in range(codes.max() + 1):
        sel = idx[codes == c]
        if y[sel].sum() or keep[sel].sum():
            scores.append(prf(y[sel], keep[sel], 1)[2])
    return float(np.mean(scores)) if scores else float("nan")


SHORT_CHARS = 80
"""A content line this short, dropped inside its article, is the issue-26 error kind: a list
item, a table row, a subhead, a one-line paragraph."""
ERROR_KINDS = ("content dropped", "  short, inside", "  longer, inside", "  article ends",
               "boilerplate kept", "  before article", "  after article", "  inside article",
               "  page without content")


def error_kinds(frame, y, keep):
    """Counts of each of ERROR_KINDS over the labelled lines. A page's article runs from its
    first to its last content line (gold labels); "inside" is strictly between them."""
    page_of = frame[PAGE].to_numpy()
    labelled = y != UNLABELLED
    content = labelled & (y == 1)
    row = np.arange(len(y))
    starts, ends = page_bounds(page_of)
    sizes = ends - starts
    big = len(y) + 1
    first = np.minimum.reduceat(np.where(content, row, big), starts)
    last = np.maximum.reduceat(np.where(content, row, -1), starts)
    first, last = np.repeat(first, sizes), np.repeat(last, sizes)
    has_article = last >= 0
    inside = has_article & (row > first) & (row < last)
    short = frame["text"].str.len().to_numpy() <= SHORT_CHARS
    dropped = content & (keep == 0)
    kept = labelled & (y == 0) & (keep == 1)
    counts = [dropped.sum(), (dropped & inside & short).sum(), (dropped & inside & ~short).sum(),
              (dropped & ~inside).sum(), kept.sum(), (kept & has_article & (row < first)).sum(),
              (kept & has_article & (row > last)).sum(), (kept & inside).sum(),
              (kept & ~has_article).sum()]
    return [int(c) for c in counts]


def report(variants, k, smoke, compact=False, json_out=None):
    pages, aligned = load_all(smoke)
    frame, y = training_table(aligned)
    base = baseline_keeps(pages, frame, smoke)
    rows = row_masks(pages, frame, y)
    results = {}
    for name in variants:
        scores = collect(name, frame, k, smoke, len(pages))
        mask = (y != UNLABELLED) & ~np.isnan(scores["crawl"])
        threshold = best_threshold(y[mask], scores["crawl"][mask])
        site = VARIANTS[name].recipe.site_stats
        # a page alone is kept at its own threshold, chosen the same way on the page scores
        alone = best_threshold(y[mask], scores["single"][mask]) if site else threshold
        res = results[name] = {"threshold": threshold, "threshold_alone": alone, "site": site}
        (out_dir(smoke) / name / "threshold.json").write_text(
            json.dumps({"threshold": threshold, "threshold_alone": alone, "k": k}))
        for setting in ("crawl", "single"):
            at = threshold if setting == "crawl" else alone
            keep = (np.nan_to_num(scores[setting], nan=0.0) >= at).astype(int)
            res[setting] = [prf(y[m], keep[m], 1) for _, _, m in rows]
            res[f"{setting}_errors"] = error_kinds(frame, y, keep)
            res[f"{setting}_daniel_sites"] = site_macro_f1(pages, frame, y, keep)
            for lang in DANIEL_LANGS:
                res[f"{setting}_daniel_sites_{lang}"] = site_macro_f1(pages, frame, y, keep,
                                                                      lang=lang)
    base_rows = {name: [prf(y[m], keep[m], 1) for _, _, m in rows] for name, keep in base.items()}
    base_sites = {name: site_macro_f1(pages, frame, y, keep) for name, keep in base.items()}
    base_sites_lang = {name: {lang: site_macro_f1(pages, frame, y, keep, lang=lang)
                              for lang in DANIEL_LANGS} for name, keep in base.items()}
    if json_out:
        Path(json_out).write_text(json.dumps({"rows": [(a, b, int(m.sum())) for a, b, m in rows],
                                              "baselines": base_rows, "results": results}))
    print(f"{len(pages):,} pages{f' (smoke test: {smoke} random pages)' if smoke else ''}, "
          f"{k} site-grouped folds; content F1 on labelled lines (aligned labels)")
    if compact:
        _print_compact(rows, results, base_rows)
    else:
        for variant in variants:
            _print_variant(variant, rows, results[variant], base_rows)
    _print_sites(results, base_sites, base_sites_lang)
    _print_errors(results)


def _print_errors(results):
    print(f"\nErrors by kind, all sets, labelled lines (short: at most {SHORT_CHARS} "
          "characters; a page's article runs from its first to its last content line):")
    rows = [{"kind": kind, **{f"{name} {setting}": res[f"{key}_errors"][i]
                              for name, res in results.items()
                              for setting, key in (("crawl", "crawl"), ("page", "single"))}}
            for i, kind in enumerate(ERROR_KINDS)]
    print_table(rows, list(rows[0]))


def _print_variant(variant, rows, res, base_rows):
    print(f"\n### {variant} (threshold {res['threshold']:.2f}, pages alone "
          f"{res['threshold_alone']:.2f}"
          f"{'' if res['site'] else '; no site counts: page = crawl'})\n")
    out = []
    for i, (name, part, m) in enumerate(rows):
        cp, cr, cf = res["crawl"][i]
        sp, sr, sf = res["single"][i]
        out.append({"set": name, "slice": part, "lines": int(m.sum()),
                    "C4": base_rows["C4"][i][2], "jusText": base_rows["jusText"][i][2],
                    "crawl P": cp, "crawl R": cr, "crawl F1": cf,
                    "page P": sp, "page R": sr, "page F1": sf})
    print_table(out, ["set", "slice", "lines", "C4", "jusText", "crawl P", "crawl R",
                      "crawl F1", "page P", "page R", "page F1"])


def _print_compact(rows, results, base_rows):
    """F1 only: one column per variant and setting (page only for site variants)."""
    out = []
    for i, (name, part, m) in enumerate(rows):
        row = {"set": name, "slice": part, "lines": int(m.sum()),
               "C4": base_rows["C4"][i][2], "jusText": base_rows["jusText"][i][2]}
        for variant, res in results.items():
            row[f"{variant} crawl"] = res["crawl"][i][2]
            if res["site"]:
                row[f"{variant} page"] = res["single"][i][2]
        out.append(row)
    columns = ["set", "slice", "lines", "C4", "jusText"]
    for variant, res in results.items():
        columns.append(f"{variant} crawl")
        if res["site"]:
            columns.append(f"{variant} page")
    print()
    print_table(out, columns)
    print("thresholds (crawl / page alone): " + ", ".join(
        f"{v} {r['threshold']:.2f} / {r['threshold_alone']:.2f}" for v, r in results.items()))


def _print_sites(results, base_sites, base_sites_lang):
    print("\ndaniel_a by language, mean of per-site content F1 (each site weighs the same; "
          "variants: crawl / page):")
    rows = [{"variant": name, **{lang: base_sites_lang[name][lang] for lang in DANIEL_LANGS},
             "all": base_sites[name]} for name in base_sites]
    for name, res in results.items():
        rows.append({"variant": name, **{
            lang: f"{res[f'crawl_daniel_sites_{lang}']:.3f} / "
                  f"{res[f'single_daniel_sites_{lang}']:.3f}" for lang in DANIEL_LANGS},
            "all": f"{res['crawl_daniel_sites']:.3f} / {res['single_daniel_sites']:.3f}"})
    print_table(rows, ["variant", *DANIEL_LANGS, "all"])


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("command", choices=["run", "report", "fold"],
                        help="run: fit the missing folds; report: print the tables; "
                             "fold: fit one fold (what run starts)")
    parser.add_argument("--variants", nargs="+", default=["recipe"],
                        help=f"known: {', '.join(VARIANTS)}")
    parser.add_argument("--folds", type=int, default=2)
    parser.add_argument("--jobs", type=int, default=1, help="fold fits side by side")
    parser.add_argument("--only-folds", type=int, nargs="*", default=None)
    parser.add_argument("--compact", action="store_true", help="F1 only, variants side by side")
    parser.add_argument("--smoke-pages", type=int, default=None,
                        help="keep this many random pages (default QCV_SMOKE_PAGES, 0: all)")
    parser.add_argument("--json", default=None, help="also write the figures to this file")
    args = parser.parse_args()
    unknown = [v for v in args.variants if v not in VARIANTS]
    if unknown:
        sys.exit(f"unknown variants {unknown}; known: {', '.join(VARIANTS)}")
    smoke = smoke_pages(args.smoke_pages)
    if args.command == "fold":
        if not args.only_folds or len(args.variants) != 1:
            sys.exit("fold: one variant and one --only-folds index")
        seconds, lines = run_fold(args.variants[0], args.only_folds[0], args.folds, smoke)
        print(f"{args.variants[0]} fold {args.only_folds[0]}: {seconds:.0f} s "
              f"({lines:,} training lines)", file=sys.stderr, flush=True)
    elif args.command == "run":
        run(args, smoke)
    else:
        report(args.variants, args.folds, smoke, args.compact, args.json)


if __name__ == "__main__":
    main()
