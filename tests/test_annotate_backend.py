"""`linesift annotate serve` as Label Studio's ML backend, against the real local server.

The backend runs in this process on a free port of 127.0.0.1; Label Studio calls it over HTTP
as it would any ML backend: /health and /setup when it is connected, /predict when a task
without prediction is opened, /webhook on every event. (The local server allows ML backends on
loopback: scripts/labelstudio.sh starts it so.)
"""

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from linesift.annotate.backend import BackendServer, LiveModel, Retrainer
from linesift.annotate.push import open_project, push_pages
from linesift.annotate.tasks import page_prediction, page_tasks
from linesift import Page

pytestmark = pytest.mark.labelstudio

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = Path(__file__).parent / "data" / "sample_pages.jsonl.gz"
PAGE = Page(id="live-model", text="Home | News | Sport\n\nThe bridge opened on Monday after two "
            "years of work, the mayor said.\nShare on Facebook\n© 2024 Example Times",
            meta={"domain": "news.example.org"})


def _wait(condition, seconds=60, what="condition"):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.3)
    raise AssertionError(f"no {what} after {seconds} s")


@pytest.fixture
def backend(ls_sifter):
    live = LiveModel(ls_sifter)
    server = BackendServer(live, port=0)
    server.start()
    yield server
    server.stop()


def test_health_setup_and_predict_speak_the_protocol(backend, ls_sifter):
    assert httpx.get(f"{backend.url}/health").json() == {
        "status": "UP", "model_class": "linesift", "model_version": ls_sifter.version}
    setup = httpx.post(f"{backend.url}/setup", json={"project": "1.1", "schema": "<View/>"})
    assert setup.json() == {"model_version": ls_sifter.version}
    from linesift.annotate.config import RUNS_CONFIG

    (task,) = page_tasks(PAGE, "runs")
    foreign = {"id": 2, "data": {"text": "not a linesift task"}}
    answer = httpx.post(f"{backend.url}/predict", json={
        "tasks": [{"id": 1, **task}, foreign], "label_config": RUNS_CONFIG}).json()
    expected = page_prediction(next(ls_sifter.sift_pages([PAGE])), "runs", ls_sifter.version)
    assert answer["results"] == [json.loads(json.dumps(expected)),
                                 {"result": [], "score": 0.0,
                                  "model_version": ls_sifter.version}]
    assert httpx.post(f"{backend.url}/nothing", json={}).status_code == 404
    assert httpx.post(f"{backend.url}/predict", content=b"{not json",
                      headers={"Content-Type": "application/json"}).status_code == 400


def test_label_studio_gets_the_backends_prediction_and_sends_the_webhook(
        backend, ls_server, ls_sdk, ls_sifter, project_name):
    project, _, _ = open_project(ls_server, project_name)
    backend_id = ls_server.connect_model(project.id, backend.url, ls_sifter.version)
    assert ls_server.connect_model(project.id, backend.url,
                                   ls_sifter.version) == backend_id  # connected once
    assert ls_sdk.ml.get(id=backend_id).state == "CO"  # connected: /health and /setup answered

    pushed = push_pages(ls_server, [PAGE], project_name, progress=False)
    assert pushed.model_version is None and pushed.tasks_created == 1  # imported without one
    assert backend.live.predicted == 0
    (task,) = ls_sdk.tasks.list(project=project.id, fields="all")  # listing asks the backend
    assert backend.live.predicted == 1
    (prediction,) = task.predictions
    expected = page_prediction(next(ls_sifter.sift_pages([PAGE])), "runs", ls_sifter.version)
    assert prediction.model_version == ls_sifter.version
    assert prediction.result == expected["result"]
    assert ls_sdk.projects.get(id=project.id).model_version == ls_sifter.version

    ls_sdk.annotations.create(id=task.id, result=prediction.result)
    _wait(lambda: ("ANNOTATION_CREATED", project.id, task.id) in backend.live.events,
          what="ANNOTATION_CREATED webhook")
    # Label Studio's webhook carries the task and the annotation: the page is in the memory
    assert backend.live.sifter.memory.sites == {"news.example.org": 1}
    assert backend.live.annotated[PAGE.id].text == PAGE.text


def test_retrains_after_k_annotations_and_prelabels_with_the_new_model(
        backend, ls_server, ls_sdk, ls_sifter, project_name, tmp_path):
    from linesift.train.fit import train_model

    base = tmp_path / "served"
    train_model([str(SAMPLE)], base, folds=2, progress=False)  # a base with a threshold

    def train(paths, out, name):
        return train_model(paths, out, name=name, base=base, progress=False)

    retrainer = Retrainer(backend.live, ls_server, every=2, out_dir=tmp_path / "live",
                          train=train)
    project, _, _ = open_project(ls_server, project_name)
    ls_server.connect_model(project.id, backend.url, ls_sifter.version)
    pages = [Page(id=f"retrain-{i}", text=PAGE.text + f"\nPage {i} of the test.") for i in
             range(3)]
    push_pages(ls_server, pages, project_name, progress=False)
    tasks = {t.data["page_id"]: t for t in ls_sdk.tasks.list(project=project.id, fields="all")}
    for page in pages[:2]:  # the annotator keeps the article's sentence, drops the rest
        sifted = next(ls_sifter.sift_pages([page]))
        sifted.keep = ["bridge opened" in line for line in page.lines]
        ls_sdk.annotations.create(id=tasks[page.id].id,
                                  result=page_prediction(sifted, "runs")["result"])

    _wait(lambda: retrainer.rounds == 1 and not retrainer.busy, seconds=180,
          what="retraining")
    assert not retrainer.errors
    new_version = backend.live.version
    assert new_version != ls_sifter.version and new_version.startswith("live@")
    card = json.loads((tmp_path / "live" / "1" / "card.json").read_text())
    assert card["base"]["sha256"] == json.loads((base / "card.json").read_text())["sha256"]
    assert ls_sdk.projects.get(id=project.id).model_version == new_version
    third = tasks[pages[2].id].id
    _wait(lambda: any(p.model_version == new_version
                      for p in ls_sdk.tasks.get(id=third).predictions),
          what="prediction of the retrained model")
    # the new model's pre-fill replaced the old one: one tab
    assert [p.model_version for p in ls_sdk.tasks.get(id=third).predictions] == [new_version]


def test_the_serve_command_answers_health_and_connects_a_project(tiny_model, ls_credentials,
                                                                 ls_server, ls_sdk,
                                                                 project_name, tmp_path):
    project, _, _ = open_project(ls_server, project_name)
    port = _free_port()
    env = {**os.environ, "LABEL_STUDIO_URL": ls_credentials.url,
           "LABEL_STUDIO_API_KEY": ls_credentials.api_key}
    log = tmp_path / "serve.log"
    with open(log, "w") as stderr:
        process = subprocess.Popen(
            [sys.executable, "-m", "linesift.cli", "annotate", "serve", "--model",
             str(tiny_model), "--port", str(port), "--project", project_name],
            cwd=ROOT, env=env, stderr=stderr, text=True)
        try:
            _wait(lambda: "connected to project" in log.read_text(), what="connection")
            (connected,) = [b for b in ls_sdk.ml.list(project=project.id)
                            if b.url.startswith(f"http://127.0.0.1:{port}/")]
            assert _answers(f"{connected.url}/health")
            assert not _answers(f"http://127.0.0.1:{port}/health")  # the secret is needed
            hooks = [h.url for h in ls_sdk.webhooks.list(project=project.id)]
            assert f"{connected.url}/webhook" in hooks
        finally:
            process.send_signal(signal.SIGINT)
            assert process.wait(timeout=30) == 130
    output = log.read_text()
    assert "listening on" in output and "stopping" in output
    assert ls_credentials.api_key not in output and connected.url not in output
    # stopped: Label Studio no longer calls it, nor sends it the project's events
    assert not [b for b in ls_sdk.ml.list(project=project.id) if b.url == connected.url]
    assert f"{connected.url}/webhook" not in [h.url for h in
                                              ls_sdk.webhooks.list(project=project.id)]


def _answers(url):
    try:
        return httpx.get(url, timeout=2).status_code == 200
    except httpx.HTTPError:
        return False


def _free_port():
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_unregister_removes_what_a_killed_serve_left(ls_credentials, ls_server, ls_sdk,
                                                     ls_sifter, project_name):
    """A serve killed with SIGKILL cannot unregister; `serve --unregister` removes its backend
    and webhook from the project."""
    project, _, _ = open_project(ls_server, project_name)
    port = _free_port()
    dead = BackendServer(LiveModel(ls_sifter), port=port)
    dead.start()
    left = dead.url
    ls_server.connect_model(project.id, left, ls_sifter.version)
    dead.stop()  # gone without unregistering, as a killed serve
    assert f"{left}/webhook" in [h.url for h in ls_sdk.webhooks.list(project=project.id)]
    env = {**os.environ, "LABEL_STUDIO_URL": ls_credentials.url,
           "LABEL_STUDIO_API_KEY": ls_credentials.api_key}
    result = subprocess.run([sys.executable, "-m", "linesift.cli", "annotate", "serve",
                             "--project", project_name, "--port", str(port), "--unregister"],
                            cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert "removed 1 backend(s)" in result.stderr
    assert not [b for b in ls_sdk.ml.list(project=project.id) if b.url == left]
    assert f"{left}/webhook" not in [h.url for h in ls_sdk.webhooks.list(project=project.id)]
