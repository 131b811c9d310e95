"""``linesift filter --resume``: continue an interrupted run without redoing finished work.

Two levels, both resting on outputs being written under a temporary name and renamed into
place only when complete (:func:`linesift.writers.atomic_path`):

- **Files.** An input whose output exists and is at least as new as the input is finished: it
  is not read again. So a run over many inputs into an output directory picks up at the first
  input without a complete output.
- **Pages of one big JSONL output.** With ``--resume``, a JSONL(.gz) output is written as part
  files of :data:`CHECKPOINT_PAGES` pages in a hidden directory beside it
  (``.NAME.linesift-parts/``), each renamed into place when full and listed in
  ``progress.json`` with its page count, the input's size and mtime, and the run's settings.
  A resumed run reads (but does not score) the pages the listed parts hold, writes the rest,
  then joins the parts into the output and deletes the directory. When the input or the
  settings changed, the parts are discarded and that output is started over.

Parquet and ``.txt`` outputs are only resumed file by file. Resuming assumes the same command:
an existing complete output is kept even if the model or threshold changed since (delete it,
or run without ``--resume``).
"""

import gzip
import json
import shutil
from itertools import islice
from pathlib import Path

from .errors import LinesiftError
from .readers import STDIN, detect_format
from .writers import RecordWriter, atomic_path, output_format

CHECKPOINT_PAGES = 10_000
"""Pages per part file of a checkpointed output: at most this many are redone after a crash."""
PARTS_SUFFIX = ".linesift-parts"
MANIFEST = "progress.json"
MANIFEST_FORMAT = "linesift-resume/1"


def parts_dir(target):
    """The hidden directory holding a checkpointed output's finished parts."""
    target = Path(target)
    return target.with_name(f".{target.name}{PARTS_SUFFIX}")


def is_finished(path, target):
    """True when `target` exists and is at least as new as the input `path`."""
    target = Path(target)
    try:
        return target.is_file() and target.stat().st_mtime_ns >= Path(path).stat().st_mtime_ns
    except OSError:
        return False


class ResumableRun:
    """Which inputs of a run are finished, and how to continue the others.

    Parameters
    ----------
    sifter : linesift.Sifter
    options : ReadOptions
    scores : bool
    fmt : str or None
        Forced input format.
    checkpoint_pages : int, optional
        Pages per part file (default :data:`CHECKPOINT_PAGES`, read when the run starts).
    """

    def __init__(self, sifter, options, *, scores=False, fmt=None, checkpoint_pages=None):
        self.settings = {"model_sha256": sifter.card.get("sha256"), "threshold": sifter.threshold,
                         "scores": bool(scores), "id_field": options.id_field,
                         "text_field": options.text_field, "encoding": options.encoding,
                         "format": fmt}
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
                raise LinesiftError("--resume needs files in and -o OUT (stdin and stdout "
                                    "cannot be resumed)")
            if is_finished(path, target):
                self.finished_files += 1
                shutil.rmtree(parts_dir(target), ignore_errors=True)
            else:
                todo.append((path, target))
        return todo

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
