"""Parsing Label Studio exports into labelled pages, on exports saved from the real server.

tests/data/ls_export_{page,line}.json come from tests/make_ls_exports.py (label-studio
1.23.2): three made-up pages annotated by three users, with a majority, a tie, a skipped and
an empty annotation, and lines nobody labelled.
"""

import copy
import json
from pathlib import Path

import pytest

from linesift.annotate.export import annotation_labels, fleiss_kappa, labelled_pages, majority

DATA = Path(__file__).parent / "data"
C, B = "content", "boilerplate"
ADMIN = 1


def _export(layout):
    return json.loads((DATA / f"ls_export_{layout}.json").read_text(encoding="utf-8"))


def _by_id(pages):
    return {page.id: page for page in pages}


def _bridge_task(export):
    return next(t for t in export if t["data"]["page_id"] == "synthetic:bridge")


def test_page_layout_majority_ties_and_unlabelled_lines():
    pages, _ = labelled_pages(_export("page"), "page")
    bridge = _by_id(pages)["synthetic:bridge"]
    # 0 bbb, 2 ccc, 3 ccc, 5 cbc -> c, 6 bbc -> b, 7 bb, 8 cb tie -> None, 9 no vote -> None;
    # 1 and 4 are blank
    assert bridge.labels == [B, None, C, C, None, C, B, B, None, None]
    assert bridge.lines[4] == "   "  # a blank line of spaces comes back as it was
    assert bridge.meta == {"url": "https://news.example.org/bridge",
                           "domain": "news.example.org", "lang": "en", "source": "synthetic",
                           # [line_no, content votes, boilerplate votes] where votes differ
                           "disagreements": [[5, 2, 1], [6, 1, 2], [8, 1, 1]]}
    assert _by_id(pages)["synthetic:partial"].labels == [B, None, C, None]


def test_page_layout_skips_cancelled_and_empty_annotations():
    pages, stats = labelled_pages(_export("page"), "page")
    assert "synthetic:skipped" not in _by_id(pages)
    summary = stats.as_dict()
    assert summary["annotations"] == {"used": 4, "cancelled_or_skipped": 1, "empty": 1}
    assert summary["pages"]["written"] == 2 and summary["pages"]["unannotated"] == 1
    assert summary["annotators"] == 3
    assert summary["ties"] == 1
    assert summary["labels"] == {C: 4, B: 4, "unlabelled": 3}


def test_page_layout_agreement_is_fleiss_kappa():
    _, stats = labelled_pages(_export("page"), "page")
    # lines with 2+ votes: 0 bbb, 2 ccc, 3 ccc, 5 ccb, 6 bbc, 7 bb, 8 cb
    observed = (1 + 1 + 1 + 1 / 3 + 1 / 3 + 1 + 0) / 7
    expected = (10 / 19) ** 2 + (9 / 19) ** 2
    agreement = stats.as_dict()["agreement"]
    assert agreement["lines"] == 7
    assert agreement["observed_agreement"] == pytest.approx(observed, abs=1e-4)
    assert agreement["fleiss_kappa"] == pytest.approx((observed - expected) / (1 - expected),
                                                      abs=1e-4)


def test_line_layout_rebuilds_pages_from_line_tasks():
    pages, stats = labelled_pages(_export("line"), "line")
    by_id = _by_id(pages)
    # line 2: cc; 5: cb tie; 6: bbc -> b; 7: cancelled; the rest: no task annotated
    assert by_id["synthetic:bridge"].labels == [None, None, C, None, None, None, B, None, None,
                                                None]
    assert by_id["synthetic:bridge"].text == _bridge_page_text()
    assert by_id["synthetic:partial"].labels == [None, None, C, None]
    summary = stats.as_dict()
    assert summary["ties"] == 1
    assert summary["annotations"]["cancelled_or_skipped"] == 1
    assert summary["pages"]["unannotated"] == 1


def _bridge_page_text():
    task = _bridge_task(_export("page"))
    lines = [""] * task["data"]["n_lines"]
    lines[4] = "   "
    for line in task["data"]["lines"]:
        lines[line["line_no"]] = line["text"]
    return "\n".join(lines)


def test_line_layout_page_with_a_missing_line_task_is_skipped():
    export = [t for t in _export("line")
              if (t["data"]["page_id"], t["data"]["line_no"]) != ("synthetic:bridge", 3)]
    pages, stats = labelled_pages(export, "line")
    assert "synthetic:bridge" not in _by_id(pages)
    assert stats.as_dict()["pages"]["incomplete"] == ["synthetic:bridge"]


def test_page_id_with_two_texts_is_reported_not_guessed():
    export = _export("page")
    other = copy.deepcopy(_bridge_task(export))
    other["data"]["text_hash"] = "0" * 64
    pages, stats = labelled_pages(export + [other], "page")
    assert "synthetic:bridge" not in _by_id(pages)
    assert stats.as_dict()["pages"]["conflicting"] == ["synthetic:bridge"]


def test_tasks_not_made_by_linesift_are_counted_and_ignored():
    export = _export("page") + [{"id": 99, "data": {"text": "x"}, "annotations": []}]
    pages, stats = labelled_pages(export, "page")
    assert len(pages) == 2
    assert stats.as_dict()["foreign_tasks"] == 1


def test_one_vote_per_annotator_the_latest():
    export = _export("page")
    task = _bridge_task(export)
    first = next(a for a in task["annotations"] if a["completed_by"] == ADMIN)
    older = copy.deepcopy(first)
    older["id"] = first["id"] - 1000
    older["result"] = [{**item, "value": {"choices": [C]}} for item in first["result"]]
    task["annotations"].append(older)
    pages, stats = labelled_pages(export, "page")
    assert _by_id(pages)["synthetic:bridge"].labels[0] == B
    assert stats.as_dict()["annotations"]["used"] == 4


def test_annotation_labels_map_positions_to_line_numbers_and_ignore_junk():
    data = {"lines": [{"line_no": 0, "text": "a"}, {"line_no": 5, "text": "b"}]}
    result = [
        {"from_name": "label_1", "type": "choices", "value": {"choices": [B]}},
        {"from_name": "label_0", "type": "choices", "value": {"choices": [C, B]}},
        {"from_name": "label_7", "type": "choices", "value": {"choices": [C]}},
        {"from_name": "label_0", "type": "labels", "value": {"labels": [C]}},
        {"from_name": "label_0", "type": "choices", "value": {"choices": ["maybe"]}},
        {"from_name": "comment", "type": "choices", "value": {"choices": [C]}},
    ]
    assert annotation_labels(result, data, "page") == {5: B}
    line_result = [{"from_name": "label", "type": "choices", "value": {"choices": [C]}}]
    assert annotation_labels(line_result, {"line_no": 3}, "line") == {3: C}


@pytest.mark.parametrize("votes, expected", [
    ([C, C, B], (C, False)),
    ([B], (B, False)),
    ([C, B], (None, True)),
    ([C, B, B, C], (None, True)),
    ([], (None, False)),
])
def test_majority(votes, expected):
    assert majority(votes) == expected


_CHANCE = 0.625 ** 2 + 0.375 ** 2  # 5 content and 3 boilerplate ratings out of 8


@pytest.mark.parametrize("counts, kappa", [
    ([(2, 0), (0, 2)], 1.0),
    ([(1, 1), (1, 1)], -1.0),
    ([(3, 0), (2, 1), (0, 2)], (7 / 9 - _CHANCE) / (1 - _CHANCE)),
    ([(2, 0), (3, 0)], None),  # one label only: chance agreement is 1, kappa undefined
    ([], None),
])
def test_fleiss_kappa(counts, kappa):
    result = fleiss_kappa(counts)["fleiss_kappa"]
    assert result == (None if kappa is None else pytest.approx(kappa, abs=1e-4))


def test_unknown_layout_is_refused():
    with pytest.raises(ValueError, match="unknown layout"):
        labelled_pages([], "paragraph")
