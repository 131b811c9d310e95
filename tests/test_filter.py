import json

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import linesift
from linesift.run import FilterOptions, filter_inputs, plan_outputs


@pytest.fixture(scope="module")
def sifter(tiny_model):
    return linesift.load(tiny_model)


def is_ordered_subset(small, big):
    it = iter(big)
    return all(any(x == y for y in it) for x in small)


line_text = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=40)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.one_of(line_text, st.sampled_from(["", " ", "\r", "\r\n"])), max_size=12))
def test_filter_output_is_an_ordered_subset_with_aligned_verdicts(sifter, parts):
    text = "\n".join(parts)
    lines = linesift.split_lines(text)
    sifted = next(sifter.sift_pages([linesift.Page(id="x", text=text)]))
    assert len(sifted.scores) == len(sifted.keep) == len(lines)
    assert all((s is None) == (not line.strip()) for s, line in zip(sifted.scores, lines))
    assert is_ordered_subset(linesift.split_lines(sifted.cleaned), lines) or sifted.cleaned == ""


def test_jsonl_in_jsonl_out_keeps_fields_and_adds_scores(sifter, sample_path, tmp_path):
    out = tmp_path / "out.jsonl"
    stats = filter_inputs([str(sample_path)], str(out), sifter, FilterOptions(scores=True))
    records = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    originals = list(linesift.read_pages([sample_path]))
    assert stats.pages == len(records) == len(originals) == 25
    for rec, page in zip(records, originals):
        assert rec["id"] == page.id and rec["url"] == page.meta["url"]
        assert rec["labels"] == page.meta["labels"]
        assert len(rec["scores"]) == len(rec["keep"]) == len(page.lines)
        kept = [line for line, k in zip(page.lines, rec["keep"]) if k]
        assert rec["text"] == "\n".join(kept)


def test_parquet_in_parquet_out(sifter, tmp_path):
    src = tmp_path / "in.parquet"
    pd.DataFrame({"id": ["a", "b"], "text": ["Menu\nA real sentence here.", ""],
                  "lang": ["en", "en"]}).to_parquet(src)
    out = tmp_path / "out.parquet"
    filter_inputs([str(src)], str(out), sifter, FilterOptions(scores=True))
    df = pd.read_parquet(out)
    assert df["id"].tolist() == ["a", "b"] and df["lang"].tolist() == ["en", "en"]
    assert [len(s) for s in df["scores"]] == [2, 1]
    import pyarrow.parquet as pq

    assert pq.read_table(out).column("scores").to_pylist()[1] == [None]


def test_txt_directory_is_mirrored(sifter, tmp_path):
    src = tmp_path / "pages"
    (src / "sub").mkdir(parents=True)
    (src / "a.txt").write_text("Menu\nThe article text goes here.", encoding="utf-8")
    (src / "sub" / "b.txt").write_text("Other page text.", encoding="utf-8")
    out = tmp_path / "clean"
    stats = filter_inputs([str(src)], str(out), sifter)
    assert stats.files == 2
    assert sorted(p.relative_to(out).as_posix() for p in out.rglob("*.txt")) == ["a.txt", "sub/b.txt"]


def test_single_file_output_and_two_inputs_need_a_directory(tmp_path):
    (tmp_path / "a.txt").write_text("x")
    (tmp_path / "b.txt").write_text("y")
    assert plan_outputs([str(tmp_path / "a.txt")], str(tmp_path / "o.txt")) == [
        (str(tmp_path / "a.txt"), tmp_path / "o.txt")]
    pairs = plan_outputs([str(tmp_path / "a.txt"), str(tmp_path / "b.txt")], str(tmp_path / "o"))
    assert [t for _, t in pairs] == [tmp_path / "o" / "a.txt", tmp_path / "o" / "b.txt"]


def test_failed_run_leaves_previous_output_untouched(sifter, tmp_path):
    src = tmp_path / "in.jsonl"
    src.write_text('{"id": "a", "text": "fine"}\n{broken\n', encoding="utf-8")
    out = tmp_path / "out.jsonl"
    out.write_text("previous\n", encoding="utf-8")
    with pytest.raises(linesift.InputError, match=r"in\.jsonl:2"):
        filter_inputs([str(src)], str(out), sifter)
    assert out.read_text(encoding="utf-8") == "previous\n"
    assert [p.name for p in tmp_path.iterdir()] and not list(tmp_path.glob(".out.jsonl.part-*"))


def test_explain_drops_writes_every_dropped_line_with_its_reason(tiny_model, tmp_path):
    from typer.testing import CliRunner

    from linesift.cli import app
    from tests.conftest import EXAMPLE_PAGE

    drops = tmp_path / "drops.jsonl"
    result = CliRunner().invoke(app, ["filter", str(EXAMPLE_PAGE), "-m", str(tiny_model),
                                      "--explain-drops", str(drops)])
    assert result.exit_code == 0, result.output
    rows = [json.loads(line) for line in drops.read_text(encoding="utf-8").splitlines()]
    sifter = linesift.load(tiny_model)
    sifted = next(sifter.sift_pages(linesift.read_pages([str(EXAMPLE_PAGE)]), reasons=3))
    dropped = [i for i, (s, k) in enumerate(zip(sifted.scores, sifted.keep))
               if s is not None and not k]
    assert dropped and [row["line_no"] for row in rows] == dropped
    for row in rows:
        line_no = row["line_no"]
        assert row["id"] == str(EXAMPLE_PAGE) and row["text"] == sifted.page.lines[line_no]
        assert row["score"] == round(sifted.scores[line_no], 4) < sifter.threshold
        strongest = min(sifted.reasons[line_no], key=lambda item: item[1])
        assert (row["reason"], row["weight"]) == (strongest[0], round(strongest[1], 3))
    assert f"{len(rows)} dropped lines explained" in result.stderr


def test_reasons_are_terms_against_the_page_mean(tiny_model):
    from tests.conftest import EXAMPLE_PAGE
    from linesift.frame import PAGE, lines_frame

    sifter = linesift.load(tiny_model)
    pages = list(linesift.read_pages([str(EXAMPLE_PAGE)])) + [linesift.Page(id="b", text=(
        "Home\nA sentence of an article that a reader came for.\nShare this"))]
    frame = sifter.pipeline[:-1].transform(lines_frame(pages))
    terms, names = sifter.pipeline[-1].first_stage_contributions(frame)
    assert terms.shape == (len(frame), len(names))
    for page in (0, 1):
        rows = terms[frame[PAGE].to_numpy() == page]
        # a term the same on every line of a page adds nothing to one line's reasons
        assert np.allclose(rows.sum(axis=0), 0.0)
        assert np.abs(rows).max() > 0
