"""Commitments that ask the same of the same data are evaluated once per feed, and each gets exactly
the verdict evaluating it alone gives."""

from __future__ import annotations

import asyncio
import dataclasses
from datetime import UTC, datetime

import httpx

from collectors.base import FetchContext
from collectors.runner import collect
from monitor import feed_batch, migrations, shared_verdicts
from monitor.calendar import WorkCalendar
from monitor.evaluate import data_wanted, evaluate
from monitor.service.demo.server import DemoServer
from monitor.store import Store, make_engine

NOW = datetime(2026, 11, 30, 3, 0, tzinfo=UTC)


def _copies(catalogue, n: int):
    """The catalogue's commitments n times under other ids and documents (same jurisdictions), one feed."""
    commitments = dict(catalogue.commitments)
    for k in range(1, n):
        for c in catalogue.commitments.values():
            document = c.document.model_copy(update={"id": f"{c.document.id}_{k}"})
            commitments[f"{c.id}_{k}"] = dataclasses.replace(c, id=f"{c.id}_{k}", document=document,
                                                             quote=f"{c.quote} ({k})")
    return dataclasses.replace(catalogue, commitments=commitments)


def _stored_demo(catalogue, calendar, tmp_path) -> Store:
    server = DemoServer(lambda: catalogue, lambda: calendar, 42, clock=lambda: NOW).start()

    async def once():
        async with httpx.AsyncClient() as client:
            return await collect(catalogue.feeds["demo"], FetchContext(client=client, now=NOW,
                                                                       timezone=calendar.timezone, demo_url=server.url))
    try:
        result = asyncio.run(once())
    finally:
        server.stop()
    assert result.ok, result.error
    engine = make_engine(f"sqlite:///{tmp_path / 'shared.db'}")
    migrations.upgrade(engine)
    store = Store(engine)
    store.save_collection(result, catalogue.feeds["demo"].accumulates_cases)
    return store


def test_copies_of_a_commitment_are_evaluated_once_each_getting_its_own_exact_verdict(shipped_on_demo, tmp_path,
                                                                                      monkeypatch):
    calendar = WorkCalendar.from_spec(shipped_on_demo.calendar)
    store = _stored_demo(shipped_on_demo, calendar, tmp_path)
    catalogue = _copies(shipped_on_demo, 3)
    commitments = catalogue.evaluated_commitments("demo")
    wanted = {c.id: data_wanted(c, NOW, calendar) for c in commitments}
    data = store.feed_data("demo", wanted.values(), catalogue.feeds["demo"].accumulates_cases)
    alone = [evaluate(c, data[wanted[c.id]], NOW, calendar) for c in commitments]
    calls: list[str] = []
    counted = feed_batch.evaluate_all

    def counting(pairs, *args):
        calls.extend(c.id for c, _ in pairs)
        return counted(pairs, *args)
    monkeypatch.setattr(shared_verdicts, "evaluate_all", counting)
    shared = shared_verdicts.evaluate_shared(commitments, lambda c: data[wanted[c.id]], NOW, calendar)
    assert shared == alone
    assert len(calls) <= len(commitments) // 3 and {e.status for e in shared} >= {"met", "missed"}


def test_commitments_differing_in_what_they_ask_are_not_shared(shipped_on_demo, tmp_path):
    calendar = WorkCalendar.from_spec(shipped_on_demo.calendar)
    store = _stored_demo(shipped_on_demo, calendar, tmp_path)
    c = next(c for c in shipped_on_demo.evaluated_commitments("demo") if c.kind == "case_duration")
    stricter = dataclasses.replace(c, id=c.id + "_strict", value=c.value / 100)
    elsewhere = dataclasses.replace(c, id=c.id + "_elsewhere",
                                    document=c.document.model_copy(update={"jurisdiction": "另一个区"}))
    assert len({shared_verdicts.verdict_inputs(x) for x in (c, stricter, elsewhere)}) == 3
    wanted = data_wanted(c, NOW, calendar)
    data = store.feed_data("demo", [wanted])[wanted]
    verdicts = shared_verdicts.evaluate_shared([c, stricter], lambda _: data, NOW, calendar)
    assert verdicts == [evaluate(c, data, NOW, calendar), evaluate(stricter, data, NOW, calendar)]
    assert verdicts[0].reason != verdicts[1].reason   # each states its own limit: not a copy
