"""A stand-alone sender: deliver the outbox until it is empty (or forever), e.g. beside the daemon.

    python -m alerts.outbox_worker [--database-url URL] [--interval 2] [--until-empty]
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
from datetime import UTC, datetime

from sqlmodel import Session, col, select

from alerts.outbox import Outbox
from alerts.pipeline import AlertPipeline
from alerts.settings import AlertSettings
from alerts.tables import FAILED, SENT, SILENCED, Notification
from monitor import migrations
from monitor.store import make_engine

log = logging.getLogger("monitor.alerts.worker")


def unsettled(pipeline: AlertPipeline) -> int:
    with Session(pipeline.engine) as session:
        return len(session.exec(select(Notification.id).where(
            col(Notification.state).not_in((SENT, FAILED, SILENCED)))).all())


async def run(database_url: str, interval: float, until_empty: bool) -> int:
    engine = make_engine(database_url)
    migrations.upgrade(engine)
    pipeline = AlertPipeline(engine, AlertSettings())
    outbox: Outbox = pipeline.outbox
    try:
        while True:
            sent = await outbox.deliver(datetime.now(UTC), pipeline.notifiers())
            if sent:
                log.info("worker_delivered", extra={"sent": sent, "worker": outbox.worker})
            if until_empty and unsettled(pipeline) == 0:
                return 0
            await asyncio.sleep(interval)
    finally:
        await pipeline.aclose()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m alerts.outbox_worker")
    parser.add_argument("--database-url", default=os.environ.get("MONITOR_DATABASE_URL"),
                        help="default: MONITOR_DATABASE_URL")
    parser.add_argument("--interval", type=float, default=2.0)
    parser.add_argument("--until-empty", action="store_true")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    if not args.database_url:
        parser.error("give --database-url or set MONITOR_DATABASE_URL")
    return asyncio.run(run(args.database_url, args.interval, args.until_empty))


if __name__ == "__main__":
    raise SystemExit(main())
