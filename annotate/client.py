"""Every call to Label Studio goes through here: credentials, connecting, retries and errors.

Written against label-studio-sdk 2.x (``pyproject.toml`` pins ``>=2.1,<3``; its README warns
that major versions break imports) and checked on a label-studio 1.23 server. The API key may
be a legacy token (40 hex characters) or a personal access token (a JWT refresh token, which
the SDK trades for short-lived access tokens); both go to ``LabelStudio(api_key=...)``.

Reads and project creation are retried with exponential backoff when the connection drops, a
request times out or the server answers 5xx / 408 / 429. An import is sent once more only when
the connection could not even be opened; any other failure raises :class:`UncertainWrite`,
because the tasks may have landed, and the caller checks which ones before sending again.
The API key is never put into a message, a log line or a file.
"""

import json
import os
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx
from label_studio_sdk import LabelStudio
from label_studio_sdk.core.api_error import ApiError

from linesift.errors import LinesiftError
from linesift.logs import get_logger

DEFAULT_URL = "http://127.0.0.1:8080"
CREDENTIALS_FILE = Path(".labelstudio") / "credentials.env"
URL_VAR = "LABEL_STUDIO_URL"
KEY_VAR = "LABEL_STUDIO_API_KEY"

TIMEOUT = 60.0
"""Seconds to wait for one answer before the request counts as failed (and is retried)."""
EXPORT_TIMEOUT = 600.0
"""Seconds to wait for a whole project export, which Label Studio builds before answering."""
RETRIES = 4
"""Retries after the first attempt, so at most five attempts per call."""
BACKOFF = 0.5
"""First wait between attempts, in seconds; it doubles after each failure, up to MAX_BACKOFF."""
MAX_BACKOFF = 8.0
TASK_PAGE_SIZE = 500

START_HINT = ("Start the local one with `make labelstudio` (or `bash scripts/labelstudio.sh "
              "start`), or point LABEL_STUDIO_URL at a running server.")
TOKEN_HINT = ("Use the token of the local server in .labelstudio/credentials.env (written by "
              "`make labelstudio`), or create one in Label Studio under Account & Settings > "
              "Personal Access Token (or Legacy Token on servers that allow it), and set it as "
              "LABEL_STUDIO_API_KEY.")


class LabelStudioError(LinesiftError):
    """A Label Studio problem the user can act on."""


class ServerUnreachable(LabelStudioError):
    """No answer from the server (refused, dropped, timed out, or 5xx after every retry)."""


class AuthError(LabelStudioError):
    """The server refused the API key (401) or its user may not do this (403)."""


class ProjectNotFound(LabelStudioError):
    """No project with that id or title."""


class UncertainWrite(LabelStudioError):
    """A write failed in a way that leaves unknown whether the server applied it."""


@dataclass(frozen=True)
class Credentials:
    """Where Label Studio is and the key to use; ``repr`` never shows the key."""

    url: str
    api_key: str = field(repr=False)


@dataclass(frozen=True)
class TaskState:
    """A task's id and data, whether anyone annotated, skipped or drafted it (`touched`), and
    its predictions as ``(prediction id, model_version)`` pairs."""

    id: int
    data: dict
    touched: bool
    predictions: list


def _field(item, name):
    return item.get(name) if isinstance(item, dict) else getattr(item, name, None)


@dataclass(frozen=True)
class Project:
    """A Label Studio project as linesift needs it."""

    id: int
    title: str
    label_config: str


def read_credentials_file(path):
    """``KEY=VALUE`` pairs of a credentials file (comments, blanks and quotes allowed)."""
    values = {}
    for raw in Path(path).read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not line or line.startswith("#") or "=" not in line:
            continue
        key, value = line.split("=", 1)
        values[key.strip().removeprefix("export ").strip()] = value.strip().strip("'\"")
    return values


def default_credentials_file():
    """``.labelstudio/credentials.env`` in the current directory, else in the repository."""
    local = CREDENTIALS_FILE
    if local.exists():
        return local
    return Path(__file__).resolve().parent.parent / CREDENTIALS_FILE


def resolve_credentials(url=None, api_key=None, *, environ=None, path=None):
    """Credentials from options, else the environment, else the credentials file.

    Parameters
    ----------
    url, api_key : str, optional
        Given on the command line; each wins over the other sources.
    environ : mapping, optional
        Default ``os.environ`` (``LABEL_STUDIO_URL``, ``LABEL_STUDIO_API_KEY``).
    path : str or Path, optional
        Credentials file; default :func:`default_credentials_file`.

    Returns
    -------
    Credentials
    """
    environ = os.environ if environ is None else environ
    path = Path(path) if path is not None else default_credentials_file()
    saved = read_credentials_file(path) if path.is_file() else {}
    url = url or environ.get(URL_VAR) or saved.get(URL_VAR) or DEFAULT_URL
    given = "--api-key" if api_key else KEY_VAR if environ.get(KEY_VAR) else str(path)
    api_key = (api_key or environ.get(KEY_VAR) or saved.get(KEY_VAR) or "").strip()
    if api_key and not all(33 <= ord(c) <= 126 for c in api_key):
        # never echoed: a key with a stray byte would otherwise end up in a header error
        raise AuthError(f"the Label Studio API key from {given} holds a space, a control or a "
                        "non-ASCII character, which no key has; copy it again", hint="api_key")
    if not api_key:
        raise AuthError(f"no Label Studio API key: set {KEY_VAR}, or start the local server "
                        f"with `make labelstudio`, which writes {CREDENTIALS_FILE}",
                        hint="api_key")
    return Credentials(url=url.rstrip("/"), api_key=api_key)


LOGGER = get_logger("linesift.annotate")


def _log(message):
    LOGGER.info(message)


class Server:
    """A connection to one Label Studio server, with retries and clear errors.

    Parameters
    ----------
    credentials : Credentials
    timeout : float
        Seconds per request.
    retries : int
        Retries of a failed read, with backoff starting at `backoff` seconds.
    """

    def __init__(self, credentials, *, timeout=TIMEOUT, retries=RETRIES, backoff=BACKOFF):
        self.url = credentials.url
        self.retries = retries
        self.backoff = backoff
        self._secret = credentials.api_key
        # our own HTTP client, so that close() can release its connections (the SDK's own
        # is closed by nothing but the garbage collector)
        self._http = httpx.Client(timeout=timeout, follow_redirects=True)
        try:
            self._sdk = LabelStudio(base_url=credentials.url, api_key=credentials.api_key,
                                    timeout=timeout, max_retries=0, httpx_client=self._http)
        except ApiError as exc:  # an expired or malformed JWT is refused before any request
            self._http.close()
            raise self._error(exc, "connect") from None

    def close(self):
        """Close the connections to the server; the Server is not usable after."""
        self._http.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def check(self):
        """Ask who we are: raises ServerUnreachable or AuthError early; returns the email."""
        try:
            return self._retry(lambda: self._sdk.users.whoami(), "connect").email
        except ProjectNotFound:
            raise LabelStudioError(f"no Label Studio API at {self.url} (HTTP 404 for "
                                   "/api/current-user/whoami)", hint="url") from None

    # --- projects ------------------------------------------------------------------------

    def find_project(self, ref):
        """The project with id `ref` (all digits) or title `ref`, or None.

        Raises
        ------
        LabelStudioError
            When several projects have that title.
        """
        ref = str(ref)
        if ref.isdigit():
            return self._project_by_id(int(ref))
        found = [p for p in self._pages(
            lambda page, size: self._sdk.projects.list(title=ref, page=page, page_size=size),
            "list projects", 100) if p.title == ref]
        if len(found) > 1:
            ids = ", ".join(str(p.id) for p in found)
            raise LabelStudioError(f"several projects are titled {ref!r} (ids {ids})",
                                   hint="project")
        return self._project_by_id(found[0].id) if found else None

    def get_project(self, ref):
        """Like :meth:`find_project`, but raise ProjectNotFound when there is none."""
        project = self.find_project(ref)
        if project is None:
            raise ProjectNotFound(f"no project {ref!r} on Label Studio at {self.url}; "
                                  "check the title or id (or push pages to create it)")
        return project

    def create_project(self, title, label_config, description=""):
        """Create a project and return it."""
        created = self._retry(lambda: self._sdk.projects.create(
            title=title, label_config=label_config, description=description), "create project")
        return Project(id=created.id, title=created.title, label_config=label_config)

    def _project_by_id(self, project_id):
        try:
            p = self._retry(lambda: self._sdk.projects.get(id=project_id), "get project")
        except ProjectNotFound:
            return None
        return Project(id=p.id, title=p.title, label_config=p.label_config)

    # --- tasks ---------------------------------------------------------------------------

    def task_data(self, project_id):
        """The ``data`` of every task of a project (a list; listing is retried as a whole)."""
        return [task.data for task in self._pages(
            lambda page, size: self._sdk.tasks.list(project=project_id, include="id,data",
                                                    page=page, page_size=size),
            "list tasks", TASK_PAGE_SIZE)]

    def task_states(self, project_id):
        """Every task of a project with what decides whether its pre-fill may be replaced.

        Returns
        -------
        list of TaskState
        """
        tasks = self._pages(
            lambda page, size: self._sdk.tasks.list(
                project=project_id, page=page, page_size=size,
                include="id,data,predictions,total_annotations,cancelled_annotations,"
                        "draft_exists"),
            "list tasks", TASK_PAGE_SIZE)
        return [TaskState(id=t.id, data=t.data or {},
                          touched=bool((t.total_annotations or 0)
                                       + (t.cancelled_annotations or 0)
                                       or getattr(t, "draft_exists", False)),
                          predictions=[(_field(p, "id"), _field(p, "model_version"))
                                       for p in (t.predictions or [])])
                for t in tasks]

    def import_predictions(self, project_id, predictions):
        """Add predictions (dicts with ``task``, ``result``, ``score``, ``model_version``) to
        a project's tasks; returns how many were created.

        Raises
        ------
        UncertainWrite
            When the request may or may not have been applied (predicting again repairs it).
        """
        return self._send_unsure(
            lambda: self._sdk.projects.import_predictions(id=project_id,
                                                          request=predictions).created,
            "import predictions", "Some predictions may have arrived: run the same command "
            "again, it replaces them.")

    def update_task_data(self, task_id, data):
        """Replace a task's data (the same data sent again changes nothing)."""
        self._retry(lambda: self._sdk.tasks.update(id=task_id, data=data), "update a task")

    def delete_prediction(self, prediction_id):
        """Delete one prediction (one that is already gone counts as deleted)."""
        try:
            self._retry(lambda: self._sdk.predictions.delete(id=prediction_id),
                        "delete a prediction")
        except ProjectNotFound:
            pass

    def import_tasks(self, project_id, tasks):
        """Import task dicts (with their predictions); returns how many tasks were created.

        Raises
        ------
        UncertainWrite
            When the request may or may not have been applied: check and send the rest again.
        """
        return self._send_unsure(
            lambda: self._sdk.projects.import_tasks(id=project_id, request=tasks).task_count,
            "import tasks", "Some tasks may have arrived: run the same push again, it sends "
            "only the missing ones.")

    def _send_unsure(self, send, what, advice):
        """A write retried only while nothing was sent; a lost connection after sending is an
        UncertainWrite carrying `advice`."""
        try:
            return self._retry(send, what, only_unsent=True)
        except ServerUnreachable as exc:
            raise UncertainWrite(f"{exc} {advice}") from None

    def export_tasks(self, project_id):
        """All tasks of a project with their annotations: Label Studio's JSON export, parsed."""
        def download():
            chunks = self._sdk.projects.exports.download_sync(
                id=project_id, export_type="JSON", download_all_tasks=True,
                request_options={"timeout_in_seconds": EXPORT_TIMEOUT})
            return json.loads(b"".join(chunks))
        return self._retry(download, "export project")

    # --- task list, live model ----------------------------------------------------------

    def create_view(self, project_id, title, hidden_columns, ordering=()):
        """Add a Data Manager tab to a project that hides `hidden_columns` (``tasks:...`` ids)
        and sorts by `ordering` (``-tasks:...`` for high to low)."""
        hidden = {"explore": list(hidden_columns), "labeling": list(hidden_columns)}
        data = {"title": title, "type": "list", "target": "tasks", "hiddenColumns": hidden,
                "ordering": list(ordering)}
        self._retry(lambda: self._sdk.views.create(project=project_id, data=data),
                    "create a task list tab")

    def connect_model(self, project_id, url, model_version, replace_prefix=None):
        """Connect the ML backend at `url` to a project, once, and pre-label with it.

        Label Studio then asks the backend for a prediction of every task that has none when
        the task is listed or opened, and sends it every event of the project (its webhook
        ``<url>/webhook``). The labelling screen shows the predictions whose model version is
        the project's, which Label Studio allows to be an ML backend's title only: so the
        backend is titled with `model_version` (the version its predictions carry), and
        connecting again after the model changed renames it, which moves the project along.
        Backends of the project whose URL starts with `replace_prefix` (an earlier run of the
        same server, whose secret changed) are disconnected first.

        Returns
        -------
        int
            The ML backend's id in Label Studio.
        """
        backends = self._retry(lambda: list(self._sdk.ml.list(project=project_id)),
                               "list ML backends")
        found = [b for b in backends if b.url.rstrip("/") == url.rstrip("/")]
        if replace_prefix:
            for stale in backends:
                if stale.url.startswith(replace_prefix + "/") and stale not in found:
                    self.disconnect_model(project_id, stale.id, stale.url)
        if found:
            backend_id = found[0].id
            # URL and project go along: Label Studio 1.23 answers 500 to a PATCH without them
            self._retry(lambda: self._sdk.ml.update(id=backend_id, url=url, project=project_id,
                                                    title=model_version),
                        "rename the ML backend")
        else:
            backend_id = self._retry(lambda: self._sdk.ml.create(
                project=project_id, url=url, title=model_version, is_interactive=False,
                auto_update=True), "connect the ML backend").id
        self._retry(lambda: self._sdk.projects.update(
            id=project_id, model_version=model_version, show_collab_predictions=True,
            evaluate_predictions_automatically=True), "update the project")
        return backend_id

    def disconnect_backends(self, project_id, prefix=None, url=None):
        """Remove every ML backend of a project whose URL starts with `prefix` (a serve that
        was killed before it could unregister), or is `url`, with its webhook; returns how
        many."""
        backends = self._retry(lambda: list(self._sdk.ml.list(project=project_id)),
                               "list ML backends")
        stale = [b for b in backends
                 if (prefix and b.url.startswith(prefix.rstrip("/") + "/"))
                 or (url and b.url.rstrip("/") == url.rstrip("/"))]
        for backend in stale:
            self.disconnect_model(project_id, backend.id, backend.url)
        return len(stale)

    def disconnect_model(self, project_id, backend_id, url):
        """Remove an ML backend from a project, with the webhook Label Studio made for it
        (Label Studio 1.23 leaves that one behind)."""
        hook = url.rstrip("/") + "/webhook"
        for webhook in self._retry(lambda: list(self._sdk.webhooks.list(project=project_id)),
                                   "list webhooks"):
            if webhook.url == hook:
                self._retry(lambda: self._sdk.webhooks.delete(id=webhook.id), "delete a webhook")
        self._retry(lambda: self._sdk.ml.delete(id=backend_id), "disconnect the ML backend")

    def retrieve_predictions(self, project_id):
        """Ask Label Studio to get predictions of every task of a project from its ML backend
        (tasks that already have one of the backend's current version are left alone)."""
        self._retry(lambda: self._sdk.actions.create(
            id="retrieve_tasks_predictions", project=project_id,
            selected_items={"all": True, "excluded": []}), "retrieve predictions")

    def _pages(self, fetch, what, size):
        """Every item of a paged list, a page at a time, stopping at the last one: the SDK's
        pager asks for one page past the end, which Label Studio answers 404 and logs as an
        error. `fetch(page, size)` returns the SDK's pager of one page; each page is
        retried."""
        items, page, total = [], 1, None
        while True:
            pager = self._retry(lambda: fetch(page, size), what)
            batch = list(pager.items or [])
            items += batch
            response = getattr(pager, "response", None)
            total = getattr(response, "total", None) or getattr(response, "count", None)
            last = (len(batch) < size or (total is not None and len(items) >= total)
                    or getattr(response, "next", "") is None)
            if last:
                return items
            page += 1

    # --- retries and errors --------------------------------------------------------------

    def _retry(self, call, what, only_unsent=False):
        for attempt in range(self.retries + 1):
            try:
                return call()
            except (httpx.TransportError, ApiError) as exc:
                if attempt == self.retries or not _retryable(exc, only_unsent):
                    raise self._error(exc, what) from None
                wait = min(self.backoff * 2 ** attempt, MAX_BACKOFF)
                _log(f"Label Studio: {what} failed ({self._reason(exc)}); "
                     f"retry {attempt + 1}/{self.retries} in {wait:.1f} s")
                time.sleep(wait)

    def _error(self, exc, what):
        reason = self._reason(exc)
        status = exc.status_code if isinstance(exc, ApiError) else None
        if status == 401:
            return AuthError(f"Label Studio at {self.url} refused the API key ({reason}). "
                             + TOKEN_HINT, hint="api_key")
        if status == 403:
            return AuthError(f"Label Studio at {self.url} does not let this API key's user "
                             f"{what} ({reason}). Use the key of a member of the organization "
                             "with enough rights (its owner or an administrator).")
        if status == 404:
            return ProjectNotFound(f"{what}: not found on Label Studio at {self.url} ({reason})")
        if status is not None and not _transient_status(status):
            return LabelStudioError(f"Label Studio at {self.url} rejected {what} ({reason})")
        return ServerUnreachable(f"cannot {what} on Label Studio at {self.url}: {reason}. "
                                 + START_HINT, hint="url")

    def _reason(self, exc):
        if isinstance(exc, ApiError):
            body = exc.body if isinstance(exc.body, dict) else {}
            detail = body.get("validation_errors") or body.get("detail")
            text = f"HTTP {exc.status_code}" + (f": {detail}" if detail else "")
        else:
            text = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
        return self._redact(text)[:500]

    def _redact(self, text):
        return str(text).replace(self._secret, "***") if self._secret else str(text)


def _transient_status(status):
    return status is not None and (status >= 500 or status in (408, 429))


def _retryable(exc, only_unsent):
    if isinstance(exc, httpx.ConnectError):
        return True
    if only_unsent:
        return False
    return isinstance(exc, httpx.TransportError) or _transient_status(exc.status_code)


def connect(url=None, api_key=None, **kwargs):
    """Resolve credentials (see :func:`resolve_credentials`), connect and check them.

    Returns
    -------
    Server
        Use it as a context manager, or call its ``close()``, to release its connections.
    """
    server = Server(resolve_credentials(url, api_key), **kwargs)
    try:
        server.check()
    except BaseException:
        server.close()
        raise
    return server
