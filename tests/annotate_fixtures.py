"""Fixtures for the tests that talk to the local Label Studio (registered in conftest.py).

The server is the one `make labelstudio` (``scripts/labelstudio.sh start``) runs on
127.0.0.1; `make test` starts it. The tests fail, not skip, when it is down, unless
``LINESIFT_SKIP_LABELSTUDIO=1`` asks to skip them. Every test makes its own projects under
fresh names, so runs never collide.
"""

import os
import threading
import time
import uuid
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import httpx
import pytest
from label_studio_sdk import LabelStudio

from linesift.annotate.client import (AuthError, Server, default_credentials_file, read_credentials_file,
                             resolve_credentials)

SKIP_VAR = "LINESIFT_SKIP_LABELSTUDIO"
ARTIFACTS_VAR = "LINESIFT_ARTIFACTS"
_SAVED_ARTIFACTS = []
EXAMPLE_PAGE = Path(__file__).resolve().parent.parent / "examples" / "doingbuzz-fr.txt"
FAST_BACKOFF = 0.05


@pytest.fixture(scope="session")
def ls_credentials():
    """Credentials of the local server (environment or .labelstudio/credentials.env)."""
    if os.environ.get(SKIP_VAR) == "1":
        pytest.skip(f"{SKIP_VAR}=1")
    try:
        credentials = resolve_credentials()
    except AuthError as exc:
        pytest.fail(str(exc), pytrace=False)
    try:
        httpx.get(f"{credentials.url}/health", timeout=10).raise_for_status()
    except httpx.HTTPError as exc:
        pytest.fail(f"no Label Studio at {credentials.url} ({type(exc).__name__}); start it with "
                    f"`make labelstudio`, or set {SKIP_VAR}=1 to skip these tests", pytrace=False)
    return credentials


@pytest.fixture(scope="session")
def ls_server(ls_credentials):
    """linesift's client for the local server, retrying fast."""
    return Server(ls_credentials, backoff=FAST_BACKOFF)


@pytest.fixture(scope="session")
def ls_sdk(ls_credentials):
    """The plain SDK client, to check what linesift did without going through linesift."""
    return LabelStudio(base_url=ls_credentials.url, api_key=ls_credentials.api_key)


def delete_projects(sdk, title):
    """Delete the projects titled `title`, so test runs leave the server tidy."""
    for project in [p for p in sdk.projects.list(title=title) if p.title == title]:
        sdk.projects.delete(id=project.id)


@pytest.fixture
def project_name(ls_sdk):
    """A project title no other run uses; its projects, and those whose title starts with
    it, are deleted afterwards."""
    title = f"linesift-test-{uuid.uuid4().hex[:12]}"
    yield title
    for project in [p for p in ls_sdk.projects.list(title=title) if p.title.startswith(title)]:
        ls_sdk.projects.delete(id=project.id)


@pytest.fixture(scope="session")
def example_page_path():
    """The example page (French news with ads)."""
    return EXAMPLE_PAGE


@pytest.fixture(scope="session")
def ls_sifter(tiny_model):
    """conftest's tiny model, loaded: it stamps the predictions."""
    from linesift.sift import load

    return load(tiny_model)


def sign_up(url, kind="jwt"):
    """Make a user of the server at `url`; returns ``(user id, email, password, api key)``.

    ``kind="jwt"`` gives a personal access token (what newer servers issue), ``"legacy"`` the
    user's legacy token. Label Studio's API cannot set a password, so the user signs up
    through the web form, as a person would.
    """
    email = f"annotator-{uuid.uuid4().hex[:8]}@linesift.test"
    password = uuid.uuid4().hex
    with httpx.Client(base_url=url, timeout=30) as web:
        web.get("/user/signup/")
        web.post("/user/signup/", data={"email": email, "password": password,
                                        "csrfmiddlewaretoken": web.cookies["csrftoken"]},
                 headers={"Referer": f"{url}/user/signup/"})
        user = web.get("/api/current-user/whoami").raise_for_status().json()
        key = _api_key(web, kind, url)
    return user["id"], email, password, key


def _api_key(web, kind, url):
    if kind == "legacy":
        return web.get("/api/current-user/token").raise_for_status().json()["token"]
    answer = web.post("/api/token/", headers={"X-CSRFToken": web.cookies["csrftoken"],
                                              "Referer": url})
    return answer.raise_for_status().json()["token"]


@pytest.fixture(scope="session")
def make_annotator(ls_credentials, ls_sdk):
    """:func:`sign_up` on the local server; the users are deleted after the test session."""
    made = []

    def make(kind="jwt"):
        made.append(sign_up(ls_credentials.url, kind))
        return made[-1]
    yield make
    for user_id, *_ in made:
        ls_sdk.users.delete(id=user_id)


class _QuietServer(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address):
        """A client that timed out has gone: writing to it fails, on purpose."""


class FaultProxy:
    """A local HTTP proxy in front of the real server that breaks chosen requests.

    Queue faults with :meth:`add`: each applies to the next request whose path contains
    `path` (and whose method is `method`, if given) and is used up then.

    ``("status", code)``
        Answer `code` without asking the server.
    ``("drop", None)``
        Close the connection without an answer, without asking the server.
    ``("late", seconds)``
        Ask the server, then wait `seconds` before answering (the client may time out
        although the server did the work).
    ``("pass", None)``
        Let the request through, to break only later ones.
    """

    def __init__(self, upstream):
        self.upstream = upstream
        self.faults = []
        self.seen = []
        self._lock = threading.Lock()
        self._client = httpx.Client(base_url=upstream, timeout=120)
        self._httpd = _QuietServer(("127.0.0.1", 0), _ProxyHandler)
        self._httpd.proxy = self
        self.url = f"http://127.0.0.1:{self._httpd.server_address[1]}"
        threading.Thread(target=self._httpd.serve_forever, daemon=True).start()

    def add(self, path, kind, value=None, method=None, times=1):
        with self._lock:
            self.faults.extend([(path, method, kind, value)] * times)

    def close(self):
        self._httpd.shutdown()
        self._httpd.server_close()
        self._client.close()

    def take(self, method, path):
        """The fault for this request, used up, or ``(None, None)``; every request is noted."""
        with self._lock:
            self.seen.append((method, path))
            for i, (where, only, kind, value) in enumerate(self.faults):
                if where in path and only in (None, method):
                    del self.faults[i]
                    return kind, value
        return None, None

    def forward(self, method, path, body, headers):
        """Send the request on to the real server; its answer."""
        return self._client.request(method, path, content=body, headers=headers)


class _ProxyHandler(BaseHTTPRequestHandler):
    """Forwards a request to the real server unless the proxy's next fault says otherwise."""

    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def _any(self):
        proxy = self.server.proxy
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        kind, value = proxy.take(self.command, self.path)
        if kind == "drop":
            self.close_connection = True
            return
        if kind == "status":
            self._answer(value, {"Content-Type": "application/json"},
                         b'{"detail": "injected fault"}')
            return
        headers = {k: v for k, v in self.headers.items()
                   if k.lower() not in ("host", "content-length", "connection")}
        answer = proxy.forward(self.command, self.path, body, headers)
        if kind == "late":
            time.sleep(value)
        self._answer(answer.status_code, answer.headers, answer.content)

    def _answer(self, status, headers, body):
        self.send_response(status)
        for key, value in headers.items():
            if key.lower() not in ("content-length", "transfer-encoding", "connection",
                                   "content-encoding"):
                self.send_header(key, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_GET = do_POST = do_PATCH = do_PUT = do_DELETE = _any


@pytest.fixture
def fault_proxy(ls_credentials):
    """A :class:`FaultProxy` in front of the local server."""
    proxy = FaultProxy(ls_credentials.url)
    yield proxy
    proxy.close()


class ServerLog:
    """The log of the local server (``server.log`` beside its credentials file), read from a
    mark: what the server wrote since :meth:`mark`."""

    def __init__(self, path):
        self.path = path
        self._start = 0

    def mark(self):
        self._start = self.path.stat().st_size

    def since_mark(self, settle=1.0):
        time.sleep(settle)  # the server writes its log lines while it answers
        with open(self.path, "rb") as fh:
            fh.seek(self._start)
            return fh.read().decode("utf-8", "replace")


@pytest.fixture(scope="session")
def ls_log(ls_credentials):
    """:class:`ServerLog` of the local server, when the tests run beside its folder."""
    folder = default_credentials_file().parent
    record = folder / "server.env"
    saved = read_credentials_file(record) if record.is_file() else {}
    if saved.get("URL", "").rstrip("/") != ls_credentials.url:
        pytest.skip(f"the server at {ls_credentials.url} was not started by "
                    f"scripts/labelstudio.sh for {folder}, so its log is unknown")
    return ServerLog(folder / "server.log")


class Artifacts:
    """A folder for what a test leaves to look at (screenshots, tables); listed at the end of
    the run."""

    def __init__(self, folder):
        self.folder = folder
        folder.mkdir(parents=True, exist_ok=True)

    def path(self, name):
        path = self.folder / name
        _SAVED_ARTIFACTS.append(path)
        return path


@pytest.fixture
def artifacts(request, tmp_path_factory):
    """:class:`Artifacts` under ``$LINESIFT_ARTIFACTS`` (for CI to keep), else under
    pytest's temporary folder, in a subfolder named after the test."""
    base = os.environ.get(ARTIFACTS_VAR)
    root = Path(base) if base else tmp_path_factory.getbasetemp() / "artifacts"
    return Artifacts(root / request.node.name)


def pytest_terminal_summary(terminalreporter):
    """List the artifacts the tests saved."""
    if _SAVED_ARTIFACTS:
        terminalreporter.section("test artifacts")
        for path in _SAVED_ARTIFACTS:
            terminalreporter.write_line(str(path))


@dataclass(frozen=True)
class Login:
    """An email and password; ``repr`` (and so a failing test's report) hides the password."""

    email: str
    password: str = field(repr=False)


@pytest.fixture(scope="session")
def ls_login(ls_credentials):
    """The admin's :class:`Login`, from the environment or the credentials file."""
    saved = read_credentials_file(default_credentials_file()) \
        if default_credentials_file().is_file() else {}
    email, password = (os.environ.get(key) or saved.get(key)
                       for key in ("LABEL_STUDIO_USERNAME", "LABEL_STUDIO_PASSWORD"))
    if not (email and password):
        pytest.fail("LABEL_STUDIO_USERNAME and LABEL_STUDIO_PASSWORD are in neither the "
                    "environment nor .labelstudio/credentials.env", pytrace=False)
    return Login(email, password)
