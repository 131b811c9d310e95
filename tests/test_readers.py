import gzip
import json

import pandas as pd
import pytest

from linesift import InputError, ReadOptions, read_labelled_pages, read_pages
from linesift.formats import Skips
from linesift.formats.text import decode_text


def write_jsonl(path, records, raw_lines=()):
    lines = [json.dumps(r, ensure_ascii=False) for r in records] + list(raw_lines)
    opener = gzip.open if str(path).endswith(".gz") else open
    with opener(path, "wt", encoding="utf-8") as fh:
        fh.write("\n".join(lines) + "\n")
    return path


def test_txt_page_id_is_the_path_as_given(tmp_path):
    path = tmp_path / "a.txt"
    path.write_text("one\ntwo", encoding="utf-8")
    [page] = read_pages([str(path)])
    assert page.id == str(path) and page.lines == ["one", "two"] and page.meta == {}


def test_directory_yields_every_txt_below_sorted(tmp_path):
    (tmp_path / "sub").mkdir()
    for name in ["b.txt", "a.txt", "sub/c.txt", "skip.md"]:
        (tmp_path / name).write_text(name, encoding="utf-8")
    ids = [p.id for p in read_pages([str(tmp_path)])]
    assert ids == [str(tmp_path / "a.txt"), str(tmp_path / "b.txt"), str(tmp_path / "sub/c.txt")]


@pytest.mark.parametrize("name", ["pages.jsonl", "pages.jsonl.gz"])
def test_jsonl_keeps_every_other_field_as_metadata(tmp_path, name):
    path = write_jsonl(tmp_path / name, [{"id": "x", "text": "a\nb", "url": "u", "n": 3}])
    [page] = read_pages([path])
    assert (page.id, page.text, page.meta) == ("x", "a\nb", {"url": "u", "n": 3})


def test_renamed_fields(tmp_path):
    path = write_jsonl(tmp_path / "p.jsonl", [{"key": 7, "body": "hello"}])
    [page] = read_pages([path], ReadOptions(id_field="key", text_field="body"))
    assert page.id == "7" and page.text == "hello"


def test_parquet_reads_like_jsonl(tmp_path):
    path = tmp_path / "p.parquet"
    pd.DataFrame({"id": ["a", "b"], "text": ["x", "y\nz"], "lang": ["fr", "pl"]}).to_parquet(path)
    pages = list(read_pages([path]))
    assert [p.id for p in pages] == ["a", "b"] and pages[1].meta == {"lang": "pl"}


def test_malformed_jsonl_names_file_and_line(tmp_path):
    path = write_jsonl(tmp_path / "bad.jsonl", [{"id": "a", "text": "x"}], raw_lines=["{oops"])
    with pytest.raises(InputError, match=r"bad\.jsonl:2: malformed JSON"):
        list(read_pages([path]))


def test_skip_mode_counts_bad_records(tmp_path):
    path = write_jsonl(tmp_path / "bad.jsonl", [{"id": "a", "text": "x"}],
                       raw_lines=["{oops", json.dumps({"id": "c"}), json.dumps({"id": "d", "text": 5})])
    options, skips = ReadOptions(on_error="skip"), Skips()
    assert [p.id for p in read_pages([path], options, skips=skips)] == ["a"]
    assert [(line, reason.split(" ")[0]) for _, line, reason in skips] == [
        (2, "malformed"), (3, "record"), (4, "field")]


def test_record_without_text_and_non_string_text(tmp_path):
    missing = write_jsonl(tmp_path / "m.jsonl", [{"id": "a"}])
    with pytest.raises(InputError, match=r"m\.jsonl:1: record has no 'text' field"):
        list(read_pages([missing]))
    wrong = write_jsonl(tmp_path / "w.jsonl", [{"id": "a", "text": ["x"]}])
    with pytest.raises(InputError, match=r"w\.jsonl:1: field 'text' is list"):
        list(read_pages([wrong]))


def test_parquet_without_text_column(tmp_path):
    path = tmp_path / "p.parquet"
    pd.DataFrame({"id": ["a"], "body": ["x"]}).to_parquet(path)
    with pytest.raises(InputError, match=r"p\.parquet: has no 'text' column"):
        list(read_pages([path]))


def test_missing_file(tmp_path):
    with pytest.raises(InputError, match="no such file"):
        list(read_pages([str(tmp_path / "nope.txt")]))


def test_labelled_pages_check_alignment(tmp_path):
    good = write_jsonl(tmp_path / "g.jsonl", [
        {"id": "a", "text": "x\ny", "labels": ["content", None]}])
    [page] = read_labelled_pages([good])
    assert page.labels == ["content", None] and "labels" not in page.meta
    bad = write_jsonl(tmp_path / "b.jsonl", [{"id": "a", "text": "x\ny", "labels": ["content"]}])
    with pytest.raises(InputError, match="1 labels for 2 lines"):
        list(read_labelled_pages([bad]))
    unknown = write_jsonl(tmp_path / "u.jsonl", [{"id": "a", "text": "x", "labels": ["ad"]}])
    with pytest.raises(InputError, match="unknown label 'ad'"):
        list(read_labelled_pages([unknown]))


def test_shared_format_sample_reads(sample_path):
    pages = list(read_labelled_pages([sample_path]))
    assert len(pages) == 25
    assert all(len(p.labels) == len(p.lines) for p in pages)
    assert {"url", "domain", "lang", "source"} <= set(pages[0].meta)


def test_decode_bom_latin1_and_binary(tmp_path):
    assert decode_text("\ufeffété".encode("utf-8"), "f") == "été"
    text = "Le café était très cher, déjà à l'époque où il ouvrait."
    assert decode_text(text.encode("cp1252"), "f") == text
    assert decode_text(text.encode("cp1252"), "f", encoding="latin-1") == text
    with pytest.raises(InputError, match="binary"):
        decode_text(b"\x00\x01\x02\x00" * 100, "f")


@pytest.mark.parametrize("text, encoding", [
    ("Le café était très cher, déjà à l'époque où il ouvrait.", "cp1252"),
    ("Die Straße ist schön, sagte der Bürgermeister.", "cp1252"),
    ("Zażółć gęślą jaźń, powiedział minister.", "cp1250"),
    ("Министр иностранных дел России заявил, что Москва готова к переговорам.", "cp1251"),
    ("Ελληνικά κείμενα για δοκιμή της κωδικοποίησης.", "cp1253"),
])
def test_legacy_encodings_are_detected(text, encoding):
    assert decode_text(text.encode(encoding), "f") == text
