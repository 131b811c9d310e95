"""One write rule for every output: an output that is an input is refused before any work; an
output is written beside its target and replaces it only after success; errors name the path
as the user gave it; a model directory is replaced only when the model and every extra asked
for are written. Plus the checks that make inputs and arguments say what they are."""

import gzip
import json

import pytest
from typer.testing import CliRunner

import linesift
from linesift.cli import app
from linesift.features.site import count_site_lines, load_site_stats
from linesift.formats import read_labelled_pages
from tests.test_bad_inputs import assert_one_line_error

runner = CliRunner()


@pytest.fixture
def labels(tmp_path, sample_path):
    path = tmp_path / "labels.jsonl"
    with gzip.open(sample_path, "rt", encoding="utf-8") as fh:
        path.write_text(fh.read(), encoding="utf-8")
    return path


def _invoke(args):
    return runner.invoke(app, [str(a) for a in args])


@pytest.mark.parametrize("command", [
    ["labels", "audit", "{L}", "-o", "{L}"],
    ["evaluate", "{L}", "--curve", "{L}"],
    ["train", "{L}", "-o", "{D}/m", "--curve", "{L}", "--folds", "0"],
    ["train", "{L}", "-o", "{D}", "--folds", "0"],
    ["site-stats", "{L}", "-o", "{L}"],
])
def test_an_output_that_is_an_input_is_refused_before_any_work(command, labels, tmp_path):
    before = labels.read_bytes()
    args = [a.replace("{L}", str(labels)).replace("{D}", str(tmp_path)) for a in command]
    result = _invoke(args)
    assert result.exit_code == 1, result.output
    assert "linesift: error:" in result.stderr and "input" in result.stderr
    assert labels.read_bytes() == before


def test_train_refuses_a_file_or_a_foreign_folder_as_its_model_before_fitting(labels, tmp_path):
    target = tmp_path / "notes.txt"
    target.write_text("mine")
    result = _invoke(["train", labels, "-o", target, "--folds", "0"])
    assert_one_line_error(result, f"{target}: exists and is not a directory")
    folder = tmp_path / "photos"
    folder.mkdir()
    (folder / "cat.jpg").write_bytes(b"\xff\xd8")
    result = _invoke(["train", labels, "-o", folder, "--folds", "0"])
    assert_one_line_error(result, f"{folder}: is a directory that holds no linesift model")
    assert (folder / "cat.jpg").read_bytes() == b"\xff\xd8" and target.read_text() == "mine"


def test_a_failed_curve_leaves_the_earlier_model_as_it_was(labels, tmp_path):
    model = tmp_path / "m"
    assert _invoke(["train", labels, "-o", model, "--folds", "0"]).exit_code == 0
    before = {p.name: p.read_bytes() for p in model.iterdir()}
    result = _invoke(["train", labels, "-o", model, "--folds", "2",
                      "--curve", "/proc/linesift-curve.png"])
    assert result.exit_code == 1
    assert "/proc/linesift-curve.png" in result.stderr  # the path as given, not a temporary
    assert ".part-" not in result.stderr
    assert {p.name: p.read_bytes() for p in model.iterdir()} == before
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".m")]  # nothing left


def test_a_curve_inside_the_model_directory_is_written_with_it(labels, tmp_path):
    model = tmp_path / "m"
    result = _invoke(["train", labels, "-o", model, "--folds", "2",
                      "--curve", model / "curve.png"])
    assert result.exit_code == 0, result.output
    assert (model / "curve.png").read_bytes()[:4] == b"\x89PNG"
    assert json.loads((model / "card.json").read_text())["learning_curve"]


def test_site_stats_files_say_what_they_are(tmp_path, sample_path):
    pages = list(read_labelled_pages([str(sample_path)]))
    for name in ("counts.jsonl", "counts.parquet"):
        path = count_site_lines(pages).save(tmp_path / name)
        assert load_site_stats(path) == count_site_lines(pages)
    # a JSONL counts file cut at a line boundary is refused, not used
    full = (tmp_path / "counts.jsonl").read_text().splitlines(keepends=True)
    (tmp_path / "cut.jsonl").write_text("".join(full[:-3]))
    with pytest.raises(linesift.InputError, match="cut short"):
        load_site_stats(tmp_path / "cut.jsonl")
    # a Parquet file without linesift's marker is refused
    import pyarrow.parquet as pq

    table = pq.read_table(tmp_path / "counts.parquet").replace_schema_metadata({})
    pq.write_table(table, tmp_path / "foreign.parquet")
    with pytest.raises(linesift.InputError, match="marker"):
        load_site_stats(tmp_path / "foreign.parquet")


def test_site_stats_for_a_model_without_site_columns_get_a_note(tiny_model, tmp_path,
                                                                sample_path):
    counts = count_site_lines(list(read_labelled_pages([str(sample_path)])))
    path = counts.save(tmp_path / "counts.jsonl")
    page = tmp_path / "page.txt"
    page.write_text("Home | News\nA sentence of the article, long enough to be one.\n")
    result = _invoke(["filter", page, "-m", tiny_model, "--site-stats", path])
    assert result.exit_code == 0
    assert "counts no site repetition" in result.stderr


def test_nan_in_a_jsonl_record_is_a_bad_record_not_written_back(tmp_path):
    data = tmp_path / "nan.jsonl"
    data.write_text('{"id": "a", "text": "x", "score": NaN}\n{"id": "b", "text": "y"}\n')
    result = _invoke(["filter", data])
    assert_one_line_error(result, f"{data}:1: NaN is not a JSON value")
    result = _invoke(["filter", data, "--on-error", "skip"])
    assert result.exit_code == 0 and "NaN" not in result.stdout


def test_explain_reads_records_not_their_raw_lines(tmp_path):
    data = tmp_path / "two.jsonl"
    data.write_text(json.dumps({"id": "p1", "domain": "a.example", "text": "Menu\nA line."})
                    + "\n" + json.dumps({"id": "p2", "text": "Other\nText."}) + "\n")
    result = _invoke(["explain", data])
    assert result.exit_code == 0, result.output
    assert "== page p1 (a.example)" in result.output and "== page p2" in result.output
    assert '"id"' not in result.output  # no JSON line explained as text


def test_a_file_name_with_a_line_break_gives_a_one_line_error(tmp_path):
    odd = tmp_path / "two\nlines.txt"
    result = _invoke(["filter", odd])
    assert_one_line_error(result, f"{tmp_path}/two\\nlines.txt")


def test_gzip_named_txt_says_what_it_is(tmp_path):
    path = tmp_path / "page.txt"
    path.write_bytes(gzip.compress(b"Some text\n"))
    result = _invoke(["filter", path])
    assert_one_line_error(result, f"{path}: is gzip-compressed, not text")
    assert "--encoding" not in result.stderr


@pytest.mark.parametrize("threshold", [5, -0.5, float("nan"), "0.5", True])
def test_the_python_api_checks_its_arguments(threshold):
    with pytest.raises(ValueError, match="threshold"):
        linesift.load(threshold=threshold)


def test_the_python_api_refuses_a_string_for_a_list():
    from linesift.run import filter_inputs

    sifter = linesift.load()
    with pytest.raises(TypeError, match="iterable of pages"):
        list(sifter.sift_pages("a string"))
    with pytest.raises(TypeError, match="list of paths"):
        filter_inputs("in.jsonl", None, sifter)


def test_train_base_on_a_foreign_pipeline_is_one_line(tmp_path, labels):
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import Pipeline

    from linesift.model import save_model

    foreign = tmp_path / "foreign"
    save_model(Pipeline([("lr", LogisticRegression())]), foreign, {"name": "foreign"})
    result = _invoke(["train", labels, "-o", tmp_path / "m", "--base", foreign])
    assert_one_line_error(result, f"{foreign}: its model ends in a LogisticRegression")


def test_labels_audit_of_an_empty_file_is_one_line(tmp_path):
    empty = tmp_path / "empty.jsonl"
    empty.write_text("")
    result = _invoke(["labels", "audit", empty, "-o", tmp_path / "a.csv"])
    assert_one_line_error(result, f"{empty}: no labelled pages")


def test_stdin_records_are_read_as_records(tmp_path):
    records = "".join(json.dumps({"id": f"p{n}", "text": "Menu | Home\nThe article's sentence, "
                                  "long enough to be kept as one."}) + "\n" for n in range(2))
    result = runner.invoke(app, ["filter", "-"], input=records)
    assert result.exit_code == 0, result.output
    rows = [json.loads(line) for line in result.stdout.splitlines() if line]
    assert [r["id"] for r in rows] == ["p0", "p1"] and "Menu" not in rows[0]["text"]
    text = runner.invoke(app, ["filter", "-"], input="{not a record}\nA line of text.\n")
    assert text.exit_code == 0 and not text.stdout.startswith("{\"id\"")


def test_outputs_whose_name_contradicts_their_format_are_refused(tmp_path):
    folder = tmp_path / "pages"
    folder.mkdir()
    (folder / "a.txt").write_text("Home\nSome sentence of an article, long enough.\n")
    result = _invoke(["filter", folder, "-o", tmp_path / "clean.txt"])
    assert_one_line_error(result, f"{tmp_path / 'clean.txt'}: names a file")
    assert not (tmp_path / "clean.txt").exists()
    data = tmp_path / "in.jsonl"
    data.write_text(json.dumps({"id": "a", "text": "x"}) + "\n")
    result = _invoke(["filter", data, "-o", tmp_path / "out.txt"])
    assert_one_line_error(result, f"{tmp_path / 'out.txt'}: a .txt output holds one page")
    assert not (tmp_path / "out.txt").exists()


def test_counts_of_another_crawl_get_a_note(tmp_path):
    def crawl(site):
        return "".join(json.dumps({"id": f"{site}/{n}", "domain": site, "text":
                                   f"Menu | {site}\nArticle {n} sentence, long enough here."})
                       + "\n" for n in range(3))

    (tmp_path / "a.jsonl").write_text(crawl("a.example"))
    (tmp_path / "b.jsonl").write_text(crawl("b.example"))
    assert _invoke(["site-stats", tmp_path / "a.jsonl", "-o", tmp_path / "a.counts"]
                   ).exit_code == 0
    mine = _invoke(["filter", tmp_path / "a.jsonl", "--site-stats", tmp_path / "a.counts"])
    assert mine.exit_code == 0 and "do not hold" not in mine.stderr
    other = _invoke(["filter", tmp_path / "b.jsonl", "--site-stats", tmp_path / "a.counts"])
    assert other.exit_code == 0
    assert "3 of 3 pages are of sites these counts do not hold" in other.stderr


def test_files_a_directory_holds_besides_txt_are_named(tmp_path):
    folder = tmp_path / "pages"
    folder.mkdir()
    (folder / "a.TXT").write_text("Home\nA sentence of an article, long enough to keep.\n")
    (folder / "b.html").write_text("<p>x</p>")
    result = _invoke(["filter", folder, "-o", tmp_path / "out"])
    assert result.exit_code == 0, result.output
    assert "left out 1 file that is not .txt (1 .html)" in result.stderr
