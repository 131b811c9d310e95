"""Common Crawl WET files in: every conversion record is a page, records out."""

import gzip
import io
import json

import pandas as pd
import pytest
from typer.testing import CliRunner
from warcio.warcwriter import WARCWriter

import linesift
from linesift.cli import app
from linesift.run import FilterOptions, filter_inputs, plan_outputs

from conftest import sample_records


def write_wet(path, pages):
    """A WET file as Common Crawl writes one: a warcinfo record, then one `conversion`
    (text/plain) record per page with its WARC-Target-URI."""
    with open(path, "wb") as fh:
        writer = WARCWriter(fh, gzip=True)
        writer.write_record(writer.create_warcinfo_record(
            path.name, {"software": "linesift-test", "format": "WARC File Format 1.0"}))
        for url, text in pages:
            record = writer.create_warc_record(
                url, "conversion", payload=io.BytesIO(text.encode("utf-8")),
                warc_content_type="text/plain",
                warc_headers_dict={"WARC-Identified-Content-Language": "eng"})
            writer.write_record(record)
    return path


@pytest.fixture(scope="module")
def sifter(tiny_model):
    return linesift.load(tiny_model)


@pytest.fixture
def wet_pages():
    return [(r["url"], r["text"]) for r in sample_records()[:6]]


def test_wet_conversion_records_are_pages_with_url_id_and_domain(tmp_path, wet_pages):
    wet = write_wet(tmp_path / "CC-MAIN-test.warc.wet.gz", wet_pages)
    with gzip.open(wet, "rb") as fh:
        assert fh.read(9) == b"WARC/1.0\r"
    pages = list(linesift.read_pages([wet]))
    assert [p.id for p in pages] == [url for url, _ in wet_pages]
    assert [p.text for p in pages] == [text for _, text in wet_pages]
    first = pages[0]
    assert first.meta["url"] == first.id
    assert first.domain == first.id.split("/")[2].lower()
    assert first.meta["warc_record_id"].startswith("<urn:uuid:")


def test_wet_filter_writes_jsonl_and_parquet_records(sifter, tmp_path, wet_pages):
    wet = write_wet(tmp_path / "seg.warc.wet.gz", wet_pages)
    out = tmp_path / "out.jsonl"
    stats = filter_inputs([str(wet)], str(out), sifter, FilterOptions(scores=True))
    records = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert stats.pages == len(records) == len(wet_pages)
    for record, (url, text) in zip(records, wet_pages):
        assert record["id"] == record["url"] == url
        lines = linesift.split_lines(text)
        assert len(record["scores"]) == len(record["keep"]) == len(lines)
        assert record["text"] == "\n".join(l for l, k in zip(lines, record["keep"]) if k)
    parquet = tmp_path / "out.parquet"
    filter_inputs([str(wet)], str(parquet), sifter)
    frame = pd.read_parquet(parquet)
    assert frame["id"].tolist() == [url for url, _ in wet_pages]
    assert frame["text"].tolist() == [r["text"] for r in records]


def test_wet_into_a_directory_becomes_jsonl_gz(sifter, tmp_path, wet_pages):
    a = write_wet(tmp_path / "a.warc.wet.gz", wet_pages[:2])
    b = write_wet(tmp_path / "b.warc.wet.gz", wet_pages[2:])
    targets = [t for _, t in plan_outputs([str(a), str(b)], str(tmp_path / "out"))]
    assert [t.name for t in targets] == ["a.jsonl.gz", "b.jsonl.gz"]
    filter_inputs([str(a), str(b)], str(tmp_path / "out"), sifter)
    with gzip.open(tmp_path / "out" / "b.jsonl.gz", "rt", encoding="utf-8") as fh:
        assert [json.loads(line)["id"] for line in fh] == [u for u, _ in wet_pages[2:]]


def test_wet_to_a_txt_named_file_is_refused_before_anything_is_written(sifter, tmp_path,
                                                                      wet_pages):
    """Records are not one page's text: a .txt name for them is refused, not filled with
    JSON Lines it does not announce."""
    from linesift.errors import LinesiftError

    wet = write_wet(tmp_path / "seg.warc.wet.gz", wet_pages[:2])
    out = tmp_path / "cleaned.txt"
    with pytest.raises(LinesiftError, match="holds records; write them as .jsonl"):
        filter_inputs([str(wet)], str(out), sifter)
    assert not out.exists()


def test_cli_filters_wet_to_stdout_as_jsonl(tiny_model, tmp_path, wet_pages):
    wet = write_wet(tmp_path / "seg.warc.wet.gz", wet_pages[:3])
    result = CliRunner().invoke(app, ["filter", str(wet), "-m", str(tiny_model), "-q"])
    assert result.exit_code == 0, result.output
    ids = [json.loads(line)["id"] for line in result.stdout.splitlines()]
    assert ids == [u for u, _ in wet_pages[:3]]


def test_a_broken_wet_file_is_an_input_error(tmp_path):
    bad = tmp_path / "bad.warc.wet.gz"
    bad.write_bytes(gzip.compress(b"<html>not a WARC file</html>\n"))
    with pytest.raises(linesift.InputError, match=r"bad\.warc\.wet\.gz: not a readable WARC"):
        list(linesift.read_pages([bad]))
