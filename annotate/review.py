"""Pages whose labels an audit flagged, pushed to a review project pre-filled with their labels.

The reviewer sees each page as it was labelled (the pre-fill is the labels, not a model's
guess). In the ``runs`` layout a line's number is followed by the audit model's confidence in
the line's label when that confidence is low, so the flagged lines stand out; the reviewer
corrects what is wrong and submits, and ``annotate pull`` gives the reviewed labels back.
"""

from linesift.labels import CONTENT, DEFAULT_THRESHOLD
from linesift.sift import SiftedPage

from .push import push_pages


class LabelsPrefill:
    """Stands in for a model in :func:`annotate.push.push_pages`: its "verdicts" are the pages'
    labels, and its scores the audit's out-of-fold P(content).

    Parameters
    ----------
    scores : dict
        ``{page id: {line_no: P(content)}}`` (:func:`linesift.train.audit.page_scores`).
    version : str
        Stamped on the pre-fills (``labels:<file>``).
    """

    threshold = DEFAULT_THRESHOLD

    def __init__(self, scores, version):
        self.scores = scores
        self.version = version

    def sift_pages(self, pages):
        for page in pages:
            labels = page.labels or [None] * len(page.lines)
            own = self.scores.get(page.id, {})
            scores, keep = [], []
            for line_no, line in enumerate(page.lines):
                p = own.get(line_no)
                label = labels[line_no]
                kept = (label == CONTENT) if label is not None else (p or 0.0) >= self.threshold
                if p is None and line.strip():
                    p = 1.0 if kept else 0.0
                scores.append(p if line.strip() else None)
                keep.append(kept if line.strip() else False)
            yield SiftedPage(page=page, scores=scores, keep=keep)


def push_for_review(server, pages, scores, project, *, source="labels", layout=None,
                    progress=True):
    """Push `pages` (labelled, e.g. the audit's flagged pages) to `project` for review.

    Returns
    -------
    annotate.push.PushSummary
    """
    prefill = LabelsPrefill(scores, f"labels:{source}")
    return push_pages(server, pages, project, layout=layout, sifter=prefill, progress=progress)
