"""`filter --engine dask`: a 2-worker LocalCluster writes what the single-process filter writes."""

import json

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

import linesift
from linesift.cli import app
from linesift.errors import LinesiftError
from linesift.filtering import filter_inputs
from linesift.features import count_site_lines

from conftest import sample_records

distributed = pytest.importorskip("distributed")
dask_engine = pytest.importorskip("linesift.dask_engine")


@pytest.fixture(scope="module")
def client():
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  dashboard_address=None) as cluster:
        with distributed.Client(cluster) as c:
            yield c


@pytest.fixture(scope="module")
def records():
    """The sample pages, with a domain shared by some of them and an extra nested field."""
    out = []
    for i, record in enumerate(sample_records()):
        out.append({**record, "domain": "shared.example" if i % 3 == 0 else record["domain"],
                    "extra": {"n": i, "tags": ["a"] * (i % 2)}})
    return out


def single_process(records, tmp_path, tiny_model, name):
    src = tmp_path / f"{name}.jsonl"
    src.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    out = tmp_path / f"{name}.out.jsonl"
    filter_inputs([str(src)], str(out), linesift.load(tiny_model), scores=True)
    return [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]


def read_parts(out_dir):
    parts = sorted(out_dir.glob("part.*.parquet"))
    return [r for part in parts for r in pq.read_table(part).to_pylist()]


def by_id(rows):
    return sorted(rows, key=lambda r: r["id"])


def test_jsonl_glob_on_two_workers_equals_single_process(client, records, tiny_model, tmp_path):
    expected = single_process(records, tmp_path, tiny_model, "all")
    data = tmp_path / "data"
    data.mkdir()
    for k, chunk in enumerate((records[:9], records[9:17], records[17:])):
        (data / f"shard{k}.jsonl").write_text(
            "".join(json.dumps(r) + "\n" for r in chunk), encoding="utf-8")
    out = tmp_path / "out"
    stats = dask_engine.filter_dataset(str(data / "*.jsonl"), str(out), tiny_model, client=client,
                                       scores=True)
    assert stats.files == 3 and stats.pages == len(records)
    got = read_parts(out)
    assert len(list(out.glob("part.*.parquet"))) == 3
    assert by_id(got) == by_id(expected)
    assert [len(r["scores"]) for r in by_id(got)] == [len(r["text"].split("\n")) for r in
                                                      by_id(records)]


def test_parquet_directory_to_jsonl_parts(client, records, tiny_model, tmp_path):
    expected = single_process(records, tmp_path, tiny_model, "all")
    data = tmp_path / "pq"
    data.mkdir()
    for k, chunk in enumerate((records[:12], records[12:])):
        pq.write_table(pa.Table.from_pylist(chunk), data / f"part{k}.parquet")
    out = tmp_path / "out"
    dask_engine.filter_dataset(str(data), str(out), tiny_model, client=client, scores=True,
                               out_format="jsonl")
    got = [json.loads(line) for part in sorted(out.glob("part.*.jsonl"))
           for line in part.read_text(encoding="utf-8").splitlines()]
    assert by_id(got) == by_id(expected)


def test_site_counts_are_a_distributed_group_by(client, records):
    parts, kind = dask_engine.dataset_partitions(_write_jsonl(records), linesift.ReadOptions())
    got = dask_engine.count_site_lines_dask(parts, kind, linesift.ReadOptions())
    pages = [linesift.Page(id=r["id"], text=r["text"], meta=r) for r in records]
    assert got == count_site_lines(pages) and got.domain_pages["shared.example"] == 9


def _write_jsonl(records):
    import tempfile
    from pathlib import Path

    path = Path(tempfile.mkdtemp()) / "pages.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    return str(path)


def test_cli_runs_on_a_given_scheduler(client, records, tiny_model, tmp_path):
    src = _write_jsonl(records[:5])
    out = tmp_path / "cli-out"
    result = CliRunner().invoke(app, [
        "filter", src, "--engine", "dask", "--scheduler", client.scheduler.address,
        "-o", str(out), "-m", str(tiny_model)])
    assert result.exit_code == 0, result.output
    assert "5 pages" in result.output
    frame = pd.read_parquet(out / "part.00000.parquet")
    assert frame["id"].tolist() == [r["id"] for r in records[:5]]
    again = CliRunner().invoke(app, [
        "filter", src, "--engine", "dask", "--scheduler", client.scheduler.address,
        "-o", str(out), "-m", str(tiny_model)])
    assert again.exit_code == 1 and "already holds 1 part files" in again.output


def test_dask_needs_one_dataset_and_an_output_dir(tiny_model, tmp_path):
    result = CliRunner().invoke(app, ["filter", "a.jsonl", "b.jsonl", "--engine", "dask"])
    assert result.exit_code == 1 and "one DATASET" in result.output
    with pytest.raises(LinesiftError, match="-o OUTDIR"):
        dask_engine.run_dask_filter(str(tmp_path / "x.jsonl"), None, tiny_model)


def test_a_bad_record_names_its_file_and_line(client, tiny_model, tmp_path):
    src = tmp_path / "bad.jsonl"
    src.write_text('{"id": "a", "text": "fine"}\n{broken\n', encoding="utf-8")
    with pytest.raises(linesift.InputError, match=r"bad\.jsonl:2: malformed JSON"):
        dask_engine.filter_dataset(str(src), str(tmp_path / "o"), tiny_model, client=client)
    skip = linesift.ReadOptions(on_error="skip")
    stats = dask_engine.filter_dataset(str(src), str(tmp_path / "o2"), tiny_model, client=client,
                                       read_options=skip)
    assert stats.pages == 1 and stats.skipped[0][1] == 2


def test_a_site_stats_model_counts_on_the_cluster(client, records, tmp_path):
    from threadpoolctl import threadpool_limits

    from conftest import write_site_training_data
    from train.fit import train_model

    model = tmp_path / "site-model"
    with threadpool_limits(1):
        train_model([str(write_site_training_data(tmp_path / "train.jsonl"))], model, folds=0,
                    progress=False, site_stats=True)
    expected = single_process(records, tmp_path, model, "site")
    for k, chunk in enumerate((records[:10], records[10:])):  # counts must span both files
        (tmp_path / f"shard{k}.jsonl").write_text(
            "".join(json.dumps(r) + "\n" for r in chunk), encoding="utf-8")
    out = tmp_path / "out"
    dask_engine.filter_dataset(str(tmp_path / "shard*.jsonl"), str(out), model, client=client,
                               scores=True)
    assert by_id(read_parts(out)) == by_id(expected)
