"""`linesift filter`: read inputs, keep the content lines, write the same format out.

- ``.txt`` in: the cleaned text (kept lines, in order) to stdout or to OUT (a file, or a
  directory mirroring the inputs).
- JSONL / Parquet / WARC in: records out, every input field kept, ``text`` replaced by the cleaned
  text; with ``scores``, each record also carries ``scores`` (P(content) per original line, None
  for blank lines) and ``keep`` (a bool per original line).
"""

import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from .errors import LinesiftError
from .readers import STDIN, ReadOptions, detect_format, expand_inputs, read_file
from .writers import RecordWriter, output_format, page_record, text_output

SCORES_FIELD = "scores"
KEEP_FIELD = "keep"


@dataclass
class FilterStats:
    """What a filter run did: counts for the summary line."""

    files: int = 0
    pages: int = 0
    lines: int = 0
    kept: int = 0
    bytes: int = 0
    skipped: list = field(default_factory=list)
    seconds: float = 0.0

    def summary(self):
        rate = self.lines / self.seconds if self.seconds else 0.0
        text = (f"{self.pages:,} pages, {self.lines:,} lines, kept {self.kept:,} "
                f"({self.kept / max(self.lines, 1):.0%}) in {self.seconds:.1f} s "
                f"({rate:,.0f} lines/s)")
        if self.skipped:
            text += f"; skipped {len(self.skipped)} bad records"
        return text


def plan_outputs(inputs, out):
    """Pair every input file with its output target (None = stdout).

    OUT is a directory when it exists as one, ends with a slash, or when there are several
    inputs or a directory input; otherwise it is a file.
    """
    pairs = list(expand_inputs(inputs))
    if out is None or str(out) == "-":
        return [(path, None) for path, _ in pairs]
    out_str = str(out)
    as_dir = (Path(out_str).is_dir() or out_str.endswith(("/", "\\")) or len(pairs) > 1
              or any(root is not None for _, root in pairs))
    if not as_dir:
        return [(pairs[0][0], Path(out_str))] if pairs else []
    targets = []
    for path, root in pairs:
        rel = Path("stdin.txt") if path == STDIN else (
            Path(path).relative_to(root) if root is not None else Path(Path(path).name))
        targets.append((path, Path(out_str) / rel))
    seen = set()
    for _, target in targets:
        if target in seen:
            raise LinesiftError(f"two inputs would both be written to {target}; "
                                "give them different names or filter them separately")
        seen.add(target)
    return targets


def filter_inputs(inputs, out, sifter, *, scores=False, read_options=None, fmt=None,
                  progress=None):
    """Filter every input into its output; returns FilterStats.

    Parameters
    ----------
    inputs : list of str
        Files, directories of ``.txt`` files, or ``-`` for stdin.
    out : str or None
        Output file or directory; None writes to stdout.
    sifter : linesift.Sifter
    scores : bool
        Add ``scores`` and ``keep`` to record outputs.
    progress : tqdm-like or None
        Updated with pages as they are done.
    """
    options = read_options or ReadOptions()
    stats = FilterStats()
    start = time.perf_counter()
    for path, target in plan_outputs(inputs or [STDIN], out):
        in_fmt = fmt or detect_format(path)
        pages = read_file(path, options, fmt=in_fmt)
        sifted = sifter.sift_pages(pages)
        if in_fmt == "txt" and (target is None or output_format(target) == "txt"):
            _write_text(sifted, target, stats, progress)
        else:
            _write_records(sifted, target, options, scores, stats, progress)
        stats.files += 1
    stats.skipped = list(options.skipped)
    stats.seconds = time.perf_counter() - start
    return stats


def _count(stats, sifted, progress):
    stats.pages += 1
    stats.lines += len(sifted.page.lines)
    stats.kept += sum(sifted.keep)
    stats.bytes += len(sifted.page.text)
    if progress is not None:
        progress.update(1)


def _write_text(sifted_pages, target, stats, progress):
    with text_output(target) as fh:
        for sifted in sifted_pages:
            cleaned = sifted.cleaned
            fh.write(cleaned)
            if cleaned:
                fh.write("\n")
            _count(stats, sifted, progress)


def _write_records(sifted_pages, target, options, scores, stats, progress):
    with RecordWriter(target) as writer:
        for sifted in sifted_pages:
            record = page_record(sifted.page, id_field=options.id_field,
                                 text_field=options.text_field, text=sifted.cleaned)
            if scores:
                record[SCORES_FIELD] = sifted.scores
                record[KEEP_FIELD] = sifted.keep
            writer.write(record)
            _count(stats, sifted, progress)


def progress_bar(enabled=True, unit="page"):
    """A tqdm bar on stderr (hidden when stderr is not a terminal, or when disabled)."""
    from tqdm import tqdm

    return tqdm(unit=unit, file=sys.stderr, disable=None if enabled else True,
                dynamic_ncols=True, mininterval=0.5)
