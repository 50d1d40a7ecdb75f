"""Benchmark: does a healthy feed stay on schedule while the listener is hammered?

The real daemon collects a healthy 1-second feed from a local HTTP server while its catalogue of
~400 commitments makes /metrics large. Idle phase: nothing else happens. Load phase: 50 clients
scrape /metrics back to back and 30 more POST /-/reload back to back. The feed server records when
each collection arrives; the value is the mean gap between collections under load divided by the
mean gap when idle (1.0 = perfectly on schedule; target <= 1.5).

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


def gaps(times: list[float]) -> list[float]:
    return [b - a for a, b in zip(times, times[1:])]


def hammer(url: str, method: str, stop: threading.Event, latencies: list[float], errors: list[str]) -> None:
    with httpx.Client(timeout=30) as client:
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
        try:
            daemon.wait_until(lambda: len(arrivals) >= 3, timeout=30)
            metrics_bytes = len(httpx.get(daemon.url + "/metrics", timeout=30).content)
            start = len(arrivals)
            time.sleep(phase_seconds)
            idle = gaps(arrivals[start - 1:])
            stop, scrape_latency, reload_latency, errors = threading.Event(), [], [], []
            with ThreadPoolExecutor(SCRAPERS + RELOADERS) as pool:
                for _ in range(SCRAPERS):
                    pool.submit(hammer, daemon.url + "/metrics", "GET", stop, scrape_latency, errors)
                for _ in range(RELOADERS):
                    pool.submit(hammer, daemon.url + "/-/reload", "POST", stop, reload_latency, errors)
                start = len(arrivals)
                time.sleep(phase_seconds)
                loaded = gaps(arrivals[start - 1:])
                stop.set()
        finally:
            daemon.stop()
    idle_mean = statistics.mean(idle) if idle else float("nan")
    load_mean = statistics.mean(loaded) if loaded else float(phase_seconds)
    ratio = load_mean / idle_mean
    print(json.dumps({
        "bench": "collection_lateness_under_load", "value": round(ratio, 3), "unit": "x idle mean gap",
        "target": TARGET_RATIO, "ok": ratio <= TARGET_RATIO,
        "idle_mean_gap_s": round(idle_mean, 3), "load_mean_gap_s": round(load_mean, 3),
        "load_max_gap_s": round(max(loaded, default=phase_seconds), 3), "collections_under_load": len(loaded),
        "scrapes": len(scrape_latency), "metrics_bytes": metrics_bytes,
        "scrape_p99_s": round(statistics.quantiles(scrape_latency, n=100)[98], 3) if len(scrape_latency) > 100 else None,
        "reload_requests": len(reload_latency), "errors": len(errors),
    }), flush=True)


if __name__ == "__main__":
    main(*(float(a) for a in sys.argv[1:2]))
