"""Outputs are never half-written, and `filter --resume` finishes an interrupted run without
redoing or duplicating pages (see linesift/run/resume.py)."""

import gzip
import json
import os

import pandas as pd
import pytest
from typer.testing import CliRunner

import linesift
import linesift.formats.parquet
import linesift.run.resume
from linesift.cli import app
from linesift.formats import ReadOptions, RecordWriter
from linesift.run import FilterOptions, FilterStats, filter_inputs
from linesift.run.resume import MANIFEST, parts_dir
from tests.conftest import sample_records

runner = CliRunner()
N_PAGES = 300
BAD_LINE = 291


@pytest.fixture(scope="module")
def sifter(tiny_model):
    return linesift.load(tiny_model)


def write_pages(path, n=N_PAGES, bad_line=None):
    """`n` sample pages with unique ids as JSONL; a malformed line at `bad_line` if given."""
    base = sample_records()
    lines = [json.dumps({**base[i % len(base)], "id": f"p{i:04d}"}) for i in range(n)]
    if bad_line is not None:
        lines.insert(bad_line - 1, '{"id": "broken", "text": ')
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def read_ids(path):
    opener = gzip.open if str(path).endswith(".gz") else open
    with opener(path, "rt", encoding="utf-8") as fh:
        return [json.loads(line)["id"] for line in fh]


def expected_ids(n=N_PAGES):
    return [f"p{i:04d}" for i in range(n)]


def done_pages(target):
    manifest = json.loads((parts_dir(target) / MANIFEST).read_text())
    return sum(part["pages"] for part in manifest["parts"])


class Interrupt:
    """Patch `owner.name` to raise KeyboardInterrupt on call number `after` + 1."""

    def __init__(self, monkeypatch, owner, name, after):
        self.calls, self.after = 0, after
        original = getattr(owner, name)

        def patched(*args, **kwargs):
            self.calls += 1
            if self.calls > self.after:
                raise KeyboardInterrupt
            return original(*args, **kwargs)

        monkeypatch.setattr(owner, name, patched)


@pytest.fixture
def small_parts(monkeypatch):
    monkeypatch.setattr(linesift.run.resume, "CHECKPOINT_PAGES", 50)


# --- outputs are never half-written ---------------------------------------------------------

@pytest.mark.parametrize("suffix", [".jsonl", ".jsonl.gz", ".parquet"])  # records: not .txt
def test_interrupted_write_leaves_the_previous_output_untouched(sifter, tmp_path, monkeypatch,
                                                                suffix):
    src = write_pages(tmp_path / "in.jsonl", n=30)
    out = tmp_path / f"out{suffix}"
    out.write_bytes(b"previous")
    Interrupt(monkeypatch, FilterStats, "count", after=10)
    with pytest.raises(KeyboardInterrupt):
        filter_inputs([str(src)], str(out), sifter)
    assert out.read_bytes() == b"previous"
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


def test_parquet_output_over_several_flushes(sifter, tmp_path, monkeypatch):
    monkeypatch.setattr(linesift.formats.parquet, "PARQUET_FLUSH_ROWS", 7)
    src = write_pages(tmp_path / "in.jsonl", n=30)
    out = tmp_path / "out.parquet"
    filter_inputs([str(src)], str(out), sifter, FilterOptions(scores=True))
    assert pd.read_parquet(out)["id"].tolist() == expected_ids(30)


def test_ctrl_c_exits_130_with_a_message_and_writes_nothing(tiny_model, tmp_path, monkeypatch):
    src = write_pages(tmp_path / "in.jsonl", n=30)
    out = tmp_path / "out.jsonl"
    Interrupt(monkeypatch, FilterStats, "count", after=10)
    result = runner.invoke(app, ["filter", str(src), "-o", str(out), "-m", str(tiny_model), "-q"])
    assert result.exit_code == 130
    assert "interrupted; finished outputs are complete" in result.stderr
    assert "Traceback" not in result.output and not out.exists()


# --- many inputs ----------------------------------------------------------------------------

def make_txt_inputs(tmp_path, broken="c"):
    src = tmp_path / "pages"
    src.mkdir()
    for name in "abcde":
        path = src / f"{name}.txt"
        if name == broken:
            path.write_bytes(gzip.compress(b"not text", mtime=0))
        else:
            path.write_text(f"Menu | Home\nPage {name} has a sentence of its own.\n",
                            encoding="utf-8")
    return src


def outputs(directory):
    """The output files in `directory` (not the hidden completion markers)."""
    return sorted(p.name for p in directory.iterdir() if not p.name.startswith("."))


def test_a_run_without_resume_leaves_no_markers_and_is_redone(sifter, tmp_path):
    src, out = make_txt_inputs(tmp_path, broken=None), tmp_path / "clean"
    filter_inputs([str(src)], str(out), sifter)
    assert sorted(p.name for p in out.iterdir()) == outputs(out)
    stats = filter_inputs([str(src)], str(out), sifter, FilterOptions(resume=True))
    assert (stats.files, stats.finished_files) == (5, 0)  # nothing is inferred from timestamps
    assert filter_inputs([str(src)], str(out), sifter,
                         FilterOptions(resume=True)).finished_files == 5


def test_resume_many_inputs_after_a_failure(tiny_model, tmp_path):
    src, out = make_txt_inputs(tmp_path), tmp_path / "clean"
    args = ["filter", str(src), "-o", str(out), "-m", str(tiny_model), "--threshold", "0",
            "--resume"]
    result = runner.invoke(app, args)
    assert result.exit_code == 1 and f"{src / 'c.txt'}: is gzip-compressed" in result.stderr
    assert outputs(out) == ["a.txt", "b.txt"]
    before = {name: (out / name).stat().st_mtime_ns for name in outputs(out)}
    (src / "c.txt").write_text("Menu | Home\nPage c has a sentence of its own.\n")
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    assert "3 pages" in result.stderr and "resumed: 2 inputs already done" in result.stderr
    assert {p: (out / p).stat().st_mtime_ns for p in before} == before  # not redone
    for name in "abcde":
        assert (out / f"{name}.txt").read_text() == (
            f"Menu | Home\nPage {name} has a sentence of its own.\n")


def test_resume_many_inputs_after_ctrl_c(sifter, tmp_path, monkeypatch):
    src, out = make_txt_inputs(tmp_path, broken=None), tmp_path / "clean"
    interrupt = Interrupt(monkeypatch, FilterStats, "count", after=3)
    with pytest.raises(KeyboardInterrupt):
        filter_inputs([str(src)], str(out), sifter, FilterOptions(resume=True))
    assert outputs(out) == ["a.txt", "b.txt", "c.txt"]
    interrupt.after = 10**9
    stats = filter_inputs([str(src)], str(out), sifter, FilterOptions(resume=True))
    assert (stats.files, stats.pages, stats.finished_files) == (2, 2, 3)
    fresh = filter_inputs([str(src)], str(tmp_path / "fresh"), sifter)
    assert fresh.pages == 5
    for name in "abcde":
        assert (out / f"{name}.txt").read_text() == (tmp_path / "fresh" / f"{name}.txt").read_text()


def test_an_input_changed_after_its_output_is_redone(sifter, tmp_path):
    src, out = make_txt_inputs(tmp_path, broken=None), tmp_path / "clean"
    filter_inputs([str(src)], str(out), sifter, FilterOptions(resume=True))
    later = (out / "b.txt").stat().st_mtime_ns + 10**9
    (src / "b.txt").write_text("Changed page text, a full sentence.\n")
    os.utime(src / "b.txt", ns=(later, later))
    stats = filter_inputs([str(src)], str(out), sifter, FilterOptions(resume=True))
    assert (stats.files, stats.finished_files) == (1, 4)


def test_resume_needs_files_in_and_out(tiny_model, tmp_path):
    src = write_pages(tmp_path / "in.jsonl", n=3)
    result = runner.invoke(app, ["filter", str(src), "--resume", "-m", str(tiny_model)])
    assert result.exit_code == 1
    assert "linesift: error: resuming needs input files and an output path" in result.stderr
    assert "--resume needs input files and -o OUT" in result.stderr


# --- one big JSONL input --------------------------------------------------------------------

def test_big_jsonl_resumes_from_its_last_checkpoint_after_a_bad_record(sifter, tmp_path,
                                                                       small_parts):
    src = write_pages(tmp_path / "in.jsonl", bad_line=BAD_LINE)
    out = tmp_path / "out.jsonl"
    with pytest.raises(linesift.InputError, match=rf"in\.jsonl:{BAD_LINE}: malformed JSON"):
        filter_inputs([str(src)], str(out), sifter, FilterOptions(resume=True))
    assert not out.exists()
    done = done_pages(out)
    assert done > 0 and done % 50 == 0
    stats = filter_inputs([str(src)], str(out), sifter,
                          FilterOptions(resume=True, read=ReadOptions(on_error="skip")))
    assert read_ids(out) == expected_ids()  # none missing, none twice, in order
    assert (stats.resumed_pages, stats.pages) == (done, N_PAGES - done)
    assert [line for _, line, _ in stats.skipped] == [BAD_LINE]
    assert not parts_dir(out).exists()
    reference = tmp_path / "reference.jsonl"
    filter_inputs([str(src)], str(reference), sifter,
                  FilterOptions(read=ReadOptions(on_error="skip")))
    assert out.read_bytes() == reference.read_bytes()


def test_big_jsonl_gz_resumes_after_ctrl_c_through_the_cli(tiny_model, tmp_path, monkeypatch,
                                                          small_parts):
    src = write_pages(tmp_path / "in.jsonl")
    out = tmp_path / "out.jsonl.gz"
    args = ["filter", str(src), "-o", str(out), "-m", str(tiny_model), "--scores", "--resume"]
    interrupt = Interrupt(monkeypatch, RecordWriter, "write", after=120)
    result = runner.invoke(app, args)
    assert result.exit_code == 130 and "interrupted" in result.stderr
    assert done_pages(out) == 100 and not out.exists()
    interrupt.after = 10**9
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    assert "resuming after 100 pages already written" in result.stderr
    assert "200 pages" in result.stderr
    assert read_ids(out) == expected_ids()
    reference = tmp_path / "reference.jsonl"
    assert runner.invoke(app, [*args[:3], str(reference), *args[4:-1]]).exit_code == 0
    assert gzip.decompress(out.read_bytes()) == reference.read_bytes()


def test_big_jsonl_resumes_with_parallel_jobs(sifter, tmp_path, small_parts):
    src = write_pages(tmp_path / "in.jsonl", bad_line=BAD_LINE)
    out = tmp_path / "out.jsonl"
    with pytest.raises(linesift.InputError, match=rf":{BAD_LINE}:"):
        filter_inputs([str(src)], str(out), sifter, FilterOptions(resume=True, jobs=2))
    done = done_pages(out)
    stats = filter_inputs([str(src)], str(out), sifter,
                          FilterOptions(resume=True, jobs=2, read=ReadOptions(on_error="skip")))
    assert read_ids(out) == expected_ids() and stats.pages == N_PAGES - done


@pytest.mark.parametrize("change", ["input", "threshold"])
def test_checkpoints_are_discarded_when_input_or_settings_change(tiny_model, sifter, tmp_path,
                                                                 monkeypatch, small_parts, change):
    src = write_pages(tmp_path / "in.jsonl")
    out = tmp_path / "out.jsonl"
    interrupt = Interrupt(monkeypatch, RecordWriter, "write", after=120)
    with pytest.raises(KeyboardInterrupt):
        filter_inputs([str(src)], str(out), sifter, FilterOptions(resume=True))
    interrupt.after = 10**9
    assert done_pages(out) == 100
    if change == "input":
        write_pages(src, n=N_PAGES + 5)
        again = sifter
    else:
        again = linesift.load(tiny_model, threshold=0.9)
    stats = filter_inputs([str(src)], str(out), again, FilterOptions(resume=True))
    assert any("starting its output over" in note for note in stats.notes)
    n = N_PAGES + 5 if change == "input" else N_PAGES
    assert (stats.resumed_pages, stats.pages) == (0, n) and read_ids(out) == expected_ids(n)


def test_parquet_output_resumes_file_by_file(sifter, tmp_path, monkeypatch):
    src = write_pages(tmp_path / "in.jsonl", n=40)
    out = tmp_path / "out.parquet"
    interrupt = Interrupt(monkeypatch, FilterStats, "count", after=20)
    with pytest.raises(KeyboardInterrupt):
        filter_inputs([str(src)], str(out), sifter, FilterOptions(resume=True))
    assert not out.exists() and not parts_dir(out).exists()
    interrupt.after = 10**9
    stats = filter_inputs([str(src)], str(out), sifter, FilterOptions(resume=True))
    assert stats.pages == 40 and pd.read_parquet(out)["id"].tolist() == expected_ids(40)
    assert filter_inputs([str(src)], str(out), sifter,
                         FilterOptions(resume=True)).finished_files == 1
