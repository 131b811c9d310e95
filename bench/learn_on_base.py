"""Learning on top of the shipped model from a handful of a team's pages (`train --base`),
against training from scratch and against the shipped model alone.

A "team" is one site of daniel_a (news in el, en, zh, ru, pl; no daniel_a page is in the
shipped model's training data). Its pages are shuffled (seeded), the first half is the pool a
team labels from, the rest is held out. For n labelled pages and each seed, three models are
scored on the held-out pages: the default model, a model trained from scratch on the n pages
with the default recipe, and the default model with a model learned on top from the n pages.

    python bench/learn_on_base.py                             # express.gr, 5/10/30 pages
    python bench/learn_on_base.py --sites www.bbc.co.uk udn.com --pages 5 --seeds 0 1 2
"""

import argparse
import random
import time

import numpy as np

from common import print_table
from simulate import fit_pages, score, shared_pages

import linesift
from linesift.model import default_model_dir, load_pipeline

EXPRESS = "www.express.gr"


def team_split(pages, site, seed, pool_share=0.5, pool_max=30):
    own = sorted((p for p in pages if p.domain == site), key=lambda p: p.id)
    random.Random(seed).shuffle(own)
    cut = min(pool_max, int(len(own) * pool_share)) if site != EXPRESS else 30
    return own[:cut], own[cut:]


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sites", nargs="+", default=[EXPRESS])
    parser.add_argument("--pages", type=int, nargs="+", default=[5, 10, 30])
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    args = parser.parse_args()
    pages = shared_pages("daniel_a")
    base, _ = load_pipeline(default_model_dir())
    default = linesift.load()
    rows = []
    for site in args.sites:
        for seed in args.seeds:
            pool, held = team_split(pages, site, seed)
            base_f1 = score(default, held)["f1"]
            for n in args.pages:
                if n > len(pool):
                    continue
                row = {"site": site, "seed": seed, "pages": n, "held out": len(held),
                       "default": base_f1}
                for name, on in (("scratch", None), ("--base", base)):
                    start = time.perf_counter()
                    model = fit_pages(pool[:n], base=on)
                    row[f"{name} s"] = round(time.perf_counter() - start, 1)
                    row[name] = score(model, held)["f1"]
                rows.append(row)
                print_table(rows[-1:], list(row))
    print()
    print_table(rows, list(rows[0]))
    print("\nmeans over seeds:")
    summary = []
    for site in args.sites:
        for n in args.pages:
            sel = [r for r in rows if r["site"] == site and r["pages"] == n]
            if sel:
                summary.append({"site": site, "pages": n, "runs": len(sel),
                                 **{k: float(np.mean([r[k] for r in sel]))
                                    for k in ("default", "scratch", "--base")},
                                 "--base < default": sum(r["--base"] < r["default"] for r in sel),
                                 "--base < scratch": sum(r["--base"] < r["scratch"] for r in sel)})
    print_table(summary, list(summary[0]))


if __name__ == "__main__":
    main()
