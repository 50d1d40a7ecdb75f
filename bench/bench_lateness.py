"""Benchmark: does a healthy feed stay on schedule while the listener is hammered?

The real daemon collects a healthy 1-second feed from a local HTTP server while its catalogue of
~400 commitments makes /metrics large (~740 kB). Idle phase: nothing else happens. Load phase:
50 clients scrape /metrics back to back and 30 more POST /-/reload back to back. The feed server records when
each collection arrives; the value is the effective collection period under 50 scrapes plus the
reload storm divided by the idle one (1.0 = perfectly on schedule; target <= 1.5). A middle phase
with the scrapes alone is reported too.

Run: python bench/bench_lateness.py [SECONDS_PER_PHASE]. Prints one JSON line.
"""

from __future__ import annotations

import json
import statistics
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import httpx  # noqa: E402

from tests.collectors.feed_server import FeedServer  # noqa: E402
from tests.faults.harness import catalogue_yaml, commitment_yaml, daemon_for, feed_yaml  # noqa: E402

TARGET_RATIO = 1.5
SCRAPERS, RELOADERS = 50, 30
BULK_COMMITMENTS = 400


def p99(latencies: list[float]) -> float | None:
    return round(statistics.quantiles(latencies, n=100)[98], 3) if len(latencies) > 100 else None


def hammer(url: str, method: str, stop: threading.Event, latencies: list[float], errors: list[str],
           headers: dict[str, str] | None = None) -> None:
    with httpx.Client(timeout=30, headers=headers) as client:
        while not stop.is_set():
            started = time.perf_counter()
            try:
                reply = client.request(method, url)
                if reply.status_code >= 500 and reply.status_code != 503:
                    errors.append(str(reply.status_code))
            except httpx.HTTPError as exc:
                errors.append(type(exc).__name__)
            latencies.append(time.perf_counter() - started)


def main(phase_seconds: float = 15.0) -> None:
    arrivals: list[float] = []
    with FeedServer() as server, tempfile.TemporaryDirectory() as folder:
        def healthy(handler, query) -> None:
            arrivals.append(time.monotonic())
            handler.answer(200, b'{"stats": {"online_rate": 95}}', "application/json")
        server.routes["/healthy"] = healthy
        server.routes["/bulk"] = lambda handler, query: handler.answer(200, b'{"stats": {"online_rate": 80}}',
                                                                      "application/json")
        bulk = "".join(commitment_yaml(f"bulk_{i}", "bulk", i) for i in range(BULK_COMMITMENTS))
        text = catalogue_yaml([feed_yaml("healthy", server.url + "/healthy"),
                               feed_yaml("bulk", server.url + "/bulk", interval="1h")], extra_commitments=bulk)
        daemon = daemon_for(Path(folder), text).start()

        def phase(scrapers: int, reloaders: int) -> dict:
            stop, scrapes, reloads, errors = threading.Event(), [], [], []
            with ThreadPoolExecutor(max(1, scrapers + reloaders)) as pool:
                for _ in range(scrapers):
                    pool.submit(hammer, daemon.url + "/metrics", "GET", stop, scrapes, errors)
                for _ in range(reloaders):
                    pool.submit(hammer, daemon.url + "/-/reload", "POST", stop, reloads, errors, daemon.admin_headers())
                began = time.monotonic()
                time.sleep(phase_seconds)
                collections = sum(began <= t < began + phase_seconds for t in arrivals)
                stop.set()
            return {"collections": collections, "scrapes": len(scrapes), "scrape_p99_s": p99(scrapes),
                    "reloads": len(reloads), "errors": len(errors)}

        try:
            daemon.wait_until(lambda: len(arrivals) >= 3, timeout=30)
            metrics_bytes = len(httpx.get(daemon.url + "/metrics", timeout=30).content)
            idle = phase(0, 0)
            scraped = phase(SCRAPERS, 0)
            stormed = phase(SCRAPERS, RELOADERS)
        finally:
            daemon.stop()
    # lateness as a ratio: the effective collection period under load over the idle one
    ratio = idle["collections"] / max(stormed["collections"], 1)
    print(json.dumps({
        "bench": "collection_lateness_under_load", "value": round(ratio, 3), "unit": "x idle period",
        "target": TARGET_RATIO, "ok": ratio <= TARGET_RATIO, "metrics_bytes": metrics_bytes,
        "scrapes_only_ratio": round(idle["collections"] / max(scraped["collections"], 1), 3),
        "idle": idle, "scrapes_only": scraped, "scrapes_and_reload_storm": stormed,
    }), flush=True)


if __name__ == "__main__":
    main(*(float(a) for a in sys.argv[1:2]))
