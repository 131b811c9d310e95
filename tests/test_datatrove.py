"""The datatrove step cleans documents as `linesift filter` cleans the same file."""

import gzip
import json

import pytest
from typer.testing import CliRunner

from linesift.cli import app
from tests.test_train_loop import team_page

datatrove = pytest.importorskip("datatrove")

from datatrove.executor import LocalPipelineExecutor  # noqa: E402
from datatrove.pipeline.readers import JsonlReader  # noqa: E402
from datatrove.pipeline.writers import JsonlWriter  # noqa: E402

from linesift.datatrove import EMPTY, KEPT_SHARE, SCORES, LinesiftFilter  # noqa: E402


def _crawl(path, sample_path):
    """The committed sample plus pages of two sites whose menus and footers repeat, and one
    document with nothing to keep."""
    with gzip.open(sample_path, "rt", encoding="utf-8") as fh:
        records = [json.loads(line) for line in fh]
    for n in range(8):
        page = team_page(f"s{n % 2}.example", n, labels=False)
        records.append({"id": page.id, "domain": page.domain, "text": page.text})
    records.append({"id": "menu-only", "domain": "s0.example",
                    "text": "Home\nWorld\nPolitics\nBusiness\nSport\nLogin"})
    for record in records:
        record.pop("labels", None)
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records))
    return records


def _read_jsonl(folder):
    docs = {}
    for part in sorted(folder.rglob("*.jsonl*")):
        opener = gzip.open if part.suffix == ".gz" else open
        with opener(part, "rt", encoding="utf-8") as fh:
            for line in fh:
                doc = json.loads(line)
                docs[doc["id"]] = doc
    return docs


def _filtered_by_cli(source, out, key):
    """``linesift filter SOURCE -o OUT``'s cleaned text of each record, by its `key` field."""
    result = CliRunner().invoke(app, ["filter", str(source), "-o", str(out)])
    assert result.exit_code == 0, result.output
    records = map(json.loads, out.read_text(encoding="utf-8").splitlines())
    return {record[key]: record["text"] for record in records}


def test_a_pipeline_cleans_each_document_as_linesift_filter_does(tmp_path, sample_path):
    crawl = tmp_path / "in" / "crawl.jsonl"
    crawl.parent.mkdir()
    records = _crawl(crawl, sample_path)
    expected = _filtered_by_cli(crawl, tmp_path / "cli.jsonl", key="id")

    LocalPipelineExecutor(pipeline=[
        JsonlReader(str(crawl.parent)),
        LinesiftFilter(exclusion_writer=JsonlWriter(str(tmp_path / "empty"))),
        JsonlWriter(str(tmp_path / "out")),
    ], tasks=1, logging_dir=str(tmp_path / "logs")).run()

    kept, dropped = _read_jsonl(tmp_path / "out"), _read_jsonl(tmp_path / "empty")
    assert len(kept) + len(dropped) == len(records)
    assert {i: d["text"] for i, d in kept.items()} == {
        i: t for i, t in expected.items() if t}
    assert set(dropped) == {i for i, t in expected.items() if not t} and "menu-only" in dropped
    assert dropped["menu-only"]["metadata"]["filter_reason"] == EMPTY
    # site repetition was counted over the task: the team pages' menus are dropped
    assert "Home" not in kept["s0.example/0"]["text"].splitlines()
    shares = [d["metadata"][KEPT_SHARE] for d in kept.values()]
    assert all(0 < share <= 1 for share in shares) and min(shares) < 1


def test_scores_on_request_and_batches(tmp_path, sample_path):
    from datatrove.data import Document

    step = LinesiftFilter(scores=True, batch_size=3)
    docs = [Document(text="Home\nMenu\n\nA long first sentence of the article goes on and on "
                          "about the matter, as articles do.", id="a",
                     metadata={"domain": "x.example"})]
    out = list(step.run(iter(docs)))
    assert [d.id for d in out] == ["a"]
    scores = out[0].metadata[SCORES]
    assert len(scores) == 4 and scores[2] is None and all(
        0 <= s <= 1 for s in scores if s is not None)
    with pytest.raises(ValueError, match="batch_size must be at least 1"):
        LinesiftFilter(batch_size=0)
    from linesift.errors import ModelError

    with pytest.raises(ModelError, match="no-such-model"):  # when the pipeline is built
        LinesiftFilter(model="no-such-model")


def test_the_step_pickles_without_its_model():
    import pickle

    step = LinesiftFilter()
    assert step.sifter is not None  # loaded
    again = pickle.loads(pickle.dumps(step))
    assert again._sifter is None and again.sifter.name == step.sifter.name


def test_a_wet_file_through_datatrove_is_cleaned_as_linesift_filter_cleans_it(tmp_path):
    pytest.importorskip("warcio")
    from datatrove.pipeline.readers import WarcReader

    from tests.test_wet import write_wet

    pages = [team_page(f"s{n % 2}.example", n, labels=False) for n in range(6)]
    (tmp_path / "wet").mkdir()
    wet = write_wet(tmp_path / "wet" / "seg.warc.wet.gz",
                    [(f"https://{p.domain}/story/{n}", p.text) for n, p in enumerate(pages)])
    expected = _filtered_by_cli(wet, tmp_path / "cli.jsonl", key="url")
    LocalPipelineExecutor(pipeline=[
        WarcReader(str(wet.parent), glob_pattern="*.warc.wet.gz"),
        LinesiftFilter(),
        JsonlWriter(str(tmp_path / "out")),
    ], tasks=1, logging_dir=str(tmp_path / "logs")).run()
    got = {d["metadata"]["url"]: d["text"] for d in _read_jsonl(tmp_path / "out").values()}
    assert got == expected and len(got) == 6
    # the site's menu was counted as repetition over the task (the URL's host is the site)
    assert all("Home" not in text.splitlines() for text in got.values())
