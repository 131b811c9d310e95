"""Talking to Label Studio: errors that say what to do, retries, pushes that survive failures.

Faults come from a local proxy in front of the real server (tests/annotate_fixtures.py):
answers it makes up (503, 403), connections it drops, answers it holds back until the client
gives up although the server did the work.
"""

import socket

import jwt
import pytest
from typer.testing import CliRunner

from linesift.cli.annotate import app
from linesift.annotate.client import (AuthError, Credentials, LabelStudioError, ProjectNotFound, Server,
                             ServerUnreachable, UncertainWrite)
from linesift.annotate.config import label_config
from linesift.annotate.pull import pull_labels
from linesift.annotate.config import NotLinesiftProject
from linesift.annotate.push import push_pages
from linesift import Page

FAST = 0.01
SENTIMENT = ('<View><Text name="text" value="$text"/><Choices name="sentiment" toName="text">'
             '<Choice value="Positive"/><Choice value="Negative"/></Choices></View>')


def _pages(n, prefix="p"):
    return [Page(id=f"{prefix}{i}", text=f"Menu\nSentence number {i} of the article.\nFooter")
            for i in range(n)]


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _task_page_ids(sdk, project_id):
    return sorted(t.data["page_id"] for t in sdk.tasks.list(project=project_id, include="id,data"))


def test_unreachable_server_says_how_to_start_one():
    server = Server(Credentials(f"http://127.0.0.1:{_free_port()}", "k"), retries=1, backoff=FAST)
    with pytest.raises(ServerUnreachable, match="make labelstudio"):
        server.check()


def test_expired_personal_access_token_is_refused_before_any_request():
    expired = jwt.encode({"token_type": "refresh", "exp": 1}, "k" * 32, algorithm="HS256")
    with pytest.raises(AuthError, match="Personal Access Token") as caught:
        Server(Credentials("http://127.0.0.1:9", expired))
    assert expired not in str(caught.value)


@pytest.mark.labelstudio
def test_refused_token_says_where_tokens_come_from(ls_credentials):
    wrong = "0123456789abcdef0123456789abcdef01234567"
    with pytest.raises(AuthError, match="refused the API key .*HTTP 401") as caught:
        Server(Credentials(ls_credentials.url, wrong)).check()
    assert "credentials.env" in str(caught.value) and wrong not in str(caught.value)


@pytest.mark.labelstudio
def test_cli_error_is_one_line_without_the_key(ls_credentials, tmp_path):
    wrong = "f" * 40
    result = CliRunner().invoke(app, ["pull", "-p", "x", "-o", str(tmp_path / "l.jsonl"),
                                      "--url", ls_credentials.url, "--api-key", wrong])
    assert result.exit_code == 1
    warning, error = result.output.strip().splitlines()
    assert warning.startswith("warning: --api-key shows the key")  # use the environment
    assert error.startswith("linesift: error: Label Studio at")
    assert wrong not in result.output


@pytest.mark.labelstudio
def test_personal_access_token_is_accepted(ls_credentials, make_annotator):
    _, email, _, token = make_annotator("jwt")
    assert token.count(".") == 2  # a JWT, not a legacy token
    assert Server(Credentials(ls_credentials.url, token)).check() == email


@pytest.mark.labelstudio
def test_forbidden_says_what_to_do(ls_credentials, fault_proxy):
    fault_proxy.add("/api/current-user/whoami", "status", 403)
    with pytest.raises(AuthError, match="does not let this API key's user connect"):
        Server(Credentials(fault_proxy.url, ls_credentials.api_key)).check()


@pytest.mark.labelstudio
def test_reads_are_retried_after_5xx_drops_and_timeouts(ls_credentials, fault_proxy, capsys):
    whoami = "/api/current-user/whoami"
    for kind, value in (("status", 503), ("drop", None), ("late", 3)):
        fault_proxy.add(whoami, kind, value)
    server = Server(Credentials(fault_proxy.url, ls_credentials.api_key), timeout=1.5,
                    backoff=FAST)
    assert server.check()
    assert not fault_proxy.faults
    assert sum(whoami in path for _, path in fault_proxy.seen) == 4
    messages = capsys.readouterr().err
    assert "HTTP 503" in messages and "RemoteProtocolError" in messages \
        and "ReadTimeout" in messages
    assert ls_credentials.api_key not in messages


@pytest.mark.labelstudio
def test_reads_give_up_after_the_last_retry(ls_credentials, fault_proxy):
    fault_proxy.add("/api/current-user/whoami", "status", 502, times=3)
    server = Server(Credentials(fault_proxy.url, ls_credentials.api_key), retries=2,
                    backoff=FAST)
    with pytest.raises(ServerUnreachable, match="HTTP 502"):
        server.check()


@pytest.mark.labelstudio
def test_push_through_dropped_and_timed_out_imports_creates_each_task_once(
        ls_credentials, ls_sdk, fault_proxy, project_name, monkeypatch, capsys):
    monkeypatch.setattr("annotate.push.RECHECK_WAIT", FAST)
    fault_proxy.add("/import", "late", 3, method="POST")   # lands, but the client gives up
    fault_proxy.add("/import", "drop", method="POST")      # never reaches the server
    fault_proxy.add("/import", "status", 502, method="POST")
    server = Server(Credentials(fault_proxy.url, ls_credentials.api_key), timeout=1.5,
                    backoff=FAST)
    summary = push_pages(server, _pages(5), project_name, batch_size=2, progress=False)
    assert not fault_proxy.faults
    assert capsys.readouterr().err.count("checking which tasks arrived") == 3
    assert summary.tasks_created == 5
    assert _task_page_ids(ls_sdk, summary.project_id) == [f"p{i}" for i in range(5)]


@pytest.mark.labelstudio
def test_interrupted_push_run_again_creates_no_duplicate_and_loses_no_task(
        ls_credentials, ls_sdk, ls_server, fault_proxy, project_name, monkeypatch):
    monkeypatch.setattr("annotate.push.RECHECK_WAIT", FAST)
    fault_proxy.add("/import", "pass", method="POST")
    fault_proxy.add("/import", "status", 503, method="POST", times=100)
    broken = Server(Credentials(fault_proxy.url, ls_credentials.api_key), backoff=FAST)
    with pytest.raises(UncertainWrite, match="HTTP 503"):
        push_pages(broken, _pages(5), project_name, batch_size=2, progress=False)
    project = ls_server.get_project(project_name)
    assert _task_page_ids(ls_sdk, project.id) == ["p0", "p1"]
    summary = push_pages(ls_server, _pages(5), project_name, batch_size=2, progress=False)
    assert (summary.tasks_created, summary.present_pages) == (3, 2)
    assert _task_page_ids(ls_sdk, project.id) == [f"p{i}" for i in range(5)]


@pytest.mark.labelstudio
def test_unknown_project_is_not_found(ls_server, project_name, tmp_path):
    with pytest.raises(ProjectNotFound, match="check the title or id"):
        pull_labels(ls_server, project_name, tmp_path / "l.jsonl")
    with pytest.raises(ProjectNotFound):
        pull_labels(ls_server, "999999999", tmp_path / "l.jsonl")
    with pytest.raises(ProjectNotFound, match="give a title"):
        push_pages(ls_server, _pages(1), "999999999", progress=False)
    assert not (tmp_path / "l.jsonl").exists()


@pytest.mark.labelstudio
def test_project_not_made_by_linesift_is_refused(ls_server, project_name, tmp_path):
    ls_server.create_project(project_name, SENTIMENT)
    with pytest.raises(NotLinesiftProject, match="was not made by linesift"):
        push_pages(ls_server, _pages(1), project_name, progress=False)
    with pytest.raises(NotLinesiftProject):
        pull_labels(ls_server, project_name, tmp_path / "l.jsonl")


@pytest.mark.labelstudio
def test_layout_of_an_existing_project_is_kept(ls_server, project_name):
    ls_server.create_project(project_name, label_config("line"))
    with pytest.raises(LabelStudioError, match="uses the line layout, not page"):
        push_pages(ls_server, _pages(1), project_name, layout="page", progress=False)
    assert push_pages(ls_server, _pages(1), project_name, progress=False).layout == "line"


@pytest.mark.labelstudio
def test_two_projects_with_one_title_ask_for_an_id(ls_server, project_name):
    for _ in range(2):
        ls_server.create_project(project_name, label_config("page"))
    with pytest.raises(LabelStudioError, match="several projects are titled"):
        ls_server.find_project(project_name)


@pytest.mark.labelstudio
def test_a_server_closes_its_connections(ls_credentials):
    with Server(ls_credentials) as server:
        assert server.check()
        assert not server._http.is_closed
    assert server._http.is_closed
