"""`linesift annotate serve` under load: 50 /predict requests at once, as Label Studio sends
them when a task list opens, each asking for one page task; latency percentiles and failures.

The backend runs in this process (the shipped default model, its thread pool and listen
backlog as `linesift annotate serve` has them), the clients in a pool of threads.

    python bench/serve.py                    # 50 parallel requests, 3 rounds
    python bench/serve.py --clients 100 --rounds 5

It also times one request at a time for a page of about 200 lines (the first such page of
dragnet): the latency an annotator opening a task waits for.
"""

import argparse
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np

from common import ROOT, SHARED_DATA, print_table

import linesift
from linesift.annotate.backend import BackendServer, LiveModel
from linesift.annotate.config import RUNS_CONFIG
from linesift.annotate.tasks import page_tasks
from linesift.formats import read_pages


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--sequential", type=int, default=100,
                        help="requests made one at a time for the ~200-line page")
    args = parser.parse_args()
    import httpx

    page = next(iter(read_pages([str(ROOT / "examples" / "doingbuzz-fr.txt")])))
    (task,) = page_tasks(page, "runs")
    body = {"tasks": [{"id": 1, **task}], "label_config": RUNS_CONFIG}
    server = BackendServer(LiveModel(linesift.load()), port=0)
    server.start()
    rows = []
    try:
        httpx.post(f"{server.url}/predict", json=body, timeout=60)  # warm: imports, model

        def ask(_):
            start = time.perf_counter()
            try:
                status = httpx.post(f"{server.url}/predict", json=body, timeout=120).status_code
            except httpx.HTTPError as exc:
                status = type(exc).__name__
            return status, time.perf_counter() - start

        for r in range(args.rounds):
            with ThreadPoolExecutor(args.clients) as pool:
                started = time.perf_counter()
                answers = list(pool.map(ask, range(args.clients)))
                wall = time.perf_counter() - started
            seconds = np.array([s for _, s in answers])
            failed = sum(status != 200 for status, _ in answers)
            rows.append({"round": r + 1, "requests": args.clients, "failed": failed,
                         "p50 s": float(np.percentile(seconds, 50)),
                         "p99 s": float(np.percentile(seconds, 99)),
                         "all answered in s": wall,
                         "requests/s": args.clients / wall})
        one = _one_at_a_time(server.url, httpx, args.sequential)
    finally:
        server.stop()
    print_table(rows, list(rows[0]))
    print(f"\none request at a time, a {one['lines']}-line page, {args.sequential} requests: "
          f"p50 {one['p50'] * 1000:.1f} ms, p90 {one['p90'] * 1000:.1f} ms")
    print(f"\none page of {len(page.lines)} lines per request, the shipped model, "
          f"{Path(ROOT / 'examples' / 'doingbuzz-fr.txt').name}")


def _one_at_a_time(url, httpx, n):
    """p50 and p90 seconds of `n` /predict requests made one after the other, each for one
    page of 180 to 220 lines."""
    page = next(p for p in read_pages([str(SHARED_DATA / "dragnet.jsonl.gz")])
                if 180 <= sum(1 for line in p.lines if line.strip()) <= 220)
    (task,) = page_tasks(page, "runs")
    body = {"tasks": [{"id": 1, **task}], "label_config": RUNS_CONFIG}
    with httpx.Client(timeout=60) as client:
        client.post(f"{url}/predict", json=body)
        seconds = []
        for _ in range(n):
            start = time.perf_counter()
            assert client.post(f"{url}/predict", json=body).status_code == 200
            seconds.append(time.perf_counter() - start)
    return {"lines": sum(1 for line in page.lines if line.strip()),
            "p50": float(np.percentile(seconds, 50)), "p90": float(np.percentile(seconds, 90))}


if __name__ == "__main__":
    main()
