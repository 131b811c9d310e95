"""`linesift explain`: why each line was kept or dropped.

For each line: the final P(content), the decision, stage one's context-free score, and the
stage-one features that pushed the score most (coefficient × standardised value for dense
features; the weight of each hashed n-gram present is summed into one 'text' entry).
"""

import numpy as np

from .frame import lines_frame


def explain_page(sifter, page, top=3):
    """Yield one printable row per line of `page`."""
    pipeline = sifter.pipeline
    frame = lines_frame([page])
    enriched = pipeline[:-1].transform(frame)
    clf = pipeline[-1]
    final = clf.predict_proba(enriched)[:, 1]
    first = clf.first_stage_proba(enriched)
    contributions, names = _first_stage_contributions(clf, enriched)
    by_line = {int(n): i for i, n in enumerate(frame["line_no"])}
    yield f"{'line':>5} {'P':>5} {'stage1':>6} keep  top features   | text"
    for line_no, line in enumerate(page.lines):
        i = by_line.get(line_no)
        if i is None:
            yield f"{line_no:>5} {'':>5} {'':>6} {'':4}  (blank)"
            continue
        order = np.argsort(-np.abs(contributions[i]))[:top]
        why = ", ".join(f"{names[j]}{contributions[i, j]:+.2f}" for j in order)
        keep = "yes" if final[i] >= sifter.threshold else "no"
        snippet = line if len(line) <= 70 else line[:67] + "..."
        yield f"{line_no:>5} {final[i]:5.2f} {first[i]:6.2f} {keep:4}  {why} | {snippet}"


def _first_stage_contributions(clf, enriched):
    first = clf.first_
    features = first.named_steps["features"]
    coef = first.named_steps["logreg"].coef_.ravel()
    X = features.transform(enriched)
    X = X.tocsr() if hasattr(X, "tocsr") else np.asarray(X)
    text = features.named_transformers_.get("text")
    text_width = text.n_features_out_ if text is not None else 0
    text_part = np.asarray(X[:, :text_width].multiply(coef[:text_width]).sum(axis=1)).ravel()
    dense = X[:, text_width:]
    dense = dense.toarray() if hasattr(dense, "toarray") else np.asarray(dense)
    dense_contrib = dense * coef[text_width:]
    names = ["text_ngrams"] + list(clf.dense_columns_)
    return np.column_stack([text_part, dense_contrib]), names
