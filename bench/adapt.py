"""A few labelled pages of a site, against the model that never saw it: `train --base` and from
scratch, with 5 and 10 pages, and the ceiling of a site's labels.

Every site of ``../shared/data`` with at least MIN_PAGES pages (its ``domain``, over all sets)
is a "team": its pages are shuffled (seeds 0, 1, 2), the first 5 or 10 are labelled, and the
site's pages from the 11th on are held out. A shipped model has trained on these sites, so the
base here is one that never saw them: the sites are split in two halves (sha256 of the site
name without ``www.`` and with its registered domain, so ``nypost.com`` and ``www.nypost.com``
are one site), and each half is scored with a base trained exactly as ``make default-model``
trains the shipped one (``linesift train --folds 2``) on every shared page except that half's
sites (``bench/out/adapt/base{0,1}``, trained on first use: about 15 minutes each on this
machine's 2 cores). Labels are the shared labels aligned with the settled definition (as the
default model is scored), used both to train (the team labels by the definition) and to score.

For each site, seed and size: the base alone, ``train --base`` (:func:`linesift.train.fit.
train_on_base`, what ``linesift train --base`` runs) and, with ``--scratch``, the recipe from
scratch (``linesift train`` without ``--base``, 5-fold CV). Content F1 of the held-out pages
pooled, filtered together (**crawl**: site repetition counted over them, as ``linesift filter``
counts its input) and each page alone (**page**). Sites with at least CEILING_PAGES pages also
get the ceiling: ``--base`` on all but the last 10 pages of the shuffle, scored on those 10,
with the 5- and 10-page models scored on the same 10 for the share of the ceiling's gain.

    python bench/adapt.py                      # every site, seeds 0 1 2, 5 and 10 pages
    python bench/adapt.py --sites www.express.gr udn.com --seeds 0
    python bench/adapt.py --scratch            # also from scratch (a few minutes more per site)
    python bench/adapt.py --cpu                # CPU of the whole command, 5 pages (and --curve)

Results are cached per (site, seed, size, method) in ``bench/out/adapt/results.jsonl`` under
the fingerprint of the code that decides (``--fresh`` ignores the cache).
"""

import argparse
import gzip
import hashlib
import json
import sys
import time
from collections import Counter
from pathlib import Path

import numpy as np

from common import ROOT, SHARED_DATA, print_table

from linesift.features.site import count_site_lines
from linesift.labels import label_code
from linesift.sift import Sifter, load
from linesift.train.metrics import line_metrics

SETS = ("big9_chaos", "cleaneval", "cleanportaleval", "daniel_a", "dragnet", "htmltotext",
        "l3s_gn1", "polish_sparse", "trafilatura_eval")
MIN_PAGES = 15
CEILING_PAGES = 40
CEILING_HELD = 10
SIZES = (5, 10)
HELD_FROM = 10
"""A site's shuffled pages from this one on are held out, whatever the size trained on."""
OUT = ROOT / "bench" / "out" / "adapt"
CODE = ("linesift/adapter.py", "linesift/features/memory.py", "train/adapt.py", "train/fit.py",
        "linesift/sift.py", "bench/adapt.py")


def log(message):
    print(message, file=sys.stderr, flush=True)


def site_key(domain):
    """The site a domain belongs to: without ``www.``, its last two labels (three under a
    two-letter country's ``co``/``com``/``org``... second level)."""
    labels = (domain or "").lower().split(".")
    if labels and labels[0] == "www":
        labels = labels[1:]
    n = 3 if (len(labels) >= 3 and len(labels[-1]) == 2
              and labels[-2] in {"co", "com", "org", "net", "ac", "gov", "edu"}) else 2
    return ".".join(labels[-n:])


def half(domain):
    return int(hashlib.sha256(site_key(domain).encode()).hexdigest(), 16) % 2


def shared_records():
    for name in SETS:
        with gzip.open(SHARED_DATA / f"{name}.jsonl.gz", "rt", encoding="utf-8") as fh:
            for line in fh:
                yield line


def team_sites():
    counts = Counter(json.loads(line)["domain"] for line in shared_records())
    return sorted(d for d, n in counts.items() if d and n >= MIN_PAGES)


def base_dir(h):
    return OUT / f"base{h}"


def train_bases(sites):
    """Train the two bases that never saw their half's sites (skipped when present and
    trained with today's DEFAULT_RECIPE; a base of another recipe is trained anew)."""
    import shutil
    import subprocess

    from linesift.recipe import DEFAULT_RECIPE

    OUT.mkdir(parents=True, exist_ok=True)
    keys = {site_key(d) for d in sites}
    for h in (0, 1):
        card = base_dir(h) / "card.json"
        if card.exists():
            if json.loads(card.read_text()).get("recipe") == DEFAULT_RECIPE.as_dict():
                continue
            log(f"base{h} was trained with another recipe: training it anew")
            shutil.rmtree(base_dir(h))
        data = OUT / f"train_base{h}.jsonl.gz"
        with gzip.open(data, "wt", encoding="utf-8") as out:
            for line in shared_records():
                domain = json.loads(line)["domain"]
                if not (domain and site_key(domain) in keys and half(domain) == h):
                    out.write(line)
        log(f"training base{h} without its half's sites (about 15 minutes)")
        subprocess.run([sys.executable, "-m", "linesift.cli", "train", str(data), "-o",
                        str(base_dir(h)), "--name", f"base{h}", "--folds", "2", "--jobs", "2"],
                       check=True)


def site_pages(sites):
    """The pages of each site with the labels aligned with the definition, as a team's own
    pages (no ``source``: a team's labels are taken as given)."""
    from linesift.formats import read_labelled_pages
    from linesift.train.align import align_with_definition

    pages = [p for p in read_labelled_pages([str(SHARED_DATA / f"{n}.jsonl.gz") for n in SETS])
             if p.domain in set(sites)]
    pages, _ = align_with_definition(pages)
    by_site = {}
    for page in pages:
        page.meta.pop("source", None)
        by_site.setdefault(page.domain, []).append(page)
    return {d: sorted(ps, key=lambda p: p.id) for d, ps in by_site.items()}


def f1_on(sifter, held, crawl=True):
    """Pooled content F1 of `sifter` on the labelled lines of `held`, filtered together
    (`crawl`) or each page alone."""
    y, p, page_of = [], [], []
    if crawl:
        sifted = sifter.sift_pages(held, site_stats=count_site_lines(held))
    else:
        sifted = (next(sifter.sift_pages([page], site_stats=count_site_lines([page])))
                  for page in held)
    for k, s in enumerate(sifted):
        for label, score in zip(s.page.labels, s.scores):
            if label is not None and score is not None:
                y.append(label_code(label))
                p.append(score)
                page_of.append(k)
    m = line_metrics(np.asarray(y), np.asarray(p), np.asarray(page_of), sifter.threshold)
    return round(m["content_f1"], 4)


def code_print():
    """The fingerprint of the code that decides and of the two bases it decides on (their
    cards hold the hashes of their files): a retrained base scores anew."""
    digest = hashlib.sha256()
    for name in CODE:
        digest.update((ROOT / name).read_bytes())
    for h in (0, 1):
        card = base_dir(h) / "card.json"
        if card.exists():
            digest.update(card.read_bytes())
    return digest.hexdigest()[:12]


class Cache:
    def __init__(self, path, fingerprint, fresh):
        self.path, self.fingerprint = path, fingerprint
        self.rows = {}
        if path.exists() and not fresh:
            for line in path.read_text().splitlines():
                row = json.loads(line)
                if row.get("code") == fingerprint:
                    self.rows[row["key"]] = row

    def get(self, key):
        return self.rows.get(key)

    def put(self, key, row):
        row = {"key": key, "code": self.fingerprint, **row}
        self.rows[key] = row
        with open(self.path, "a") as fh:
            fh.write(json.dumps(row) + "\n")
        return row


def train_base_model(pages, base, folds=5):
    """What ``linesift train PAGES --base BASE`` fits: ``(sifter, adaptation, cpu seconds)``."""
    from linesift.train.fit import train_on_base

    start = time.process_time()
    adaptation, card = train_on_base(pages, base, folds=folds, progress=False)
    seconds = time.process_time() - start
    return Sifter(adaptation.pipeline, {"threshold": adaptation.threshold},
                  memory=adaptation.memory), adaptation, seconds


def train_scratch(pages, folds=5):
    """What ``linesift train PAGES`` (no --base) fits, without saving."""
    import tempfile

    from linesift.formats import write_labelled_pages
    from linesift.train.fit import train_model

    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp) / "pages.jsonl"
        write_labelled_pages(pages, data)
        card = train_model([str(data)], Path(tmp) / "m", folds=folds, progress=False)
        return load(Path(tmp) / "m"), card


def run(args):
    global SIZES
    SIZES = tuple(args.sizes)
    sites = team_sites()
    train_bases(sites)
    chosen = args.sites or sites
    by_site = site_pages(chosen)
    bases = {h: load(base_dir(h)) for h in (0, 1)}
    cache = Cache(OUT / "results.jsonl", code_print(), args.fresh)
    rows = []
    for site in chosen:
        pages = by_site[site]
        base = bases[half(site)]
        base_path = base_dir(half(site))
        for seed in args.seeds:
            order = list(pages)
            np.random.default_rng(seed).shuffle(order)
            held = order[HELD_FROM:]
            ceiling = len(order) >= CEILING_PAGES
            held_c = order[-CEILING_HELD:]
            key = f"{site}|{seed}|default"
            row = cache.get(key) or cache.put(key, {
                "crawl": f1_on(base, held), "page": f1_on(base, held, crawl=False),
                "ceiling_held": f1_on(base, held_c) if ceiling else None})
            out = {"site": site, "seed": seed, "pages": len(pages),
                   "default": row["crawl"], "default page": row["page"],
                   "default c": row["ceiling_held"]}
            runs = [(n, order[:n]) for n in SIZES]
            if ceiling and not args.no_ceiling:
                runs.append(("ceiling", order[:-CEILING_HELD]))
            for n, labelled in runs:
                key = f"{site}|{seed}|{n}|base"
                row = cache.get(key)
                if row is None:
                    sifter, adaptation, seconds = train_base_model(labelled, base_path)
                    row = cache.put(key, {
                        "crawl": f1_on(sifter, held) if n != "ceiling" else None,
                        "page": f1_on(sifter, held, crawl=False) if n != "ceiling" else None,
                        "ceiling_held": f1_on(sifter, held_c) if ceiling else None,
                        "kept_base": adaptation.kept_base, "choice": adaptation.choice,
                        "cpu": round(seconds, 2)})
                if n == "ceiling":
                    out["ceiling"] = row["ceiling_held"]
                    continue
                out[f"{n}"] = row["crawl"]
                out[f"{n} page"] = row["page"]
                out[f"{n} c"] = row["ceiling_held"]
                out[f"{n} kept"] = row["kept_base"]
                out[f"{n} cpu"] = row["cpu"]
                if args.scratch:
                    key = f"{site}|{seed}|{n}|scratch"
                    srow = cache.get(key)
                    if srow is None:
                        sifter, _ = train_scratch(labelled)
                        srow = cache.put(key, {"crawl": f1_on(sifter, held),
                                               "page": f1_on(sifter, held, crawl=False)})
                    out[f"scratch {n}"] = srow["crawl"]
            rows.append(out)
            log(f"{site} seed {seed}: default {out['default']:.3f}, "
                + ", ".join(f"{n} {out[str(n)]:.3f}" for n in SIZES)
                + (f", ceiling {out['ceiling']:.3f}" if out.get("ceiling") else ""))
    report(rows, args.scratch)


def report(rows, scratch):
    sites = sorted({r["site"] for r in rows})
    sizes = [str(n) for n in SIZES]
    table = []
    for site in sites:
        sel = [r for r in rows if r["site"] == site]

        def mean(k):
            vals = [r[k] for r in sel if r.get(k) is not None]
            return float(np.mean(vals)) if vals else None

        row = {"site": site, "pages": sel[0]["pages"], "seeds": len(sel),
               "default": mean("default"), **{n: mean(n) for n in sizes},
               "default page": mean("default page"), **{f"{n} page": mean(f"{n} page")
                                                         for n in sizes},
               "kept base " + "/".join(sizes): "/".join(
                   str(sum(r[f"{n} kept"] for r in sel)) for n in sizes)}
        if scratch:
            row.update({f"scratch {n}": mean(f"scratch {n}") for n in sizes})
        if mean("ceiling") is not None:
            gain = mean("ceiling") - mean("default c")
            row["ceiling"] = mean("ceiling")
            for n in sizes:
                row[f"share {n}"] = (mean(f"{n} c") - mean("default c")) / gain if gain > 0 \
                    else None
        table.append(row)
    columns = list(dict.fromkeys(k for r in table for k in r))
    print_table(table, columns)
    print()
    for setting, suffix in (("crawl", ""), ("page", " page")):
        d = np.array([r["default" + suffix] for r in table])
        got = {n: np.array([r[n + suffix] for r in table]) for n in sizes}
        parts = [f"{n} pages {got[n].mean():.3f} ({(got[n] - d).mean():+.3f}, worst site "
                 f"{(got[n] - d).min():+.3f}, sites improved by > 0.005: "
                 f"{(got[n] - d > 0.005).mean():.0%})" for n in sizes]
        if "5" in got and "10" in got:
            parts.append(f"worst site 10 - 5: {(got['10'] - got['5']).min():+.3f}")
        print(f"{setting}: mean default {d.mean():.3f}; " + "; ".join(parts))
    shares = [r for r in table if r.get("ceiling") is not None]
    if shares:
        for n in sizes:
            values = [r.get(f"share {n}") for r in shares]
            print(f"ceiling share with {n} pages (sites with >= {CEILING_PAGES} pages): "
                  + ", ".join(f"{r['site']} {v:.0%}" if v is not None else f"{r['site']} -"
                              for r, v in zip(shares, values)))
    cpu = [r[f"{n} cpu"] for r in rows for n in sizes]
    print(f"train --base CPU seconds (in process, after imports): median "
          f"{np.median(cpu):.1f}, max {max(cpu):.1f}")


def command_cpu(sites, curve_sites):
    """CPU seconds of the whole `linesift train P --base B` command (process and children:
    imports, reading, fitting, writing) on 5 pages of each site (seed 0), and with --curve."""
    import resource
    import subprocess
    import tempfile

    from linesift.formats import write_labelled_pages

    by_site = site_pages(sites)
    rows = []
    for k, site in enumerate(sites):
        order = list(by_site[site])
        np.random.default_rng(0).shuffle(order)
        with tempfile.TemporaryDirectory() as tmp:
            data = Path(tmp) / "pages.jsonl"
            write_labelled_pages(order[:5], data)
            row = {"site": site, "lines": sum(len(p.lines) for p in order[:5])}
            for name, extra in (("cpu s", []), ("with --curve", ["--curve", f"{tmp}/c.png"])):
                if extra and k >= curve_sites:
                    continue
                before = resource.getrusage(resource.RUSAGE_CHILDREN)
                subprocess.run([sys.executable, "-m", "linesift.cli", "train", str(data),
                                "--base", str(base_dir(half(site))), "-o", f"{tmp}/m", *extra],
                               check=True, capture_output=True)
                after = resource.getrusage(resource.RUSAGE_CHILDREN)
                row[name] = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
            rows.append(row)
            log(f"{site}: {row}")
    print_table(rows, ["site", "lines", "cpu s", "with --curve"])
    cpu = [r["cpu s"] for r in rows]
    curve = [r["with --curve"] - r["cpu s"] for r in rows if "with --curve" in r]
    print(f"\ntrain --base on 5 pages, whole command: CPU median {np.median(cpu):.1f} s, max "
          f"{max(cpu):.1f} s over {len(cpu)} sites" + (
              f"; --curve adds median {np.median(curve):.1f} s, max {max(curve):.1f} s" if curve
              else ""))


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sites", nargs="+")
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--scratch", action="store_true",
                        help="Also train from scratch (the recipe, 5-fold CV).")
    parser.add_argument("--fresh", action="store_true", help="Ignore cached results.")
    parser.add_argument("--sizes", type=int, nargs="+", default=list(SIZES),
                        help="Labelled pages per site (at most %d)." % HELD_FROM)
    parser.add_argument("--no-ceiling", action="store_true",
                        help="Skip the ceiling runs (all but 10 pages of the large sites).")
    parser.add_argument("--cpu", type=int, nargs="?", const=8, metavar="CURVE_SITES",
                        help="Instead: CPU of the whole `linesift train --base` command on 5 "
                             "pages of each site, and with --curve on the first CURVE_SITES "
                             "(default 8).")
    args = parser.parse_args()
    if args.cpu is not None:
        sites = args.sites or team_sites()
        train_bases(sites)
        return command_cpu(sites, args.cpu)
    run(args)


if __name__ == "__main__":
    main()
