"""`linesift annotate serve` as a local service that a browser cannot drive: a secret in every
path, JSON only, no request from a web page, one project, bounded requests, a JSON 4xx for
every malformed request and a result for every task. No Label Studio needed: requests are
sent as Label Studio and as a hostile page would send them."""

import json
import socket
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from linesift import Page
from linesift.annotate import backend as backend_module
from linesift.annotate.backend import BackendServer, LiveModel
from linesift.annotate.config import RUNS_CONFIG
from linesift.annotate.tasks import page_tasks

PAGE = Page(id="secure", text="Home | News\nThe bridge opened on Monday after two years of "
            "work, the mayor said.\n© 2024 Example Times", meta={"domain": "news.example.org"})


class Spy:
    """Counts what a webhook may trigger: retraining."""

    def __init__(self):
        self.noted = []

    def note(self, project):
        self.noted.append(project)


@pytest.fixture
def served(ls_sifter):
    live = LiveModel(ls_sifter)
    live.retrainer = Spy()
    server = BackendServer(live, port=0, project_id=7)
    server.start()
    yield server
    server.stop()


def _task(project=7):
    (task,) = page_tasks(PAGE, "runs")
    return {"id": 1, "project": project, **task}


def test_every_path_needs_the_secret(served):
    root = served.url.rsplit("/", 1)[0]
    assert httpx.get(f"{root}/health").status_code == 404
    assert httpx.post(f"{root}/predict", json={"tasks": []}).status_code == 404
    assert httpx.get(f"{served.url}/health").json()["status"] == "UP"
    assert served.token not in served.public_url


def test_a_web_page_cannot_drive_it(served):
    """What a page open in the annotator's browser can send: a simple cross-origin POST
    (text/plain, form or multipart, no preflight), or JSON with its Origin."""
    webhook = {"action": "ANNOTATION_CREATED", "project": {"id": 7}, "task": {"id": 1}}
    body = json.dumps(webhook)
    for headers in ({"Content-Type": "text/plain"},
                    {"Content-Type": "application/x-www-form-urlencoded"},
                    {"Content-Type": "multipart/form-data; boundary=x"}):
        answer = httpx.post(f"{served.url}/webhook", content=body, headers=headers)
        assert answer.status_code == 415 and "error" in answer.json()
    answer = httpx.post(f"{served.url}/webhook", json=webhook,
                        headers={"Origin": "http://evil.example"})
    assert answer.status_code == 403
    assert httpx.get(f"{served.url}/health", headers={"Origin": "null"}).status_code == 403
    assert served.live.retrainer.noted == [] and served.live.events == []


def test_it_acts_for_its_project_only(served):
    other = {"action": "ANNOTATION_CREATED", "project": {"id": 15}, "task": {"id": 1}}
    assert httpx.post(f"{served.url}/webhook", json=other).status_code == 403
    assert httpx.post(f"{served.url}/webhook", json={"action": "ANNOTATION_CREATED"}
                      ).status_code == 403
    assert httpx.post(f"{served.url}/predict", json={
        "tasks": [_task(project=15)], "project": "15.1700000000",
        "label_config": RUNS_CONFIG}).status_code == 403
    assert served.live.retrainer.noted == []
    mine = {"action": "ANNOTATION_CREATED", "project": {"id": 7}, "task": {"id": 1}}
    assert httpx.post(f"{served.url}/webhook", json=mine).status_code == 200
    assert served.live.retrainer.noted == [7]
    answer = httpx.post(f"{served.url}/predict", json={
        "tasks": [_task()], "project": "7.1700000000", "label_config": RUNS_CONFIG})
    assert answer.status_code == 200 and answer.json()["results"][0]["result"]


@pytest.mark.parametrize("body, status", [
    (b"[1, 2]", 400), (b'"a string"', 400), (b"3", 400), (b"null", 400),
    (b"{not json", 400), (b"[" * 100_000 + b"]" * 100_000, 400),
    (b'{"tasks": "nope"}', 400), (b'{"tasks": null}', 400),
])
def test_malformed_bodies_get_a_json_4xx(served, body, status):
    answer = httpx.post(f"{served.url}/predict", content=body,
                        headers={"Content-Type": "application/json"})
    assert answer.status_code == status and answer.json()["error"]


def test_a_bad_task_fails_alone(served):
    huge = {"id": 2, "project": 7, "data": {"lines": [{"line_no": 0, "text": "x"}],
                                             "n_lines": 20_000_000, "text_hash": "h"}}
    null_text = {"id": 3, "project": 7, "data": {"lines": [{"line_no": 0, "text": None}],
                                                  "n_lines": 1, "text_hash": "h"}}
    foreign = {"id": 4, "project": 7, "data": {"text": "not a linesift task"}}
    answer = httpx.post(f"{served.url}/predict", json={
        "tasks": [_task(), huge, null_text, foreign, 5], "label_config": RUNS_CONFIG})
    assert answer.status_code == 200
    good, big, null, other, number = answer.json()["results"]
    assert good["result"]
    assert big["result"] == [] and "n_lines" in big["error"]
    assert null["result"] == [] and other["result"] == [] and number["result"] == []


def _raw(url, request, read=True):
    """Send raw bytes to the server of `url`; its answer's status line (or '' if none)."""
    host, port = url.split("//")[1].split("/")[0].split(":")
    with socket.create_connection((host, int(port)), timeout=10) as sock:
        sock.sendall(request)
        return sock.recv(200).decode("latin-1").split("\r\n")[0] if read else ""


def test_lengths_are_checked_before_anything_is_read(served):
    path = "/" + served.url.split("/", 3)[3]
    head = f"POST {path}/predict HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
    assert " 400 " in _raw(served.url, (head + "Content-Length: -1\r\n\r\n").encode())
    assert " 411 " in _raw(served.url, (head + "\r\n").encode())
    too_big = backend_module.MAX_BODY + 1
    assert " 413 " in _raw(served.url, (head + f"Content-Length: {too_big}\r\n\r\n").encode())


def test_stalled_clients_let_go_of_their_threads(ls_sifter, monkeypatch):
    monkeypatch.setattr(backend_module, "READ_TIMEOUT", 1)
    server = BackendServer(LiveModel(ls_sifter), port=0)
    server.start()
    try:
        path = "/" + server.url.split("/", 3)[3]
        host, port = server.server_address
        stalled = []
        for _ in range(2 * backend_module.WORKER_THREADS):
            sock = socket.create_connection((host, port))
            sock.sendall(f"POST {path}/predict HTTP/1.1\r\nHost: x\r\nContent-Type: "
                         "application/json\r\nContent-Length: 100\r\n\r\n{".encode())
            stalled.append(sock)
        time.sleep(2.5)  # every stalled request timed out and freed its thread
        assert httpx.get(f"{server.url}/health", timeout=10).status_code == 200
        for sock in stalled:
            sock.close()
    finally:
        server.stop()


def test_fifty_parallel_requests_are_all_answered(served):
    body = {"tasks": [_task()], "label_config": RUNS_CONFIG}

    def ask(_):
        return httpx.post(f"{served.url}/predict", json=body, timeout=60).status_code

    with ThreadPoolExecutor(50) as pool:
        assert list(pool.map(ask, range(50))) == [200] * 50


JSON = st.recursive(st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False)
                    | st.text(max_size=20),
                    lambda inner: st.lists(inner, max_size=4)
                    | st.dictionaries(st.text(max_size=8), inner, max_size=4), max_leaves=30)
KEYS = st.sampled_from(["tasks", "project", "label_config", "action", "task", "annotation",
                        "data", "lines", "n_lines", "text", "line_no", "result", "id"])
BODIES = st.dictionaries(KEYS, JSON, max_size=5) | JSON


@settings(max_examples=150, deadline=None, suppress_health_check=[
    HealthCheck.function_scoped_fixture])
@given(body=BODIES, route=st.sampled_from(["predict", "webhook", "setup"]))
def test_no_json_body_gets_a_500_or_a_dropped_connection(served, body, route):
    answer = httpx.post(f"{served.url}/{route}", content=json.dumps(body).encode(), timeout=30,
                        headers={"Content-Type": "application/json"})
    assert answer.status_code in (200, 400, 403, 413), answer.text
    assert isinstance(answer.json(), dict)


@settings(max_examples=60, deadline=None, suppress_health_check=[
    HealthCheck.function_scoped_fixture])
@given(tasks=st.lists(st.fixed_dictionaries({"data": st.fixed_dictionaries({
    "lines": st.lists(st.fixed_dictionaries({"line_no": st.integers(-3, 30) | st.text(max_size=3),
                                             "text": st.text(max_size=30) | st.none()}),
                      max_size=5),
    "n_lines": st.integers(-5, 40) | st.text(max_size=3) | st.none(),
    "text_hash": st.text(max_size=5)})}), max_size=4))
def test_task_shaped_garbage_gets_one_result_per_task(served, tasks):
    answer = httpx.post(f"{served.url}/predict", json={"tasks": tasks,
                                                       "label_config": RUNS_CONFIG})
    assert answer.status_code == 200
    assert len(answer.json()["results"]) == len(tasks)


def test_the_retrained_models_never_overwrite_an_earlier_runs(tmp_path):
    from linesift.annotate.backend import _next_round

    assert _next_round(tmp_path / "live") == 1
    (tmp_path / "live" / "1").mkdir(parents=True)
    (tmp_path / "live" / "7").mkdir()
    (tmp_path / "live" / "notes").mkdir()
    assert _next_round(tmp_path / "live") == 8


@pytest.mark.browser
def test_a_page_in_a_real_browser_cannot_reach_it(served, tmp_path):
    """Chromium opens a page served from another port that tries every way a page can send
    a webhook to the backend; none gets through, and nothing is retrained."""
    from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer

    from ls_browser import chromium_tab

    hook = f"{served.url}/webhook"
    (tmp_path / "index.html").write_text(f"""<!doctype html><title>a page</title><script>
    const body = JSON.stringify({{action: "ANNOTATION_CREATED", project: {{id: 7}},
                                  task: {{id: 1}}}});
    const tries = [
      fetch("{hook}", {{method: "POST", mode: "no-cors", body,
                        headers: {{"Content-Type": "text/plain"}}}}),
      fetch("{hook}", {{method: "POST", body, headers: {{"Content-Type": "application/json"}}}}),
      fetch("{hook}", {{method: "POST", mode: "no-cors", body: new URLSearchParams({{a: body}})}}),
    ];
    Promise.allSettled(tries).then(r => {{ document.title = "done " +
        r.map(x => x.status + (x.value ? ":" + x.value.status : "")).join(" "); }});
    </script>""")

    class Quiet(SimpleHTTPRequestHandler):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, directory=str(tmp_path), **kwargs)

        def log_message(self, *args):
            pass

    page_server = ThreadingHTTPServer(("127.0.0.1", 0), Quiet)
    threading.Thread(target=page_server.serve_forever, daemon=True).start()
    try:
        with chromium_tab() as tab:
            tab.goto(f"http://127.0.0.1:{page_server.server_address[1]}/index.html")
            tab.wait_for_function("document.title.startsWith('done')", timeout=20_000)
            title = tab.title()
    finally:
        page_server.shutdown()
    assert served.live.events == [] and served.live.retrainer.noted == [], title
