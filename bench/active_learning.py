"""Simulated labelling: which pages to label next, measured with the gold labels as annotator.

A team's crawl: the sites of ``bench/adapt.py`` (every shared site with 15 pages or more) in
one half (sha256 of the site), with the base that never saw them (``bench/out/adapt/base{h}``).
Each site's pages are shuffled (seeded); the first half of them is the pool the team labels
from, the rest is held out. Labelling starts from the same 3 random pool pages for every
strategy; each round adds pages chosen by

- ``random``: a seeded sample (the control),
- ``uncertain``: the pages where the current model expects most wrong lines, one page per site
  before any site's second (:func:`linesift.annotate.select.select_pages`),
- ``diverse``: languages and sites in turn,

then learns on top of the base as ``linesift train --base`` does
(:func:`linesift.train.fit.train_on_base`: site memory, adapter, the decision by page-grouped
CV) and scores content F1 on the held-out pages, each site's filtered together. The full-data
figure learns from the whole pool. The table gives, per strategy, the pages and labelled lines
it needed to reach 95 % of the full-data F1. It also checks the expected wrong lines that
``uncertain`` ranks by against the wrong lines the pages really have.

    python bench/active_learning.py                       # half 0, seeds 0 1 2
    python bench/active_learning.py --half 1 --seeds 0 --png curve.png
"""

import argparse
import json
import time

import numpy as np

from adapt import OUT, base_dir, half, site_pages, team_sites, train_bases
from common import print_table

from linesift.annotate.select import expected_wrong_lines, select_pages
from linesift.features.site import count_site_lines
from linesift.sift import Sifter, load

SCHEDULE = (3, 5, 8, 10, 15, 20, 30, 40, 60)
TARGET = 0.95
STRATEGIES = ("random", "uncertain", "diverse")


def log(message):
    print(message, flush=True)


def split(by_site, seed):
    """The pool (first half of each site's shuffled pages) and the held-out pages by site."""
    pool, held = [], {}
    for site, pages in sorted(by_site.items()):
        order = list(pages)
        np.random.default_rng(seed).shuffle(order)
        cut = len(order) // 2
        pool += order[:cut]
        held[site] = order[cut:]
    return pool, held


def score(sifter, held):
    """Pooled content F1 over the held-out pages, each site's filtered together."""
    pages = [p for site in sorted(held) for p in held[site]]
    truth, proba = [], []
    for site in sorted(held):
        for sifted in sifter.sift_pages(held[site], site_stats=count_site_lines(held[site])):
            for label, s in zip(sifted.page.labels, sifted.scores):
                if label is not None and s is not None:
                    truth.append(label == "content")
                    proba.append(s)
    truth, proba = np.asarray(truth), np.asarray(proba) >= sifter.threshold
    tp = (truth & proba).sum()
    return float(2 * tp / max(truth.sum() + proba.sum(), 1)), len(pages)


def learn(chosen, base):
    from linesift.train.fit import train_on_base

    adaptation, _ = train_on_base(chosen, base, progress=False)
    return Sifter(adaptation.pipeline, {"threshold": adaptation.threshold},
                  memory=adaptation.memory)


def labelled_lines(pages):
    return sum(sum(label is not None for label in page.labels) for page in pages)


def wrong_lines(sifter, pages):
    """Expected and actual wrong lines of each page under `sifter` (its site's pool pages
    filtered together)."""
    by_site = {}
    for page in pages:
        by_site.setdefault(page.domain, []).append(page)
    out = []
    for site_pages_ in by_site.values():
        for sifted in sifter.sift_pages(site_pages_, site_stats=count_site_lines(site_pages_)):
            actual = sum((s >= sifter.threshold) != (label == "content")
                         for label, s in zip(sifted.page.labels, sifted.scores)
                         if label is not None and s is not None)
            out.append((expected_wrong_lines(sifted, sifter.threshold), actual))
    return out


def simulate(pool, held, strategy, base, seed, schedule):
    rng = np.random.default_rng(seed)
    order = [int(i) for i in rng.permutation(len(pool))]
    chosen = order[:schedule[0]]
    points, model, calibration = [], None, []
    for n in schedule:
        if n > len(pool):
            break
        if len(chosen) < n:
            rest = [i for i in range(len(pool)) if i not in set(chosen)]
            candidates = [pool[i] for i in rest]
            sifted = _sifted_in_order(model, candidates) if strategy == "uncertain" else None
            picks = select_pages(candidates, strategy, n - len(chosen), sifted=sifted,
                                 threshold=model.threshold, seed=seed + n)
            if strategy == "uncertain":
                calibration += wrong_lines(model, [candidates[k] for k in picks])
            chosen += [rest[k] for k in picks]
        start = time.perf_counter()
        model = learn([pool[i] for i in chosen], base)
        f1, _ = score(model, held)
        points.append({"pages": n, "lines": labelled_lines([pool[i] for i in chosen]),
                       "f1": f1, "seconds": time.perf_counter() - start})
        log(f"  {strategy:<9} seed {seed} {n:>4} pages: F1 {f1:.3f}")
    return points, calibration


def _sifted_in_order(model, pages):
    """The model's verdicts on `pages`, each site's pages filtered together, in `pages`' order."""
    by_site = {}
    for k, page in enumerate(pages):
        by_site.setdefault(page.domain, []).append(k)
    out = [None] * len(pages)
    for ks in by_site.values():
        group = [pages[k] for k in ks]
        for k, sifted in zip(ks, model.sift_pages(group, site_stats=count_site_lines(group))):
            out[k] = sifted
    return out


def needed(points, full_f1, key="pages", base_f1=None, share=TARGET):
    """The first point reaching `share` of the full-data F1 (with `base_f1`: `share` of the
    full-data gain over the base), or None."""
    goal = share * full_f1 if base_f1 is None else base_f1 + share * (full_f1 - base_f1)
    for point in points:
        if point["f1"] >= goal:
            return point[key]
    return None


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--half", type=int, default=0, choices=(0, 1))
    parser.add_argument("--strategies", nargs="+", default=list(STRATEGIES))
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--schedule", type=int, nargs="+", default=list(SCHEDULE))
    parser.add_argument("--png", default=str(OUT / "active_learning.png"))
    parser.add_argument("--save", default=str(OUT / "active_learning.json"))
    parser.add_argument("--report", action="store_true",
                        help="Only print the table and the figure of the curves saved.")
    args = parser.parse_args()
    sites = team_sites()
    train_bases(sites)
    base = base_dir(args.half)
    by_site = site_pages([s for s in sites if half(s) == args.half])
    curves, full, calibration, bases = {}, {}, {}, {}
    if args.report:
        with open(args.save) as fh:
            saved = json.load(fh)
        full = {int(k): v for k, v in saved["full"].items()}
        curves = {(k.split("|")[0], int(k.split("|")[1])): v for k, v in saved["curves"].items()}
        bases = {int(k): v for k, v in saved.get("base", {}).items()}
        return report(curves, full, bases, {}, args.png)
    for seed in args.seeds:
        pool, held = split(by_site, seed)
        log(f"seed {seed}: pool {len(pool)} pages of {len(by_site)} sites, "
            f"{labelled_lines(pool):,} labelled lines; held out {sum(map(len, held.values()))}")
        full[seed] = score(learn(pool, base), held)[0]
        bases[seed] = base_f1 = score(load(base), held)[0]
        log(f"  base {base_f1:.3f}, all {len(pool)} pool pages {full[seed]:.3f}")
        for strategy in args.strategies:
            curves[(strategy, seed)], calib = simulate(pool, held, strategy, base, seed,
                                                       args.schedule)
            calibration.setdefault(strategy, []).extend(calib)
            with open(args.save, "w") as fh:
                json.dump({"full": full, "base": bases,
                           "curves": {f"{k[0]}|{k[1]}": v for k, v in curves.items()}}, fh)
    report(curves, full, bases, calibration, args.png)


def report(curves, full, bases, calibration, png):
    rows = []
    for (strategy, seed), points in sorted(curves.items()):
        row = {"strategy": strategy, "seed": seed,
               **{f"F1@{p['pages']}": p["f1"] for p in points},
               "pages to 95%": needed(points, full[seed]),
               "lines to 95%": needed(points, full[seed], "lines")}
        if seed in bases:
            row["lines to half the gain"] = needed(points, full[seed], "lines", bases[seed],
                                                   0.5)
        rows.append(row)
    print()
    print_table(rows, list(dict.fromkeys(k for r in rows for k in r)))
    print("\nfull-data F1: " + ", ".join(f"seed {s} {f:.3f}" for s, f in full.items())
          + ("; base: " + ", ".join(f"seed {s} {f:.3f}" for s, f in bases.items())
             if bases else ""))
    for strategy in ("uncertain", "diverse"):
        for label, kwargs in (("95 % of the full-data F1", {}),
                              ("half the full-data gain over the base", {"share": 0.5})):
            ratios = []
            for seed in full:
                extra = dict(kwargs)
                if extra:
                    if seed not in bases:
                        continue
                    extra["base_f1"] = bases[seed]
                mine = needed(curves.get((strategy, seed), []), full[seed], "lines", **extra)
                control = needed(curves.get(("random", seed), []), full[seed], "lines",
                                 **extra)
                ratios.append(f"{mine / control:.2f}" if mine and control else
                              f"{mine or 'not reached'} against {control or 'not reached'}")
            if ratios:
                print(f"{strategy}: labelled lines to {label}, against random's: "
                      + ", ".join(ratios))
    at5 = {s: np.mean([p["f1"] for (st, _), pts in curves.items() if st == s for p in pts
                       if p["pages"] == 5]) for s in {st for st, _ in curves}}
    print("F1 at 5 pages, mean over seeds: " + ", ".join(f"{s} {v:.3f}" for s, v in
                                                         sorted(at5.items())))
    pairs = calibration.get("uncertain")
    if pairs:
        expected, actual = np.array(pairs).T
        print(f"uncertain's picks: expected wrong lines per page {expected.mean():.1f}, "
              f"actual {actual.mean():.1f} (ratio {expected.sum() / max(actual.sum(), 1):.2f})")
    write_png(png, curves, full, bases)
    print(f"curve: {png}")


def write_png(path, curves, full, bases=None):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(8.5, 4.2))
    colours = {"random": "tab:grey", "uncertain": "tab:red", "diverse": "tab:blue"}
    for strategy, colour in colours.items():
        runs = [v for (s, _), v in curves.items() if s == strategy]
        if not runs:
            continue
        xs = [p["pages"] for p in runs[0]]
        ys = np.mean([[p["f1"] for p in r[:len(xs)]] for r in runs if len(r) >= len(xs)], axis=0)
        ax.plot(xs, ys, marker="o", color=colour, label=f"{strategy} (mean of {len(runs)})")
    mean_full = float(np.mean(list(full.values())))
    ax.axhline(mean_full, color="black", linestyle="--", label="all pool pages")
    ax.axhline(TARGET * mean_full, color="black", linestyle=":", label="95 % of it")
    if bases:
        ax.axhline(float(np.mean(list(bases.values()))), color="tab:grey", linestyle="-.",
                   label="the base, no labels")
    schedule = sorted({p["pages"] for v in curves.values() for p in v})
    ax.set(xscale="log", xlabel="labelled pages", ylabel="content F1, held-out pages",
           title="learning on the base (train --base)")
    ax.set_xticks(schedule, [str(x) for x in schedule])
    ax.xaxis.set_minor_locator(matplotlib.ticker.NullLocator())
    ax.grid(alpha=0.3, which="both")
    ax.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.01, 1.0))  # outside the data
    fig.tight_layout()
    fig.savefig(path, dpi=110)


if __name__ == "__main__":
    main()
