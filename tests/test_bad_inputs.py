"""Bad input gets a clear one-line message naming the file (and line), and loses nothing.

One test per case of the table in docs/reliability.md; the files are in tests/data/bad/
(written by tests/make_bad_inputs.py). The 50 MB line and the unreadable files are made here.
"""

import gzip
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
    assert_one_line_error(result, f"{src}: is gzip-compressed, not text: decompress it")
    assert "--encoding" not in result.stderr  # it is not an encoding problem
    assert_untouched(out)


def test_binary_file_real_process_has_no_traceback(tiny_model, tmp_path):
    out = previous_output(tmp_path / "out.txt")
    result = run_real(tiny_model, BAD / "binary.txt", "-o", out)
    assert result.returncode == 1 and result.stdout == ""
    assert result.stderr == (f"linesift: error: {BAD / 'binary.txt'}: is gzip-compressed, not "
                             "text: decompress it (gunzip), or give pages as JSON Lines named "
                             ".jsonl.gz\n")
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


# --- second round: nothing lost with exit 0, inputs never overwritten (issue 17) -------------

def records_of(path):
    if str(path).endswith(".parquet"):
        return pd.read_parquet(path).to_dict("records")
    return [json.loads(line) for line in Path(path).read_text(encoding="utf-8").split("\n")
            if line]


def test_almost_utf8_page_is_utf8_with_the_bad_byte_replaced_and_reported(tiny_model):
    src = BAD / "stray_byte.txt"
    result = run(tiny_model, src, "--threshold", "0")
    assert result.exit_code == 0, result.output
    assert result.stdout == ALL_LINES.replace("Accueil | Ac", "Accueil | Ac\ufffd")
    assert result.stderr == (f"linesift: {src}: 1 invalid UTF-8 sequence (the first at byte "
                             "12) read as U+FFFD\n")


def test_legacy_charset_is_still_detected_not_read_as_broken_utf8(tiny_model):
    result = run(tiny_model, BAD / "cp1252.txt", "--threshold", "0")
    assert result.stdout == ALL_LINES and result.stderr == ""


def test_encoding_utf8_given_drops_the_bom_too(tiny_model):
    for encoding in ("utf-8", "UTF8"):
        result = run(tiny_model, BAD / "bom.txt", "--threshold", "0", "--encoding", encoding)
        assert result.exit_code == 0 and result.stdout == ALL_LINES


def test_gzip_data_named_jsonl_is_read_as_gzip(tiny_model):
    result = run(tiny_model, BAD / "gzip_named.jsonl", "--threshold", "0")
    assert result.exit_code == 0, result.output
    assert [json.loads(r)["id"] for r in result.stdout.splitlines()] == ["a", "b"]


def test_jsonl_that_is_another_binary_format_names_it(tiny_model, tmp_path):
    src = tmp_path / "p.jsonl"
    src.write_bytes(b"PK\x03\x04" + bytes(100))
    assert_one_line_error(run(tiny_model, src), f"{src}: looks like a binary file (zip data), "
                                                "not JSON Lines")


@pytest.mark.parametrize("name, reason", [
    ("lone_surrogate.jsonl", "field 'text' holds a lone surrogate \\udce9, which is not text"),
    ("deep.jsonl", "malformed JSON (nested too deeply to read)"),
])
def test_records_json_cannot_hold_are_bad_records(tiny_model, tmp_path, name, reason):
    src, out = BAD / name, previous_output(tmp_path / "out.jsonl")
    assert_one_line_error(run(tiny_model, src, "-o", out), f"{src}:2: {reason}")
    assert_untouched(out)
    result = run(tiny_model, src, "-o", out, "--on-error", "skip")
    assert result.exit_code == 0 and f"linesift: skipped {src}:2: {reason}" in result.stderr
    assert [r["id"] for r in records_of(out)] == ["a", "b"]


@pytest.mark.parametrize("out_name", ["out.jsonl", "out.jsonl.gz"])
def test_ids_and_fields_keep_their_json_types(tiny_model, tmp_path, out_name):
    src, out = BAD / "typed_ids.jsonl", tmp_path / out_name
    assert run(tiny_model, src, "-o", out, "--threshold", "0").exit_code == 0
    data = out.read_bytes()
    lines = (gzip.decompress(data) if out_name.endswith(".gz") else data).decode().splitlines()
    got = [json.loads(line) for line in lines]
    want = [json.loads(line) for line in src.read_text().splitlines()]
    assert [r["id"] for r in got] == [1, None, {"k": [1, 2]}, 2.5, True, "s", [1, "a"]]
    assert [list(r) for r in got] == [list(r) for r in want]  # no field added or moved
    assert [r["n"] for r in got] == list(range(7))


def test_a_record_without_an_id_gets_none_written(tiny_model, tmp_path):
    src, out = tmp_path / "p.jsonl", tmp_path / "o.jsonl"
    src.write_text(json.dumps({"text": "One sentence of a page.", "url": "u"}) + "\n")
    assert run(tiny_model, src, "-o", out, "--threshold", "0").exit_code == 0
    assert records_of(out) == [{"text": "One sentence of a page.", "url": "u"}]


def test_scores_never_overwrite_a_field_of_the_input(tiny_model, tmp_path):
    src, out = BAD / "has_scores.jsonl", previous_output(tmp_path / "out.jsonl")
    result = run(tiny_model, src, "-o", out, "--scores")
    assert_one_line_error(result, f"{src}:1: record already has a 'scores' field, which "
                                  "linesift's own 'scores' would overwrite")
    assert_untouched(out)
    assert run(tiny_model, src, "-o", out).exit_code == 0  # without --scores: kept as it is
    [record] = records_of(out)
    assert record["scores"] == "mine" and record["keep"] == [True]


def test_parquet_output_takes_every_field_whenever_it_first_appears(tiny_model, tmp_path):
    src, out = BAD / "late_fields.jsonl", tmp_path / "out.parquet"
    result = run(tiny_model, src, "-o", out, "--threshold", "0")
    assert result.exit_code == 0, result.output
    table = pq_read(out)
    assert table.num_rows == 1200 and table.column_names == ["id", "text", "x", "late"]
    assert table.column("x").to_pylist() == [None] * 1000 + [f"x{i}" for i in range(1000, 1200)]
    assert table.column("late").to_pylist() == [None] * 1100 + list(range(1100, 1200))
    assert str(table.schema.field("id").type) == "int64"


def pq_read(path):
    import pyarrow.parquet as pq

    return pq.read_table(path)


def test_values_parquet_cannot_hold_are_one_line_and_leave_the_earlier_output(tiny_model,
                                                                             tmp_path):
    out = tmp_path / "out.parquet"
    pd.DataFrame({"id": ["old"], "text": ["previous"]}).to_parquet(out)
    result = run(tiny_model, BAD / "empty_object.jsonl", "-o", out)
    assert_one_line_error(result, f"{out}: field 'meta' holds an empty object ({{}}) (rows 1 "
                                  "to 1), which Parquet cannot store")
    mixed = tmp_path / "mixed.jsonl"
    mixed.write_text("".join(json.dumps({"id": i, "text": "A page.", "v": v}) + "\n"
                             for i, v in enumerate([1, 2, "three"])))
    result = run(tiny_model, mixed, "-o", out)
    assert_one_line_error(result, f"{out}: row 3: field 'v' is a string but a number in an "
                                  "earlier row; a Parquet column holds one type")
    assert pd.read_parquet(out)["id"].tolist() == ["old"]
    assert not list(tmp_path.glob(".out.parquet.part-*"))
    assert run(tiny_model, BAD / "empty_object.jsonl", "-o", tmp_path / "o.jsonl").exit_code == 0
    assert records_of(tmp_path / "o.jsonl")[0]["meta"] == {}  # JSON Lines keeps it


def test_parquet_timestamps_and_decimals(tiny_model, tmp_path):
    """To JSON Lines as ISO 8601 and exact strings; to Parquet with their own types."""
    import pyarrow.parquet as pq

    src = BAD / "typed_columns.parquet"
    result = run(tiny_model, src, "-o", tmp_path / "o.jsonl", "--threshold", "0")
    assert result.exit_code == 0, result.output
    first, second = records_of(tmp_path / "o.jsonl")
    assert (first["id"], first["when"], first["day"], first["price"]) == (
        1, "2024-05-01T12:30:00+00:00", "2024-05-01", "12.50")
    assert (second["when"], second["day"], second["price"]) == (None, "1999-12-31", "-0.01")
    assert run(tiny_model, src, "-o", tmp_path / "o.parquet", "--threshold", "0").exit_code == 0
    assert pq.read_schema(tmp_path / "o.parquet").equals(pq.read_schema(src))
    columns = ["id", "when", "day", "price"]  # the text is the cleaned text
    assert pq.read_table(tmp_path / "o.parquet", columns=columns).to_pylist() == \
        pq.read_table(src, columns=columns).to_pylist()


def test_cut_wet_file_is_an_error_or_a_counted_skip_never_a_short_read(tiny_model, tmp_path):
    src, out = BAD / "cut.warc.wet.gz", previous_output(tmp_path / "out.jsonl")
    reason = "record 2 has no WARC headers: the file is cut or corrupt"
    assert_one_line_error(run(tiny_model, src, "-o", out),
                          f"{src}: cannot read past record 1 ({reason})")
    assert_untouched(out)
    result = run(tiny_model, src, "-o", out, "--on-error", "skip", "--threshold", "0")
    assert result.exit_code == 0
    assert f"linesift: skipped {src}:2: cannot read the rest of the file ({reason})" in \
        result.stderr
    [record] = records_of(out)
    assert record["id"] == "https://example.org/0" and record["text"].startswith("Page 0.")


def test_uncompressed_wet_cut_inside_a_record_is_an_error(tiny_model, tmp_path):
    import io

    from warcio.warcwriter import WARCWriter

    buffer = io.BytesIO()
    writer = WARCWriter(buffer, gzip=False)
    for i in range(2):
        writer.write_record(writer.create_warc_record(
            f"https://example.org/{i}", "conversion", warc_content_type="text/plain",
            payload=io.BytesIO(ALL_LINES.encode("utf-8"))))
    whole = buffer.getvalue()
    src = tmp_path / "cut.warc.wet"
    src.write_bytes(whole[: len(whole) - 4 - 40])  # the record ends with 4 bytes of CRLF CRLF
    assert_one_line_error(run(tiny_model, src), f"{src}: cannot read past record 1 (record 2 "
                                                "ends 40 bytes before its Content-Length")


def test_warc_records_that_are_not_plain_text_are_left_out_and_reported(tiny_model, tmp_path):
    src = BAD / "html_png.warc.gz"
    for extra in ([], ["--on-error", "skip"]):
        out = tmp_path / "out.jsonl"
        result = run(tiny_model, src, "-o", out, "--threshold", "0", *extra)
        assert result.exit_code == 0, result.output
        assert [r["id"] for r in records_of(out)] == ["https://example.org/page.txt"]
        assert result.stderr == (f"linesift: {src}: left out 2 WARC records that are not "
                                 "plain text (1 text/html, 1 image/png)\n")


@pytest.mark.parametrize("case", ["txt", "jsonl", "dir", "inside", "empty", "link"])
@pytest.mark.parametrize("resume", [False, True])
def test_an_output_that_is_an_input_is_refused_before_anything_is_written(tiny_model, tmp_path,
                                                                           case, resume):
    pages = tmp_path / "pages"
    pages.mkdir()
    (pages / "a.txt").write_bytes((BAD / "lf.txt").read_bytes())
    (tmp_path / "p.jsonl").write_bytes((BAD / "malformed.jsonl").read_bytes().splitlines()[0]
                                       + b"\n")
    os.symlink(pages / "a.txt", tmp_path / "link.txt")
    src, out, expected = {
        "txt": (pages / "a.txt", pages / "a.txt", f"{pages / 'a.txt'}: is the input"),
        "jsonl": (tmp_path / "p.jsonl", tmp_path / "p.jsonl", f"{tmp_path / 'p.jsonl'}: is the"),
        "dir": (pages, pages, f"{pages}: is inside the input directory"),
        "inside": (pages, pages / "clean", f"{pages / 'clean'}: is inside the input directory"),
        "empty": (pages / "a.txt", "", "the output path is empty"),
        "link": (pages / "a.txt", tmp_path / "link.txt", f"{tmp_path / 'link.txt'}: is the input"),
    }[case]
    before = {p: p.read_bytes() for p in tmp_path.rglob("*") if p.is_file()}
    result = run(tiny_model, src, "-o", out, *(["--resume"] if resume else []))
    assert_one_line_error(result, expected)
    after = {p: p.read_bytes() for p in tmp_path.rglob("*") if p.is_file()}
    assert after == before  # nothing written, no marker


def test_a_file_name_that_is_not_utf8(tiny_model, tmp_path):
    name = os.fsdecode(b"caf\xe9.txt")
    src = tmp_path / name
    src.write_bytes((BAD / "lf.txt").read_bytes())
    result = run_real(tiny_model, src, "-o", tmp_path / "o.jsonl", "--threshold", "0")
    assert result.returncode == 0, result.stderr
    [record] = records_of(tmp_path / "o.jsonl")
    assert record["id"] == str(tmp_path / "caf\\xe9.txt")
    bad = tmp_path / os.fsdecode(b"bin\xff.txt")
    bad.write_bytes((BAD / "binary.txt").read_bytes())
    result = run_real(tiny_model, bad)
    assert result.returncode == 1 and len(result.stderr.splitlines()) == 1
    assert "is gzip-compressed" in result.stderr and "Traceback" not in result.stderr


def test_a_directory_without_txt_files_is_an_error_and_upper_case_txt_is_read(tiny_model,
                                                                              tmp_path):
    empty = tmp_path / "empty"
    empty.mkdir()
    (empty / "notes.md").write_text("# not a page\n")
    assert_one_line_error(run(tiny_model, empty), f"{empty}: is a directory with no .txt "
                                                  "files below it")
    upper = tmp_path / "upper"
    upper.mkdir()
    (upper / "PAGE.TXT").write_bytes((BAD / "lf.txt").read_bytes())
    result = run(tiny_model, upper, "--threshold", "0")
    assert result.exit_code == 0 and result.stdout == ALL_LINES


@pytest.mark.parametrize("args, message", [
    (["filter", "--bogus"], "No such option: --bogus"),
    (["filter", "p.txt", "--jobs", "0"], "Invalid value for '--jobs' / '-j'"),
    (["bogus"], "No such command 'bogus'"),
    (["train"], "Missing argument 'DATA'"),
])
def test_usage_errors_are_one_line_with_exit_2(args, message):
    result = subprocess.run([str(LINESIFT), *args], capture_output=True, text=True, timeout=300)
    assert result.returncode == 2 and result.stdout == ""
    [line] = result.stderr.splitlines()
    assert line.startswith(f"linesift: error: {message}") and line.endswith(" --help`"), line


# --- models and training ----------------------------------------------------------------------

@pytest.mark.parametrize("change, message", [
    (lambda card: [1, 2], "a card is a JSON object, not a list"),
    (lambda card: {**card, "sha256": 5}, "'sha256' must be a string, not int"),
    (lambda card: {**card, "threshold": "0.5"}, "'threshold' must be a number from 0 to 1"),
    (lambda card: {**card, "threshold": 5}, "'threshold' must be a number from 0 to 1, not 5"),
    (lambda card: {**card, "threshold": True}, "'threshold' must be a number from 0 to 1"),
])
def test_a_malformed_card_is_one_line(tiny_model, tmp_path, change, message):
    model = tmp_path / "model"
    shutil.copytree(tiny_model, model)
    card = json.loads((model / "card.json").read_text())
    (model / "card.json").write_text(json.dumps(change(card)))
    result = runner.invoke(app, ["filter", str(BAD / "lf.txt"), "--model", str(model)])
    assert_one_line_error(result, f"{model / 'card.json'}: {message}")


def labelled(tmp_path, labels):
    path = tmp_path / "labels.jsonl"
    text = "Home | News\nA sentence of the article, long enough to count.\n© 2024"
    path.write_text("".join(json.dumps({"id": str(i), "domain": f"s{i}.example", "text": text,
                                        "labels": labels}) + "\n" for i in range(4)
                            if labels is not None))
    return path


@pytest.mark.parametrize("labels, message", [
    (["content"] * 3, "every labelled line is 'content' (12 lines) and none is 'boilerplate'"),
    (["boilerplate"] * 3, "every labelled line is 'boilerplate' (12 lines) and none is "
                          "'content'"),
    ([None] * 3, "no line is labelled (all 12 labels are null)"),
    (None, "no labelled pages to train on"),
])
def test_train_without_both_labels_is_one_line(tmp_path, labels, message):
    data = labelled(tmp_path, labels)
    result = runner.invoke(app, ["train", str(data), "-o", str(tmp_path / "m"), "--folds", "0"])
    assert_one_line_error(result, f"{data}: {message}")
    assert not (tmp_path / "m").exists()


def test_train_with_one_label_only_on_blank_lines_is_one_line(tmp_path):
    """Blank lines are not trained on: a label found only there is missing (it was a
    classifier traceback after the merge of issues 15 and 17)."""
    data = tmp_path / "labels.jsonl"
    text = "Home | News\n\nA sentence of the article, long enough to count.\n\n© 2024"
    labels = ["boilerplate", "content", "boilerplate", "content", "boilerplate"]
    data.write_text("".join(json.dumps({"id": str(i), "domain": f"s{i}.example", "text": text,
                                        "labels": labels}) + "\n" for i in range(4)))
    result = runner.invoke(app, ["train", str(data), "-o", str(tmp_path / "m"), "--folds", "0"])
    assert_one_line_error(result, f"{data}: no non-blank line is labelled 'content': its 8 "
                                  "label(s) are on blank lines")
    assert not (tmp_path / "m").exists()


def _group_raising(exc):
    import typer

    from linesift.cli.app import _OneLineErrors

    group = typer.Typer(cls=_OneLineErrors, add_completion=False,
                        pretty_exceptions_enable=False, rich_markup_mode=None)

    @group.command()
    def fail():
        raise exc

    @group.command()
    def other():
        pass

    return group


def test_an_abort_prints_aborted():
    import typer

    result = runner.invoke(_group_raising(typer.Abort()), ["fail"])
    assert result.exit_code == 1 and result.stderr.strip() == "linesift: aborted", result.output


def test_an_unexpected_error_is_not_hidden_by_the_error_handling():
    result = runner.invoke(_group_raising(ValueError("a bug")), ["fail"])
    assert isinstance(result.exception, ValueError), repr(result.exception)


@pytest.mark.parametrize("text", ["", "\n\n  \n"])
def test_explain_an_empty_or_blank_page(tiny_model, tmp_path, text):
    src = tmp_path / "blank.txt"
    src.write_text(text)
    result = runner.invoke(app, ["explain", str(src), "--model", str(tiny_model)])
    assert result.exit_code == 0, result.output
    rows = result.stdout.splitlines()
    assert len(rows) == 1 + len(text.split("\n")) and all("(blank)" in r for r in rows[1:])


@pytest.mark.parametrize("content", [b"garbage\n", b"[1, 2]\n", b"PAR1" + bytes(20)])
@pytest.mark.parametrize("name", ["stats.jsonl", "stats.parquet"])
def test_a_garbage_site_stats_file_is_one_line(tmp_path, content, name):
    from linesift.errors import InputError
    from linesift.features.site import load_site_stats

    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(InputError, match=f"^{path}: not a (readable )?linesift site-stats file"):
        load_site_stats(path)


def test_site_stats_and_explain_drops_never_overwrite_an_input(tiny_model, tmp_path):
    src = tmp_path / "p.jsonl"
    src.write_bytes((BAD / "malformed.jsonl").read_bytes().splitlines()[0] + b"\n")
    before = src.read_bytes()
    result = runner.invoke(app, ["site-stats", str(src), "-o", str(src)])
    assert_one_line_error(result, f"{src}: is the input {src}")
    result = run(tiny_model, src, "-o", tmp_path / "o.jsonl", "--explain-drops", src)
    assert_one_line_error(result, f"{src}: is the input {src}")
    assert src.read_bytes() == before and not (tmp_path / "o.jsonl").exists()
