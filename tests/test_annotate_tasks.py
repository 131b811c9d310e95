"""Pure parts of annotate: tasks, labelling configs, credentials, the push -> pull round trip."""

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from linesift.cli.annotate import app
from linesift.annotate.client import AuthError, Credentials, resolve_credentials
from linesift.annotate.config import LINE_CONFIG, PAGE_CONFIG, detect_layout, label_config
from linesift.annotate.export import labelled_pages
from linesift.annotate.pull import summary_path
from linesift.annotate.tasks import CONTEXT_LINES, page_tasks, task_key, text_hash
from linesift import Page, SiftedPage

C, B = "content", "boilerplate"
TEXT = "Home | News\n\nThe article, as a sentence.\n   \nMore of the article.\n© 2024"


def _page(text=TEXT, **meta):
    return Page(id=meta.pop("id", "p1"), text=text, meta=meta)


def _sifted(page, scores):
    """A SiftedPage with `scores` for the non-blank lines, in order, kept at 0.5."""
    full = [None] * len(page.lines)
    for line_no, score in zip(page.nonblank_line_nos(), scores):
        full[line_no] = score
    return SiftedPage(page=page, scores=full, keep=[s is not None and s >= 0.5 for s in full])


def test_page_task_shows_nonblank_lines_with_their_line_numbers():
    page = _page(url="https://example.org/a", domain="example.org", lang="en")
    (task,) = page_tasks(page, "page")
    data = task["data"]
    assert [line["line_no"] for line in data["lines"]] == [0, 2, 4, 5]
    assert [line["text"] for line in data["lines"]] == [page.lines[i] for i in (0, 2, 4, 5)]
    assert data["page_id"] == "p1" and data["text_hash"] == text_hash(page)
    assert data["url"] == "https://example.org/a" and data["domain"] == "example.org"
    assert data["meta"] == {"url": "https://example.org/a", "domain": "example.org",
                            "lang": "en"}
    assert data["n_lines"] == 6 and data["blanks"] == {"3": "   "}
    assert "predictions" not in task
    assert task_key(data) == ("p1", text_hash(page), None)


def test_page_task_without_url_has_no_url_field():
    (task,) = page_tasks(_page(), "page")
    assert "url" not in task["data"] and "domain" not in task["data"]


def test_page_prediction_has_one_choice_per_line_and_the_model_version():
    page = _page()
    (task,) = page_tasks(page, "page", _sifted(page, [0.1, 0.9, 0.8, 0.3]), "tiny@abc")
    (prediction,) = task["predictions"]
    assert prediction["model_version"] == "tiny@abc"
    assert [(r["from_name"], r["to_name"], r["value"]["choices"]) for r in prediction["result"]] \
        == [("label_0", "line_0", [B]), ("label_1", "line_1", [C]), ("label_2", "line_2", [C]),
            ("label_3", "line_3", [B])]
    assert prediction["score"] == pytest.approx(0.7)  # the weakest line's confidence
    # the lines the model expects to have wrong: a sortable column of the task list
    assert task["data"]["expected_wrong"] == pytest.approx(round(0.1 + 0.1 + 0.2 + 0.3, 1))


def test_the_page_score_ranks_pages_by_their_doubtful_lines():
    sure, doubtful = _page(), _page()
    (a,) = page_tasks(sure, "runs", _sifted(sure, [0.01, 0.99, 0.98, 0.02]), "m@1")
    (b,) = page_tasks(doubtful, "runs", _sifted(doubtful, [0.01, 0.99, 0.55, 0.45]), "m@1")
    assert a["data"]["expected_wrong"] == pytest.approx(0.1)
    assert b["data"]["expected_wrong"] == pytest.approx(0.9)  # 0.01 + 0.01 + 0.45 + 0.45
    assert a["predictions"][0]["score"] == pytest.approx(0.98)
    assert b["predictions"][0]["score"] == pytest.approx(0.55)
    # the doubtful lines carry their confidence mark, the sure ones none
    assert [line["head"] for line in b["data"]["lines"]] == [
        "    0", "    2", "    4 · 55%", "    5 · 55%"]


def test_line_tasks_one_per_nonblank_line_with_context():
    page = _page()
    tasks = page_tasks(page, "line", _sifted(page, [0.1, 0.9, 0.8, 0.3]), "tiny@abc")
    assert [t["data"]["line_no"] for t in tasks] == [0, 2, 4, 5]
    third = tasks[2]["data"]
    assert third["text"] == "More of the article."
    assert third["before"].splitlines() == ["    0  Home | News",
                                            "    2  The article, as a sentence."]
    assert third["after"] == "    5  © 2024"
    assert len(tasks[0]["data"]["after"].splitlines()) == CONTEXT_LINES
    assert tasks[2]["predictions"][0]["result"] == [
        {"from_name": "label", "to_name": "line", "type": "choices",
         "value": {"choices": [C]}}]
    assert tasks[2]["predictions"][0]["score"] == pytest.approx(0.8)
    assert third["expected_wrong"] == pytest.approx(0.2)
    assert task_key(third) == ("p1", text_hash(page), 4)


def test_page_without_text_gives_no_task():
    assert page_tasks(_page("\n  \n"), "page") == []
    assert page_tasks(_page(""), "line") == []


def test_text_hash_ignores_newline_style():
    assert text_hash(_page("a\r\nb")) == text_hash(_page("a\nb")) != text_hash(_page("a\nc"))


def test_configs_are_recognised():
    assert detect_layout(label_config("page")) == "page" and PAGE_CONFIG == label_config("page")
    assert detect_layout(label_config("line")) == "line" and LINE_CONFIG == label_config("line")


@pytest.mark.parametrize("config", [
    '<View><Text name="text" value="$text"/><Choices name="sentiment" toName="text">'
    '<Choice value="Positive"/><Choice value="Negative"/></Choices></View>',
    PAGE_CONFIG.replace('<Choice value="boilerplate"', '<Choice value="maybe"/><Choice '
                        'value="boilerplate"'),
    LINE_CONFIG.replace('choice="single"', 'choice="multiple"'),
    "<View><Broken",
    "",
])
def test_other_configs_are_not_linesifts(config):
    assert detect_layout(config) is None


def test_unknown_layout_is_refused():
    with pytest.raises(ValueError, match="unknown layout"):
        label_config("paragraph")


_lines = st.lists(st.one_of(st.just(""), st.just("  "),
                            st.text(st.characters(blacklist_categories=("Cs", "Zl", "Zp"),
                                                  blacklist_characters="\r\n"), min_size=1)),
                  min_size=1, max_size=12)


@settings(max_examples=60, deadline=None)
@given(lines=_lines, layout=st.sampled_from(["runs", "page", "line"]), data=st.data())
def test_annotations_that_accept_the_predictions_pull_back_as_the_predictions(lines, layout,
                                                                           data):
    page = _page("\n".join(lines), url="u")
    scores = data.draw(st.lists(st.floats(0, 1), min_size=len(page.nonblank_line_nos()),
                                max_size=len(page.nonblank_line_nos())))
    sifted = _sifted(page, scores)
    export = [{"id": i, "data": task["data"],
               "annotations": [{"id": i, "completed_by": 1, "was_cancelled": False,
                                "result": task["predictions"][0]["result"]}]}
              for i, task in enumerate(page_tasks(page, layout, sifted, "m"))]
    export = json.loads(json.dumps(export))  # as it comes back from the server
    pages, _ = labelled_pages(export, layout)
    if not page.nonblank_line_nos():
        assert pages == []
        return
    (pulled,) = pages
    assert pulled.text == page.text and pulled.meta == {"url": "u"}
    assert pulled.labels == [None if s is None else C if k else B
                             for s, k in zip(sifted.scores, sifted.keep)]


def test_credentials_options_win_over_environment_over_file(tmp_path):
    saved = tmp_path / "credentials.env"
    saved.write_text("# comment\nLABEL_STUDIO_URL=http://file:1/\n"
                     "export LABEL_STUDIO_API_KEY='from-file'\n")
    env = {"LABEL_STUDIO_API_KEY": "from-env"}
    assert resolve_credentials(environ={}, path=saved) == Credentials("http://file:1", "from-file")
    assert resolve_credentials(environ=env, path=saved).api_key == "from-env"
    assert resolve_credentials("http://opt:2", "from-option", environ=env, path=saved) \
        == Credentials("http://opt:2", "from-option")
    assert resolve_credentials(environ=env, path=tmp_path / "none").url == \
        "http://127.0.0.1:8080"


def test_missing_key_says_where_keys_come_from(tmp_path):
    with pytest.raises(AuthError, match="make labelstudio"):
        resolve_credentials(environ={}, path=tmp_path / "none")


def test_credentials_repr_hides_the_key():
    assert "s3cret" not in repr(Credentials("http://x", "s3cret"))


@pytest.mark.parametrize("output, summary", [
    ("out/labels.jsonl.gz", "out/labels.summary.json"),
    ("labels.parquet", "labels.summary.json"),
    ("labels", "labels.summary.json"),
])
def test_summary_path(output, summary):
    assert str(summary_path(output)) == summary


def test_push_refuses_model_and_no_model(tmp_path):
    result = CliRunner().invoke(app, ["push", "x.txt", "-p", "p", "--model", str(tmp_path),
                                      "--no-model"])
    assert result.exit_code == 2
    assert "not both" in result.output


@pytest.mark.parametrize("command", ["push", "pull", "serve"])
def test_annotate_help_at_80_columns_shows_whole_option_names(command):
    from linesift.cli import app as linesift_app

    result = CliRunner().invoke(linesift_app, ["annotate", command, "--help"],
                                terminal_width=80, env={"COLUMNS": "80"})
    assert result.exit_code == 0
    assert "…" not in result.output
    assert "--project" in result.output
