"""The labels a line can carry, their integer codes and the default decision threshold.

A line is labelled ``"content"``, ``"boilerplate"`` or ``None`` (not labelled: it is context
for its neighbours, never fitted on). Models and metrics work on integer codes: 1 content,
0 boilerplate, :data:`UNLABELLED_CODE` for None. Counts of labels name None
:data:`UNLABELLED_KEY`.
"""

CONTENT = "content"
BOILERPLATE = "boilerplate"
LABELS = (CONTENT, BOILERPLATE)

CONTENT_CODE = 1
BOILERPLATE_CODE = 0
UNLABELLED_CODE = -1
"""The code of a line without a label (``None``)."""
UNLABELLED_KEY = "unlabelled"
"""The name of unlabelled lines in label counts and summaries."""

DISAGREEMENTS_FIELD = "disagreements"
"""Field of a pulled page listing the lines its annotators disagreed on, as ``[line_no,
content votes, boilerplate votes]`` lists (``linesift labels audit`` reports them)."""

DEFAULT_THRESHOLD = 0.5
"""A line is kept when P(content) >= the threshold; a model's card carries its own, chosen by
cross-validation, and this is the threshold of a model trained without one."""


def check_label(value, *, where=""):
    """Return `value` if it is a known label or None, else raise ValueError."""
    if value is None or value in LABELS:
        return value
    suffix = f" ({where})" if where else ""
    raise ValueError(f"unknown label {value!r}{suffix}; expected one of {LABELS} or null")


def label_code(value):
    """The integer code of a label (None -> :data:`UNLABELLED_CODE`)."""
    if value is None:
        return UNLABELLED_CODE
    return CONTENT_CODE if value == CONTENT else BOILERPLATE_CODE


def label_key(value):
    """The name of a label in counts (None -> :data:`UNLABELLED_KEY`)."""
    return UNLABELLED_KEY if value is None else value
