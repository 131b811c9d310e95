"""Labels audited: out-of-fold scores rank the slipped labels first; disagreements listed."""

import csv
import json
import random

from linesift.train.audit import audit_labels, audit_weakness, flagged_pages, write_report
from tests.test_train_loop import team_page


def _write(path, pages):
    path.write_text("".join(json.dumps({"id": p.id, "domain": p.domain, "text": p.text,
                                        "labels": p.labels, **p.meta}) + "\n" for p in pages))
    return path


def test_slipped_labels_rank_first_and_disagreements_are_listed(tmp_path):
    pages = [team_page(f"s{n % 3}.example", n) for n in range(9)]
    pages[2].labels[0] = "content"   # a menu line called content
    pages[5].labels[10] = "boilerplate"  # an article line called boilerplate
    pages[7].meta["disagreements"] = [[3, 1, 1]]
    pages[7].labels[3] = None            # the tie pull left unlabelled
    path = _write(tmp_path / "labels.jsonl", pages)
    found, ranking = audit_labels([str(path)], folds=3, progress=False)
    top = list(zip(ranking["page"], ranking["line_no"], ranking["reason"]))[:3]
    assert set(top[:2]) == {("s2.example/2", 0, "model_says_boilerplate"),
                            ("s2.example/5", 10, "model_says_content")}
    assert ("s1.example/7", 3, "annotators_disagree") in set(
        zip(ranking["page"], ranking["line_no"], ranking["reason"]))
    assert {"s2.example/2", "s2.example/5", "s1.example/7"} <= {
        p.id for p in flagged_pages(found, ranking)}
    rows = write_report(ranking, tmp_path / "r.csv")
    with open(tmp_path / "r.csv", newline="") as fh:
        table = list(csv.DictReader(fh))
    assert len(table) == rows == int(ranking["flagged"].sum())
    assert list(table[0]) == ["page", "line_no", "text", "label", "p_content", "reason"]
    assert table[0]["label"] in ("content", "boilerplate") and float(table[0]["p_content"]) >= 0


def test_a_strong_audit_gives_no_warning_and_a_weak_one_says_so(tmp_path):
    pages = [team_page(f"s{n % 3}.example", n) for n in range(9)]
    pages[2].labels[0] = "content"
    _, ranking = audit_labels([str(_write(tmp_path / "good.jsonl", pages))], folds=3,
                              progress=False)
    assert audit_weakness(ranking) is None
    # labels at random: nothing a model can learn, so most lines get contradicted
    rng = random.Random(0)
    for page in pages:
        page.labels = [rng.choice(["content", "boilerplate"]) for _ in page.labels]
    _, ranking = audit_labels([str(_write(tmp_path / "noise.jsonl", pages))], folds=3,
                              progress=False)
    warning = audit_weakness(ranking)
    assert warning.startswith("the audit's model is weak (out-of-fold content F1 0.")
    assert "more labelled pages" in warning


def test_the_cli_prints_the_weakness_warning(tmp_path):
    from typer.testing import CliRunner

    from linesift.cli import app

    rng = random.Random(1)
    pages = [team_page(f"s{n % 3}.example", n) for n in range(6)]
    for page in pages:
        page.labels = [rng.choice(["content", "boilerplate"]) for _ in page.labels]
    path = _write(tmp_path / "noise.jsonl", pages)
    result = CliRunner().invoke(app, ["labels", "audit", str(path), "-o",
                                      str(tmp_path / "r.csv"), "--folds", "3"])
    assert result.exit_code == 0, result.output
    assert "warning: the audit's model is weak" in result.output
