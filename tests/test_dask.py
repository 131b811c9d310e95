"""`filter --engine dask`: chunks scored on a 2-worker Dask cluster give what the single-process
filter gives, through the same job (reading, skipping, counting, writing)."""

import json

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

import linesift
from linesift.cli import app
from linesift.features.site import count_site_lines
from linesift.run import FilterOptions, count_input_site_lines, filter_inputs

from conftest import sample_records

distributed = pytest.importorskip("distributed")


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


def write_jsonl(path, records):
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    return path


def shards(tmp_path, records, cuts=(9, 17)):
    """The records in several JSONL files."""
    data = tmp_path / "data"
    data.mkdir(exist_ok=True)
    bounds = [0, *cuts, len(records)]
    return [str(write_jsonl(data / f"shard{k}.jsonl", records[a:b]))
            for k, (a, b) in enumerate(zip(bounds, bounds[1:]))]


def on_cluster(client, **options):
    return FilterOptions(engine="dask", scheduler=client.scheduler.address, **options)


def read_jsonl(path):
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def test_jsonl_shards_on_two_workers_equal_single_process(client, records, tiny_model,
                                                          tmp_path):
    sifter = linesift.load(tiny_model)
    inputs = shards(tmp_path, records)
    filter_inputs(inputs, str(tmp_path / "local"), sifter, FilterOptions(scores=True))
    stats = filter_inputs(inputs, str(tmp_path / "dask"), sifter,
                          on_cluster(client, scores=True))
    assert stats.files == 3 and stats.pages == len(records)
    for name in ("shard0.jsonl", "shard1.jsonl", "shard2.jsonl"):
        assert read_jsonl(tmp_path / "dask" / name) == read_jsonl(tmp_path / "local" / name)


def test_parquet_in_parquet_out_on_the_cluster(client, records, tiny_model, tmp_path):
    sifter = linesift.load(tiny_model)
    src = tmp_path / "pages.parquet"
    pq.write_table(pa.Table.from_pylist(records), src)
    filter_inputs([str(src)], str(tmp_path / "local.parquet"), sifter, FilterOptions(scores=True))
    filter_inputs([str(src)], str(tmp_path / "dask.parquet"), sifter,
                  on_cluster(client, scores=True))
    assert pq.read_table(tmp_path / "dask.parquet").equals(
        pq.read_table(tmp_path / "local.parquet"))


def test_site_counts_on_the_cluster_equal_local_counts(client, records, tmp_path):
    inputs = shards(tmp_path, records)
    got = count_input_site_lines(inputs, client=client)
    pages = [linesift.Page(id=r["id"], text=r["text"], meta=r) for r in records]
    assert got == count_site_lines(pages) and got.domain_pages["shared.example"] == 9


def test_cli_runs_on_a_given_scheduler(client, records, tiny_model, tmp_path):
    src = write_jsonl(tmp_path / "five.jsonl", records[:5])
    out = tmp_path / "cli-out.jsonl"
    result = CliRunner().invoke(app, [
        "filter", str(src), "--engine", "dask", "--scheduler", client.scheduler.address,
        "-o", str(out), "-m", str(tiny_model)])
    assert result.exit_code == 0, result.output
    assert "5 pages" in result.output
    assert [r["id"] for r in read_jsonl(out)] == [r["id"] for r in records[:5]]


def test_a_bad_record_names_its_file_and_line(client, tiny_model, tmp_path):
    sifter = linesift.load(tiny_model)
    src = tmp_path / "bad.jsonl"
    src.write_text('{"id": "a", "text": "fine"}\n{broken\n', encoding="utf-8")
    with pytest.raises(linesift.InputError, match=r"bad\.jsonl:2: malformed JSON"):
        filter_inputs([str(src)], str(tmp_path / "o.jsonl"), sifter, on_cluster(client))
    skip = linesift.ReadOptions(on_error="skip")
    stats = filter_inputs([str(src)], str(tmp_path / "o2.jsonl"), sifter,
                          on_cluster(client, read=skip))
    assert stats.pages == 1 and [line for _, line, _ in stats.skipped] == [2]


def test_a_site_stats_model_counts_on_the_cluster(client, records, tmp_path):
    from threadpoolctl import threadpool_limits

    from test_sitestats import write_site_training_data
    from linesift.recipe import Recipe
    from linesift.train.fit import train_model

    model = tmp_path / "site-model"
    with threadpool_limits(1):
        train_model([str(write_site_training_data(tmp_path / "train.jsonl"))], model, folds=0,
                    progress=False, recipe=Recipe(site_stats=True))
    sifter = linesift.load(model)
    inputs = shards(tmp_path, records, cuts=(10,))  # the counts must span both files
    filter_inputs(inputs, str(tmp_path / "local"), sifter, FilterOptions(scores=True))
    filter_inputs(inputs, str(tmp_path / "dask"), sifter, on_cluster(client, scores=True))
    for name in ("shard0.jsonl", "shard1.jsonl"):
        assert read_jsonl(tmp_path / "dask" / name) == read_jsonl(tmp_path / "local" / name)
