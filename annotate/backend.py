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
import sys
import tempfile
import threading
import time
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from .config import detect_layout
from .export import annotated_page
from .tasks import PAGE_LAYOUTS, page_prediction, task_page

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 9090
"""Label Studio's examples run ML backends on 9090."""
RETRAIN_EVENTS = ("ANNOTATION_CREATED", "ANNOTATION_UPDATED")
MAX_BODY = 256 * 1024 * 1024


def _log(message):
    print(f"serve: {message}", file=sys.stderr, flush=True)


class LiveModel:
    """The model a backend serves; :meth:`swap` replaces it while requests keep coming.

    Parameters
    ----------
    sifter : linesift.Sifter
    retrainer : Retrainer, optional
        Told about every new annotation.
    """

    def __init__(self, sifter, retrainer=None):
        from linesift.features.memory import SiteMemory

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
        from linesift.features.memory import SiteMemory

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
        """One prediction per task, in order (see the module's docstring)."""
        sifter = self.sifter
        layout = detect_layout(label_config)
        pages = [task_page(task.get("data")) if layout in PAGE_LAYOUTS else None
                 for task in tasks]
        sifted = iter(sifter.sift_pages([page for page in pages if page is not None]))
        predictions = []
        for page in pages:
            if page is None or not page.nonblank_line_nos():
                if page is not None:
                    next(sifted)
                predictions.append({"result": [], "score": 0.0, "model_version": sifter.version})
            else:
                predictions.append(page_prediction(next(sifted), layout, sifter.version))
        self.predicted += len(tasks)
        return predictions

    def webhook(self, payload):
        """Note an event; count annotations towards retraining."""
        action = payload.get("action")
        project = (payload.get("project") or {}).get("id")
        task = (payload.get("task") or {}).get("id")
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
            self.server.retrieve_predictions(project_id)
        except Exception as exc:  # a failed round must not stop the backend
            self.errors.append(exc)
            _log(f"retraining failed: {type(exc).__name__}: {exc}")
        finally:
            with self._lock:
                self._busy = False

    def retrain(self, project_id):
        """Pull the project's labels, fit, save in a new folder and load it; the new model."""
        from linesift.sift import load

        from .pull import pull_labels

        self.rounds += 1
        out = self.out_dir / str(self.rounds)
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


class _Handler(BaseHTTPRequestHandler):
    server_version = "linesift-ml-backend"
    protocol_version = "HTTP/1.1"

    def log_message(self, format, *args):
        _log(f"{self.command} {self.path} -> {args[1] if len(args) > 1 else ''}")

    def do_GET(self):
        if self.path.split("?")[0].rstrip("/") in ("", "/health"):
            live = self.server.live
            self._answer(200, {"status": "UP", "model_class": "linesift",
                               "model_version": live.version})
        else:
            self._answer(404, {"error": f"no {self.path} here"})

    def do_POST(self):
        route = {"/setup": self._setup, "/predict": self._predict, "/webhook": self._webhook}
        handle = route.get(self.path.split("?")[0].rstrip("/"))
        try:
            length = int(self.headers.get("Content-Length") or 0)
            if length > MAX_BODY:
                raise ValueError(f"request of {length} bytes is too large")
            body = json.loads(self.rfile.read(length) or b"{}")
        except ValueError as exc:
            self._answer(400, {"error": f"bad request: {exc}"})
            return
        if handle is None:
            self._answer(404, {"error": f"no {self.path} here"})
            return
        try:
            self._answer(200, handle(body))
        except Exception as exc:
            _log(f"{self.path} failed: {type(exc).__name__}: {exc}")
            self._answer(500, {"error": f"{type(exc).__name__}: {exc}"})

    def _setup(self, body):
        return {"model_version": self.server.live.version}

    def _predict(self, body):
        tasks = body.get("tasks") or []
        return {"results": self.server.live.predict(tasks, body.get("label_config", ""))}

    def _webhook(self, body):
        self.server.live.webhook(body)
        return {"status": "ok"}

    def _answer(self, status, payload):
        data = json.dumps(payload, ensure_ascii=False).encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


class BackendServer(ThreadingHTTPServer):
    """The HTTP server of a :class:`LiveModel`; ``url`` is where Label Studio reaches it."""

    daemon_threads = True

    def __init__(self, live, host=DEFAULT_HOST, port=DEFAULT_PORT):
        super().__init__((host, port), _Handler)
        self.live = live
        self.url = f"http://{host}:{self.server_address[1]}"
        live.url = self.url

    def start(self):
        """Serve in a background thread; returns the thread."""
        thread = threading.Thread(target=self.serve_forever, daemon=True)
        thread.start()
        return thread

    def stop(self):
        self.shutdown()
        self.server_close()


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
    backend = BackendServer(live, host, port)
    thread = backend.start()
    _log(f"{sifter.version} listening on {backend.url}")
    try:
        if project is not None:
            found = server.get_project(project)
            server.connect_model(found.id, backend.url, sifter.version)
            _log(f"connected to project {found.title!r} (id {found.id}) on {server.url}")
        if ready is not None:
            ready(backend)
        while thread.is_alive():
            thread.join(0.5)
    except KeyboardInterrupt:
        _log("stopping")
    finally:
        backend.stop()
