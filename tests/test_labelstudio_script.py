"""scripts/labelstudio.sh (``make labelstudio``, ``-status``, ``-stop``) with real servers.

A server is known by its data folder and its port. The first tests look at the server the test
run uses and must leave it running; the last starts a second server for a folder of its own on
a free port, and stops it.
"""

import os
import socket
import subprocess
import time
from pathlib import Path

import httpx
import pytest

from linesift.annotate.client import default_credentials_file, read_credentials_file

pytestmark = pytest.mark.labelstudio

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = ROOT / "scripts" / "labelstudio.sh"


def _script(command, timeout=240, **env):
    environ = {k: v for k, v in os.environ.items()
               if k not in ("LABEL_STUDIO_PORT", "LABEL_STUDIO_DIR")}
    return subprocess.run(["bash", str(SCRIPT), command], cwd=ROOT, capture_output=True,
                          text=True, timeout=timeout, env={**environ, **env})


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _alive(pid):
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return False
    return True


@pytest.fixture(scope="module")
def own_server(ls_credentials):
    """Port and pid of the server scripts/labelstudio.sh runs for this checkout's folder."""
    folder = default_credentials_file().parent.resolve()
    record = folder / "server.env"
    if not record.is_file() or folder != ROOT / ".labelstudio":
        pytest.skip("the test server was not started by scripts/labelstudio.sh for "
                    f"{ROOT / '.labelstudio'}")
    saved = read_credentials_file(record)
    assert saved["URL"] == ls_credentials.url
    return saved["PORT"], saved["PID"]


def test_status_names_the_folders_server_and_its_port_whatever_port_is_asked(own_server):
    port, pid = own_server
    result = _script("status")
    assert result.returncode == 0, result.stderr
    assert f"running at http://127.0.0.1:{port} (pid {pid}" in result.stderr
    other = "8080" if port != "8080" else "8093"
    asked = _script("status", LABEL_STUDIO_PORT=other)
    assert asked.returncode == 1
    assert f"listens on port {port}, not {other}" in asked.stderr


def test_a_second_start_on_the_same_data_folder_is_refused(own_server):
    port, pid = own_server
    other = str(_free_port())
    result = _script("start", LABEL_STUDIO_PORT=other)
    assert result.returncode == 1
    assert "already served by pid" in result.stderr and f"127.0.0.1:{port}" in result.stderr
    assert "LABEL_STUDIO_DIR" in result.stderr
    with pytest.raises(httpx.HTTPError):
        httpx.get(f"http://127.0.0.1:{other}/health", timeout=2)


def test_start_without_a_port_reuses_the_folders_server(own_server):
    port, pid = own_server
    result = _script("start")
    assert result.returncode == 0, result.stderr
    assert f"already running at http://127.0.0.1:{port} (pid {pid}" in result.stderr


def test_stop_on_another_port_stops_nothing(own_server):
    port, pid = own_server
    other = str(_free_port())
    result = _script("stop", LABEL_STUDIO_PORT=other)
    assert result.returncode == 1 and "nothing stopped" in result.stderr
    assert _alive(pid)
    assert httpx.get(f"http://127.0.0.1:{port}/health", timeout=10).status_code == 200


def test_a_folder_of_its_own_on_a_free_port_starts_reports_and_stops(tmp_path):
    folder, port = tmp_path / "ls", str(_free_port())
    started = _script("start", LABEL_STUDIO_DIR=str(folder), LABEL_STUDIO_PORT=port)
    try:
        assert started.returncode == 0, started.stderr[-2000:]
        record = read_credentials_file(folder / "server.env")
        assert record["PORT"] == port and record["DATA"] == str(folder / "data")
        credentials = read_credentials_file(folder / "credentials.env")
        assert credentials["LABEL_STUDIO_URL"] == f"http://127.0.0.1:{port}"
        assert (folder / "credentials.env").stat().st_mode & 0o777 == 0o600

        status = _script("status", LABEL_STUDIO_DIR=str(folder))
        assert f"running at http://127.0.0.1:{port} (pid {record['PID']}" in status.stderr
        other = _script("status")  # this checkout's own folder lists it among the others
        assert f"127.0.0.1:{port} (pid {record['PID']}, data {folder / 'data'})" in other.stderr

        again = _script("start", LABEL_STUDIO_DIR=str(folder),
                        LABEL_STUDIO_PORT=str(_free_port()))
        assert again.returncode == 1 and "already served" in again.stderr
    finally:
        stopped = _script("stop", LABEL_STUDIO_DIR=str(folder))
    assert stopped.returncode == 0, stopped.stderr
    assert f"stopped http://127.0.0.1:{port}" in stopped.stderr
    deadline = time.monotonic() + 30
    while _alive(record["PID"]) and time.monotonic() < deadline:
        time.sleep(0.5)
    assert not _alive(record["PID"])
    assert not (folder / "server.env").exists()
    after = _script("status", LABEL_STUDIO_DIR=str(folder))
    assert after.returncode == 1 and "not running" in after.stderr
