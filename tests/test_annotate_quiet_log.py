"""linesift's own requests leave no ERROR in Label Studio's log: push, push again, predict,
pull, and serve started and stopped, on an existing project (paging stops at the last page;
the backend is reachable when it is connected and unregistered when it stops)."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from linesift.annotate.predict import refresh_predictions
from linesift.annotate.pull import pull_labels
from linesift.annotate.push import push_pages
from linesift.formats import read_pages

pytestmark = pytest.mark.labelstudio

ROOT = Path(__file__).resolve().parent.parent


def _error_lines(log):
    """Label Studio's log lines of level ERROR: ``[time] [where] [ERROR] what``."""
    return [line for line in log.splitlines() if "] [ERROR] " in line]


def test_the_error_lines_are_found():
    line = ("[2026-12-06 12:03:46,104] [core.utils.common::custom_exception_handler::97] "
            "[ERROR] b92f868b Invalid page.")
    assert _error_lines(f"[x] [y] [INFO] fine\n{line}\n") == [line]


def test_a_labelling_round_leaves_no_error_in_the_server_log(
        ls_server, ls_sifter, ls_log, ls_credentials, ls_sdk, example_page_path, sample_path,
        project_name, tmp_path, tiny_model):
    pages = list(read_pages([example_page_path])) + list(read_pages([str(sample_path)]))[:3]
    push_pages(ls_server, pages, project_name, sifter=ls_sifter, progress=False)  # it exists
    ls_log.mark()
    push_pages(ls_server, pages, project_name, sifter=ls_sifter, progress=False)  # again
    refresh_predictions(ls_server, project_name, ls_sifter, progress=False)
    pull_labels(ls_server, project_name, tmp_path / "labels.jsonl")
    env = {**os.environ, "LABEL_STUDIO_URL": ls_credentials.url,
           "LABEL_STUDIO_API_KEY": ls_credentials.api_key}
    process = subprocess.Popen(
        [sys.executable, "-m", "linesift.cli", "annotate", "serve", "--model", str(tiny_model),
         "--port", "0", "--project", project_name], cwd=ROOT, env=env,
        stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 60
        project = ls_server.get_project(project_name)
        while time.monotonic() < deadline and not list(ls_sdk.ml.list(project=project.id)):
            time.sleep(0.5)
        (backend,) = ls_sdk.ml.list(project=project.id)
        assert httpx.get(f"{backend.url}/health", timeout=5).status_code == 200
    finally:
        process.send_signal(signal.SIGINT)
        process.wait(timeout=30)
    assert not list(ls_sdk.ml.list(project=project.id))
    errors = _error_lines(ls_log.since_mark(settle=2.0))
    assert not errors, "\n".join(errors[:10])
