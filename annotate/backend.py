"""``linesift annotate serve``: the current model inside Label Studio, as an ML backend.

Label Studio calls an ML backend over HTTP (the protocol of HumanSignal's label-studio-ml-backend,
``label_studio_ml/api.py``; Label Studio's side is ``ml/api_connector.py``):

``GET /health``
    ``{"status": "UP", "model_class": ..., "model_version": ...}``.
``POST /setup``
    Sent when the backend is connected and before every round of predictions, with the
    project's labelling config; the answer's ``model_version`` tells Label Studio which
    predictions are current.
``POST /predict``
    ``{"tasks": [...], "label_config": ...}`` -> ``{"results": [prediction per task]}``, in
    the task order. linesift's ``runs`` and ``page`` tasks get the model's guess in their
    layout (as ``push`` makes it); any other task gets an empty prediction.
``POST /webhook``
    Every event of the project (Label Studio registers ``<backend>/webhook`` when the backend
    is connected). ``ANNOTATION_CREATED`` and ``ANNOTATION_UPDATED`` count towards retraining.

The server is the standard library's threading HTTP server: one small JSON API on 127.0.0.1
needs no web framework.

**The site memory follows every annotation.** Each ``ANNOTATION_CREATED`` or
``ANNOTATION_UPDATED`` of a ``runs`` or ``page`` task adds the annotated page to the served
model's site memory (:mod:`linesift.features.memory`) at once, in milliseconds and without
refitting: the next pre-fills of that site count the page's lines, and a model learned with
``train --base`` reads how they were labelled.

**Retraining** (optional) pulls the project's labels through :mod:`annotate.client` and fits a
new model in a background thread with the function the CLI gives (``linesift train --base``
on the served model's base: the same decision rule, never below the base on what the labels
show), swaps it in when it is saved, and asks Label Studio to pre-label the project's tasks
again with it.
"""

import json
import secrets
import socket
import tempfile
import threading
import time
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from linesift.features.memory import SiteMemory
from linesift.logs import get_logger
from linesift.sift import load

from .config import DEFAULT_HOST, DEFAULT_PORT, detect_layout
from .export import annotated_page
from .predict import refresh_predictions
from .pull import pull_labels
from .tasks import PAGE_LAYOUTS, page_of_task, page_prediction

RETRAIN_EVENTS = ("ANNOTATION_CREATED", "ANNOTATION_UPDATED")
MAX_BODY = 50 * 1024 * 1024
"""The largest request accepted, in bytes."""
MAX_TASKS = 1000
"""Tasks in one /predict request (Label Studio sends a page of the task list at a time)."""
MAX_TASK_LINES = 100_000
"""Lines a task may claim (``n_lines``): a page is rebuilt with that many."""
READ_TIMEOUT = 30
"""Seconds a client may take to send its request before its thread lets it go."""
WORKER_THREADS = 16
LISTEN_BACKLOG = 128


LOGGER = get_logger("linesift.annotate.serve")


def _log(message):
    """One line of the serve log (the CLI stamps each with its time)."""
    LOGGER.info(f"serve: {message}")


def _task_page(task):
    """The page of a /predict task, None for a task that is not a linesift page, ValueError
    for one that claims more than :data:`MAX_TASK_LINES` lines or does not hold together."""
    data = task.get("data") if isinstance(task, dict) else None
    if not isinstance(data, dict) or not isinstance(data.get("lines"), list):
        return None
    n_lines = data.get("n_lines")
    if isinstance(n_lines, bool) or not isinstance(n_lines, int) or not \
            0 <= n_lines <= MAX_TASK_LINES or len(data["lines"]) > n_lines:
        raise ValueError(f"n_lines must be a whole number from the task's line count to "
                         f"{MAX_TASK_LINES:,}")
    try:
        return page_of_task(data)
    except (TypeError, ValueError, KeyError, AttributeError) as exc:
        raise ValueError(f"not a linesift page task ({type(exc).__name__})") from None


class LiveModel:
    """The model a backend serves; :meth:`swap` replaces it while requests keep coming.

    Parameters
    ----------
    sifter : linesift.Sifter
    retrainer : Retrainer, optional
        Told about every new annotation.
    """

    def __init__(self, sifter, retrainer=None):
        if sifter.memory is None:
            sifter.memory = SiteMemory()
        self._sifter = sifter
        self._lock = threading.Lock()
        self.annotated = {}
        """Page id -> the page as last annotated through the webhook (for the next model's
        memory, which is pulled before the latest annotations)."""
        self.retrainer = retrainer
        self.url = None
        """Where Label Studio reaches this model (set by :class:`BackendServer`)."""
        self.predicted = 0
        """Tasks predicted so far."""
        self.events = []
        """``(action, project id, task id)`` of every webhook received, in order."""

    @property
    def sifter(self):
        with self._lock:
            return self._sifter

    @property
    def version(self):
        return self.sifter.version

    def swap(self, sifter):
        if sifter.memory is None:
            sifter.memory = SiteMemory()
        with self._lock:
            sifter.memory.add_pages(list(self.annotated.values()))
            self._sifter = sifter
        _log(f"now serving {sifter.version}")

    def remember(self, page):
        """Add an annotated page to the served model's site memory (milliseconds)."""
        with self._lock:
            self.annotated[page.id] = page
            self._sifter.memory.add_pages([page])

    def predict(self, tasks, label_config):
        """One prediction per task, in order (see the module's docstring). A task that is not
        a linesift page of a page layout, or not a valid one, gets an empty prediction (with
        an ``error`` for an invalid one): a bad task fails alone."""
        sifter = self.sifter
        layout = detect_layout(label_config)
        pages, errors = [], {}
        for k, task in enumerate(tasks):
            page = None
            if layout in PAGE_LAYOUTS:
                try:
                    page = _task_page(task)
                except ValueError as exc:
                    errors[k] = str(exc)
            pages.append(page if page is not None and page.nonblank_line_nos() else None)
        scored = [page for page in pages if page is not None]
        sifted = iter(sifter.sift_pages(scored)) if scored else iter(())
        predictions = []
        for k, page in enumerate(pages):
            if page is None:
                empty = {"result": [], "score": 0.0, "model_version": sifter.version}
                if k in errors:
                    empty["error"] = errors[k]
                predictions.append(empty)
            else:
                predictions.append(page_prediction(next(sifted), layout, sifter.version))
        self.predicted += len(tasks)
        return predictions

    def webhook(self, payload):
        """Note an event; count annotations towards retraining."""
        action = payload.get("action")
        project = project_of(payload.get("project"))
        task = payload.get("task")
        task = task.get("id") if isinstance(task, dict) else None
        self.events.append((action, project, task))
        _log(f"webhook {action} (project {project}, task {task})")
        if action in RETRAIN_EVENTS:
            page = annotated_page(payload.get("task"), payload.get("annotation"))
            if page is not None:
                started = time.perf_counter()
                self.remember(page)
                _log(f"site memory: page {page.id} added in "
                     f"{1000 * (time.perf_counter() - started):.0f} ms")
        if action in RETRAIN_EVENTS and self.retrainer is not None and project is not None:
            self.retrainer.note(project)


class Retrainer:
    """Retrain on a project's labels after every `every` new annotations.

    Parameters
    ----------
    live : LiveModel
    server : annotate.client.Server
        Where the labels are pulled from, and told about the new model.
    every : int
        Annotations between two retrainings.
    out_dir : str or Path
        Each new model is saved in ``out_dir/<n>``.
    train : callable
        ``train(paths, out_dir, name)``: fits and saves a model on labelled pages (the CLI
        gives ``linesift train --base`` on the served model's base).
    extra_data : list of str
        Labelled pages to train on besides the project's; none trains on the project's
        labels alone.
    """

    def __init__(self, live, server, every, out_dir, train, extra_data=()):
        if every < 1:
            raise ValueError("retrain every 1 annotation or more")
        self.live, self.server, self.every = live, server, every
        self.out_dir, self.extra_data, self.train = Path(out_dir), list(extra_data), train
        self.counts = Counter()
        self.rounds = 0
        self.errors = []
        self._lock = threading.Lock()
        self._busy = False
        live.retrainer = self

    def note(self, project_id):
        with self._lock:
            self.counts[project_id] += 1
            due = self.counts[project_id] >= self.every and not self._busy
            if due:
                self.counts[project_id] = 0
                self._busy = True
        if due:
            threading.Thread(target=self._run, args=(project_id,), daemon=True).start()
        else:
            _log(f"{self.counts[project_id]}/{self.every} annotations towards retraining")

    @property
    def busy(self):
        with self._lock:
            return self._busy

    def _run(self, project_id):
        try:
            sifter = self.retrain(project_id)
            self.live.swap(sifter)
            self.server.connect_model(project_id, self.live.url, sifter.version)
            # the new model's pre-fills replace the old ones of untouched tasks: one tab each
            refresh_predictions(self.server, str(project_id), sifter, progress=False)
        except Exception as exc:  # a failed round must not stop the backend
            self.errors.append(exc)
            _log(f"retraining failed: {type(exc).__name__}: {exc}")
        finally:
            with self._lock:
                self._busy = False

    def retrain(self, project_id):
        """Pull the project's labels, fit, save in a new folder and load it; the new model."""
        self.rounds += 1
        out = self.out_dir / str(_next_round(self.out_dir))  # never an earlier run's model
        _log(f"retraining on project {project_id}'s labels"
             + (f" and {len(self.extra_data)} more files" if self.extra_data else "")
             + f" -> {out}")
        started = time.perf_counter()
        with tempfile.TemporaryDirectory() as tmp:
            labels = Path(tmp) / "labels.jsonl.gz"
            pull_labels(self.server, str(project_id), labels)
            self.train([str(labels), *self.extra_data], out, self.out_dir.name)
        _log(f"retrained in {time.perf_counter() - started:.0f} s")
        return load(out)


def _next_round(folder):
    """One more than the highest numbered model folder in `folder` (1 when there is none)."""
    taken = [int(p.name) for p in Path(folder).glob("*") if p.name.isdigit()] \
        if Path(folder).is_dir() else []
    return max(taken, default=0) + 1


class BadRequest(ValueError):
    """A request the backend refuses: its HTTP status and a one-line reason."""

    def __init__(self, status, reason):
        super().__init__(reason)
        self.status = status


def parse_body(headers, rfile):
    """The JSON object a request carries, or BadRequest: only ``application/json``, a
    ``Content-Length`` from 0 to :data:`MAX_BODY`, an object at the top, nesting within
    Python's limits."""
    kind = (headers.get("Content-Type") or "").split(";")[0].strip().lower()
    if kind != "application/json":
        raise BadRequest(415, "only application/json is accepted")
    length = headers.get("Content-Length")
    if length is None:
        raise BadRequest(411, "Content-Length is required")
    try:
        length = int(length)
    except ValueError:
        raise BadRequest(400, "Content-Length is not a number") from None
    if length < 0:
        raise BadRequest(400, "Content-Length is negative")
    if length > MAX_BODY:
        raise BadRequest(413, f"a request of {length:,} bytes is over the {MAX_BODY:,} allowed")
    data = rfile.read(length)
    if len(data) < length:
        raise BadRequest(400, "the body ended before Content-Length")
    try:
        body = json.loads(data or b"{}")
    except RecursionError:
        raise BadRequest(400, "the JSON is nested too deeply") from None
    except ValueError as exc:
        raise BadRequest(400, f"not JSON ({exc})") from None
    if not isinstance(body, dict):
        raise BadRequest(400, f"a JSON object is expected, not a {type(body).__name__}")
    return body


def project_of(value):
    """The project id a request names (``5``, ``"5"``, ``"5.1700000000"`` as Label Studio
    sends it to /predict and /setup, ``{"id": 5}`` in webhooks), or None."""
    if isinstance(value, dict):
        value = value.get("id")
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str):
        head = value.split(".", 1)[0].strip()
        return int(head) if head.isdigit() else None
    return None


class _Handler(BaseHTTPRequestHandler):
    server_version = "linesift-ml-backend"
    protocol_version = "HTTP/1.1"

    def setup(self):
        super().setup()
        self.request.settimeout(READ_TIMEOUT)  # a client stalled mid-body lets go of its thread
        # the answer goes out as two writes (headers, then body): with Nagle's algorithm the
        # body waits for the client's delayed ACK of the headers, 40 ms on Linux, per request
        self.request.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def log_message(self, format, *args):
        status = args[1] if len(args) > 1 else ""
        _log(f"{self.command} {self.server.public(self.path)} -> {status}")

    def _route(self):
        """The route after the secret prefix, or None (404) for any other path."""
        path = self.path.split("?")[0]
        prefix = self.server.prefix
        if not (path == prefix or path.startswith(prefix + "/")):
            return None
        return path[len(prefix):].rstrip("/") or "/"

    def _foreign_origin(self):
        """A browser's request (it names its page's Origin): Label Studio calls from its
        server, which sends none, so a web page open in the annotator's browser is refused."""
        origin = self.headers.get("Origin")
        return origin is not None

    def do_GET(self):
        route = self._route()
        if route is None:
            self._answer(404, {"error": "not found"})
        elif self._foreign_origin():
            self._answer(403, {"error": "requests from web pages are refused"})
        elif route in ("/", "/health"):
            self._answer(200, {"status": "UP", "model_class": "linesift",
                               "model_version": self.server.live.version})
        else:
            self._answer(404, {"error": "not found"})

    def do_POST(self):
        route = self._route()
        handle = {"/setup": self._setup, "/predict": self._predict,
                  "/webhook": self._webhook}.get(route)
        if handle is None:
            self.close_connection = True
            self._answer(404, {"error": "not found"})
            return
        if self._foreign_origin():
            self.close_connection = True
            self._answer(403, {"error": "requests from web pages are refused"})
            return
        try:
            body = parse_body(self.headers, self.rfile)
            self.server.check_project(body, route)
            answer = handle(body)
        except BadRequest as exc:
            self.close_connection = True
            self._answer(exc.status, {"error": str(exc)})
            return
        except (OSError, TimeoutError) as exc:  # the client went away or stalled
            self.close_connection = True
            _log(f"{route}: {type(exc).__name__} reading the request")
            return
        except Exception as exc:  # a bug: one line in the log, a JSON answer, the server lives
            _log(f"{route} failed: {type(exc).__name__}: {exc}")
            self._answer(500, {"error": f"{type(exc).__name__}"})
            return
        self._answer(200, answer)

    def _setup(self, body):
        return {"model_version": self.server.live.version}

    def _predict(self, body):
        tasks = body.get("tasks")
        if not isinstance(tasks, list):
            raise BadRequest(400, "'tasks' must be a list")
        if len(tasks) > MAX_TASKS:
            raise BadRequest(413, f"{len(tasks):,} tasks in one request, over {MAX_TASKS:,}")
        config = body.get("label_config")
        return {"results": self.server.live.predict(tasks, config if isinstance(config, str)
                                                    else "")}

    def _webhook(self, body):
        self.server.live.webhook(body)
        return {"status": "ok"}

    def _answer(self, status, payload):
        data = json.dumps(payload, ensure_ascii=False).encode("utf-8")
        try:
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            if self.close_connection:
                self.send_header("Connection", "close")
            self.end_headers()
            self.wfile.write(data)
        except OSError:  # the client left: nothing to answer
            self.close_connection = True


class BackendServer(ThreadingHTTPServer):
    """The HTTP server of a :class:`LiveModel`; ``url`` is where Label Studio reaches it.

    Every path starts with a secret (``/<token>``): Label Studio is given the URL with it and
    keeps it in the ML backend's settings, and a web page in the annotator's browser cannot
    guess it. Requests are served by a bounded pool of threads, with a listen backlog for the
    rest. With `project_id`, requests that name another project are refused.
    """

    daemon_threads = True
    request_queue_size = LISTEN_BACKLOG

    def __init__(self, live, host=DEFAULT_HOST, port=DEFAULT_PORT, *, token=None,
                 project_id=None):
        from concurrent.futures import ThreadPoolExecutor

        super().__init__((host, port), _Handler)
        self.live = live
        self.token = token or secrets.token_urlsafe(18)
        self.prefix = f"/{self.token}"
        self.project_id = project_id
        self.url = f"http://{host}:{self.server_address[1]}{self.prefix}"
        self.public_url = f"http://{host}:{self.server_address[1]}/<token>"
        self._pool = ThreadPoolExecutor(max_workers=WORKER_THREADS,
                                        thread_name_prefix="linesift-serve")
        live.url = self.url

    def public(self, path):
        """`path` with the secret replaced, for the log."""
        return path.replace(self.token, "<token>")

    def process_request(self, request, client_address):
        self._pool.submit(self.process_request_thread, request, client_address)

    def check_project(self, body, route):
        """BadRequest (403) when the request names a project this backend does not serve."""
        if self.project_id is None:
            return
        named = body.get("project")
        tasks = body.get("tasks") if isinstance(body.get("tasks"), list) else []
        if route == "/webhook" and project_of(named) is None:
            raise BadRequest(403, "a webhook must name its project")
        ids = {project_of(named)} | {project_of(t.get("project")) for t in tasks
                                     if isinstance(t, dict) and "project" in t}
        ids.discard(None)
        if ids - {self.project_id}:
            raise BadRequest(403, f"this backend serves project {self.project_id} only")

    def start(self):
        """Serve in a background thread; returns the thread."""
        thread = threading.Thread(target=self.serve_forever, daemon=True)
        thread.start()
        return thread

    def stop(self):
        self.shutdown()
        self.server_close()
        self._pool.shutdown(wait=False, cancel_futures=True)


def serve(sifter, *, host=DEFAULT_HOST, port=DEFAULT_PORT, server=None, project=None,
          retrain_every=0, retrain_to=None, train=None, train_also=(), ready=None):
    """Serve `sifter` as an ML backend until interrupted.

    Parameters
    ----------
    sifter : linesift.Sifter
    host, port : str, int
        Where to listen (port 0: any free port).
    server : annotate.client.Server, optional
        The Label Studio to connect to and to pull labels from; needed with `project` or
        `retrain_every`.
    project : str, optional
        Project title or id to connect the backend to (once; it reuses a connection to the
        same URL) so that its new tasks get the model's pre-labels.
    retrain_every : int
        Retrain after this many new annotations of a project; 0 never retrains.
    retrain_to : str or Path, optional
        Folder of the retrained models (default ``models/live``).
    train : callable, optional
        Fits and saves a model (see :class:`Retrainer`); needed with `retrain_every`.
    train_also : list of str
        Labelled pages to train on besides the project's.
    ready : callable, optional
        Called with the :class:`BackendServer` once it listens (and is connected).
    """
    live = LiveModel(sifter)
    if retrain_every:
        Retrainer(live, server, retrain_every, retrain_to or Path("models") / "live", train,
                  train_also)
    found = server.get_project(project) if project is not None else None
    backend = BackendServer(live, host, port, project_id=found.id if found else None)
    thread = backend.start()
    _log(f"{sifter.version} listening on {backend.public_url} (the token is given to Label "
         "Studio with the URL)")
    try:
        if found is not None:
            server.connect_model(found.id, backend.url, sifter.version,
                                 replace_prefix=backend.url.rsplit("/", 1)[0])
            _log(f"connected to project {found.title!r} (id {found.id}) on {server.url}")
        else:
            _log(f"connect it in the project's Settings > Model with this URL: {backend.url}")
        if ready is not None:
            ready(backend)
        while thread.is_alive():
            thread.join(0.5)
    except KeyboardInterrupt:
        _log("stopping")
        raise
    finally:
        backend.stop()
        if found is not None:
            # by URL, not by the id connect_model returns: a stop while connecting (the
            # backend made, the call not back yet) must unregister it too
            try:
                if server.disconnect_backends(found.id, url=backend.url):
                    _log(f"disconnected from project {found.id}")
            except BaseException as exc:  # noqa: BLE001 - stopping must not fail on a dead server
                _log(f"could not disconnect from project {found.id}: {exc}")
