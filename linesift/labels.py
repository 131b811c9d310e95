"""The two labels a line can carry, defined once."""

CONTENT = "content"
BOILERPLATE = "boilerplate"
LABELS = (CONTENT, BOILERPLATE)


def check_label(value, *, where=""):
    """Return `value` if it is a known label or None, else raise ValueError."""
    if value is None or value in LABELS:
        return value
    suffix = f" ({where})" if where else ""
    raise ValueError(f"unknown label {value!r}{suffix}; expected one of {LABELS} or null")
