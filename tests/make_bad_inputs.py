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


if __name__ == "__main__":
    main()
