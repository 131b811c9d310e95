"""Make the saved Label Studio exports that tests/test_annotate_export.py parses.

Run it against the local server (``make labelstudio``) when Label Studio's export format may
have changed, then check the tests still pass::

    .venv/bin/python tests/make_ls_exports.py

It pushes three small made-up pages in each layout, annotates them as three users (the
admin with the legacy token, one with a personal access token, one with a legacy token) and
writes ``tests/data/ls_export_{page,line,runs}.json`` (``--only runs`` writes one of them).
The votes are listed in :data:`PAGE_VOTES`, :data:`LINE_VOTES` and :data:`RUNS_VOTES`; the
tests spell out what they give.
"""

import json
import sys
import uuid
from pathlib import Path

from label_studio_sdk import LabelStudio

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from annotate_fixtures import sign_up  # noqa: E402

from linesift.annotate.client import Server, resolve_credentials  # noqa: E402
from linesift.annotate.push import push_pages  # noqa: E402
from linesift.annotate.tasks import js_length  # noqa: E402
from linesift.pages import Page  # noqa: E402

DATA = Path(__file__).resolve().parent / "data"
C, B = "content", "boilerplate"

PAGES = [
    Page(id="synthetic:bridge", text="\n".join([
        "Home | News | Sport",                      # 0
        "",                                         # 1
        "Mayor opens the new bridge",               # 2
        "The bridge across the river opened on Monday after two years of work.",  # 3
        "   ",                                      # 4 blank: only spaces
        "Officials said traffic would ease within weeks.",  # 5
        "Share on Facebook",                        # 6
        "© 2024 Example Times",                     # 7
        "Read more",                                # 8
        "Advertisement",                            # 9
    ]), meta={"url": "https://news.example.org/bridge", "domain": "news.example.org",
              "lang": "en", "source": "synthetic"}),
    Page(id="synthetic:skipped", text="Login\nA page nobody labelled.\nContact us",
         meta={"url": None, "domain": None, "lang": "en", "source": "synthetic"}),
    Page(id="synthetic:partial", text="Menu\n\nOne labelled sentence.\nFooter links",
         meta={"lang": "en", "source": "synthetic"}),
]

# page id -> annotator -> {line_no: label}; "cancel" skips the task, {} submits nothing.
PAGE_VOTES = {
    "synthetic:bridge": {
        "admin": {0: B, 2: C, 3: C, 5: C, 6: B, 7: B, 8: C},
        "jwt": {0: B, 2: C, 3: C, 5: B, 6: B, 8: B},
        "legacy": {0: B, 2: C, 3: C, 5: C, 6: C, 7: B},
    },
    "synthetic:skipped": {"admin": "cancel", "jwt": {}},
    "synthetic:partial": {"legacy": {0: B, 2: C}},
}
# (page id, line_no) -> annotator -> label or "cancel"
LINE_VOTES = {
    ("synthetic:bridge", 2): {"admin": C, "jwt": C},
    ("synthetic:bridge", 5): {"admin": C, "jwt": B},
    ("synthetic:bridge", 6): {"legacy": B, "admin": B, "jwt": C},
    ("synthetic:bridge", 7): {"admin": "cancel"},
    ("synthetic:partial", 2): {"jwt": C},
}


# page id -> annotator -> regions (first, last position in the task's lines, label, offsets),
# in the order they were made, or "cancel" / [] (submitted empty).
RUNS_VOTES = {
    "synthetic:bridge": {
        # the model's runs, then a correction of line 8: the later region wins
        "admin": [(0, 0, B), (1, 3, C), (4, 7, B), (6, 6, C)],
        # a drag that ends at the start of line 5 (position 1, offset 0) labels line 0 only;
        # one that starts after the last character of line 5 labels line 6 only; 8 and 9 blank
        "jwt": [(0, 1, B, 0, 0), (1, 3, C), (3, 4, B, "end", None), (5, 5, B)],
        "legacy": [(0, 7, C), (0, 0, B), (4, 4, B)],
    },
    "synthetic:skipped": {"admin": "cancel", "jwt": []},
    "synthetic:partial": {"legacy": [(0, 0, B), (1, 1, C)]},  # line 3 left blank
}


def _region(texts, first, last, label, start_offset=0, end_offset=None):
    if start_offset == "end":
        start_offset = js_length(texts[first])
    if end_offset is None:
        end_offset = js_length(texts[last])
    return {"from_name": "label", "to_name": "lines", "type": "paragraphlabels",
            "value": {"start": str(first), "end": str(last), "startOffset": start_offset,
                      "endOffset": end_offset, "paragraphlabels": [label]}}


def _choice(from_name, to_name, label):
    return {"from_name": from_name, "to_name": to_name, "type": "choices",
            "value": {"choices": [label]}}


def _annotate(client, task_id, result):
    if result == "cancel":
        client.annotations.create(id=task_id, result=[], was_cancelled=True)
    else:
        client.annotations.create(id=task_id, result=result)


def _page_layout(server, clients, sdk):
    summary = push_pages(server, PAGES, f"export-page-{uuid.uuid4().hex[:8]}", layout="page",
                         progress=False)
    for task in sdk.tasks.list(project=summary.project_id, include="id,data"):
        position = {line["line_no"]: k for k, line in enumerate(task.data["lines"])}
        for who, votes in PAGE_VOTES.get(task.data["page_id"], {}).items():
            result = votes if votes == "cancel" else [
                _choice(f"label_{position[n]}", f"line_{position[n]}", label)
                for n, label in votes.items()]
            _annotate(clients[who], task.id, result)
    return summary.project_id


def _line_layout(server, clients, sdk):
    summary = push_pages(server, PAGES, f"export-line-{uuid.uuid4().hex[:8]}", layout="line",
                         progress=False)
    for task in sdk.tasks.list(project=summary.project_id, include="id,data"):
        key = (task.data["page_id"], task.data["line_no"])
        for who, label in LINE_VOTES.get(key, {}).items():
            result = label if label == "cancel" else [_choice("label", "line", label)]
            _annotate(clients[who], task.id, result)
    return summary.project_id


def _runs_layout(server, clients, sdk):
    summary = push_pages(server, PAGES, f"export-runs-{uuid.uuid4().hex[:8]}", layout="runs",
                         progress=False)
    for task in sdk.tasks.list(project=summary.project_id, include="id,data"):
        texts = [line["text"] for line in task.data["lines"]]
        for who, regions in RUNS_VOTES.get(task.data["page_id"], {}).items():
            result = regions if regions == "cancel" else [_region(texts, *r) for r in regions]
            _annotate(clients[who], task.id, result)
    return summary.project_id


def _save(sdk, project_id, path):
    export = json.loads(b"".join(sdk.projects.exports.download_sync(
        id=project_id, export_type="JSON", download_all_tasks=True)))
    path.write_text(json.dumps(export, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    sdk.projects.delete(id=project_id)
    print(f"wrote {path} ({len(export)} tasks)", file=sys.stderr)


def main():
    credentials = resolve_credentials()
    server = Server(credentials)
    sdk = LabelStudio(base_url=credentials.url, api_key=credentials.api_key)
    clients = {"admin": sdk}
    for kind in ("jwt", "legacy"):
        clients[kind] = LabelStudio(base_url=credentials.url,
                                    api_key=sign_up(credentials.url, kind)[3])
    only = sys.argv[sys.argv.index("--only") + 1] if "--only" in sys.argv else None
    for layout, make in (("page", _page_layout), ("line", _line_layout),
                         ("runs", _runs_layout)):
        if only in (None, layout):
            _save(sdk, make(server, clients, sdk), DATA / f"ls_export_{layout}.json")


if __name__ == "__main__":
    main()
