"""Benchmark: one feed's commitments evaluated after a collection, each alone (`evaluate` per
commitment, the baseline, same run) and with the feed's identical questions evaluated once
(monitor/shared_verdicts.py), on the shipped catalogue copied as the scaled catalogue copies it
(every copy reads the demo feed's same series). Then a feed of distinct series (a province's feed
with a series per county: no two commitments ask the same question, so sharing cannot help), per-case
commitments of about 100 cases each (tests/synthetic_case_feed.py): each alone against the feed batch
(monitor/feed_batch.py), at each size given; `varied` adds empty, stale and erring series and
suspended time. The heap is settled first as the daemon settles it (monitor/service/heap.py: what
is loaded frozen, young collections every 50,000 allocations). Every batch is checked equal to the
verdicts alone. One JSON line per figure.

Run: python bench/bench_feed_evaluation.py [COPIES [SIZE...]]   (default 8: about 2,000 commitments,
the commitments of one demo feed in bench/bench_scale.py; sizes 2000 20000)
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
import os
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import httpx  # noqa: E402

from collectors.base import FetchContext  # noqa: E402
from collectors.runner import collect  # noqa: E402
from monitor import migrations  # noqa: E402
from monitor.calendar import WorkCalendar  # noqa: E402
from monitor.evaluate import data_wanted, evaluate  # noqa: E402
from monitor.feed_batch import evaluate_all  # noqa: E402
from monitor.loader import load_catalogue  # noqa: E402
from monitor.service import heap  # noqa: E402
from monitor.service.demo.server import DemoServer  # noqa: E402
from monitor.shared_verdicts import evaluate_shared  # noqa: E402
from monitor.store import Store, make_engine  # noqa: E402
from tests.conftest import on_demo_feed  # noqa: E402
from tests.synthetic_case_feed import data_of, distinct_feed  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
NOW = datetime(2026, 11, 30, 3, 0, tzinfo=UTC)


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
    # the shipped catalogue reads agencies' files and reports: measured here on one demo feed, as the tests do
    shipped = on_demo_feed(load_catalogue(ROOT / "targets.yaml"))
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


def distinct(size: int, varied: bool, runs: int = 3) -> None:
    """A feed of `size` distinct per-case commitments: each alone, then the feed batch."""
    shipped = load_catalogue(ROOT / "targets.yaml")
    calendar = WorkCalendar.from_spec(shipped.calendar)
    commitments, data = distinct_feed(shipped, size, NOW, variety=varied)
    pairs = [(c, data_of(data)(c)) for c in commitments]
    heap.settle()   # as the daemon does after loading: the catalogue and data frozen, young collections rarer
    alone_s, batch_s, alone_cpu, batch_cpu = [], [], [], []
    for _ in range(runs):
        t0, c0 = time.perf_counter(), time.process_time()
        alone = [evaluate(c, d, NOW, calendar) for c, d in pairs]
        alone_s.append(time.perf_counter() - t0)
        alone_cpu.append(time.process_time() - c0)
        t0, c0 = time.perf_counter(), time.process_time()
        batch = evaluate_all(pairs, NOW, calendar)
        batch_s.append(time.perf_counter() - t0)
        batch_cpu.append(time.process_time() - c0)
        assert batch == alone
        del alone, batch
    name = f"feed_evaluation_distinct_{'varied_' if varied else ''}{size}"
    cases = sum(len(d.cases) for _, d in pairs if d.cases is not None)
    # the CPU seconds too: on a shared machine the wall clock also counts other processes' turns
    line(f"{name}_alone_s", min(alone_s), "s", cases=cases, cpu_s=round(min(alone_cpu), 5),
         per_commitment_ms=round(1000 * min(alone_s) / size, 4))
    line(f"{name}_batch_s", min(batch_s), "s", baseline="alone", baseline_value=round(min(alone_s), 5),
         ratio=round(min(batch_s) / min(alone_s), 4), speedup=round(min(alone_s) / min(batch_s), 2),
         cpu_s=round(min(batch_cpu), 5), cpu_speedup=round(min(alone_cpu) / min(batch_cpu), 2),
         per_commitment_ms=round(1000 * min(batch_s) / size, 4))


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 8)
    for size in [int(a) for a in sys.argv[2:]] or [2000, 20000]:
        distinct(size, varied=False, runs=5 if size <= 5000 else 3)
    distinct(2000, varied=True)
    line("feed_evaluation_load_average_1min", os.getloadavg()[0], "runnable processes", cores=os.cpu_count())
