"""`monitor evaluate [--config FILE] [--at TIME] [--json]`: collect every feed once, read-only (as
`monitor collect --dry-run`: nothing stored, moved or sent), and print every commitment's verdict
as of TIME. Editors check a new commitment against its feed before reloading; reviewers check a
reading at a chosen instant.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
from collections import defaultdict
from dataclasses import replace
from datetime import UTC, date, datetime, time
from typing import Any

import httpx

from collectors.base import FetchContext
from collectors.runner import collect
from monitor.calendar import WorkCalendar
from monitor.evaluate import Evaluation, evaluate
from monitor.loader import TARGETS_HELP, load_or_report
from monitor.model import Catalogue
from monitor.observations import CaseRecords, CollectionResult, MeasureData, ValuePoint
from monitor.service.demo.server import DemoServer
from monitor.service.settings import Settings
from monitor.store import evaluation_dict


def add_evaluate_command(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "evaluate", help="collect every feed once (read-only) and print every verdict as of a time")
    parser.add_argument("--config", help=TARGETS_HELP)
    parser.add_argument("--at", type=parse_instant, default=None, metavar="TIME",
                        help="ISO date or time; without a zone, the calendar's (default: now)")
    parser.add_argument("--json", action="store_true", help="a JSON array instead of a table")
    parser.set_defaults(func=run_evaluate_command)


def parse_instant(text: str) -> datetime:
    """An ISO date (the start of that day) or date-time, aware or local to the calendar's zone."""
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        pass
    try:
        return datetime.combine(date.fromisoformat(text), time.min)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"not an ISO date or time: {text!r}") from exc


def series_data(results: dict[str, CollectionResult]) -> dict[tuple[str, str], MeasureData]:
    """Each (feed, series) collected, as the evaluator reads it: one pass over every result."""
    values: dict[tuple[str, str], list[ValuePoint]] = defaultdict(list)
    batches: dict[tuple[str, str], list[CaseRecords]] = defaultdict(list)
    for feed, result in results.items():
        for point in result.values:
            values[(feed, point.series)].append(point)
        for batch in result.cases:
            batches[(feed, batch.series)].append(batch)
    return {key: MeasureData(values=tuple(sorted(values.get(key, ()), key=lambda v: v.data_time)),
                             cases=CaseRecords.join(batches[key]) if key in batches else None)
            for key in values.keys() | batches.keys()}


async def collect_all(catalogue: Catalogue, calendar: WorkCalendar, now: datetime,
                      demo_url: str | None) -> dict[str, CollectionResult]:
    """Every feed that an evaluated commitment reads, fetched once, concurrently, with nothing stored."""
    wanted = sorted({c.measure.feed for c in catalogue.evaluated_commitments()} & set(catalogue.feeds))
    async with httpx.AsyncClient() as client:
        context = FetchContext(client=client, now=now, timezone=calendar.timezone, env=dict(os.environ),
                               demo_url=demo_url, dry_run=True, catalogue=catalogue)
        results = await asyncio.gather(*(collect(catalogue.feeds[f], context) for f in wanted))
    return dict(zip(wanted, results))


def evaluate_all(catalogue: Catalogue, calendar: WorkCalendar, results: dict[str, CollectionResult],
                 now: datetime) -> list[Evaluation]:
    verdicts = []
    data = series_data(results)
    for c in catalogue.evaluated_commitments():
        evaluation = evaluate(c, data.get((c.measure.feed, c.measure.series), MeasureData()), now, calendar)
        result = results.get(c.measure.feed)
        if result is not None and not result.ok and evaluation.status == "no_data":
            evaluation = replace(evaluation, reason=f"{evaluation.reason}; the collection failed "
                                                    f"({result.error_category}: {result.error})")
        verdicts.append(evaluation)
    return verdicts


def _needs_demo_server(catalogue: Catalogue) -> bool:
    return any(f.kind == "demo" and getattr(f, "url", None) is None for f in catalogue.feeds.values())


def run_evaluate_command(args: argparse.Namespace) -> int:
    catalogue = load_or_report(args.config)
    if catalogue is None:
        return 2
    calendar = WorkCalendar.from_spec(catalogue.calendar)
    now = args.at or datetime.now(UTC)
    if now.tzinfo is None:
        now = now.replace(tzinfo=calendar.timezone)
    demo = (DemoServer(lambda: catalogue, lambda: calendar, Settings().demo_seed, clock=lambda: now)
            if _needs_demo_server(catalogue) else None)
    if demo is not None:
        demo.start()
    try:
        results = asyncio.run(collect_all(catalogue, calendar, now, demo.url if demo else None))
    finally:
        if demo is not None:
            demo.stop()
    verdicts = evaluate_all(catalogue, calendar, results, now)
    failed = sorted(f for f, r in results.items() if not r.ok)
    if args.json:
        print(json.dumps([_row(e) for e in verdicts], ensure_ascii=False, indent=1))
    else:
        _print_table(verdicts, now)
    for feed in failed:
        print(f"feed {feed} failed: {results[feed].error_category}: {results[feed].error}", file=sys.stderr)
    return 1 if failed else 0


def _row(evaluation: Evaluation) -> dict[str, Any]:
    row = evaluation_dict(evaluation)
    row["duration_quantiles"] = [list(q) for q in evaluation.duration_quantiles]
    return row


def _print_table(verdicts: list[Evaluation], now: datetime) -> None:
    counts: dict[str, int] = {}
    for e in verdicts:
        counts[e.status] = counts.get(e.status, 0) + 1
        actual = "-" if e.actual is None else f"{e.actual:.4g}"
        target = "-" if e.target is None else f"{e.op or ''} {e.target:.4g}"
        marks = ("S" if e.settled_on else " ") + ("P" if e.provisional else " ")
        print(f"{e.commitment:<60} {e.status:<8} {marks} {actual:>10} {target:>12}  {e.reason}")
    summary = ", ".join(f"{n} {s}" for s, n in sorted(counts.items()))
    print(f"{len(verdicts)} commitments as of {now.isoformat()}: {summary} (S settled, P provisional)")
