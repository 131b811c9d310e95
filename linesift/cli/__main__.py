"""``python -m linesift.cli``: the `linesift` command."""

from . import main

main()
