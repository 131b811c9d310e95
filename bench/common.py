"""Helpers shared by the benchmark scripts."""

import gzip
import json
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
SHARED_DATA = Path(os.environ.get("LINESIFT_SHARED", ROOT.parent / "shared")) / "data"


def compile_bytecode():
    """Write the checkout's bytecode caches, as ``pip install`` does for an installed package:
    a shell with PYTHONDONTWRITEBYTECODE set (this workplace's) would otherwise compile
    linesift's 50-odd modules from source in every command timed (about 0.06 s of CPU each)."""
    import compileall

    for folder in ("linesift", "annotate", "train", "models"):
        compileall.compile_dir(ROOT / folder, quiet=2)


compile_bytecode()


def shared_file(name):
    path = SHARED_DATA / f"{name}.jsonl.gz"
    if not path.exists():
        sys.exit(f"bench: {path} not found; set LINESIFT_SHARED to the shared folder")
    return path


def print_table(rows, columns):
    """Print rows (dicts) as an aligned text table."""
    widths = {c: max(len(c), *(len(_cell(r.get(c))) for r in rows)) for c in columns}
    print("  ".join(c.ljust(widths[c]) for c in columns))
    print("  ".join("-" * widths[c] for c in columns))
    for r in rows:
        print("  ".join(_cell(r.get(c)).rjust(widths[c]) if isinstance(r.get(c), (int, float))
                        else _cell(r.get(c)).ljust(widths[c]) for c in columns))


def _cell(value):
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:.3f}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)
