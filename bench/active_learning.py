"""Simulated labelling: which pages to label next, measured with the gold labels as annotator.

daniel_a (news in el, en, zh, ru, pl; no page of it is in the shipped model's training data) is
split by site (sha256 of the domain, :func:`simulate.site_half`): one half is the pool a team
labels from, the other half is held out, at most PER_SITE pages a site so that no large site
dominates the figure. Labelling starts from the same few random pages for every strategy; each
round adds pages chosen by

- ``random``: a seeded sample (the control),
- ``uncertain``: the pages where the current model expects most wrong lines
  (:func:`linesift.annotate.select.select_pages`),
- ``diverse``: languages and sites in turn,

then retrains (from scratch with the default recipe, or on top of the shipped model as
``train --base`` does; no cross-validation, threshold 0.5) and scores content F1 on the held-out
sites. The full-data figure trains on the whole pool. The table gives, per strategy, the pages
(and labelled lines) it needed to reach 95 % of the full-data F1.

    python bench/active_learning.py                        # both modes, seeds 0 1 2
    python bench/active_learning.py --modes base --seeds 0 --png curve.png
    # the two modes side by side in two processes, then one table and one figure:
    python bench/active_learning.py --modes scratch --save scratch.json &
    python bench/active_learning.py --modes base --save base.json; wait
    python bench/active_learning.py --merge scratch.json base.json --png curve.png
    # a rerun of one strategy beside the first run's: rename the first run's curves
    python bench/active_learning.py --merge scratch.json:uncertain=uncertain-v1 scratch2.json
"""

import json

import argparse
import time

import numpy as np

from common import print_table
from simulate import fit_pages, labelled_lines, score, shared_pages, site_half

from linesift.annotate.select import select_pages
from linesift.model import default_model_dir, load_pipeline

PER_SITE = 5
SCHEDULE = (3, 5, 8, 10, 15, 20, 30, 40, 60)
TARGET = 0.95
STRATEGIES = ("random", "uncertain", "diverse")


def split(pages):
    pool = [p for p in pages if site_half(p.domain) == 0]
    held, per_site = [], {}
    for page in sorted((p for p in pages if site_half(p.domain) == 1), key=lambda p: p.id):
        if per_site.get(page.domain, 0) < PER_SITE:
            per_site[page.domain] = per_site.get(page.domain, 0) + 1
            held.append(page)
    return pool, held


def simulate(pool, held, strategy, base, seed, schedule, log):
    """F1 on `held` after each round; the pages are chosen from `pool` by `strategy`."""
    rng = np.random.default_rng(seed)
    order = [int(i) for i in rng.permutation(len(pool))]
    chosen = order[:schedule[0]]
    points = []
    for n in schedule:
        if n > len(pool):
            break
        if len(chosen) < n:
            rest = [i for i in range(len(pool)) if i not in set(chosen)]
            picks = _pick([pool[i] for i in rest], strategy, n - len(chosen), model, seed + n)
            chosen += [rest[k] for k in picks]
        start = time.perf_counter()
        model = fit_pages([pool[i] for i in chosen], base=base)
        result = score(model, held)
        points.append({"pages": n, "lines": labelled_lines([pool[i] for i in chosen]),
                       "f1": result["f1"], "seconds": time.perf_counter() - start})
        log(f"  {strategy:<9} seed {seed} {n:>4} pages: F1 {result['f1']:.3f}")
    return points


def _pick(candidates, strategy, k, model, seed):
    sifted = list(model.sift_pages(candidates)) if strategy == "uncertain" else None
    return select_pages(candidates, strategy, k, sifted=sifted, threshold=model.threshold,
                        seed=seed)


def needed(points, full_f1, key="pages"):
    """The first point reaching TARGET of the full-data F1, or None."""
    for point in points:
        if point["f1"] >= TARGET * full_f1:
            return point[key]
    return None


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--modes", nargs="+", default=["scratch", "base"])
    parser.add_argument("--strategies", nargs="+", default=list(STRATEGIES))
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--schedule", type=int, nargs="+", default=list(SCHEDULE))
    parser.add_argument("--png", default="active_learning.png")
    parser.add_argument("--save", help="Also write the curves to this JSON file.")
    parser.add_argument("--merge", nargs="+", metavar="FILE[:STRATEGY=NAME,...]",
                        help="Only print and plot curves saved by --save; STRATEGY=NAME "
                             "renames a strategy's curves of that file (a curve of the same "
                             "mode, strategy and seed in two files is refused).")
    args = parser.parse_args()
    if args.merge:
        curves, full = merge_saved(args.merge, parser.error)
        return report(curves, full, args.png)
    log = lambda m: print(m, flush=True)  # noqa: E731
    pool, held = split(shared_pages("daniel_a"))
    log(f"pool: {len(pool)} pages of {len({p.domain for p in pool})} sites, "
        f"{labelled_lines(pool):,} labelled lines; held out: {len(held)} pages of "
        f"{len({p.domain for p in held})} sites")
    base_pipeline, _ = load_pipeline(default_model_dir())
    curves, full, rows = {}, {}, []
    for mode in args.modes:
        base = base_pipeline if mode == "base" else None
        start = time.perf_counter()
        full[mode] = score(fit_pages(pool, base=base), held)["f1"]
        log(f"{mode}: all {len(pool)} pool pages, F1 {full[mode]:.3f} "
            f"({time.perf_counter() - start:.0f} s)")
        for strategy in args.strategies:
            for seed in args.seeds:
                curves[(mode, strategy, seed)] = simulate(pool, held, strategy, base, seed,
                                                          args.schedule, log)
                if args.save:
                    with open(args.save, "w") as fh:
                        json.dump({"full": full, "curves": {"|".join(map(str, k)): v
                                                            for k, v in curves.items()}}, fh)
    report(curves, full, args.png)


def merge_saved(specs, error):
    """The curves and full-data F1s of the files saved by --save, as ``FILE`` or
    ``FILE:STRATEGY=NAME[,STRATEGY=NAME]``; `error` is called with a message when two files hold
    the same (mode, strategy, seed)."""
    curves, source, full = {}, {}, {}
    for spec in specs:
        path, renames = spec, {}
        head, sep, tail = spec.rpartition(":")
        if sep and head and "=" in tail:
            path, renames = head, dict(pair.split("=", 1) for pair in tail.split(","))
        with open(path) as fh:
            saved = json.load(fh)
        for key, points in saved["curves"].items():
            mode, strategy, seed = key.split("|")
            key = (mode, renames.get(strategy, strategy), int(seed))
            if key in curves:
                error(f"{path} and {source[key]} both hold the curve {'|'.join(map(str, key))};"
                      f" rename one with FILE:{key[1]}=OTHER_NAME")
            curves[key], source[key] = points, path
        full.update(saved["full"])
    return curves, full


def report(curves, full, png):
    """Print the table (F1 after each round, pages and lines to 95 %) and save the figure."""
    rows = []
    for (mode, strategy, seed), points in sorted(curves.items()):
        rows.append({"mode": mode, "strategy": strategy, "seed": seed,
                     **{f"F1@{p['pages']}": p["f1"] for p in points},
                     "pages to 95%": needed(points, full[mode]),
                     "lines to 95%": needed(points, full[mode], "lines")})
    print()
    print_table(rows, list(dict.fromkeys(k for r in rows for k in r)))
    print("\nfull-data F1: " + ", ".join(f"{m} {f:.3f}" for m, f in full.items()))
    write_png(png, curves, full)
    print(f"curve: {png}")


def write_png(path, curves, full):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    modes = sorted({m for m, _, _ in curves})
    fig, axes = plt.subplots(1, len(modes), figsize=(5.5 * len(modes), 4.2), squeeze=False)
    colours = {"random": "tab:grey", "uncertain": "tab:red", "diverse": "tab:blue"}
    for strategy in sorted({s for _, s, _ in curves} - set(colours)):
        colours[strategy] = f"C{len(colours) + 1}"  # e.g. a variant saved under another name
    lowest = 1.0
    for ax, mode in zip(axes[0], modes):
        for strategy in colours:
            runs = [v for (m, s, _), v in curves.items() if m == mode and s == strategy]
            if not runs:
                continue
            xs = [p["pages"] for p in runs[0]]
            ys = np.mean([[p["f1"] for p in r[:len(xs)]] for r in runs if len(r) >= len(xs)],
                         axis=0)
            lowest = min(lowest, float(np.min(ys)))
            ax.plot(xs, ys, marker="o", color=colours[strategy],
                    label=f"{strategy} (mean of {len(runs)})")
        ax.axhline(full[mode], color="black", linestyle="--", label="all pool pages")
        ax.axhline(TARGET * full[mode], color="black", linestyle=":", label="95 % of it")
        ax.set(xscale="log", xlabel="labelled pages", ylabel="content F1, held-out sites",
               title={"scratch": "trained from scratch", "base": "learned on the shipped model"}
               .get(mode, mode))
        schedule = sorted({p["pages"] for (m, _, _), v in curves.items() if m == mode for p in v})
        ax.set_xticks(schedule, [str(x) for x in schedule])  # not 3x10^0 on the log axis
        ax.xaxis.set_minor_locator(matplotlib.ticker.NullLocator())
        ax.grid(alpha=0.3, which="both")
        ax.legend(fontsize=8, loc="lower right")
    for ax in axes[0]:  # one scale for both panels, below the lowest mean leaving legend room
        ax.set_ylim(max(0.0, np.floor((lowest - 0.15) * 20) / 20), 1.0)
    fig.tight_layout()
    fig.savefig(path, dpi=110)


if __name__ == "__main__":
    main()
