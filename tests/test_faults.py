"""Faults from outside: `linesift filter` killed at random points, and a disk that fills up.

The kill test runs the real command in its own process group, kills it (SIGKILL or SIGTERM,
``-j 1`` or ``-j 2``, every output format) after a random delay, and checks the promises of
docs/reliability.md: the earlier output is untouched (or, if the run got that far, replaced by
the complete output), no process of the run is left, no temporary file survives the
``--resume`` run that follows, and that run gives exactly what a clean run gives.

The disk-full test mounts a small tmpfs (CI runs as root; it is skipped, saying so, where
mounting is not allowed).
"""

import gzip
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from conftest import sample_records
from linesift.cli import app

SEED = int(os.environ.get("LINESIFT_FAULT_SEED", "17"))
"""Seed of the kill delays (printed on failure; set LINESIFT_FAULT_SEED to replay a run)."""
N_PAGES = 1200
N_TXT = 120
PAGE_LINES = 15
"""Lines kept of each sample page: a run scores about 18,000 lines."""
GONE_SECONDS = 15
"""How long the run's processes (workers, fork server, resource tracker) may take to end."""

# The real command with smaller constants, so that a small input has several checkpoint
# parts, several chunks and a worker pool (the code path is the installed one).
HARNESS = """
import sys
import linesift.run.backends as backends
import linesift.run.resume as resume
backends.SMALL_INPUT_BYTES = 1
backends.CHUNK_PAGES = 20
resume.CHECKPOINT_PAGES = 150
from linesift.cli import main
sys.argv[0] = "linesift"
main()
"""

FORMATS = {  # output suffix -> how to read an output for comparison
    ".txt": lambda p: {q.name: q.read_bytes() for q in sorted(p.iterdir())
                       if not q.name.startswith(".")},
    ".jsonl": lambda p: p.read_bytes(),
    ".jsonl.gz": lambda p: gzip.decompress(p.read_bytes()),
    ".parquet": lambda p: pq.read_table(p).to_pylist(),
}


@pytest.fixture(scope="module")
def inputs(tmp_path_factory):
    """A JSONL file of N_PAGES pages and a directory of N_TXT .txt pages."""
    root = tmp_path_factory.mktemp("fault-inputs")
    texts = ["\n".join(r["text"].split("\n")[:PAGE_LINES]) for r in sample_records()]
    with open(root / "pages.jsonl", "w", encoding="utf-8") as fh:
        for i in range(N_PAGES):
            fh.write(json.dumps({"id": i, "text": texts[i % len(texts)], "n": i}) + "\n")
    pages = root / "pages"
    pages.mkdir()
    for i in range(N_TXT):
        (pages / f"{i:03d}.txt").write_text(texts[i % len(texts)], encoding="utf-8")
    return root


def command(model, source, target, jobs, resume=True):
    args = [sys.executable, "-c", HARNESS, "filter", str(source), "-o", str(target),
            "--model", str(model), "-j", str(jobs), "--scores", "-q"]
    return args + (["--resume"] if resume else [])


def group_pids(pgid):
    """Live processes of process group `pgid` (zombies excluded), from /proc."""
    pids = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
        except OSError:
            continue
        fields = stat.rsplit(")", 1)[1].split()
        if int(fields[2]) == pgid and fields[0] != "Z":
            pids.append(int(entry))
    return pids


def run_to_end(args, kill_at=None, sig=None, watch=None):
    """Run `args` in a new process group and wait for it and its processes to end.

    With `kill_at` = (delay, True) the group's leader gets `sig` `delay` seconds after
    something appears in `watch` (writing has begun); with (delay, False), `delay` seconds
    after the start. Returns (returncode, most processes seen at once, processes left,
    stderr).
    """
    proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                            start_new_session=True)
    start = time.monotonic()
    most = 1
    while proc.poll() is None:
        most = max(most, len(group_pids(proc.pid)))
        if kill_at is not None:
            delay, after_writing = kill_at
            if after_writing and _writing(watch):
                kill_at, start = (delay, False), time.monotonic()
            elif not after_writing and time.monotonic() - start >= delay:
                proc.send_signal(sig)
                kill_at = None
        time.sleep(0.01)
    stderr = proc.stderr.read().decode("utf-8", "replace")
    proc.stderr.close()
    deadline = time.monotonic() + GONE_SECONDS
    while group_pids(proc.pid) and time.monotonic() < deadline:
        time.sleep(0.05)
    left = group_pids(proc.pid)
    if left:  # do not leave them to the next test
        os.killpg(proc.pid, signal.SIGKILL)
    return proc.returncode, most, left, stderr


def _writing(directory):
    return any(temporaries(directory)) or any(Path(directory).rglob("*.linesift-parts"))


def temporaries(directory):
    """Temporary files (``.NAME.part-PID``, a widening Parquet copy) anywhere below."""
    return [p for p in Path(directory).rglob("*") if ".part-" in p.name
            and not p.name.startswith("part-")]


def place_earlier(target, suffix):
    """Put an earlier output at `target` (every file of a directory output); returns it."""
    earlier = {}
    if suffix == ".txt":
        target.mkdir(parents=True)
        for i in range(N_TXT):
            path = target / f"{i:03d}.txt"
            path.write_bytes(f"earlier output {i}\n".encode())
            earlier[path] = path.read_bytes()
    else:
        target.write_bytes(b"earlier output\n")
        earlier[target] = target.read_bytes()
    return earlier


@pytest.fixture(scope="module")
def clean_runs(tiny_model, inputs, tmp_path_factory):
    """Each format's output from one uninterrupted run, and how long the run took."""
    root = tmp_path_factory.mktemp("clean")
    done = {}
    for suffix, read in FORMATS.items():
        source = inputs / ("pages" if suffix == ".txt" else "pages.jsonl")
        target = root / ("out" if suffix == ".txt" else f"out{suffix}")
        start = time.monotonic()
        code, _, left, stderr = run_to_end(command(tiny_model, source, target, 1, resume=False))
        assert code == 0 and not left, stderr
        done[suffix] = (read(target), time.monotonic() - start)
    return done


def assert_earlier_or_complete(earlier, suffix, clean, note):
    """Each earlier output file is as it was, or (the run got that far) the complete one."""
    for path, before in earlier.items():
        if path.read_bytes() == before:
            continue
        now = path.read_bytes() if suffix == ".txt" else FORMATS[suffix](path)
        assert now == (clean[path.name] if suffix == ".txt" else clean), f"{note}: {path}"


@pytest.mark.parametrize("suffix", list(FORMATS))
@pytest.mark.parametrize("jobs", [1, 2])
@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGTERM], ids=["KILL", "TERM"])
def test_killed_filter_leaves_earlier_output_and_resume_gives_the_clean_output(
        tiny_model, inputs, clean_runs, tmp_path, suffix, jobs, sig):
    """Killed at a random point (a third of the runs anywhere from start-up to the end, the
    others at a random moment once writing has begun), then resumed."""
    clean, clean_seconds = clean_runs[suffix]
    rng = random.Random(f"{SEED}-{suffix}-{jobs}-{sig.name}")
    after_writing = rng.random() < 2 / 3
    delay = rng.uniform(0, 1.0) if after_writing else rng.uniform(0.2, clean_seconds * 1.1)
    note = (f"seed {SEED}: {sig.name} {delay:.2f} s after "
            f"{'writing began' if after_writing else 'the start'} (a clean run: "
            f"{clean_seconds:.1f} s)")
    source = inputs / ("pages" if suffix == ".txt" else "pages.jsonl")
    target = tmp_path / ("out" if suffix == ".txt" else f"out{suffix}")
    earlier = place_earlier(target, suffix)

    code, most, left, stderr = run_to_end(command(tiny_model, source, target, jobs),
                                          kill_at=(delay, after_writing), sig=sig,
                                          watch=tmp_path)
    assert not left, f"{note}: processes left: {left}"
    assert code in (0, -sig, 128 + sig), f"{note}: exit {code}: {stderr}"
    if code == 128 + sig:  # SIGTERM, handled: like Ctrl-C
        assert "Traceback" not in stderr and "linesift: terminated" in stderr, stderr
        assert not temporaries(tmp_path), f"{note}: {temporaries(tmp_path)}"
    assert_earlier_or_complete(earlier, suffix, clean, note)

    code, most_resumed, left, stderr = run_to_end(command(tiny_model, source, target, jobs))
    assert code == 0 and not left, f"{note}: {stderr}"
    assert "Traceback" not in stderr and "Warning" not in stderr, f"{note}: {stderr}"
    assert FORMATS[suffix](target) == clean, note
    assert not temporaries(tmp_path), f"{note}: {temporaries(tmp_path)}"
    assert not list(tmp_path.rglob("*.linesift-parts")), note
    if jobs == 2:  # the pool was really there: command, fork server, tracker, worker
        assert max(most, most_resumed) >= 4, f"{note}: at most {max(most, most_resumed)}"


# --- a full disk ----------------------------------------------------------------------------

@pytest.fixture(scope="module")
def big_inputs(tmp_path_factory):
    """Pages with a line of random hex each, so that no output format compresses them into
    the small disk: a JSONL file and a directory of .txt files."""
    root = tmp_path_factory.mktemp("disk-inputs")
    rng = random.Random(SEED)
    texts = ["\n".join(r["text"].split("\n")[:PAGE_LINES]) for r in sample_records()]
    pages = root / "pages"
    pages.mkdir()
    with open(root / "pages.jsonl", "w", encoding="utf-8") as fh:
        for i in range(N_PAGES):
            text = f"{texts[i % len(texts)]}\n{rng.randbytes(200).hex()}"
            fh.write(json.dumps({"id": i, "text": text}) + "\n")
            if i < N_TXT:
                (pages / f"{i:03d}.txt").write_text(text, encoding="utf-8")
    return root


@pytest.fixture
def small_disk(tmp_path):
    """A 128 KiB tmpfs (needs root, as in CI); unmounted after the test."""
    mount = tmp_path / "disk"
    mount.mkdir()
    result = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=128k", "tmpfs", str(mount)],
                            capture_output=True, text=True)
    if result.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here ({result.stderr.strip()}); CI runs as root")
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=False)


def test_disk_full_is_one_line_and_leaves_the_earlier_output(tiny_model, big_inputs,
                                                             small_disk):
    """Every output format on a disk too small for it: one line naming the output, exit 1,
    the earlier file as it was, no temporary file, the space given back."""
    runner = CliRunner()
    free = shutil.disk_usage(small_disk).free
    for suffix in FORMATS:
        source = big_inputs / ("pages" if suffix == ".txt" else "pages.jsonl")
        target = small_disk / ("out/" if suffix == ".txt" else f"out{suffix}")
        if suffix != ".txt":
            target.write_bytes(b"earlier output\n")
        result = runner.invoke(app, ["filter", str(source), "-o", str(target), "--scores",
                                     "--threshold", "0", "--model", str(tiny_model), "-q"])
        assert result.exit_code == 1, (suffix, result.output)
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("linesift: error: "), lines
        assert lines[0].endswith(": No space left on device"), lines[0]
        assert str(small_disk) in lines[0]  # names the output, not a temporary file
        assert ".part-" not in lines[0]
        if suffix != ".txt":
            assert target.read_bytes() == b"earlier output\n"
            target.unlink()
        else:
            shutil.rmtree(target)
        assert not temporaries(small_disk), suffix
        assert shutil.disk_usage(small_disk).free == free, suffix


def test_disk_full_then_resume_after_space_is_freed(tiny_model, big_inputs, small_disk,
                                                    tmp_path, monkeypatch):
    """A checkpointed JSONL output that runs out of space keeps its finished parts; once
    there is room, --resume finishes it, equal to a run that never failed."""
    import linesift.run.resume

    monkeypatch.setattr(linesift.run.resume, "CHECKPOINT_PAGES", 25)
    runner = CliRunner()
    args = ["filter", str(big_inputs / "pages.jsonl"), "--scores", "--model", str(tiny_model),
            "-q"]
    target = small_disk / "out.jsonl"
    result = runner.invoke(app, [*args, "-o", str(target), "--resume"])
    assert result.exit_code == 1 and "No space left on device" in result.stderr
    assert not target.exists() and not temporaries(small_disk)
    [parts] = small_disk.glob("*.linesift-parts")
    assert list(parts.glob("part-*.jsonl"))  # finished parts kept for --resume
    subprocess.run(["mount", "-o", "remount,size=64m", str(small_disk)], check=True)
    result = runner.invoke(app, [*args, "-o", str(target), "--resume"])
    assert result.exit_code == 0, result.output
    reference = tmp_path / "reference.jsonl"
    assert runner.invoke(app, [*args, "-o", str(reference)]).exit_code == 0
    assert target.read_bytes() == reference.read_bytes()
    assert not temporaries(small_disk)


# --- a writer that fails at the last moment -------------------------------------------------

@pytest.mark.parametrize("name, fmt", [("out.txt", "txt"), ("out.jsonl", None),
                                       ("out.jsonl.gz", None), ("out.parquet", None)])
@pytest.mark.parametrize("stage", ["close", "fsync", "rename"])
def test_a_write_that_fails_while_closing_replaces_nothing(tmp_path, monkeypatch, name, fmt,
                                                           stage):
    """Closing (the last flush, the gzip trailer, the Parquet footer), fsync or rename fails:
    the earlier output stays, the temporary file goes, the error names the output."""
    import errno

    import linesift.formats.atomic as atomic
    from linesift.errors import OutputError
    from linesift.formats import RecordWriter

    def no_space(*args, **kwargs):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    target = tmp_path / name
    target.write_bytes(b"earlier output\n")
    writer = RecordWriter(target, fmt=fmt)
    if stage == "fsync":
        monkeypatch.setattr(atomic, "_fsync", no_space)
    elif stage == "rename":
        monkeypatch.setattr(atomic.os, "replace", no_space)
    with pytest.raises(OutputError, match=f"^{target}: No space left on device$"):
        with writer:
            if stage == "close":
                monkeypatch.setattr(writer._writer, "close", no_space)
            for i in range(3):
                writer.write("a line\n" if fmt == "txt" else {"id": i, "text": "a line"})
    assert target.read_bytes() == b"earlier output\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == [name]
