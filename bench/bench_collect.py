"""Benchmark: per-case records served as CSV and as JSON over loopback, fetched, parsed and
evaluated against a working-day limit, at 100,000 and 1,000,000 rows to show how the cost grows.
Every CSV figure is also given as a ratio to a baseline measured in the same run on the same bytes:
the standard library's csv module reading them into rows of text (no times parsed, nothing evaluated).

The JSON path is the http_json collector's (`json_series`): the records decoded straight into case
columns by Arrow's JSON reader, or msgspec, or json.loads (each JSON line names the reader used).

The anchor (issue 25): DuckDB reading the same CSV from a file and computing every case's duration
and the share within the limit (`collect_duckdb_{n}_csv_durations`, best of the runs); our CSV and
JSON paths, parse and fetch-to-verdict, are given as ratios to it (`*_vs_duckdb`). DuckDB is a
benchmark-only dependency (`pip install -e '.[bench]'`, which `make bench` does); without it the
anchor lines say they were skipped.

Run: python bench/bench_collect.py [N ...]. Prints one JSON line per measurement.
"""

from __future__ import annotations

import asyncio
import csv
import io
import json
import os
import sys
import tempfile
import threading
import time
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import httpx  # noqa: E402
import numpy as np  # noqa: E402

from collectors.base import FetchContext  # noqa: E402
from collectors.http import fetch_body  # noqa: E402
from collectors.http_csv import csv_series  # noqa: E402
from collectors.http_json import json_series  # noqa: E402
from collectors.json_records import read_with_arrow, read_with_msgspec, record_tables  # noqa: E402
from monitor.calendar import WorkCalendar  # noqa: E402
from monitor.evaluate import evaluate  # noqa: E402
from monitor.loader import load_catalogue  # noqa: E402
from monitor.observations import MeasureData  # noqa: E402

LIMIT_DAYS = 5
TARGETS = f"""\
version: 1
documents:
  - {{id: doc2024, source: plan.txt, title: 方案, jurisdiction: 重庆市渝中区, issuer: 区政府办公室,
     issued: 2024-03-01, period: {{start: 2024-01-01, end: 2024-12-31}}}}
agencies:
  - {{id: doc2024.gov, name: 区政务服务中心, jurisdiction: 重庆市渝中区}}
feeds:
  - id: cases
    kind: http_csv
    url: http://127.0.0.1/cases.csv
    max_bytes: 500000000
    timeout: 60s
    columns: {{编号: id, 受理时间: submitted, 办结时间: completed}}
    series: [{{name: setup, type: cases}}]
  - id: cases_json
    kind: http_json
    url: http://127.0.0.1/cases.json
    max_bytes: 500000000
    timeout: 60s
    series: [{{name: setup, type: cases, records: data, id_field: 编号, submitted: 受理时间, completed: 办结时间}}]
commitments:
  - id: doc2024.setup
    document: doc2024
    clause: "1."
    quote: 办结
    measured: {{zh: 办结时间, en: time to complete}}
    agency: doc2024.gov
    kind: case_duration
    op: "<="
    value: {LIMIT_DAYS}
    unit: 个工作日
    measure: {{feed: cases, series: setup, window: 90d, aggregate: share_within, min_share: 90}}
"""
NOW = datetime.fromisoformat("2024-06-28T18:00:00+08:00")
PARSE_TARGET_S, VERDICT_TARGET_S = 0.5, 1.2     # at 1,000,000 rows on a 2-core machine


def make_csv(n: int) -> bytes:
    rng = np.random.default_rng(7)
    start = np.datetime64("2024-04-01T08:30:00") + rng.integers(0, 85 * 86400, n).astype("timedelta64[s]")
    end = start + rng.integers(3600, 12 * 86400, n).astype("timedelta64[s]")
    ids = np.char.add("C", np.arange(n).astype(str))
    fmt = lambda a: np.char.replace(a.astype(str), "T", " ")  # noqa: E731
    rows = np.char.add(np.char.add(np.char.add(np.char.add(ids, ","), fmt(start)), ","), fmt(end))
    body = "编号,受理时间,办结时间,事项,区县\n" + ",企业开办,渝中区\n".join(rows.tolist()) + ",企业开办,渝中区\n"
    return body.encode("utf-8")


def as_json(payload: bytes) -> bytes:
    """The same cases as a JSON document: {"data": [{"编号": ..., "受理时间": ..., "办结时间": ...}, ...]}."""
    lines = payload.decode("utf-8").splitlines()
    header = lines[0].split(",")
    return json.dumps({"data": [dict(zip(header, line.split(","))) for line in lines[1:]]},
                      ensure_ascii=False).encode("utf-8")


def serve(payload: bytes, content_type: str = "text/csv; charset=utf-8",
          name: str = "cases.csv") -> tuple[ThreadingHTTPServer, str]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args) -> None:
            pass

        def do_GET(self) -> None:  # noqa: N802
            self.send_response(200)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}/{name}"


def ours(feed, url: str, commitment, calendar: WorkCalendar) -> dict[str, float]:
    async def fetch():
        async with httpx.AsyncClient() as client:
            context = FetchContext(client=client, now=NOW, timezone=calendar.timezone)
            t0 = time.perf_counter()
            body = await fetch_body(context, url, feed_id=feed.id, timeout=60, retries=0, max_bytes=feed.max_bytes)
            return context, body, time.perf_counter() - t0
    context, body, fetch_s = asyncio.run(fetch())
    t0 = time.perf_counter()
    extracted = csv_series(feed, body.content, body.charset, context)
    parse_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    verdict = evaluate(commitment, MeasureData(cases=extracted.cases[0]), NOW, calendar)
    evaluate_s = time.perf_counter() - t0
    rows = extracted.accepted + sum(extracted.rejected.values())
    assert rows == body.content.count(b"\n") - 1 and set(extracted.rejected) <= {"time_in_future"}, extracted.rejected
    assert verdict.cases, verdict
    return {"fetch": fetch_s, "parse": parse_s, "evaluate": evaluate_s,
            "fetch_to_verdict": fetch_s + parse_s + evaluate_s}


def ours_json(feed, url: str, commitment, calendar: WorkCalendar) -> dict[str, float]:
    """Our JSON path: fetch, the records decoded into case columns (the collector's json_series), evaluate."""
    async def fetch():
        async with httpx.AsyncClient() as client:
            context = FetchContext(client=client, now=NOW, timezone=calendar.timezone)
            t0 = time.perf_counter()
            body = await fetch_body(context, url, feed_id=feed.id, timeout=60, retries=0, max_bytes=feed.max_bytes)
            return context, body, time.perf_counter() - t0
    context, body, fetch_s = asyncio.run(fetch())
    t0 = time.perf_counter()
    extracted = json_series(feed.series, body, NOW, context.timezone)
    parse_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    verdict = evaluate(commitment, MeasureData(cases=extracted.cases[0]), NOW, calendar)
    evaluate_s = time.perf_counter() - t0
    rows = extracted.accepted + sum(extracted.rejected.values())
    assert rows == body.content.count(b'}, {') + 1 and set(extracted.rejected) <= {"time_in_future"}, extracted.rejected
    assert verdict.cases, verdict
    return {"fetch": fetch_s, "parse": parse_s, "evaluate": evaluate_s,
            "fetch_to_verdict": fetch_s + parse_s + evaluate_s}


def json_reader(series, payload: bytes) -> str:
    """Which of json_records' readers reads the payload (the first that does is the one used)."""
    for reader in (read_with_arrow, read_with_msgspec):
        if record_tables(series, payload, readers=[reader]) is not None:
            return reader.__name__
    return "json.loads"


def duckdb_anchor(payload: bytes, folder: Path) -> float | None:
    """DuckDB reading the CSV from a file and computing each case's duration and the share within the
    limit (elapsed days; our path counts working days, which costs us more). None without duckdb."""
    try:
        import duckdb
    except ImportError:
        return None
    path = folder / "cases.csv"
    path.write_bytes(payload)
    connection = duckdb.connect()
    query = f"""SELECT count(*), avg(CASE WHEN epoch(办结时间 - 受理时间) <= {LIMIT_DAYS} * 86400 THEN 1 ELSE 0 END)
                FROM read_csv('{path}', header = true, timestampformat = '%Y-%m-%d %H:%M:%S')"""
    t0 = time.perf_counter()
    rows, share = connection.execute(query).fetchone()
    elapsed = time.perf_counter() - t0
    assert rows == payload.count(b"\n") - 1 and 0 < share <= 1, (rows, share)
    connection.close()
    return elapsed


def csv_module(payload: bytes) -> float:
    """The baseline: the standard library's csv module reading the same bytes into rows of text."""
    t0 = time.perf_counter()
    rows = list(csv.reader(io.StringIO(payload.decode("utf-8"), newline="")))
    elapsed = time.perf_counter() - t0
    assert len(rows) == payload.count(b"\n")
    return elapsed


def line(name: str, value: float, unit: str, base: float | None = None, **extra: object) -> None:
    record: dict[str, object] = {"bench": name, "value": round(value, 4), "unit": unit}
    if base is not None:
        record |= {"baseline": "csv_module_read", "baseline_value": round(base, 4), "ratio": round(value / base, 4)}
    print(json.dumps(record | extra), flush=True)


def measure(n: int, catalogue, calendar: WorkCalendar, repeats: int = 5) -> None:
    """Best of `repeats` runs of our paths, of the baseline and of the anchor, all on the same cases."""
    payload = make_csv(n)
    server, url = serve(payload)
    try:
        feed = catalogue.feeds["cases"].model_copy(update={"url": url})
        runs = [ours(feed, url, catalogue.commitments["doc2024.setup"], calendar) for _ in range(repeats)]
    finally:
        server.shutdown()
        server.server_close()
    json_payload = as_json(payload)
    server, url = serve(json_payload, "application/json", "cases.json")
    try:
        feed = catalogue.feeds["cases_json"].model_copy(update={"url": url})
        json_runs = [ours_json(feed, url, catalogue.commitments["doc2024.setup"], calendar) for _ in range(repeats)]
    finally:
        server.shutdown()
        server.server_close()
    base = min(csv_module(payload) for _ in range(repeats))
    with tempfile.TemporaryDirectory() as folder:
        anchors = [duckdb_anchor(payload, Path(folder)) for _ in range(repeats)]
    anchor = None if anchors[0] is None else min(a for a in anchors if a is not None)
    best = {part: min(r[part] for r in runs) for part in runs[0]}
    best_json = {part: min(r[part] for r in json_runs) for part in json_runs[0]}
    targets = {"parse": PARSE_TARGET_S, "fetch_to_verdict": VERDICT_TARGET_S} if n == 1_000_000 else {}
    for part in ("fetch", "parse", "evaluate", "fetch_to_verdict"):
        extra = {"target": targets[part]} if part in targets else {}
        line(f"collect_csv_{n}_cases_{part}", best[part], "s", base, **extra)
    line(f"collect_csv_{n}_cases_bytes", len(payload), "bytes")
    reader = json_reader(catalogue.feeds["cases_json"].series, json_payload)
    for part in ("fetch", "parse", "evaluate", "fetch_to_verdict"):
        line(f"collect_json_{n}_cases_{part}", best_json[part], "s", reader=reader)
    line(f"collect_json_{n}_cases_bytes", len(json_payload), "bytes")
    if anchor is None:
        print(json.dumps({"bench": f"collect_duckdb_{n}_csv_durations", "skipped":
                          "duckdb is not installed: pip install -e '.[bench]' (make bench does)"}), flush=True)
        return
    line(f"collect_duckdb_{n}_csv_durations", anchor, "s", meaning="DuckDB: read the CSV file, durations, share within")
    for path, figures in (("csv", best), ("json", best_json)):
        for part in ("parse", "fetch_to_verdict"):
            line(f"collect_{path}_{n}_cases_{part}_vs_duckdb", figures[part] / anchor, "ratio",
                 anchor=f"collect_duckdb_{n}_csv_durations", **({"target": 1.5} if part == "fetch_to_verdict" else {}))


def main(sizes: list[int]) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "targets.yaml"
        path.write_text(TARGETS, encoding="utf-8")
        (Path(folder) / "plan.txt").write_text("方案\n1. 企业开办5个工作日内办结。\n", encoding="utf-8")
        catalogue = load_catalogue(path)
    calendar = WorkCalendar.from_spec(catalogue.calendar)
    for n in sizes:
        measure(n, catalogue, calendar)
    # other work on the machine slows every figure alike; the ratios are what compare across runs
    line("collect_csv_load_average_1min", os.getloadavg()[0], "runnable processes", cores=os.cpu_count())


if __name__ == "__main__":
    main([int(a) for a in sys.argv[1:]] or [100_000, 1_000_000])
