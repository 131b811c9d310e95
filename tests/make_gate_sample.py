"""Build tests/data/gate_pages.jsonl.gz, the quality gate's sample, from ../shared/data.

A few hundred labelled lines in several languages, from the sets whose licences allow a small
committed sample (trafilatura_eval: Apache-2.0 repository; htmltotext and cleanportaleval: none
stated). Rebuilding gives the same file:

    python tests/make_gate_sample.py [SHARED_DATA_DIR]
"""

import gzip
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent
PAGES = {
    "trafilatura_eval": ["de", "en", "es", "fr", "pt", "zh", "it", "pl", "fi", "ru", "el"],
    "htmltotext": ["htmltotext:hr/news-jutarnji-bankari-prijavljeni-zbog-malverzacija",
                   "htmltotext:zh/news-cctv-ARTI6wNyfAmZU6pd8NQHtmf6200803",
                   "htmltotext:de/news-computerbase-vivaldi-3-2-browser-fuer-android-tracking-schutz"],
    "cleanportaleval": ["cleanportaleval:tv.msnbc.com_news_02", "cleanportaleval:bbc.co.uk_news_11"],
}
"""trafilatura_eval: the first page (by id) of each language; the others: these ids."""


def _records(shared, name):
    with gzip.open(Path(shared) / f"{name}.jsonl.gz", "rt", encoding="utf-8") as fh:
        for line in fh:
            yield json.loads(line)


def select(shared):
    out = []
    langs = list(PAGES["trafilatura_eval"])
    for record in _records(shared, "trafilatura_eval"):
        if record["lang"] in langs and sum(x is not None for x in record["labels"]) >= 4:
            langs.remove(record["lang"])
            out.append(record)
    for name in ("htmltotext", "cleanportaleval"):
        out += [r for r in _records(shared, name) if r["id"] in PAGES[name]]
    return out


def main():
    shared = sys.argv[1] if len(sys.argv) > 1 else ROOT.parent.parent / "shared" / "data"
    records = select(shared)
    with gzip.GzipFile(ROOT / "data" / "gate_pages.jsonl.gz", "wb", mtime=0) as fh:
        for record in records:
            fh.write((json.dumps(record, ensure_ascii=False) + "\n").encode("utf-8"))
    labelled = sum(sum(x is not None for x in r["labels"]) for r in records)
    print(f"{len(records)} pages, {labelled} labelled lines")


if __name__ == "__main__":
    main()
