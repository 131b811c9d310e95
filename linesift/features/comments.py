"""Marks of a comment section (:mod:`linesift.columns.comments`)."""

from ..columns.comments import NAMES, comment_columns
from ..frame import PAGE, TEXT
from .base import FrameStep, line_token_hashes


class CommentMarks(FrameStep):
    """Whether a line is a comment header or a commenter's line, how many such lines came
    before it on its page, and how dense time-stamped lines are around it: comments under an
    article read like prose, and what came before them gives them away
    (:mod:`linesift.columns.comments`)."""

    def _feature_names(self):
        return list(NAMES)

    def _features(self, X):
        return X, comment_columns(X[TEXT].tolist(), X[PAGE].to_numpy(), *line_token_hashes(X))
