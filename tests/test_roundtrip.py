"""Records and ids round-trip through every input/output format pair (hypothesis).

`linesift filter` replaces a record's text and nothing else: every other field comes back
with its type, in its order (docs/reliability.md, "Records keep what they came with"). The
model runs with threshold 0, so every non-blank line is kept and the generated text (no
blank lines) comes back too. Parquet writes a row group every 2 records here, so schemas
are widened across row groups within a handful of records.
"""

import base64
import datetime
import decimal
import gzip
import io
import json
import string

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import linesift
import linesift.formats.parquet as parquet_format
from linesift.run import FilterOptions, filter_inputs

SETTINGS = settings(max_examples=25, deadline=None, derandomize=True,
                    suppress_health_check=[HealthCheck.too_slow,
                                           HealthCheck.function_scoped_fixture])
RESERVED = {"id", "text", "scores", "keep"}


@pytest.fixture(scope="module")
def sifter(tiny_model):
    return linesift.load(tiny_model, threshold=0.0)


@pytest.fixture
def small_row_groups(monkeypatch):
    monkeypatch.setattr(parquet_format, "PARQUET_FLUSH_ROWS", 2)


# --- strategies -----------------------------------------------------------------------------

chars = st.characters(blacklist_categories=("Cs",), blacklist_characters="\n\r")
line = st.text(chars, min_size=1, max_size=30).filter(lambda s: s.strip() != "")
page_text = st.lists(line, min_size=1, max_size=4).map("\n".join)
# Files of text: no control characters, which mark a file as binary (see tests/test_bad_inputs)
file_line = st.text(st.characters(blacklist_categories=("Cs", "Cc")), min_size=1,
                    max_size=30).filter(lambda s: s.strip() != "")
file_text = st.lists(file_line, min_size=1, max_size=4).map("\n".join)
names = st.text(string.ascii_lowercase + "_", min_size=1, max_size=8).filter(
    lambda s: s not in RESERVED)
json_scalar = (st.none() | st.booleans() | st.integers(-2**63, 2**63 - 1)
               | st.floats(allow_nan=False, allow_infinity=False) | st.text(chars, max_size=10))
json_value = st.recursive(json_scalar, lambda inner: st.lists(inner, max_size=3)
                          | st.dictionaries(st.text(chars, max_size=5), inner, max_size=3),
                          max_leaves=8)


@st.composite
def json_records(draw):
    """JSON records of any shape: ids of every JSON type or none, any other fields."""
    records = []
    for _ in range(draw(st.integers(1, 5))):
        record = {}
        fields = draw(st.lists(names, max_size=3, unique=True))
        order = draw(st.permutations(["id", "text", *fields]))
        with_id = draw(st.booleans())
        for name in order:
            if name == "id":
                if with_id:
                    record["id"] = draw(json_value)
            elif name == "text":
                record["text"] = draw(page_text)
            else:
                record[name] = draw(json_value)
        records.append(record)
    return records


COLUMN_KINDS = {  # JSON values Parquet can hold in one column
    "int": st.integers(-2**63, 2**63 - 1),
    "float": st.floats(allow_nan=False, allow_infinity=False),
    "bool": st.booleans(),
    "str": st.text(chars, max_size=10),
    "ints": st.lists(st.integers(-1000, 1000), max_size=3),
    "object": st.fixed_dictionaries({"a": st.integers(0, 9)},
                                    optional={"b": st.text(chars, max_size=4)}),
}


@st.composite
def typed_json_records(draw):
    """JSON records whose fields each hold one kind of value, or null, or are missing."""
    kinds = draw(st.dictionaries(names, st.sampled_from(sorted(COLUMN_KINDS)), max_size=4))
    id_kind = draw(st.sampled_from(["int", "str", "none"]))
    records = []
    for _ in range(draw(st.integers(1, 7))):
        record = {}
        if id_kind != "none":
            record["id"] = draw(st.none() | COLUMN_KINDS[id_kind])
        record["text"] = draw(page_text)
        for name, kind in kinds.items():
            presence = draw(st.sampled_from(["value", "value", "null", "missing"]))
            if presence == "value":
                record[name] = draw(COLUMN_KINDS[kind])
            elif presence == "null":
                record[name] = None
        records.append(record)
    return records


PARQUET_TYPES = {
    "int32": (pa.int32(), st.integers(-2**31, 2**31 - 1)),
    "float64": (pa.float64(), st.floats(allow_nan=False)),
    "bool": (pa.bool_(), st.booleans()),
    "string": (pa.string(), st.text(chars, max_size=10)),
    "large_string": (pa.large_string(), st.text(chars, max_size=10)),
    "timestamp": (pa.timestamp("ms", tz="UTC"), st.datetimes(
        datetime.datetime(1970, 1, 1), datetime.datetime(2100, 1, 1),
        timezones=st.just(datetime.timezone.utc)).map(
        lambda d: d.replace(microsecond=d.microsecond // 1000 * 1000))),
    "naive_timestamp": (pa.timestamp("us"), st.datetimes(datetime.datetime(1900, 1, 1),
                                                         datetime.datetime(2200, 1, 1))),
    "date": (pa.date32(), st.dates(datetime.date(1900, 1, 1), datetime.date(2200, 1, 1))),
    "decimal": (pa.decimal128(7, 2), st.decimals(-99999, 99999, places=2,
                                                  allow_nan=False, allow_infinity=False)),
    "binary": (pa.binary(), st.binary(max_size=8)),
    "list": (pa.list_(pa.int64()), st.lists(st.integers(-5, 5), max_size=3)),
    "struct": (pa.struct([("x", pa.int32()), ("y", pa.string())]),
               st.fixed_dictionaries({"x": st.none() | st.integers(0, 9),
                                      "y": st.none() | st.text(chars, max_size=3)})),
    "map": (pa.map_(pa.string(), pa.int64()),
            st.dictionaries(st.text(chars, max_size=3), st.integers(0, 9), max_size=2)),
    "dictionary": (pa.dictionary(pa.int32(), pa.string()), st.sampled_from(["a", "b", "c"])),
}


@st.composite
def parquet_tables(draw):
    """An Arrow table with typed columns (nulls included) and an int64 or string id."""
    columns = draw(st.lists(st.sampled_from(sorted(PARQUET_TYPES)), max_size=4, unique=True))
    id_type = draw(st.sampled_from([pa.int64(), pa.string()]))
    rows = draw(st.integers(1, 6))
    ids = [draw(st.none() | (st.integers(-2**63, 2**63 - 1) if id_type == pa.int64()
                             else st.text(chars, max_size=6))) for _ in range(rows)]
    data = {"text": pa.array([draw(page_text) for _ in range(rows)], pa.string()),
            "id": pa.array(ids, id_type)}
    for name in columns:
        arrow_type, values = PARQUET_TYPES[name]
        data[f"c_{name}"] = pa.array([draw(st.none() | values) for _ in range(rows)],
                                     type=arrow_type)
    order = draw(st.permutations(list(data)))
    return pa.table({name: data[name] for name in order})


# --- helpers --------------------------------------------------------------------------------

def write_jsonl(path, records):
    data = "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records).encode()
    path.write_bytes(gzip.compress(data) if path.name.endswith(".gz") else data)


def read_output(path):
    if path.name.endswith(".parquet"):
        return pq.read_table(path).to_pylist(maps_as_pydicts="strict")
    data = path.read_bytes()
    data = gzip.decompress(data) if path.name.endswith(".gz") else data
    return [json.loads(line) for line in data.decode("utf-8").split("\n") if line]


def run(sifter, src, out, **options):
    stats = filter_inputs([str(src)], str(out), sifter, FilterOptions(**options))
    assert not len(stats.skipped) and not stats.skipped_files
    return read_output(out)


def json_form(value):
    """What a Parquet value becomes in JSON, by the documented rules."""
    if isinstance(value, (datetime.datetime, datetime.date)):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return str(value)
    if isinstance(value, bytes):
        return base64.b64encode(value).decode("ascii")
    if isinstance(value, dict):
        return {k: json_form(v) for k, v in value.items()}
    if isinstance(value, list):
        return [json_form(v) for v in value]
    return value


# --- JSON in --------------------------------------------------------------------------------

@pytest.mark.parametrize("src_name, out_name", [("in.jsonl", "out.jsonl"),
                                                ("in.jsonl.gz", "out.jsonl"),
                                                ("in.jsonl", "out.jsonl.gz")])
@SETTINGS
@given(records=json_records())
def test_json_records_come_back_exactly_from_json(sifter, tmp_path, src_name, out_name,
                                                  records):
    src, out = tmp_path / src_name, tmp_path / out_name
    write_jsonl(src, records)
    result = run(sifter, src, out)
    assert [list(r.items()) for r in result] == [list(r.items()) for r in records]


@SETTINGS
@given(records=typed_json_records())
def test_json_records_come_back_in_parquet_with_a_column_per_field(sifter, tmp_path,
                                                                   small_row_groups, records):
    """Every field of every record is a column, whenever it first appears (nulls and missing
    fields read back as null; objects as structs whose missing keys are null)."""
    src, out = tmp_path / "in.jsonl", tmp_path / "out.parquet"
    write_jsonl(src, records)
    result = run(sifter, src, out)
    fields = list(dict.fromkeys(name for r in records for name in r))
    assert list(result[0]) == fields
    for got, record in zip(result, records, strict=True):
        for name in fields:
            value = record.get(name)
            if isinstance(value, dict) and any(isinstance(r.get(name), dict) and "b" in r[name]
                                               for r in records):
                value = {"a": value["a"], "b": value.get("b")}  # the struct has both keys
            assert got[name] == value, name


@SETTINGS
@given(records=typed_json_records())
def test_ids_keep_their_type_in_parquet(sifter, tmp_path, small_row_groups, records):
    src, out = tmp_path / "in.jsonl", tmp_path / "out.parquet"
    write_jsonl(src, records)
    run(sifter, src, out)
    ids = [r.get("id") for r in records]
    if any("id" in r for r in records):
        column = pq.read_table(out).column("id")
        assert column.to_pylist() == ids
        kinds = {type(i) for i in ids if i is not None}
        if kinds == {int}:
            assert pa.types.is_integer(column.type)
        elif kinds == {str}:
            assert pa.types.is_string(column.type)


# --- Parquet in -----------------------------------------------------------------------------

@SETTINGS
@given(table=parquet_tables())
def test_parquet_records_come_back_with_their_arrow_types(sifter, tmp_path, small_row_groups,
                                                          table):
    src, out = tmp_path / "in.parquet", tmp_path / "out.parquet"
    pq.write_table(table, src)
    run(sifter, src, out)
    back = pq.read_table(out)
    assert back.schema.equals(pq.read_schema(src)), (back.schema, table.schema)
    assert back.to_pylist() == pq.read_table(src).to_pylist()


@pytest.mark.parametrize("out_name", ["out.jsonl", "out.jsonl.gz"])
@SETTINGS
@given(table=parquet_tables())
def test_parquet_records_come_back_in_json_by_the_documented_rules(sifter, tmp_path, out_name,
                                                                   table):
    """Dates and timestamps as ISO 8601, decimals as strings, binary as base64, maps as
    objects; everything else as the JSON value it is."""
    src, out = tmp_path / "in.parquet", tmp_path / out_name
    pq.write_table(table, src)
    result = run(sifter, src, out)
    expected = [json_form(r) for r in pq.read_table(src).to_pylist(maps_as_pydicts="strict")]
    assert [list(r.items()) for r in result] == [list(r.items()) for r in expected]


# --- WARC and text in -----------------------------------------------------------------------

def write_wet(path, pages):
    from warcio.warcwriter import WARCWriter

    buffer = io.BytesIO()
    writer = WARCWriter(buffer, gzip=True)
    for url, text in pages:
        writer.write_record(writer.create_warc_record(
            url, "conversion", payload=io.BytesIO(text.encode("utf-8")),
            warc_content_type="text/plain"))
    path.write_bytes(buffer.getvalue())


hosts = st.text(string.ascii_lowercase, min_size=1, max_size=8)
wet_pages = st.lists(st.tuples(hosts.map(lambda h: f"https://{h}.example/p"), file_text),
                     min_size=1, max_size=4)


@pytest.mark.parametrize("out_name", ["out.jsonl", "out.parquet"])
@SETTINGS
@given(pages=wet_pages)
def test_wet_records_come_back_with_url_ids(sifter, tmp_path, out_name, pages):
    src, out = tmp_path / "in.warc.wet.gz", tmp_path / out_name
    write_wet(src, pages)
    result = run(sifter, src, out)
    assert [(r["id"], r["url"], r["domain"], r["text"]) for r in result] == [
        (url, url, url.split("/")[2], text) for url, text in pages]
    assert all(r["warc_record_id"].startswith("<urn:uuid:") for r in result)


@pytest.mark.parametrize("out_name", ["out.txt", "out.jsonl", "out.parquet"])
@SETTINGS
@given(text=file_text)
def test_text_pages_come_back_as_text_or_records(sifter, tmp_path, out_name, text):
    src, out = tmp_path / "page.txt", tmp_path / out_name
    src.write_text(text, encoding="utf-8")
    filter_inputs([str(src)], str(out), sifter, FilterOptions())
    if out_name == "out.txt":
        assert out.read_text(encoding="utf-8") == text + "\n"
    else:
        assert read_output(out) == [{"id": str(src), "text": text}]
