"""The training-table steps of the default recipe: alignment with the settled definition of
content, and synthetic glued boilerplate lines."""

import json

import numpy as np

from linesift.labels import BOILERPLATE, CONTENT
from linesift.pages import Page
from linesift.train.align import align_with_definition, null_comment_sections, null_meta_lines
from linesift.train.augment import glue_boilerplate_runs


def _page(text, domain=None, labels=None, id_="p"):
    return Page(id_, text, meta={"domain": domain} if domain else {}, labels=labels)


def test_null_comment_sections_keeps_the_article_and_forums():
    text = "Title\nArticle text here.\n3 Comments:\nAnn said...\nNice post.\nBob said...\nNo."
    labels = [CONTENT] * 7
    page = _page(text, labels=labels)
    out, changed = null_comment_sections([page])
    assert out[0].labels[:2] == [CONTENT, CONTENT] and out[0].labels[2:] == [None] * 5
    assert changed == 5
    forum = Page("forum-x", text, meta={"url": "http://x.com/forum/t1"}, labels=labels)
    assert null_comment_sections([forum])[0][0].labels == labels


def test_null_meta_lines():
    page = _page("By Jane Doe\nMonday, August 3, 2020\nA real sentence of the article.",
                 labels=[CONTENT, CONTENT, CONTENT])
    out, changed = null_meta_lines([page])
    assert out[0].labels == [None, None, CONTENT] and changed == 2


def test_glue_keeps_labels_aligned():
    lines = ["Home", "News", "Sport", "Weather", "An article sentence that is content."]
    labels = [BOILERPLATE] * 4 + [CONTENT]
    page = _page("\n".join(lines), labels=labels)
    out = glue_boilerplate_runs([page], np.random.default_rng(0), page_share=1.0)[0]
    assert len(out.labels) == len(out.lines) < len(lines)
    assert out.labels[-1] == CONTENT and out.lines[-1] == lines[-1]
    assert all(label == BOILERPLATE for label in out.labels[:-1])


def test_a_teams_own_labels_are_not_aligned(tmp_path):
    import json

    from linesift.train.fit import train_model

    article = ["Title", "Article text here.", "3 Comments:", "Ann said...", "Nice post.",
               "Bob said...", "No."]
    assert align_with_definition([_page("\n".join(article), labels=[CONTENT] * 7)])[1][
        "comment_section_lines"] == 5  # what a shared source's page would lose
    rows = []
    for i in range(6):
        lines = ["Home", "News"] + article + [f"Footer {i}"]
        labels = ["boilerplate"] * 2 + ["content"] * 7 + ["boilerplate"]
        rows.append({"id": f"mine-{i}", "domain": f"s{i % 3}.example", "text": "\n".join(lines),
                     "labels": labels, "source": "mine"})
    data = tmp_path / "mine.jsonl"
    data.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    card = train_model([str(data)], tmp_path / "m", folds=0, progress=False)
    assert card["definition_alignment"] == {"comment_section_lines": 0, "meta_lines": 0}
    assert card["data"]["label_counts"]["content"] == 6 * 7


def test_train_says_the_label_counts_the_card_holds(tmp_path):
    """Blank lines and lines the glue step merges are not trained on: both counts are the
    training table's."""
    from typer.testing import CliRunner

    from linesift.cli import app

    rows = []
    for i in range(4):
        lines = ["Home", "News", "", "Sport"] + [f"Sentence {k} of story {i}, long enough to be "
                                                 "a paragraph of an article." for k in range(4)]
        rows.append({"id": f"p{i}", "domain": f"s{i % 2}.example", "text": "\n".join(lines),
                     "labels": ["boilerplate"] * 2 + [None, "boilerplate"] + ["content"] * 4})
    data = tmp_path / "mine.jsonl"
    data.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    result = CliRunner().invoke(app, ["train", str(data), "-o", str(tmp_path / "m"),
                                      "--folds", "0"])
    assert result.exit_code == 0, result.output
    counts = json.loads((tmp_path / "m" / "card.json").read_text())["data"]["label_counts"]
    said = next(line for line in result.output.splitlines() if line.startswith("read "))
    assert said.endswith(f": {counts['content']:,} content, {counts['boilerplate']:,} "
                         f"boilerplate, {counts['unlabelled']:,} unlabelled")
    assert counts["content"] == 16 and counts["unlabelled"] == 0  # the blank line is not a line
