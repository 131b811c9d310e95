import json

from typer.testing import CliRunner

from linesift.cli import app
from tests.conftest import EXAMPLE_PAGE

runner = CliRunner()


def test_help_explains_commands():
    result = runner.invoke(app, ["--help"])
    assert result.exit_code == 0
    for command in ["filter", "train", "evaluate", "explain"]:
        assert command in result.output
    filt = runner.invoke(app, ["filter", "--help"])
    assert "--scores" in filt.output and "--threshold" in filt.output


def test_filter_txt_to_stdout(tiny_model):
    result = runner.invoke(app, ["filter", str(EXAMPLE_PAGE), "--model", str(tiny_model), "-q"])
    assert result.exit_code == 0, result.output
    original = EXAMPLE_PAGE.read_text(encoding="utf-8").split("\n")
    kept = result.stdout.rstrip("\n").split("\n") if result.stdout.strip() else []
    it = iter(original)
    assert all(any(k == o for o in it) for k in kept)


def test_filter_jsonl_with_scores(tiny_model, sample_path, tmp_path):
    out = tmp_path / "o.jsonl"
    result = runner.invoke(app, ["filter", str(sample_path), "-o", str(out), "--scores",
                                 "--model", str(tiny_model), "--threshold", "0.3"])
    assert result.exit_code == 0, result.output
    first = json.loads(out.read_text(encoding="utf-8").splitlines()[0])
    assert all(k == (s is not None and s >= 0.3) for s, k in zip(first["scores"], first["keep"]))
    assert "25 pages" in result.stderr


def test_bad_input_is_one_line_without_traceback(tiny_model, tmp_path):
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"id": 1, "text": "ok"}\nnot json\n', encoding="utf-8")
    result = runner.invoke(app, ["filter", str(bad), "--model", str(tiny_model), "-q"])
    assert result.exit_code == 1
    assert "Traceback" not in result.output
    assert f"linesift: error: {bad}:2: malformed JSON" in result.stderr


def test_missing_model_is_a_clear_error(tmp_path):
    result = runner.invoke(app, ["filter", str(EXAMPLE_PAGE), "--model", str(tmp_path / "none")])
    assert result.exit_code == 1 and "does not exist" in result.stderr


def test_train_then_evaluate(sample_path, tmp_path):
    out = tmp_path / "m"
    result = runner.invoke(app, ["train", str(sample_path), "-o", str(out), "--folds", "0"])
    assert result.exit_code == 0, result.output
    result = runner.invoke(app, ["evaluate", str(sample_path), "--model", str(out), "--json"])
    assert result.exit_code == 0, result.output
    metrics = json.loads(result.stdout)
    assert metrics["overall"]["lines"] == 138
    assert {"de", "en", "fr"} <= set(metrics["per_lang"])


def test_explain_prints_a_row_per_line(tiny_model):
    result = runner.invoke(app, ["explain", str(EXAMPLE_PAGE), "--model", str(tiny_model)])
    assert result.exit_code == 0, result.output
    rows = result.stdout.strip().split("\n")
    n_lines = len(EXAMPLE_PAGE.read_text(encoding="utf-8").split("\n"))
    assert len(rows) == n_lines + 1
    assert "(blank)" in result.stdout


def test_help_and_readers_start_without_scikit_learn_or_pandas():
    import subprocess
    import sys

    code = ("import sys, linesift, linesift.cli; "
            "print(sorted(m for m in ('sklearn', 'pandas') if m in sys.modules)); "
            "print(linesift.load.__module__)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout.split("\n")
    assert out[0] == "[]"  # until a name that needs them is used
    assert out[1] == "linesift.sift"
