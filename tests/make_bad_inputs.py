"""Write the bad-input corpus in tests/data/bad/ (run once; the files are committed).

Each file is one case of docs/reliability.md; tests/test_bad_inputs.py checks the behaviour.
The 50 MB line and the unreadable files are made inside the tests instead.
"""

import gzip
import json
from pathlib import Path

import pandas as pd

BAD = Path(__file__).parent / "data" / "bad"
ARTICLE = ["Accueil | Actualités | Contact",
           "Le café était très cher, déjà à l'époque où il ouvrait, et l'addition "
           "coûtait 5 €.",
           "",
           "© 2024 Le Journal"]
TRUNCATED_RECORDS = 1000


def main():
    BAD.mkdir(parents=True, exist_ok=True)
    text = "\n".join(ARTICLE) + "\n"
    (BAD / "binary.txt").write_bytes(gzip.compress(text.encode("utf-8") * 20, mtime=0))
    (BAD / "nul.txt").write_bytes(text.replace("Contact", "Con\x00tact").encode("utf-8"))
    (BAD / "cp1252.txt").write_bytes(text.encode("cp1252"))
    (BAD / "bom.txt").write_bytes(b"\xef\xbb\xbf" + text.encode("utf-8"))
    (BAD / "lf.txt").write_bytes(text.encode("utf-8"))
    (BAD / "crlf.txt").write_bytes(text.replace("\n", "\r\n").encode("utf-8"))
    (BAD / "cr.txt").write_bytes(text.replace("\n", "\r").encode("utf-8"))
    (BAD / "empty.txt").write_bytes(b"")
    (BAD / "empty.jsonl").write_bytes(b"")
    good = [{"id": "a", "text": text, "url": "https://example.org/a"},
            {"id": "b", "text": "Menu\nSecond page, a sentence of its own.",
             "url": "https://example.org/b"}]
    lines = [json.dumps(r, ensure_ascii=False) for r in good]
    unclosed = '{"id": "x", "text": "unclosed'
    (BAD / "malformed.jsonl").write_text("\n".join([lines[0], unclosed, lines[1]]) + "\n",
                                         encoding="utf-8")
    (BAD / "no_text.jsonl").write_text("\n".join([lines[0], json.dumps({"id": "x", "body": "?"}),
                                                 lines[1]]) + "\n", encoding="utf-8")
    (BAD / "non_string_text.jsonl").write_text(
        "\n".join([lines[0], lines[1], json.dumps({"id": "x", "text": 42})]) + "\n",
        encoding="utf-8")
    (BAD / "bom.jsonl").write_bytes(b"\xef\xbb\xbf" + ("\r\n".join(lines) + "\r\n").encode("utf-8"))
    (BAD / "cp1252.jsonl").write_bytes(("\n".join(lines) + "\n").encode("cp1252"))
    many = [json.dumps({"id": f"t{i}", "text": f"Line {i} of a page.\n{i * 7919 % 10007}"})
            for i in range(TRUNCATED_RECORDS)]
    whole = gzip.compress(("\n".join(many) + "\n").encode("utf-8"), mtime=0)
    (BAD / "truncated.jsonl.gz").write_bytes(whole[: len(whole) // 2])
    pd.DataFrame({"id": ["a", "b"], "body": [good[0]["text"], good[1]["text"]]}).to_parquet(
        BAD / "no_text_column.parquet", index=False)
    write_round_two(text, lines)


STRAY_BYTE_AT = 12
"""Where stray_byte.txt has its 0xFF: between two characters of the first line."""
LATE_ROWS = 1000
"""late_fields.jsonl: a field is null in this many records before it holds a string."""


def write_round_two(text, lines):
    """The cases of the second reliability round (issue 17)."""
    import datetime
    import decimal
    import io

    import pyarrow as pa
    import pyarrow.parquet as pq

    data = text.encode("utf-8")
    (BAD / "stray_byte.txt").write_bytes(data[:STRAY_BYTE_AT] + b"\xff" + data[STRAY_BYTE_AT:])
    (BAD / "gzip_named.jsonl").write_bytes(gzip.compress(("\n".join(lines) + "\n").encode(),
                                                         mtime=0))
    (BAD / "lone_surrogate.jsonl").write_text(
        lines[0] + "\n" + '{"id": "x", "text": "caf\\udce9 au lait"}\n' + lines[1] + "\n",
        encoding="utf-8")
    (BAD / "deep.jsonl").write_text(
        lines[0] + "\n" + '{"id": "x", "text": "t", "d": ' + "[" * 5000 + "]" * 5000 + "}\n"
        + lines[1] + "\n", encoding="utf-8")
    ids = [1, None, {"k": [1, 2]}, 2.5, True, "s", [1, "a"]]
    (BAD / "typed_ids.jsonl").write_text("".join(
        json.dumps({"id": v, "text": text, "n": i}) + "\n" for i, v in enumerate(ids)),
        encoding="utf-8")
    (BAD / "has_scores.jsonl").write_text(json.dumps(
        {"id": "a", "text": text, "scores": "mine", "keep": [True]}) + "\n", encoding="utf-8")
    (BAD / "empty_object.jsonl").write_text(json.dumps(
        {"id": "a", "text": text, "meta": {}}) + "\n", encoding="utf-8")
    (BAD / "late_fields.jsonl").write_text("".join(json.dumps(
        {"id": i, "text": f"Page {i} has one sentence of text.",
         "x": None if i < LATE_ROWS else f"x{i}", **({"late": i} if i >= LATE_ROWS + 100 else {})})
        + "\n" for i in range(LATE_ROWS + 200)), encoding="utf-8")
    pq.write_table(pa.table({
        "id": pa.array([1, 2], pa.int32()), "text": [text, text],
        "when": pa.array([datetime.datetime(2024, 5, 1, 12, 30, tzinfo=datetime.timezone.utc),
                          None], pa.timestamp("ms", tz="UTC")),
        "day": pa.array([datetime.date(2024, 5, 1), datetime.date(1999, 12, 31)]),
        "price": pa.array([decimal.Decimal("12.50"), decimal.Decimal("-0.01")],
                          pa.decimal128(7, 2))}), BAD / "typed_columns.parquet")
    _write_warcs(text)


def _write_warcs(text):
    """cut.warc.wet.gz: three WET records cut inside the second; html_png.warc.gz: an HTML,
    a PNG and a plain-text response record."""
    import io

    from warcio.statusandheaders import StatusAndHeaders
    from warcio.warcwriter import WARCWriter

    buffer = io.BytesIO()
    writer = WARCWriter(buffer, gzip=True)
    offsets = []
    for i in range(3):
        offsets.append(buffer.tell())
        writer.write_record(writer.create_warc_record(
            f"https://example.org/{i}", "conversion", warc_content_type="text/plain",
            payload=io.BytesIO((f"Page {i}.\n" + text).encode("utf-8"))))
    data = buffer.getvalue()
    (BAD / "cut.warc.wet.gz").write_bytes(data[: (offsets[1] + offsets[2]) // 2])
    buffer = io.BytesIO()
    writer = WARCWriter(buffer, gzip=True)
    payloads = [("https://example.org/page.html", "text/html; charset=utf-8",
                 b"<html><body><p>An article in HTML.</p></body></html>"),
                ("https://example.org/logo.png", "image/png", b"\x89PNG\r\n\x1a\n" + bytes(64)),
                ("https://example.org/page.txt", "text/plain; charset=utf-8",
                 text.encode("utf-8"))]
    for url, kind, payload in payloads:
        headers = StatusAndHeaders("200 OK", [("Content-Type", kind)], protocol="HTTP/1.1")
        writer.write_record(writer.create_warc_record(url, "response", http_headers=headers,
                                                      payload=io.BytesIO(payload)))
    (BAD / "html_png.warc.gz").write_bytes(buffer.getvalue())


if __name__ == "__main__":
    main()
