"""`monitor collect FEED [--dry-run]`: fetch one feed once and show what would be stored."""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import httpx
import numpy as np

from collectors.base import FetchContext
from collectors.runner import collect
from monitor.calendar import WorkCalendar
from monitor.loader import TARGETS_HELP, catalogue_path, load_or_report
from monitor.model import Catalogue
from monitor.observations import CollectionResult
from monitor.spec.feeds import FeedBase
from monitor.store import Store

SHOWN_POINTS = 20


def add_collect_command(subparsers: argparse._SubParsersAction[argparse.ArgumentParser], open_store: Callable[[str | None], Store]) -> None:
    """`monitor collect`; `open_store(url)` gives the store to keep a result in (the service passes it:
    None means the database the settings name)."""
    parser = subparsers.add_parser("collect", help="fetch one feed once; with --dry-run, print what would be stored")
    parser.add_argument("feed", metavar="FEED", help="the feed id in targets.yaml")
    parser.add_argument("--dry-run", action="store_true", help="print, do not store (a file feed moves nothing)")
    parser.add_argument("--config", help=TARGETS_HELP)
    parser.add_argument("--database-url", default=None,
                        help="store here when not a dry run (default: MONITOR_DATABASE_URL or the settings' default)")
    parser.set_defaults(func=run_collect_command, open_store=open_store)


def summarise(result: CollectionResult) -> dict[str, Any]:
    """What a collection would store, as plain JSON-able data."""
    series: dict[str, Any] = {}
    for point in result.values:
        entry = series.setdefault(point.series, {"type": "value", "points": 0, "latest": []})
        entry["points"] += 1
        entry["latest"].append([point.data_time.isoformat(), point.value])
    for entry in series.values():
        entry["latest"] = sorted(entry["latest"])[-SHOWN_POINTS:]
    for batch in result.cases:
        done = batch.completed[~np.isnat(batch.completed)]
        series[batch.series] = {
            "type": "cases", "cases": len(batch), "open": int(np.isnat(batch.completed).sum()),
            "data_time": batch.data_time.isoformat(),
            "first_submitted": str(batch.submitted.min()) if len(batch) else None,
            "last_completed": str(done.max()) if len(done) else None,
        }
    return {
        "feed": result.feed, "ok": result.ok, "error_category": result.error_category, "error": result.error,
        "fetched_at": result.fetched_at.isoformat(), "duration_seconds": round(result.duration_seconds, 3),
        "bytes_read": result.bytes_read, "rows_accepted": result.rows_accepted,
        "rows_rejected": result.rows_rejected, "rows_skipped": result.rows_skipped, "series": series,
    }


async def _collect_once(feed: FeedBase, calendar: WorkCalendar, dry_run: bool,
                        catalogue: Catalogue | None = None) -> CollectionResult:
    async with httpx.AsyncClient() as client:
        context = FetchContext(client=client, now=datetime.now(UTC), timezone=calendar.timezone,
                               env=dict(os.environ), dry_run=dry_run, catalogue=catalogue)
        return await collect(feed, context)


def run_collect_command(args: argparse.Namespace) -> int:
    config = catalogue_path(args.config)
    catalogue = load_or_report(config)
    if catalogue is None:
        return 2
    feed = catalogue.feeds.get(args.feed)
    if feed is None:
        print(f"unknown feed {args.feed!r}; feeds in {config}: {', '.join(sorted(catalogue.feeds)) or 'none'}",
              file=sys.stderr)
        return 2
    calendar = WorkCalendar.from_spec(catalogue.calendar)
    result = asyncio.run(_collect_once(feed, calendar, args.dry_run, catalogue))
    summary = summarise(result)
    if not args.dry_run:
        store = args.open_store(args.database_url)
        store.save_collection(result, feed.accumulates_cases)
        store.engine.dispose()
        summary["stored"] = True
    print(json.dumps(summary, ensure_ascii=False, indent=2))
    return 0 if result.ok else 1
