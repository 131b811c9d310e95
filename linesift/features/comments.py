"""Marks of a comment section (:mod:`linesift.columns.comments`)."""

from ..columns.comments import MENTION_NAMES, NAMES, comment_columns
from ..frame import PAGE, TEXT
from .base import FrameStep, line_token_hashes


class CommentMarks(FrameStep):
    """Whether a line is a comment header or a commenter's line, how many such lines came
    before it on its page, and how dense time-stamped lines are around it: comments under an
    article read like prose, and what came before them gives them away
    (:mod:`linesift.columns.comments`).

    Parameters
    ----------
    mentions : bool, default=False
        Also whether the line mentions comments in any wording, and how many lines before it
        on its page do (:data:`~linesift.columns.comments.MENTION_NAMES`).
    """

    def __init__(self, *, mentions=False):
        self.mentions = mentions

    def _feature_names(self):
        return list(NAMES) + (list(MENTION_NAMES) if self.mentions else [])

    def _features(self, X):
        return X, comment_columns(X[TEXT].tolist(), X[PAGE].to_numpy(), *line_token_hashes(X),
                                  mentions=self.mentions)
