"""One filtering job: read pages, score them through the Sifter, write records, count.

- ``.txt`` in: the cleaned text (kept lines, in order) to stdout or to OUT (a file, or a
  directory mirroring the inputs).
- JSONL / Parquet / WARC in: records out, every input field kept, ``text`` replaced by the
  cleaned text; with ``scores``, each record also carries ``scores`` (P(content) per original
  line, None for blank lines) and ``keep`` (a bool per original line).

Where chunks are scored (this process, a local pool, a Dask cluster) is the backend's business
(:mod:`linesift.run.backends`); the skip policy, the counts, site counting and resuming are
the same for every backend.
"""

import os
import time
from collections import Counter
from dataclasses import dataclass, field, replace
from pathlib import Path

from ..errors import LinesiftError
from ..explain import drop_reason
from ..columns.site import SiteStats, load_site_stats
from ..formats import (FORMATS, ID_FIELD, STDIN, ReadOptions, RecordWriter, Skips, dataset_parts,
                       dataset_suffix, detect_format, expand_inputs, output_format, page_record,
                       read_file, split_suffix)
from ..formats.parquet import input_schema
from ..formats.records import output_id
from .backends import ENGINES, DaskBackend, LocalPool, dask_client, sift_streams
from .onerror import SkippableInput, SkippedInput
from .progress import advance
from .resume import ResumableRun
from .sitecount import count_input_site_lines

SCORES_FIELD = "scores"
KEEP_FIELD = "keep"
OUTPUT_FIELDS = (SCORES_FIELD, KEEP_FIELD)
"""The fields linesift adds with ``scores``; an input record that has one is a bad record
(never overwritten)."""
EXPLAIN_REASONS = 3
"""Stage-one features computed per line for ``explain_drops`` (the strongest is written)."""


@dataclass(frozen=True)
class FilterOptions:
    """Everything a filter run is asked to do besides which inputs, which output and which
    model; built once (by the CLI) and passed down.

    Parameters
    ----------
    read : ReadOptions
        Field names, the skip policy and the encoding.
    fmt : str, optional
        Force the input format instead of guessing it from each file name.
    scores : bool
        Records also get ``scores`` and ``keep``.
    jobs : int
        Processes scoring pages on this machine (``engine="local"``).
    engine : {"local", "dask"}
    scheduler : str, optional
        A running Dask scheduler's address (``engine="dask"``; default: a new local cluster).
    workers : int, optional
        Size of a new local Dask cluster, or workers to wait for on `scheduler`.
    resume : bool
        Leave finished outputs alone and continue checkpointed JSONL outputs.
    site_stats : str or Path, optional
        Saved site line counts for a model that uses them (default: counted over the inputs).
    explain_drops : str or Path, optional
        JSONL file to write every dropped line to, with its score and its strongest reason.
    """

    read: ReadOptions = field(default_factory=ReadOptions)
    fmt: str | None = None
    scores: bool = False
    jobs: int = 1
    engine: str = "local"
    scheduler: str | None = None
    workers: int | None = None
    resume: bool = False
    site_stats: str | Path | None = None
    explain_drops: str | Path | None = None


@dataclass
class FilterStats:
    """What a filter run did: counts for the summary line."""

    files: int = 0
    pages: int = 0
    lines: int = 0
    kept: int = 0
    seconds: float = 0.0
    skipped: Skips = field(default_factory=Skips)
    skipped_files: list = field(default_factory=list)  # (path, line or None, reason)
    finished_files: int = 0  # resumed: inputs whose complete output was left alone
    resumed_pages: int = 0  # resumed: pages already in checkpointed parts
    dropped_lines: int = 0  # lines written to explain_drops
    notes: list = field(default_factory=list)

    def count(self, sifted, progress=None):
        """Count one sifted page."""
        self.pages += 1
        self.lines += len(sifted.page.lines)
        self.kept += sum(sifted.keep)
        advance(progress, 1, len(sifted.page.lines))

    def summary(self):
        rate = self.lines / self.seconds if self.seconds else 0.0
        pages = "1 page" if self.pages == 1 else f"{self.pages:,} pages"
        text = (f"{pages}, {self.lines:,} lines, kept {self.kept:,} "
                f"({self.kept / max(self.lines, 1):.0%}) in {self.seconds:.1f} s "
                f"({rate:,.0f} lines/s)")
        if len(self.skipped):
            text += f"; skipped {len(self.skipped)} bad records"
        if self.skipped_files:
            text += f"; skipped {len(self.skipped_files)} unreadable files"
        if self.finished_files:
            text += f"; resumed: {self.finished_files:,} inputs already done"
        if self.resumed_pages:
            text += f"; resumed: {self.resumed_pages:,} pages already written"
        if self.dropped_lines:
            text += f"; {self.dropped_lines:,} dropped lines explained"
        return text


def plan_outputs(inputs, out):
    """Pair every input file with its output target (None = stdout).

    OUT is a directory when it exists as one, ends with a slash, or when there are several
    inputs or a directory input; otherwise it is a file. In a directory, a WARC input's
    records are written as ``NAME.jsonl.gz``.
    """
    if out is not None and not str(out).strip():
        raise LinesiftError("the output path is empty (an unset variable?); nothing was "
                            "written")
    pairs = list(expand_inputs(inputs))
    if out is None or str(out) == STDIN:
        return [(path, None) for path, _ in pairs]
    out_str = str(out)
    _refuse_output_in_inputs(out_str, pairs)
    as_dir = (Path(out_str).is_dir() or out_str.endswith(("/", "\\")) or len(pairs) > 1
              or any(root is not None for _, root in pairs))
    if as_dir:
        if not Path(out_str).is_dir() and split_suffix(Path(out_str).name)[1]:
            raise LinesiftError(f"{out_str}: names a file, but {len(pairs)} inputs (or a "
                                "directory) are written to a directory of outputs; give a "
                                "directory, or filter one file into it")
        targets = _directory_targets(pairs, Path(out_str))
    else:
        targets = [(pairs[0][0], Path(out_str))] if pairs else []
        if targets and FORMATS[detect_format(pairs[0][0])].records \
                and output_format(out_str) == "txt":
            raise LinesiftError(f"{out_str}: a .txt output holds one page's text, but "
                                f"{pairs[0][0]} holds records; write them as .jsonl, "
                                ".jsonl.gz or .parquet")
    _refuse_inputs_as_outputs(targets, pairs)
    return targets


def _directory_targets(pairs, out):
    """Each input's target in the output directory `out`, mirroring the input tree."""
    targets = []
    for path, root in pairs:
        rel = Path("stdin.txt") if path == STDIN else (
            Path(path).relative_to(root) if root is not None else Path(Path(path).name))
        suffix = FORMATS[detect_format(path)].directory_suffix
        if path != STDIN and Path(path).is_dir():  # a dataset of parts: one file
            rel = rel.with_name(rel.name + (suffix or dataset_suffix(path)))
        elif suffix:
            rel = rel.with_name(split_suffix(rel.name)[0] + suffix)
        targets.append((path, out / rel))
    seen = set()
    for _, target in targets:
        if target in seen:
            raise LinesiftError(f"two inputs would both be written to {target}; "
                                "give them different names or filter them separately")
        seen.add(target)
    return targets


def _refuse_output_in_inputs(out, pairs):
    """LinesiftError when the output directory is, or lies inside, an input directory (its
    files would be read back as inputs, or written over them)."""
    resolved = Path(out).resolve()
    for given in {root for _, root in pairs if root is not None}:
        root = Path(given).resolve()
        if resolved == root or root in resolved.parents:
            raise LinesiftError(f"{out}: is inside the input directory {given}; its outputs "
                                "would replace or join the inputs. Give an output outside it")


def refuse_overwriting_inputs(output, inputs):
    """LinesiftError when writing `output` would overwrite one of `inputs` (files or
    directories, as given to a command), before anything is written."""
    if output is not None and not str(output).strip():
        raise LinesiftError("the output path is empty (an unset variable?); nothing was "
                            "written")
    _refuse_inputs_as_outputs([(None, Path(output))], list(expand_inputs(inputs)))


def _refuse_inputs_as_outputs(targets, pairs):
    """LinesiftError when an output target is one of the inputs (the same file, by any path
    or link), checked before anything is written."""
    inputs = {}
    for path, _ in pairs:
        if path != STDIN:
            try:
                stat = os.stat(path)
            except OSError:
                continue  # reading it says what is wrong
            inputs[(stat.st_dev, stat.st_ino)] = path
    for _, target in targets:
        if target is None:
            continue
        try:
            stat = os.stat(target)
        except OSError:
            continue
        same = inputs.get((stat.st_dev, stat.st_ino))
        if same is not None:
            raise LinesiftError(f"{target}: is the input {same}; writing it would destroy the "
                                "input. Give another output path")


def filter_inputs(inputs, out, sifter, options=None, *, progress=None):
    """Filter every input into its output; returns FilterStats.

    Parameters
    ----------
    inputs : list of str
        Files, directories of ``.txt`` files, or ``-`` for stdin.
    out : str or None
        Output file or directory; None writes to stdout.
    sifter : linesift.Sifter
    options : FilterOptions, optional
    progress : tqdm-like, optional
        Updated with pages as they are done.

    With ``on_error="skip"`` an input that cannot be read is skipped whole (no output written
    for it) and listed in ``skipped_files`` (see :mod:`linesift.run.onerror`).
    """
    if isinstance(inputs, (str, os.PathLike)):
        raise TypeError(f"inputs is a list of paths; got one path, {str(inputs)!r} (wrap it "
                        "in a list)")
    if not hasattr(sifter, "sift_pages"):
        raise TypeError(f"sifter is a linesift.Sifter (linesift.load()), not a "
                        f"{type(sifter).__name__}")
    options = options or FilterOptions()
    if options.scores and not options.read.reserved_fields:
        options = replace(options, read=replace(options.read, reserved_fields=OUTPUT_FIELDS))
    stats = FilterStats()
    start = time.perf_counter()
    plan = plan_outputs(inputs or [STDIN], out)
    if options.explain_drops is not None:
        refuse_overwriting_inputs(options.explain_drops, inputs or [STDIN])
    run = _resumable(sifter, options) if options.resume else None
    plan = run.pending(plan) if run is not None else plan
    with _Backend(sifter, options, inputs, stats.notes) as (backend, site_stats):
        guards = [SkippableInput(read_file(path, options.read, fmt=_in_format(path, options),
                                           skips=stats.skipped), options.read.on_error)
                  for path, _ in plan]
        streams = guards if run is None else [run.remaining(path, target, guard) for
                                              (path, target), guard in zip(plan, guards)]

        reasons = EXPLAIN_REASONS if options.explain_drops else 0
        sifted_streams = sift_streams(sifter, streams, backend=backend, site_stats=site_stats,
                                      reasons=reasons)
        with _DropsWriter(options.explain_drops, stats, options.read.id_field) as drops:
            sites = _SiteCheck(site_stats if options.site_stats is not None else None)
            for (path, target), guard, sifted in zip(plan, guards, sifted_streams):
                pages = sites.tap(drops.tap(guard.checked(sifted)))
                try:
                    _write(pages, path, target, options, stats, progress, run)
                except SkippedInput as exc:
                    stats.skipped_files.append((path, exc.error.line, exc.error.message))
                    continue
                stats.files += 1
    if run is not None:
        stats.finished_files, stats.resumed_pages = run.finished_files, run.resumed_pages
        stats.notes += run.notes
    stats.notes += sites.notes(options.site_stats) + _left_out_of_directories(inputs or [])
    stats.seconds = time.perf_counter() - start
    return stats


class _SiteCheck:
    """Counts the pages whose site the given counts (``--site-stats``) do not hold: counts of
    another crawl change nothing for them, which deserves a note."""

    def __init__(self, counts):
        self.counts, self.pages, self.unknown = counts, 0, 0

    def tap(self, sifted_pages):
        for sifted in sifted_pages:
            if self.counts is not None and sifted.page.domain:
                self.pages += 1
                self.unknown += not self.counts.pages_of(sifted.page.domain)
            yield sifted

    def notes(self, path):
        if not self.pages or self.unknown * 2 < self.pages:
            return []
        return [f"{path}: {self.unknown:,} of {self.pages:,} pages are of sites these counts "
                "do not hold (counts of another crawl?); their site repetition is not "
                "counted"]


def _left_out_of_directories(inputs):
    """A note per input directory holding files other than .txt, which were not read."""
    notes = []
    for raw in inputs:
        if raw == STDIN or not Path(raw).is_dir() or dataset_parts(raw):
            continue
        others = Counter()
        for _dirpath, _dirs, names in os.walk(raw):
            for name in names:
                if not name.lower().endswith(".txt"):
                    others[Path(name).suffix.lower() or "(no suffix)"] += 1
        if others:
            kinds = ", ".join(f"{n} {suffix}" for suffix, n in others.most_common(5))
            n = sum(others.values())
            notes.append(f"{raw}: left out {n:,} {'file' if n == 1 else 'files'} that "
                         f"{'is' if n == 1 else 'are'} not .txt ({kinds}); a directory's .txt "
                         "files are read, give others by name")
    return notes


def _in_format(path, options):
    return options.fmt or detect_format(path)


def _write(pages, path, target, options, stats, progress, run):
    """Write one input's sifted pages to its target through the one writer; a resumable run
    then marks it complete."""
    writer = run.writer(path, target) if run is not None else None
    if _in_format(path, options) == "txt" and (target is None or output_format(target) == "txt"):
        with RecordWriter(target, fmt="txt") as out:
            for sifted in pages:
                cleaned = sifted.cleaned
                out.write(cleaned + "\n" if cleaned else cleaned)
                stats.count(sifted, progress)
    else:
        record_fmt = "jsonl" if target is not None and output_format(target) == "txt" else None
        schema = _input_schema(path, target, options)
        with writer or RecordWriter(target, fmt=record_fmt, schema=schema) as records:
            for sifted in pages:
                records.write(sifted_to_record(sifted, options.read, options.scores))
                stats.count(sifted, progress)
    if run is not None and Path(target).is_file():
        run.mark_done(path, target)


def _input_schema(path, target, options):
    """A Parquet input's column types, kept by a Parquet output."""
    if target is None or output_format(target) != "parquet" or _in_format(path, options) != \
            "parquet":
        return None

    return input_schema(path)


def sifted_to_record(sifted, read_options, scores=False):
    """The output record of a sifted page: every input field with its type, ``text`` the
    cleaned text, and with `scores` also ``scores`` and ``keep`` per original line (the
    reader refuses records that already have them: see :data:`OUTPUT_FIELDS`)."""
    record = page_record(sifted.page, id_field=read_options.id_field,
                         text_field=read_options.text_field, text=sifted.cleaned)
    if scores:
        record[SCORES_FIELD] = sifted.scores
        record[KEEP_FIELD] = sifted.keep
    return record


def _resumable(sifter, options):
    settings = {"model_sha256": sifter.card.get("sha256"), "threshold": sifter.threshold,
                "scores": bool(options.scores), "id_field": options.read.id_field,
                "text_field": options.read.text_field, "encoding": options.read.encoding,
                "format": options.fmt}
    if sifter.threshold_alone != sifter.threshold:  # absent otherwise: older runs resume
        settings["threshold_alone"] = sifter.threshold_alone
    return ResumableRun(settings, fmt=options.fmt)


class _Backend:
    """The backend for a run and the site counts its model needs, as a context manager."""

    def __init__(self, sifter, options, inputs, notes=None):
        self.sifter, self.options, self.inputs = sifter, options, inputs
        self.notes = notes if notes is not None else []
        self._client = self._backend = None

    def __enter__(self):
        options, sifter = self.options, self.sifter
        if options.engine not in ENGINES:
            raise LinesiftError(f"unknown engine {options.engine!r}; expected one of "
                                f"{', '.join(ENGINES)}")
        client = None
        if options.engine == "dask":
            self._client = dask_client(options.scheduler, options.workers)
            client = self._client.__enter__()
        site_stats = self._site_stats(client)
        reasons = EXPLAIN_REASONS if options.explain_drops else 0
        if client is not None:
            self._backend = DaskBackend(sifter, client, site_stats, reasons)
        elif options.jobs > 1:
            self._backend = LocalPool(sifter, options.jobs - 1, site_stats, reasons)
        return self._backend, site_stats

    def _site_stats(self, client):
        if not self.sifter.uses_site_stats:
            if self.options.site_stats is not None:
                self.notes.append(f"{self.options.site_stats}: not used; the model "
                                  f"{self.sifter.name} counts no site repetition")
            return None

        if self.options.site_stats is not None:
            return load_site_stats(self.options.site_stats)
        if STDIN in (self.inputs or [STDIN]):
            # stdin is read once: no counting pass, so every site has one page and the
            # model's site columns are 0, exactly as for a page filtered alone
            self.notes.append("site repetition not counted: stdin can be read only once, so "
                              "each page is scored as if alone; give files (or counts from "
                              "`linesift site-stats` with --site-stats) to use it")
            return SiteStats()

        return count_input_site_lines(self.inputs or [STDIN], self.options.read,
                                      fmt=self.options.fmt, client=client)

    def __exit__(self, *exc):
        if self._backend is not None:
            self._backend.close(abort=exc[0] is not None)
        if self._client is not None:
            self._client.__exit__(*exc)
        return False


class _DropsWriter:
    """Writes every dropped non-blank line, with its score and its strongest reason, to a
    JSONL file (atomically); does nothing without a file."""

    def __init__(self, path, stats, id_field=ID_FIELD):
        self.path, self.stats, self.id_field = path, stats, id_field
        self._writer = None

    def __enter__(self):
        if self.path is not None:
            self._writer = RecordWriter(self.path, fmt="jsonl").__enter__()
        return self

    def tap(self, sifted_pages):
        """Pass `sifted_pages` through, writing their dropped lines on the way."""
        for sifted in sifted_pages:
            if self._writer is not None:
                for line_no, (score, keep) in enumerate(zip(sifted.scores, sifted.keep)):
                    if score is None or keep:
                        continue
                    reason, weight = drop_reason(sifted, line_no)
                    self._writer.write({"id": output_id(sifted.page, self.id_field),
                                        "line_no": line_no,
                                        "text": sifted.page.lines[line_no],
                                        "score": round(score, 4), "reason": reason,
                                        "weight": round(weight, 3)})
                    self.stats.dropped_lines += 1
            yield sifted

    def __exit__(self, *exc):
        if self._writer is not None:
            self._writer.__exit__(*exc)
        return False
