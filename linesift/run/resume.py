"""``linesift filter --resume``: continue an interrupted run without redoing finished work.

Two levels, both resting on outputs being written under a temporary name and renamed into
place only when complete (:func:`linesift.formats.atomic.atomic_path`):

- **Files.** When an output file of a resumable run is complete, a marker
  ``.NAME.linesift-done`` is written beside it, last, naming the input (path, size, modification time), the run's settings and the output's
  size. An input is finished only when its marker matches all of them: a run that stopped after
  the output was renamed but before its marker was written redoes that output. So a run over
  many inputs into an output directory picks up at the first input without a complete output.
- **Pages of one big JSONL output.** A JSONL(.gz) output is written as part files of
  :data:`CHECKPOINT_PAGES` pages in a hidden directory beside it (``.NAME.linesift-parts/``),
  each renamed into place when full and listed in ``progress.json`` with its page count, the
  input's signature and the run's settings. A resumed run reads (but does not score) the pages
  the listed parts hold, writes the rest, then joins the parts into the output and deletes the
  directory. When the input or the settings changed, the parts are discarded and that output is
  started over.

Parquet and ``.txt`` outputs are only resumed file by file.
"""

import gzip
import json
import shutil
from itertools import islice
from pathlib import Path

from ..errors import LinesiftError
from ..formats import STDIN, RecordWriter, atomic_path, detect_format, output_format
from ..formats.atomic import write_atomic_text

CHECKPOINT_PAGES = 10_000
"""Pages per part file of a checkpointed output: at most this many are redone after a crash."""
PARTS_SUFFIX = ".linesift-parts"
DONE_SUFFIX = ".linesift-done"
MANIFEST = "progress.json"
MANIFEST_FORMAT = "linesift-resume/1"
DONE_FORMAT = "linesift-done/1"


def parts_dir(target):
    """The hidden directory holding a checkpointed output's finished parts."""
    target = Path(target)
    return target.with_name(f".{target.name}{PARTS_SUFFIX}")


def done_marker(target):
    """The marker written beside a complete output."""
    target = Path(target)
    return target.with_name(f".{target.name}{DONE_SUFFIX}")


class ResumableRun:
    """Which inputs of a run are finished, and how to continue the others.

    Parameters
    ----------
    settings : dict
        What makes two runs' outputs the same (model, threshold, options); a change redoes
        every output.
    fmt : str or None
        Forced input format.
    checkpoint_pages : int, optional
        Pages per part file (default :data:`CHECKPOINT_PAGES`, read when the run starts).
    """

    def __init__(self, settings, *, fmt=None, checkpoint_pages=None):
        self.settings = settings
        self.fmt = fmt
        self.checkpoint_pages = checkpoint_pages or CHECKPOINT_PAGES
        self.finished_files = 0
        self.resumed_pages = 0
        self.notes = []
        self._done = {}  # target -> manifest of the parts already written

    def pending(self, plan):
        """The (input, target) pairs of `plan` still to do; finished ones are counted."""
        todo = []
        for path, target in plan:
            if path == STDIN or target is None:
                raise LinesiftError("resuming needs input files and an output path (stdin "
                                    "and stdout cannot be resumed)", hint="resume")
            if self.is_finished(path, target):
                self.finished_files += 1
                shutil.rmtree(parts_dir(target), ignore_errors=True)
            else:
                done_marker(target).unlink(missing_ok=True)
                todo.append((path, target))
        return todo

    def is_finished(self, path, target):
        """True when `target`'s marker names this input, these settings and its size."""
        try:
            marker = json.loads(done_marker(target).read_text(encoding="utf-8"))
            size = Path(target).stat().st_size
        except (OSError, ValueError):
            return False
        return marker == self._marker(path, size)

    def mark_done(self, path, target):
        """Record that `target` is the complete output of `path` (call once it is in place)."""
        marker = self._marker(path, Path(target).stat().st_size)
        write_atomic_text(done_marker(target), json.dumps(marker, indent=1) + "\n")

    def _marker(self, path, size):
        return {"format": DONE_FORMAT, "input": _input_signature(path),
                "settings": self.settings, "output_size": size}

    def checkpointed(self, path, target):
        """True when `target` is written in part files (JSONL records out)."""
        in_fmt = self.fmt or detect_format(path)
        out_fmt = output_format(target)
        return out_fmt != "parquet" and not (in_fmt == "txt" and out_fmt == "txt")

    def remaining(self, path, target, pages):
        """`pages` without those a checkpointed output already holds (read, not scored)."""
        if not self.checkpointed(path, target):
            return pages
        manifest = self._load(path, target)
        self._done[Path(target)] = manifest
        done = sum(part["pages"] for part in manifest["parts"])
        if done:
            self.resumed_pages += done
            self.notes.append(f"{path}: resuming after {done:,} pages already written")
        return islice(pages, done, None)

    def writer(self, path, target):
        """The writer for a checkpointed `target` (call :meth:`remaining` first), else None."""
        manifest = self._done.get(Path(target))
        if manifest is None:
            return None
        return CheckpointWriter(target, manifest, self.checkpoint_pages)

    def _load(self, path, target):
        """`target`'s manifest if it matches this input and these settings, else a new one."""
        directory = parts_dir(target)
        fresh = {"format": MANIFEST_FORMAT, "input": _input_signature(path),
                 "settings": self.settings, "parts": []}
        try:
            manifest = json.loads((directory / MANIFEST).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            manifest = None
        if manifest is not None and all(manifest.get(k) == fresh[k]
                                        for k in ("format", "input", "settings")):
            if all((directory / part["file"]).is_file() for part in manifest["parts"]):
                return manifest
        if directory.exists():
            self.notes.append(f"{path}: input or settings changed since the interrupted run; "
                              "starting its output over")
            shutil.rmtree(directory)
        return fresh


def _input_signature(path):
    stat = Path(path).stat()
    return {"path": str(Path(path).resolve()), "size": stat.st_size, "mtime_ns": stat.st_mtime_ns}


class CheckpointWriter:
    """A RecordWriter look-alike that writes `target` as part files, joined at the end.

    Each part holds `every` records and is renamed into place when full, then added to the
    manifest (also renamed into place). On success the parts are concatenated into `target`
    (atomically) and their directory removed; on an error the unfinished part is discarded and
    the finished ones stay for the next ``--resume``.
    """

    def __init__(self, target, manifest, every=CHECKPOINT_PAGES):
        self.target = Path(target)
        self.directory = parts_dir(target)
        self.manifest = manifest
        self.every = every
        self.count = 0
        self._part = None
        self._suffix = ".jsonl.gz" if str(target).lower().endswith(".gz") else ".jsonl"

    def __enter__(self):
        self.directory.mkdir(parents=True, exist_ok=True)
        self._save_manifest()
        return self

    def write(self, record):
        if self._part is None:
            name = f"part-{len(self.manifest['parts']):06d}{self._suffix}"
            self._part = RecordWriter(self.directory / name, fmt="jsonl").__enter__()
        self._part.write(record)
        self.count += 1
        if self._part.count >= self.every:
            self._finish_part()

    def _finish_part(self):
        part, self._part = self._part, None
        part.__exit__(None, None, None)
        self.manifest["parts"].append({"file": part.path.name, "pages": part.count})
        self._save_manifest()

    def _save_manifest(self):
        with atomic_path(self.directory / MANIFEST) as tmp:
            tmp.write_text(json.dumps(self.manifest, indent=1) + "\n", encoding="utf-8")

    def __exit__(self, exc_type, exc, tb):
        if exc_type is not None:
            if self._part is not None:
                self._part.__exit__(exc_type, exc, tb)  # the unfinished part is not kept
            return False
        if self._part is not None:
            self._finish_part()
        with atomic_path(self.target) as tmp, open(tmp, "wb") as out:
            for part in self.manifest["parts"]:
                with open(self.directory / part["file"], "rb") as fh:
                    shutil.copyfileobj(fh, out, 1 << 20)
            if not self.manifest["parts"] and self._suffix.endswith(".gz"):
                out.write(gzip.compress(b"", mtime=0))  # an empty but valid .gz
        shutil.rmtree(self.directory, ignore_errors=True)
        return False
