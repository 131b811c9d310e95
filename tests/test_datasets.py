"""A directory of Parquet or JSONL parts (as Dask, Spark or `datasets` write them) is read as
one dataset."""

import gzip
import json

import pandas as pd
import pytest
from typer.testing import CliRunner

from conftest import sample_records
from linesift.cli import app


def _records():
    return [{"id": r["id"], "domain": r["domain"], "text": r["text"]} for r in sample_records()]


def _parts(folder, records, fmt="parquet", n=3):
    folder.mkdir()
    size = -(-len(records) // n)
    for k in range(n):
        chunk = records[k * size:(k + 1) * size]
        if fmt == "parquet":
            pd.DataFrame(chunk).to_parquet(folder / f"part-{k:05d}.parquet")
        else:
            with gzip.open(folder / f"part-{k:05d}.jsonl.gz", "wt", encoding="utf-8") as fh:
                fh.writelines(json.dumps(r, ensure_ascii=False) + "\n" for r in chunk)
    (folder / "_SUCCESS").write_text("")
    (folder / ".part-00000.parquet.crc").write_bytes(b"\0")
    return folder


def _run(*args):
    result = CliRunner().invoke(app, ["filter", *map(str, args)])
    assert result.exit_code == 0, result.output
    return result


def _texts_jsonl(path):
    return [json.loads(line)["text"] for line in path.read_text(encoding="utf-8").splitlines()]


@pytest.mark.parametrize("fmt", ["parquet", "jsonl"])
def test_parts_are_filtered_as_the_one_file_they_make(tmp_path, fmt):
    records = _records()
    whole = tmp_path / "whole.jsonl"
    whole.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records))
    _run(whole, "-o", tmp_path / "whole-out.jsonl")
    parts = _parts(tmp_path / "dataset", records, fmt)
    _run(parts, "-o", tmp_path / "parts-out.jsonl")
    expected = _texts_jsonl(tmp_path / "whole-out.jsonl")
    assert _texts_jsonl(tmp_path / "parts-out.jsonl") == expected  # site counts over all parts
    assert len(expected) == len(records)


def test_parts_into_a_directory_make_one_file_named_for_the_dataset(tmp_path):
    parts = _parts(tmp_path / "dataset", _records())
    _run(parts, "-o", f"{tmp_path / 'out'}/")
    assert [p.name for p in (tmp_path / "out").iterdir()] == ["dataset.parquet"]
    assert len(pd.read_parquet(tmp_path / "out" / "dataset.parquet")) == len(_records())


def test_parts_on_dask_give_what_the_local_run_gives(tmp_path):
    pytest.importorskip("distributed")
    parts = _parts(tmp_path / "dataset", _records())
    _run(parts, "-o", tmp_path / "local.parquet")
    _run(parts, "--engine", "dask", "-o", tmp_path / "dask.parquet")
    local, dask = (pd.read_parquet(tmp_path / f"{n}.parquet") for n in ("local", "dask"))
    assert local["text"].tolist() == dask["text"].tolist() and len(local) == len(_records())


def test_parts_of_two_formats_are_refused_in_one_line(tmp_path):
    parts = _parts(tmp_path / "dataset", _records())
    (parts / "extra.jsonl").write_text(json.dumps(_records()[0]) + "\n")
    result = CliRunner().invoke(app, ["filter", str(parts), "-o", str(tmp_path / "o.parquet")])
    assert result.exit_code == 1
    assert result.output.strip() == (f"linesift: error: {parts}: holds both Parquet and JSONL "
                                     "parts; a directory read as one dataset holds parts of "
                                     "one format")
    assert not (tmp_path / "o.parquet").exists()


def test_a_directory_of_neither_text_nor_parts_says_what_it_reads(tmp_path):
    (tmp_path / "d").mkdir()
    (tmp_path / "d" / "notes.md").write_text("hello")
    result = CliRunner().invoke(app, ["filter", str(tmp_path / "d")])
    assert result.exit_code == 1
    assert "no .txt files below it and no Parquet or JSONL parts" in result.output


def test_a_bad_part_is_named_with_its_line(tmp_path):
    records = _records()
    parts = _parts(tmp_path / "dataset", records, "jsonl")
    with gzip.open(parts / "part-00001.jsonl.gz", "at", encoding="utf-8") as fh:
        fh.write("{not json\n")
    result = CliRunner().invoke(app, ["filter", str(parts), "-o", str(tmp_path / "o.jsonl")])
    assert result.exit_code == 1
    assert f"{parts / 'part-00001.jsonl.gz'}:" in result.output
    assert not (tmp_path / "o.jsonl").exists()


def test_the_progress_bar_knows_its_total_when_that_is_cheap(tmp_path, monkeypatch):
    from linesift.formats import known_page_count
    from linesift.run import progress

    parts = _parts(tmp_path / "dataset", _records())
    (tmp_path / "pages").mkdir()
    for n in range(3):
        (tmp_path / "pages" / f"{n}.txt").write_text("a line\n")
    whole = tmp_path / "whole.jsonl"
    whole.write_text(json.dumps(_records()[0]) + "\n")
    assert known_page_count([parts]) == len(_records())
    assert known_page_count([tmp_path / "pages", parts]) == 3 + len(_records())
    assert known_page_count([whole]) is None and known_page_count(["-"]) is None
    made = []
    monkeypatch.setattr(progress, "RateBar", lambda **kwargs: made.append(kwargs))
    progress.rate_bar(total=None)
    progress.rate_bar(total=7)
    assert [(m["unit"], m["total"]) for m in made] == [(" pages", None), ("page", 7)]


def test_the_dask_engine_without_dask_is_one_line_before_the_model_loads(tmp_path, monkeypatch):
    import importlib.util

    from linesift import sift

    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec",
                        lambda name, *a: None if name == "distributed" else real(name, *a))
    monkeypatch.setattr(sift, "load", lambda *a, **k: pytest.fail("the model was loaded"))
    parts = _parts(tmp_path / "dataset", _records())
    result = CliRunner().invoke(app, ["filter", str(parts), "--engine", "dask", "-o",
                                      str(tmp_path / "o.parquet")])
    assert result.exit_code == 1
    assert result.output.strip() == ("linesift: error: the Dask engine needs Dask: pip install "
                                     "'linesift[dask]'")


def test_format_names_any_file_wet_included_and_a_bad_name_is_one_line(tmp_path):
    from tests.test_wet import write_wet

    records = _records()[:3]
    odd = write_wet(tmp_path / "crawl.bin", [(r["id"] if r["id"].startswith("http")
                                              else f"https://{r['domain']}/{n}", r["text"])
                                             for n, r in enumerate(records)])
    _run(odd, "--format", "wet", "-o", tmp_path / "out.jsonl")
    assert len(_texts_jsonl(tmp_path / "out.jsonl")) == 3
    result = CliRunner().invoke(app, ["filter", str(odd), "--format", "csv"])
    assert result.exit_code == 1
    assert result.output.strip() == ("linesift: error: --format must be one of warc, jsonl, "
                                     "parquet, txt (or wet), not 'csv'")
    explained = CliRunner().invoke(app, ["explain", str(odd), "--format", "warc", "--top", "1"])
    assert explained.exit_code == 0 and explained.output.count("== page ") == 3
