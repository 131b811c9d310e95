"""`linesift filter`: read inputs, keep the content lines, write the same format out.

- ``.txt`` in: the cleaned text (kept lines, in order) to stdout or to OUT (a file, or a
  directory mirroring the inputs).
- JSONL / Parquet / WARC in: records out, every input field kept, ``text`` replaced by the cleaned
  text; with ``scores``, each record also carries ``scores`` (P(content) per original line, None
  for blank lines) and ``keep`` (a bool per original line).
"""

import time
from dataclasses import dataclass, field
from pathlib import Path

from .errors import LinesiftError
from .onerror import SkippableInput, SkippedInput
from .parallel import sift_streams
from .progress import advance, rate_bar
from .readers import STDIN, ReadOptions, detect_format, expand_inputs, read_file
from .resume import ResumableRun
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
    skipped_files: list = field(default_factory=list)  # (path, line or None, reason)
    finished_files: int = 0  # --resume: inputs whose complete output was left alone
    resumed_pages: int = 0  # --resume: pages already in checkpointed parts
    notes: list = field(default_factory=list)

    def summary(self):
        rate = self.lines / self.seconds if self.seconds else 0.0
        pages = "1 page" if self.pages == 1 else f"{self.pages:,} pages"
        text = (f"{pages}, {self.lines:,} lines, kept {self.kept:,} "
                f"({self.kept / max(self.lines, 1):.0%}) in {self.seconds:.1f} s "
                f"({rate:,.0f} lines/s)")
        if self.skipped:
            text += f"; skipped {len(self.skipped)} bad records"
        if self.skipped_files:
            text += f"; skipped {len(self.skipped_files)} unreadable files"
        if self.finished_files:
            text += f"; resumed: {self.finished_files:,} inputs already done"
        if self.resumed_pages:
            text += f"; resumed: {self.resumed_pages:,} pages already written"
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
        if detect_format(path) == "warc":  # WARC/WET in: JSONL records out
            rel = rel.with_name(_warc_stem(rel.name) + WARC_OUTPUT_SUFFIX)
        targets.append((path, Path(out_str) / rel))
    seen = set()
    for _, target in targets:
        if target in seen:
            raise LinesiftError(f"two inputs would both be written to {target}; "
                                "give them different names or filter them separately")
        seen.add(target)
    return targets


def filter_inputs(inputs, out, sifter, *, scores=False, read_options=None, fmt=None,
                  progress=None, jobs=1, site_stats=None, resume=False):
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
    jobs : int
        Processes scoring pages (see :mod:`linesift.parallel`); output order is input order.
    site_stats : SiteStats or None
        Line counts for a model trained with them; None counts them over the inputs first.
    resume : bool
        Leave inputs with a complete output alone and continue checkpointed JSONL outputs
        (see :mod:`linesift.resume`).

    With ``on_error="skip"`` an input that cannot be read is skipped whole (no output written
    for it) and listed in ``skipped_files`` (see :mod:`linesift.onerror`).
    """
    options = read_options or ReadOptions()
    stats = FilterStats()
    start = time.perf_counter()
    plan = plan_outputs(inputs or [STDIN], out)
    if site_stats is None and sifter.uses_site_stats:
        from .sitestats import count_input_site_lines

        site_stats = count_input_site_lines([p for p, _ in plan], options, fmt=fmt)
    run = ResumableRun(sifter, options, scores=scores, fmt=fmt) if resume else None
    plan = run.pending(plan) if run is not None else plan
    guards = [SkippableInput(read_file(path, options, fmt=fmt or detect_format(path)),
                             options.on_error) for path, _ in plan]
    streams = guards if run is None else [run.remaining(path, target, guard) for
                                          (path, target), guard in zip(plan, guards)]
    sifted_streams = sift_streams(sifter, streams, jobs=jobs, site_stats=site_stats)
    for (path, target), guard, sifted in zip(plan, guards, sifted_streams):
        in_fmt = fmt or detect_format(path)
        writer = run.writer(path, target) if run is not None else None
        try:
            if in_fmt == "txt" and (target is None or output_format(target) == "txt"):
                _write_text(guard.checked(sifted), target, stats, progress)
            else:
                _write_records(guard.checked(sifted), target, options, scores, stats, progress,
                               writer=writer)
        except SkippedInput as exc:
            stats.skipped_files.append((path, exc.error.line, exc.error.message))
            continue
        stats.files += 1
    stats.skipped = list(options.skipped)
    if run is not None:
        stats.finished_files, stats.resumed_pages = run.finished_files, run.resumed_pages
        stats.notes += run.notes
    stats.seconds = time.perf_counter() - start
    return stats


def _count(stats, sifted, progress):
    stats.pages += 1
    stats.lines += len(sifted.page.lines)
    stats.kept += sum(sifted.keep)
    stats.bytes += len(sifted.page.text)
    advance(progress, 1, len(sifted.page.lines))


def _write_text(sifted_pages, target, stats, progress):
    with text_output(target) as fh:
        for sifted in sifted_pages:
            cleaned = sifted.cleaned
            fh.write(cleaned)
            if cleaned:
                fh.write("\n")
            _count(stats, sifted, progress)


def sifted_to_record(sifted, options, scores=False):
    """The output record of a sifted page: every input field, ``text`` the cleaned text, and
    with `scores` also ``scores`` and ``keep`` per original line."""
    record = page_record(sifted.page, id_field=options.id_field,
                         text_field=options.text_field, text=sifted.cleaned)
    if scores:
        record[SCORES_FIELD] = sifted.scores
        record[KEEP_FIELD] = sifted.keep
    return record


def _write_records(sifted_pages, target, options, scores, stats, progress, writer=None):
    record_fmt = "jsonl" if target is not None and output_format(target) == "txt" else None
    with writer or RecordWriter(target, fmt=record_fmt) as writer:
        for sifted in sifted_pages:
            writer.write(sifted_to_record(sifted, options, scores))
            _count(stats, sifted, progress)


def progress_bar(enabled=True, unit="page"):
    """A tqdm bar on stderr with pages/s and a lines/s postfix (hidden when stderr is not a
    terminal, or when disabled)."""
    return rate_bar(enabled=enabled, unit=unit)


WARC_OUTPUT_SUFFIX = ".jsonl.gz"
"""WARC/WET inputs written into an output directory become JSONL records of this suffix."""


def _warc_stem(name):
    for suffix in (".warc.wet.gz", ".warc.wet", ".warc.gz", ".wet.gz", ".warc", ".wet"):
        if name.lower().endswith(suffix):
            return name[: -len(suffix)]
    return name
