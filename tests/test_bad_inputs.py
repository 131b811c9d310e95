"""Bad input gets a clear one-line message naming the file (and line), and loses nothing.

One test per case of the table in docs/reliability.md; the files are in tests/data/bad/
(written by tests/make_bad_inputs.py). The 50 MB line and the unreadable files are made here.
"""

import json
import os
import shutil
import stat
import subprocess
import sys
import tempfile
import threading
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

import linesift
from linesift.cli import app
from linesift.features import MAX_FEATURE_CHARS, LineShape
from linesift.frame import lines_frame

BAD = Path(__file__).parent / "data" / "bad"
LINESIFT = Path(sys.executable).parent / "linesift"
ARTICLE = ["Accueil | Actualités | Contact",
           "Le café était très cher, déjà à l'époque où il ouvrait, et l'addition "
           "coûtait 5 €.",
           "",
           "© 2024 Le Journal"]
ALL_LINES = "\n".join(line for line in ARTICLE if line) + "\n"  # what --threshold 0 keeps
PREVIOUS = "previous output\n"

runner = CliRunner()


def run(model, *args):
    """`linesift filter ARGS` in-process; returns the result."""
    return runner.invoke(app, ["filter", *map(str, args), "--model", str(model), "-q"])


def run_real(model, *args):
    """`linesift filter ARGS` as a real process (the installed console script)."""
    return subprocess.run([str(LINESIFT), "filter", *map(str, args), "--model", str(model), "-q"],
                          capture_output=True, text=True, timeout=300)


def assert_one_line_error(result, expected, code=1):
    """Exit `code`, and stderr is exactly one line: ``linesift: error: <expected>``."""
    stderr = result.stderr
    assert result.exit_code == code, result.output
    assert "Traceback" not in stderr and "Traceback" not in result.stdout
    lines = stderr.strip().splitlines()
    assert len(lines) == 1, stderr
    assert lines[0].startswith(f"linesift: error: {expected}"), lines[0]


def previous_output(path):
    path.write_text(PREVIOUS, encoding="utf-8")
    return path


def assert_untouched(path):
    assert path.read_text(encoding="utf-8") == PREVIOUS
    assert not list(path.parent.glob(f".{path.name}.part-*"))


# --- text files -----------------------------------------------------------------------------

def test_binary_file_named_txt_is_refused_and_output_untouched(tiny_model, tmp_path):
    out = previous_output(tmp_path / "out.txt")
    src = BAD / "binary.txt"
    result = run(tiny_model, src, "-o", out)
    assert_one_line_error(result, f"{src}: looks like a binary file (gzip data), not text")
    assert "--encoding" in result.stderr
    assert_untouched(out)


def test_binary_file_real_process_has_no_traceback(tiny_model, tmp_path):
    out = previous_output(tmp_path / "out.txt")
    result = run_real(tiny_model, BAD / "binary.txt", "-o", out)
    assert result.returncode == 1 and result.stdout == ""
    assert result.stderr == (f"linesift: error: {BAD / 'binary.txt'}: looks like a binary file "
                             "(gzip data), not text; if it is text in another encoding, pass "
                             "--encoding\n")
    assert_untouched(out)


def test_random_bytes_are_binary_by_their_control_bytes(tiny_model, tmp_path):
    src = tmp_path / "noise.txt"
    src.write_bytes(bytes((i * 7919 + 13) % 256 for i in range(4096)))
    result = run(tiny_model, src)
    assert_one_line_error(result, f"{src}: looks like a binary file (")
    assert "control bytes" in result.stderr


def test_nul_bytes_in_text_are_kept_not_refused(tiny_model):
    result = run(tiny_model, BAD / "nul.txt", "--threshold", "0")
    assert result.exit_code == 0, result.output
    assert result.stdout == ALL_LINES.replace("Contact", "Con\x00tact")


def test_cp1252_text_is_detected(tiny_model):
    result = run(tiny_model, BAD / "cp1252.txt", "--threshold", "0")
    assert result.exit_code == 0, result.output
    assert result.stdout == ALL_LINES  # é, à and € decoded right


def test_wrong_or_unknown_encoding_is_a_clear_error(tiny_model):
    src = BAD / "cp1252.txt"
    result = run(tiny_model, src, "--encoding", "utf-8")
    assert_one_line_error(result, f"{src}: cannot decode as utf-8")
    result = run(tiny_model, src, "--encoding", "klingon")
    assert_one_line_error(result, "--encoding 'klingon' is not an encoding Python knows")
    assert run(tiny_model, src, "--encoding", "cp1252", "--threshold", "0").stdout == ALL_LINES


def test_utf8_bom_is_not_in_the_output(tiny_model):
    result = run(tiny_model, BAD / "bom.txt", "--threshold", "0")
    assert result.exit_code == 0 and result.stdout == ALL_LINES
    sifter = linesift.load(tiny_model)
    [page] = linesift.read_pages([BAD / "bom.txt"])
    [reference] = linesift.read_pages([BAD / "lf.txt"])
    assert page.text == reference.text and sifter.score(page.text) == sifter.score(reference.text)


@pytest.mark.parametrize("name", ["crlf.txt", "cr.txt"])
def test_crlf_and_lone_cr_give_the_same_result_as_lf(tiny_model, name):
    expected = run(tiny_model, BAD / "lf.txt").stdout
    result = run(tiny_model, BAD / name)
    assert result.exit_code == 0 and result.stdout == expected
    sifter = linesift.load(tiny_model)
    [page] = linesift.read_pages([BAD / name])
    [reference] = linesift.read_pages([BAD / "lf.txt"])
    assert page.lines == reference.lines
    assert sifter.score(page.text) == sifter.score(reference.text)


def test_crlf_and_cr_in_jsonl_text_are_lines_too(tiny_model, tmp_path):
    text = "\n".join(ARTICLE)
    src = tmp_path / "p.jsonl"
    src.write_text("".join(json.dumps({"id": k, "text": text.replace("\n", sep)}) + "\n"
                           for k, sep in [("lf", "\n"), ("crlf", "\r\n"), ("cr", "\r")]))
    out = tmp_path / "o.jsonl"
    assert run(tiny_model, src, "-o", out, "--scores").exit_code == 0
    records = [json.loads(line) for line in out.read_text().splitlines()]
    assert len({json.dumps([r["text"], r["scores"], r["keep"]]) for r in records}) == 1


@pytest.mark.parametrize("name", ["empty.txt", "empty.jsonl"])
def test_empty_file_gives_empty_output_and_no_error(tiny_model, tmp_path, name):
    result = run(tiny_model, BAD / name)
    assert result.exit_code == 0 and result.stdout == "" and result.stderr == ""
    out = tmp_path / ("out" + Path(name).suffix)
    assert run(tiny_model, BAD / name, "-o", out).exit_code == 0
    assert out.read_bytes() == b""


def test_a_50_mb_line_is_scored_on_a_prefix(tiny_model, tmp_path):
    """Bounded work: features look at MAX_FEATURE_CHARS (n-grams at fewer); output is exact."""
    sentence = "The committee said the report would be published in the spring. "
    huge = (sentence * (50_000_000 // len(sentence) + 1))[:50_000_000]
    src = tmp_path / "huge.txt"
    src.write_text(f"Home | News\n{huge}\n© 2024\n", encoding="utf-8")
    out = tmp_path / "out.txt"
    result = run(tiny_model, src, "-o", out, "--threshold", "0")
    assert result.exit_code == 0, result.output
    assert out.read_text(encoding="utf-8") == f"Home | News\n{huge}\n© 2024\n"
    frame = lines_frame([linesift.Page(id="x", text=huge)])
    shape = LineShape().fit(frame).transform(frame)
    assert shape["truncated"].tolist() == [1.0] and MAX_FEATURE_CHARS < len(huge)


def test_missing_file_is_an_error_even_with_skip(tiny_model, tmp_path):
    missing = tmp_path / "nope.txt"
    for extra in ([], ["--on-error", "skip"]):
        assert_one_line_error(run(tiny_model, missing, *extra),
                              f"{missing}: no such file or directory")


def test_missing_file_real_process(tiny_model, tmp_path):
    result = run_real(tiny_model, tmp_path / "nope.jsonl")
    assert result.returncode == 1
    missing = tmp_path / "nope.jsonl"
    assert result.stderr == f"linesift: error: {missing}: no such file or directory\n"


# --- a directory with an unreadable file ----------------------------------------------------

def pages_dir(tmp_path):
    """a.txt, b.txt (a symlink loop: unreadable even by root), c.txt."""
    src = tmp_path / "pages"
    src.mkdir()
    (src / "a.txt").write_text("The first page has a sentence of text.\n", encoding="utf-8")
    os.symlink("b.txt", src / "b.txt")
    (src / "c.txt").write_text("The third page has a sentence too.\n", encoding="utf-8")
    return src


def test_unreadable_file_in_a_directory_fails_naming_it(tiny_model, tmp_path):
    src, out = pages_dir(tmp_path), tmp_path / "clean"
    result = run(tiny_model, src, "-o", out)
    assert_one_line_error(result, f"{src / 'b.txt'}: cannot read (Too many levels of symbolic "
                                  "links)")
    assert sorted(p.name for p in out.iterdir()) == ["a.txt"]  # finished before b: complete


def test_unreadable_file_in_a_directory_is_skipped_and_counted(tiny_model, tmp_path):
    src, out = pages_dir(tmp_path), tmp_path / "clean"
    result = runner.invoke(app, ["filter", str(src), "-o", str(out), "--model", str(tiny_model),
                                 "--on-error", "skip", "--threshold", "0"])
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in out.iterdir()) == ["a.txt", "c.txt"]
    assert (out / "c.txt").read_text() == "The third page has a sentence too.\n"
    assert (f"linesift: skipped file {src / 'b.txt'}: cannot read (Too many levels of symbolic "
            "links) (no output written for it)") in result.stderr
    assert "2 pages" in result.stderr and "skipped 1 unreadable files" in result.stderr


def test_unreadable_file_real_process_skip(tiny_model, tmp_path):
    src, out = pages_dir(tmp_path), tmp_path / "clean"
    result = run_real(tiny_model, src, "-o", out, "--on-error", "skip")
    assert result.returncode == 0 and "Traceback" not in result.stderr
    assert f"skipped file {src / 'b.txt'}" in result.stderr
    assert sorted(p.name for p in out.iterdir()) == ["a.txt", "c.txt"]


def test_broken_symlink_in_a_directory_is_named_not_ignored(tiny_model, tmp_path):
    src = tmp_path / "pages"
    src.mkdir()
    os.symlink(tmp_path / "gone.txt", src / "link.txt")
    assert_one_line_error(run(tiny_model, src), f"{src / 'link.txt'}: is a broken symbolic link")


def pages_with_a_locked_file(parent):
    """`parent`/pages holding a readable page and `locked.txt` with mode 000."""
    src = parent / "pages"
    src.mkdir()
    (src / "a.txt").write_text("The first page has a sentence of text.\n", encoding="utf-8")
    locked = src / "locked.txt"
    locked.write_text("secret\n")
    locked.chmod(0)
    return src, locked


def test_permission_denied_file(tiny_model, tmp_path):
    src, locked = pages_with_a_locked_file(tmp_path)
    if os.access(locked, os.R_OK):
        pytest.skip("running as root: chmod 000 does not stop root reading (see the "
                    "setpriv test and the symlink-loop tests)")
    assert_one_line_error(run(tiny_model, src), f"{locked}: permission denied")
    result = run(tiny_model, src, "--on-error", "skip")
    assert result.exit_code == 0 and f"skipped file {locked}: permission denied" in result.stderr


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() != 0, reason="needs root")
def test_permission_denied_file_as_root_run_as_nobody(tiny_model):
    """As root (CI), chmod 000 stops only other users: run the real CLI as `nobody`."""
    setpriv = shutil.which("setpriv")
    if setpriv is None:
        pytest.skip("setpriv (util-linux) is not installed")
    root = Path(tempfile.mkdtemp(prefix="linesift-perm-"))
    try:
        root.chmod(0o755)
        model = root / "model"
        shutil.copytree(tiny_model, model)
        src, locked = pages_with_a_locked_file(root)
        for path in [model, *model.iterdir(), src, src / "a.txt"]:
            path.chmod(0o755 if path.is_dir() else 0o644)
        as_nobody = [setpriv, "--reuid=65534", "--regid=65534", "--clear-groups"]
        if subprocess.run([*as_nobody, sys.executable, "-c", "import linesift"],
                          capture_output=True).returncode != 0:
            pytest.skip("user nobody cannot run this interpreter or import linesift")
        cmd = [*as_nobody, str(LINESIFT), "filter", str(src), "--model", str(model), "-q"]
        result = subprocess.run(cmd, capture_output=True, text=True, timeout=300, cwd=root,
                                env={**os.environ, "HOME": str(root)})
        assert result.returncode == 1, result.stderr
        assert result.stderr == f"linesift: error: {locked}: permission denied\n"
        result = subprocess.run([*cmd, "--on-error", "skip"], capture_output=True, text=True,
                                timeout=300, cwd=root, env={**os.environ, "HOME": str(root)})
        assert result.returncode == 0 and "Traceback" not in result.stderr
        assert f"skipped file {locked}: permission denied" in result.stderr
    finally:
        shutil.rmtree(root)


def test_unlistable_subdirectory_is_an_error_not_silently_left_out(tiny_model, tmp_path,
                                                                  monkeypatch):
    src = pages_dir(tmp_path)
    (src / "b.txt").unlink()
    (src / "sub").mkdir()
    real_scandir = os.scandir

    def scandir(path="."):  # what chmod 000 on "sub" does for a non-root user
        if Path(path) == src / "sub":
            raise PermissionError(13, "Permission denied", str(path))
        return real_scandir(path)

    monkeypatch.setattr(os, "scandir", scandir)
    result = run(tiny_model, src)
    assert_one_line_error(result, f"{src / 'sub'}: cannot list directory (Permission denied)")


# --- records --------------------------------------------------------------------------------

def test_malformed_jsonl_line_fails_naming_file_and_line(tiny_model, tmp_path):
    src, out = BAD / "malformed.jsonl", previous_output(tmp_path / "out.jsonl")
    result = run(tiny_model, src, "-o", out)
    assert_one_line_error(result, f"{src}:2: malformed JSON (")
    assert_untouched(out)


def test_malformed_jsonl_real_process(tiny_model, tmp_path):
    out = previous_output(tmp_path / "out.jsonl")
    result = run_real(tiny_model, BAD / "malformed.jsonl", "-o", out)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert result.stderr.startswith(f"linesift: error: {BAD / 'malformed.jsonl'}:2: malformed JSON")
    assert len(result.stderr.splitlines()) == 1
    assert_untouched(out)


def test_malformed_jsonl_line_skipped_counted_and_reported(tiny_model, tmp_path):
    src, out = BAD / "malformed.jsonl", tmp_path / "out.jsonl"
    result = runner.invoke(app, ["filter", str(src), "-o", str(out), "--model", str(tiny_model),
                                 "--on-error", "skip"])
    assert result.exit_code == 0, result.output
    assert [json.loads(r)["id"] for r in out.read_text().splitlines()] == ["a", "b"]
    assert f"linesift: skipped {src}:2: malformed JSON" in result.stderr
    assert "2 pages" in result.stderr and "skipped 1 bad records" in result.stderr


@pytest.mark.parametrize("name, line, message", [
    ("no_text.jsonl", 2, "record has no 'text' field; see --text-field"),
    ("non_string_text.jsonl", 3, "field 'text' is int, not a string"),
])
def test_record_without_string_text(tiny_model, tmp_path, name, line, message):
    src, out = BAD / name, previous_output(tmp_path / "out.jsonl")
    result = run(tiny_model, src, "-o", out)
    assert_one_line_error(result, f"{src}:{line}: {message}")
    assert_untouched(out)
    result = run(tiny_model, src, "-o", out, "--on-error", "skip")
    assert result.exit_code == 0
    assert [json.loads(r)["id"] for r in out.read_text().splitlines()] == ["a", "b"]


def test_jsonl_not_utf8_names_the_line_and_suggests_encoding(tiny_model, tmp_path):
    src = tmp_path / "mixed.jsonl"
    lines = [json.dumps({"id": str(i), "text": f"Sentence number {i} here."}).encode()
             for i in range(100)]
    lines[59] = json.dumps({"id": "59", "text": "café"}, ensure_ascii=False).encode("cp1252")
    src.write_bytes(b"\n".join(lines) + b"\n")
    result = run(tiny_model, src)
    assert_one_line_error(result, f"{src}:60: not valid UTF-8 (invalid continuation byte); "
                                  "pass --encoding")
    assert run(tiny_model, src, "--on-error", "skip").stdout.count("\n") == 99
    whole = BAD / "cp1252.jsonl"
    assert run(tiny_model, whole).exit_code == 1
    result = run(tiny_model, whole, "--encoding", "cp1252", "--threshold", "0")
    assert json.loads(result.stdout.splitlines()[0])["text"] == ALL_LINES.rstrip("\n")


def test_jsonl_with_bom_and_crlf_reads(tiny_model):
    result = run(tiny_model, BAD / "bom.jsonl", "--threshold", "0")
    assert result.exit_code == 0, result.output
    assert [json.loads(r)["id"] for r in result.stdout.splitlines()] == ["a", "b"]


def test_truncated_gzip(tiny_model, tmp_path):
    src, out = BAD / "truncated.jsonl.gz", previous_output(tmp_path / "out.jsonl")
    result = run(tiny_model, src, "-o", out)
    assert_one_line_error(result, f"{src}: cannot read past line ")
    assert_untouched(out)
    result = run(tiny_model, src, "-o", out, "--on-error", "skip")
    read = len(out.read_text().splitlines())
    assert result.exit_code == 0 and 0 < read < 1000
    assert f"skipped {src}:{read + 1}: cannot read the rest of the file" in result.stderr


def test_parquet_without_text_column(tiny_model, tmp_path):
    src, out = BAD / "no_text_column.parquet", tmp_path / "out.parquet"
    pd.DataFrame({"id": ["old"], "text": ["previous"]}).to_parquet(out)
    result = run(tiny_model, src, "-o", out)
    assert_one_line_error(result, f"{src}: has no 'text' column (columns: id, body); see "
                                  "--text-field")
    assert pd.read_parquet(out)["id"].tolist() == ["old"]
    assert run(tiny_model, src, "-o", out, "--text-field", "body").exit_code == 0
    assert pd.read_parquet(out)["id"].tolist() == ["a", "b"]


def test_parquet_without_text_column_real_process(tiny_model, tmp_path):
    result = run_real(tiny_model, BAD / "no_text_column.parquet", "-o", tmp_path / "o.parquet")
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert result.stderr.startswith(
        f"linesift: error: {BAD / 'no_text_column.parquet'}: has no 'text' column")
    assert not (tmp_path / "o.parquet").exists()


# --- where the output goes ------------------------------------------------------------------

def test_output_through_a_symlink_replaces_the_file_it_names(tiny_model, tmp_path):
    real, link = tmp_path / "real.txt", tmp_path / "link.txt"
    real.write_text("old\n")
    os.symlink(real.name, link)
    assert run(tiny_model, BAD / "lf.txt", "-o", link, "--threshold", "0").exit_code == 0
    assert link.is_symlink() and real.read_text(encoding="utf-8") == ALL_LINES


def test_output_to_a_fifo_writes_into_it_not_over_it(tiny_model, tmp_path):
    fifo = tmp_path / "pipe.txt"
    os.mkfifo(fifo)
    received = []
    reader = threading.Thread(target=lambda: received.append(fifo.read_text(encoding="utf-8")))
    reader.start()
    result = run(tiny_model, BAD / "lf.txt", "-o", fifo, "--threshold", "0")
    reader.join(timeout=60)
    assert result.exit_code == 0, result.output
    assert stat.S_ISFIFO(fifo.stat().st_mode) and received == [ALL_LINES]


def test_output_that_cannot_be_written_is_one_line(tiny_model, tmp_path):
    (tmp_path / "clean").mkdir()
    (tmp_path / "clean" / "lf.txt").mkdir()  # the target is a directory
    result = run(tiny_model, BAD / "lf.txt", "-o", f"{tmp_path / 'clean'}/")
    assert_one_line_error(result, f"{tmp_path / 'clean' / 'lf.txt'}: Is a directory")
    (tmp_path / "file").write_text("x")
    result = run(tiny_model, BAD / "lf.txt", "-o", tmp_path / "file" / "out.txt")
    assert_one_line_error(result, f"{tmp_path / 'file'}/")
    assert "Not a directory" in result.stderr


def test_corrupt_parquet_row_group(tiny_model, tmp_path):
    import pyarrow as pa
    import pyarrow.parquet as pq

    src = tmp_path / "rows.parquet"
    pq.write_table(pa.table({"id": [f"p{i}" for i in range(3000)],
                             "text": [f"Sentence number {i} of the page." for i in range(3000)]}),
                   src, row_group_size=1000)
    offset = pq.ParquetFile(src).metadata.row_group(2).column(1).data_page_offset
    data = bytearray(src.read_bytes())
    data[offset + 40: offset + 400] = bytes((i * 37) % 256 for i in range(360))
    src.write_bytes(bytes(data))
    out = tmp_path / "out.parquet"
    result = run(tiny_model, src, "-o", out)
    assert_one_line_error(result, f"{src}: cannot read past row ")
    assert not out.exists()
    result = run(tiny_model, src, "-o", out, "--on-error", "skip")
    kept = len(pd.read_parquet(out))
    assert result.exit_code == 0 and 1000 <= kept < 3000
    assert f"linesift: skipped {src}:{kept + 1}: cannot read the rest of the file" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
