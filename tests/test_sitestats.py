"""Models trained with site statistics, and the filter's two passes (count, then filter)."""

import json

import pytest
from threadpoolctl import threadpool_limits
from typer.testing import CliRunner

import linesift
from conftest import SAMPLE, sample_records, site_page, site_pages, write_site_training_data
from linesift.cli import app
from linesift.errors import LinesiftError, ModelError
from linesift.features import count_site_lines
from linesift.run import FilterOptions, backends, filter_inputs


@pytest.fixture(scope="module")
def site_model(tmp_path_factory):
    """A model trained with --site-stats (no CV: a few seconds)."""
    from linesift.recipe import Recipe
    from linesift.train.fit import train_model

    root = tmp_path_factory.mktemp("site")
    data = write_site_training_data(root / "train.jsonl")
    out = root / "model"
    with threadpool_limits(1):  # OpenMP threads crawl when other processes hold the cores
        card = train_model([str(data)], out, folds=0, progress=False,
                           recipe=Recipe(site_stats=True))
    assert card["uses_site_stats"] is True
    return out


def test_site_model_carries_the_step_and_needs_counts(site_model):
    sifter = linesift.load(site_model)
    assert sifter.uses_site_stats and "site" in sifter.pipeline.named_steps
    assert any(f.startswith("site:") for f in sifter.card["features"])
    page = site_page("s0.example", 0)
    crawl = site_pages(sites=["x.example"], per_site=6)
    # a list is counted over itself; an iterator (read once) is scored as pages alone
    assert [s.scores for s in sifter.sift_pages(crawl)] == [
        s.scores for s in sifter.sift_pages(crawl, site_stats=count_site_lines(crawl))]
    alone = [s.scores for s in sifter.sift_pages(iter(crawl))]
    assert alone == [next(sifter.sift_pages([p])).scores for p in crawl]
    assert alone != [s.scores for s in sifter.sift_pages(crawl)]
    # one text alone: its counts are its own (a site of one page gives no repetition signal)
    assert sifter.clean(page.text) == next(sifter.sift_pages(
        [page], site_stats=count_site_lines([linesift.Page(id="p", text=page.text)]))).cleaned
    got = next(sifter.sift_pages([page], site_stats=count_site_lines([page])))
    assert len(got.scores) == len(page.lines)


def test_filter_counts_its_input_first_or_reuses_saved_counts(site_model, tmp_path):
    sifter = linesift.load(site_model)
    src = tmp_path / "in.jsonl"
    pages = site_pages(sites=["x.example", "y.example"], per_site=6)
    src.write_text("".join(json.dumps({"id": p.id, "domain": p.domain, "text": p.text}) + "\n"
                           for p in pages), encoding="utf-8")
    counted = tmp_path / "counted.jsonl"
    filter_inputs([str(src)], str(counted), sifter, FilterOptions(scores=True))
    saved = tmp_path / "counts.parquet"
    result = CliRunner().invoke(app, ["site-stats", str(src), "-o", str(saved)])
    assert result.exit_code == 0, result.output
    assert "12 pages of 2 sites" in result.output
    reused = tmp_path / "reused.jsonl"
    result = CliRunner().invoke(app, ["filter", str(src), "-o", str(reused), "-m", str(site_model),
                                      "--site-stats", str(saved), "--scores", "-q"])
    assert result.exit_code == 0, result.output
    assert reused.read_text() == counted.read_text()
    expected = [s.scores for s in sifter.sift_pages(pages, site_stats=count_site_lines(pages))]
    assert [json.loads(line)["scores"] for line in counted.read_text().splitlines()] == expected


def test_stdin_is_scored_as_pages_alone_with_a_note(site_model):
    sifter = linesift.load(site_model)
    page = site_page("s0.example", 0)
    result = CliRunner().invoke(app, ["filter", "-m", str(site_model)], input=page.text)
    assert result.exit_code == 0, result.output
    assert "site repetition not counted: stdin can be read only once" in result.stderr
    alone = next(sifter.sift_pages([linesift.Page(id="p", text=page.text)])).cleaned
    assert result.stdout.rstrip("\n") == alone.rstrip("\n")
    with pytest.raises(LinesiftError, match="stdin can be read only once"):
        from linesift.run.sitecount import count_input_site_lines

        count_input_site_lines(["-"])


def test_models_without_the_step_ignore_site_counts(tiny_model):
    sifter = linesift.load(tiny_model)
    assert not sifter.uses_site_stats
    pages = [linesift.Page(id=r["id"], text=r["text"], meta=r) for r in sample_records()[:3]]
    plain = [s.scores for s in sifter.sift_pages(pages)]
    assert [s.scores for s in sifter.sift_pages(pages, site_stats=count_site_lines(pages))] == plain
    assert SAMPLE.exists()


def test_parallel_workers_get_the_counts(site_model, tmp_path, monkeypatch):
    monkeypatch.setattr(backends, "CHUNK_PAGES", 4)
    sifter = linesift.load(site_model)
    src = tmp_path / "in.jsonl"
    pages = site_pages(sites=["x.example", "y.example"], per_site=6)
    src.write_text("".join(json.dumps({"id": p.id, "domain": p.domain, "text": p.text}) + "\n"
                           for p in pages), encoding="utf-8")
    outs = []
    for jobs in (1, 2):
        out = tmp_path / f"out{jobs}.jsonl"
        filter_inputs([str(src)], str(out), sifter, FilterOptions(scores=True, jobs=jobs))
        outs.append(out.read_text())
    assert outs[0] == outs[1] and outs[0].count("\n") == 12


def test_garbage_site_stats_file_is_one_line(site_model, tmp_path):
    page = tmp_path / "page.txt"
    page.write_text(site_page("a.example", 0).text, encoding="utf-8")
    for name, content in [("counts.parquet", b"not parquet"), ("counts.jsonl", b"garbage\n")]:
        garbage = tmp_path / name
        garbage.write_bytes(content)
        result = CliRunner().invoke(app, ["filter", str(page), "--model", str(site_model),
                                          "--site-stats", str(garbage)])
        assert result.exit_code == 1 and "Traceback" not in result.output
        [line] = result.stderr.splitlines()
        assert line.startswith(f"linesift: error: {garbage}: not a readable linesift site-stats "
                               "file ("), line
