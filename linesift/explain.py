"""`linesift explain`: why each line was kept or dropped.

For each line: the final P(content), the decision, stage one's context-free score, and the
stage-one features that pushed the score most (coefficient × standardised value for dense
features; the weights of the word n-grams present are summed into one ``text_ngrams`` entry).
"""

SNIPPET_CHARS = 70
HEADER = f"{'line':>5} {'P':>5} {'stage1':>6} keep  top features   | text"


def explain_rows(sifted):
    """Yield one printable row per line of a page sifted with ``reasons`` (the header first)."""
    yield HEADER
    for line_no, line in enumerate(sifted.page.lines):
        score = sifted.scores[line_no]
        if score is None:
            yield f"{line_no:>5} {'':>5} {'':>6} {'':4}  (blank)"
            continue
        why = ", ".join(f"{name} {value:+.2f}" if " " in name else f"{name}{value:+.2f}"
                        for name, value in sifted.reasons[line_no])
        keep = "yes" if sifted.keep[line_no] else "no"
        snippet = line if len(line) <= SNIPPET_CHARS else line[:SNIPPET_CHARS - 3] + "..."
        yield (f"{line_no:>5} {score:5.2f} {sifted.stage1[line_no]:6.2f} {keep:4}  {why} | "
               f"{snippet}")


def drop_reason(sifted, line_no):
    """The feature that pushed a line's stage-one score furthest towards boilerplate (or, when
    none did, the one that moved it most), as ``(name, contribution)``."""
    reasons = sifted.reasons[line_no] or [("text_ngrams", 0.0)]
    return min(reasons, key=lambda item: item[1])
