"""A sequence model over a page's lines, measured on the site-grouped CV scores of quality.py.

Each line's held-out score from ``bench/quality.py run`` (the recipe's two-stage model) becomes
a unary ``logit(p) - bias``; a two-state (content / boilerplate) Viterbi pass over each page then
chooses the labels that maximise the summed unaries of the lines labelled content minus
``switch`` for every change of state. A short line between content lines stays content unless
its own score outweighs two switches; a stray line inside a run of boilerplate goes with it.

Parameters are cross-fitted: for each of the two folds, ``bias`` and ``switch`` (and, for the
baseline, the threshold alone) are chosen to maximise pooled content F1 on the *other* fold's
crawl scores, then applied to this fold in both settings (crawl, page alone). Content F1 per
set and language, as ``quality.py report`` gives it:

    python bench/quality.py run --variants recipe --folds 2 --jobs 2     # the scores
    python bench/sequence.py --variant recipe
"""

import argparse

import numpy as np

from common import print_table

from quality import collect, load_all, page_folds, row_masks
from linesift.frame import PAGE, page_bounds
from linesift.labels import UNLABELLED_CODE as UNLABELLED
from linesift.train.data import training_table
from linesift.train.metrics import prf

BIASES = np.linspace(-3.0, 3.0, 25)
SWITCHES = (0.0, 0.5, 1.0, 1.5, 2.0, 3.0, 4.0, 6.0)
BLOCK_PAGES = 512


def logit(p):
    p = np.clip(p, 1e-6, 1 - 1e-6)
    return np.log(p / (1 - p))


def viterbi(unary, starts, ends, switch):
    """The content (1) / boilerplate (0) labels of every line maximising, per page, the sum of
    `unary` over the lines labelled content minus `switch` per change of label. Pages are
    solved a block at a time, padded to the block's longest page (a padded position gains
    nothing, so the best path never changes state there)."""
    out = np.zeros(len(unary), dtype=np.int8)
    if switch <= 0:
        return (unary > 0).astype(np.int8)
    sizes = ends - starts
    order = np.argsort(sizes)
    for b in range(0, len(order), BLOCK_PAGES):
        block = order[b:b + BLOCK_PAGES]
        width = int(sizes[block].max())
        u = np.zeros((len(block), width))
        for r, p in enumerate(block):
            u[r, :sizes[p]] = unary[starts[p]:ends[p]]
        from_content = np.zeros((len(block), width), dtype=bool)  # best predecessor state
        from_boiler = np.zeros((len(block), width), dtype=bool)
        vc, vb = u[:, 0].copy(), np.zeros(len(block))
        for i in range(1, width):
            stay_c, move_c = vc, vb - switch
            stay_b, move_b = vb, vc - switch
            from_content[:, i] = stay_c >= move_c     # into content: came from content?
            from_boiler[:, i] = stay_b >= move_b      # into boilerplate: came from boilerplate?
            vc = np.maximum(stay_c, move_c) + u[:, i]
            vb = np.maximum(stay_b, move_b)
        state = (vc >= vb)
        labels = np.zeros((len(block), width), dtype=np.int8)
        for i in range(width - 1, -1, -1):
            labels[:, i] = state
            if i:
                state = np.where(state, from_content[:, i], ~from_boiler[:, i])
        for r, p in enumerate(block):
            out[starts[p]:ends[p]] = labels[r, :sizes[p]]
    return out


def best_params(y, unary, starts, ends, switches):
    """(bias, switch) maximising pooled content F1 of the labelled lines."""
    best = (-1.0, 0.0, 0.0)
    labelled = y != UNLABELLED
    for switch in switches:
        for bias in BIASES:
            keep = viterbi(unary - bias, starts, ends, switch)
            f1 = prf(y[labelled], keep[labelled], 1)[2]
            if f1 > best[0]:
                best = (f1, bias, switch)
    return best[1], best[2]


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--variant", default="recipe")
    parser.add_argument("--folds", type=int, default=2)
    args = parser.parse_args()
    pages, aligned = load_all()
    frame, y = training_table(aligned)
    scores = collect(args.variant, frame, args.folds, 0, len(pages))
    fold_of_page = page_folds(pages, args.folds)
    page_of = frame[PAGE].to_numpy()
    starts, ends = page_bounds(page_of)
    keeps = {}
    for method, switches in (("threshold", (0.0,)), ("viterbi", SWITCHES)):
        for setting in ("crawl", "single"):
            keeps[(method, setting)] = np.zeros(len(frame), dtype=np.int8)
        for f in range(args.folds):
            other = fold_of_page[page_of[starts]] != f
            sel_pages = np.flatnonzero(other)
            rows = np.concatenate([np.arange(starts[p], ends[p]) for p in sel_pages])
            sub_starts = np.cumsum(np.r_[0, (ends - starts)[sel_pages]])[:-1]
            sub_ends = sub_starts + (ends - starts)[sel_pages]
            bias, switch = best_params(y[rows], logit(scores["crawl"][rows]), sub_starts,
                                       sub_ends, switches)
            print(f"{method}, fold {f}: bias {bias:.2f}, switch {switch:.1f} (chosen on the "
                  "other fold)")
            mine = np.flatnonzero(fold_of_page[page_of[starts]] == f)
            for setting in ("crawl", "single"):
                kept = viterbi(logit(np.nan_to_num(scores[setting], nan=1e-6)) - bias, starts,
                               ends, switch)
                for p in mine:
                    keeps[(method, setting)][starts[p]:ends[p]] = kept[starts[p]:ends[p]]
    table = []
    for name, part, mask in row_masks(pages, frame, y):
        if part not in ("all", "en", "zh", "ru", "el", "pl", "de"):
            continue
        row = {"set": name, "slice": part, "lines": int(mask.sum())}
        for (method, setting), keep in keeps.items():
            row[f"{method} {setting}"] = prf(y[mask], keep[mask], 1)[2]
        table.append(row)
    print_table(table, list(table[0]))


if __name__ == "__main__":
    main()
