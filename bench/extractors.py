"""trafilatura and resiliparse on the same pages as linesift: CPU per page, pages/s, lines/s.

The shared sets hold each page as lines of text, not its HTML, so each page is rebuilt as a
plain HTML document, one ``<p>`` per line under a ``<title>``. That HTML is far lighter than
the page it came from (no scripts, styles or nested layout), so these figures are the
extractors' speed on the easiest HTML: an upper bound on what they do with real pages.

Needs the ``bench`` extra (``pip install -e ".[bench]"``). Called by ``bench/throughput.py
--extractors``; alone:

    python bench/extractors.py --sets dragnet trafilatura_eval
"""

import argparse
import gzip
import html
import json
import os
import subprocess
import sys
import time

from common import ROOT, SHARED_DATA, print_table, shared_file

EXTRACTORS = ("trafilatura", "resiliparse")


def html_page(text):
    """A page's lines as an HTML document: the first line as its title, every line a
    paragraph."""
    lines = text.split("\n")
    body = "\n".join(f"<p>{html.escape(line)}</p>" for line in lines)
    return (f'<!DOCTYPE html>\n<html><head><meta charset="utf-8"><title>'
            f"{html.escape(lines[0])}</title></head>\n<body>\n{body}\n</body></html>")


def extractor(name):
    """``extract(html) -> text`` of one extractor, imported (SystemExit when not installed)."""
    try:
        if name == "trafilatura":
            from trafilatura import extract

            return lambda page: extract(page, include_comments=False)
        from resiliparse.extract.html2text import extract_plain_text

        return lambda page: extract_plain_text(page, main_content=True)
    except ImportError as error:
        sys.exit(f"bench: {name} is not installed ({error}); pip install -e \".[bench]\"")


def measure(name, paths):
    """Pages, lines and CPU seconds of extractor `name` over the pages of `paths`, in this
    process pinned to one core; the HTML is built first, outside the timing."""
    os.sched_setaffinity(0, {0})
    extract = extractor(name)
    pages, lines = [], 0
    for path in paths:
        with gzip.open(path, "rt", encoding="utf-8") as fh:
            for raw in fh:
                text = json.loads(raw)["text"]
                lines += text.count("\n") + 1
                pages.append(html_page(text))
    extract(pages[0])  # first call: lazy imports and caches, as linesift's start-up is apart
    start = time.process_time()
    for page in pages:
        extract(page)
    return {"pages": len(pages), "lines": lines, "cpu": time.process_time() - start}


def run(name, paths):
    """:func:`measure` in a child process (a fresh interpreter per extractor)."""
    out = subprocess.run([sys.executable, __file__, "--child", name, *map(str, paths)],
                         cwd=ROOT, capture_output=True, text=True)
    if out.returncode:
        sys.exit(out.stderr.strip().splitlines()[-1] if out.stderr.strip()
                 else f"bench: {name} failed")
    return json.loads(out.stdout)


def rows_for(sets):
    """One row per extractor and set: CPU seconds, pages/s and lines/s on one core."""
    all_sets = sorted(SHARED_DATA.glob("*.jsonl.gz"))
    rows = []
    for set_name in sets:
        paths = all_sets if set_name == "all" else [shared_file(set_name)]
        for name in EXTRACTORS:
            got = run(name, paths)
            rows.append({"extractor": name, "input": set_name, "pages": got["pages"],
                         "lines": got["lines"], "CPU s": got["cpu"],
                         "pages/s": got["pages"] / got["cpu"],
                         "lines/s": got["lines"] / got["cpu"]})
    return rows


NOTE = ("HTML rebuilt from each page's lines (one <p> per line): far lighter than the real "
        "page, so the extractors' best case; CPU after their imports, reading excluded.")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sets", nargs="+", default=["dragnet", "trafilatura_eval"])
    parser.add_argument("--child", nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(measure(args.child[0], args.child[1:])))
        return
    print(NOTE)
    print_table(rows_for(args.sets), ["extractor", "input", "pages", "lines", "CPU s",
                                      "pages/s", "lines/s"])


if __name__ == "__main__":
    main()
