"""Benchmark: one feed's commitments evaluated after a collection, each alone (`evaluate` per
commitment, the baseline, same run) and with the feed's identical questions evaluated once
(monitor/shared_verdicts.py), on the shipped catalogue copied as the scaled catalogue copies it
(every copy reads the demo feed's same series). One JSON line per figure.

Run: python bench/bench_feed_evaluation.py [COPIES]   (default 8: about 2,000 commitments, the
commitments of one demo feed in bench/bench_scale.py)
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
import os
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import httpx  # noqa: E402

from collectors.base import FetchContext  # noqa: E402
from collectors.runner import collect  # noqa: E402
from monitor import migrations  # noqa: E402
from monitor.calendar import WorkCalendar  # noqa: E402
from monitor.evaluate import data_wanted, evaluate  # noqa: E402
from monitor.loader import load_catalogue  # noqa: E402
from monitor.service.demo.server import DemoServer  # noqa: E402
from monitor.shared_verdicts import evaluate_shared  # noqa: E402
from monitor.store import Store, make_engine  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
NOW = datetime(2026, 11, 30, 3, 0, tzinfo=timezone.utc)


def copies(catalogue, n: int):
    commitments = {}
    for k in range(n):
        for c in catalogue.commitments.values():
            document = c.document.model_copy(update={"id": f"{c.document.id}_{k}"})
            commitments[f"{c.id}_{k}"] = dataclasses.replace(c, id=f"{c.id}_{k}", document=document)
    return dataclasses.replace(catalogue, commitments=commitments)


def line(name: str, value: float, unit: str, **extra: object) -> None:
    print(json.dumps({"bench": name, "value": round(value, 5), "unit": unit} | extra, ensure_ascii=False), flush=True)


def main(n: int) -> None:
    shipped = load_catalogue(ROOT / "targets.yaml")
    calendar = WorkCalendar.from_spec(shipped.calendar)
    server = DemoServer(lambda: shipped, lambda: calendar, 42, clock=lambda: NOW).start()

    async def once():
        async with httpx.AsyncClient() as client:
            return await collect(shipped.feeds["demo"], FetchContext(client=client, now=NOW, timezone=calendar.timezone,
                                                                     demo_url=server.url))
    try:
        result = asyncio.run(once())
    finally:
        server.stop()
    with tempfile.TemporaryDirectory() as folder:
        engine = make_engine(f"sqlite:///{Path(folder) / 'bench.db'}")
        migrations.upgrade(engine)
        store = Store(engine)
        store.save_collection(result, shipped.feeds["demo"].accumulates_cases)
        catalogue = copies(shipped, n)
        commitments = catalogue.evaluated_commitments("demo")
        wanted = {c.id: data_wanted(c, NOW, calendar) for c in commitments}
        data = store.feed_data("demo", wanted.values(), catalogue.feeds["demo"].accumulates_cases)
        alone_s, shared_s = [], []
        for _ in range(3):
            t0 = time.perf_counter()
            alone = [evaluate(c, data[wanted[c.id]], NOW, calendar) for c in commitments]
            alone_s.append(time.perf_counter() - t0)
            t0 = time.perf_counter()
            shared = evaluate_shared(commitments, lambda c: data[wanted[c.id]], NOW, calendar)
            shared_s.append(time.perf_counter() - t0)
            assert shared == alone
        engine.dispose()
    line(f"feed_evaluation_{len(commitments)}_alone_s", min(alone_s), "s")
    line(f"feed_evaluation_{len(commitments)}_shared_s", min(shared_s), "s", baseline="alone",
         baseline_value=round(min(alone_s), 5), ratio=round(min(shared_s) / min(alone_s), 4),
         per_commitment_ms=round(1000 * min(shared_s) / len(commitments), 4))
    line("feed_evaluation_load_average_1min", os.getloadavg()[0], "runnable processes", cores=os.cpu_count())


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 8)
