"""Alert pipeline cost on the shipped catalogue: one process() call for every commitment turning
missed (the worst cycle: everything fires at once), and the mails it makes. One JSON line each.

Baselines measured in the same run: storing the cycle's evaluations (the work every cycle already
does) for process(); one mail per firing alert (no grouping) for the mail count."""

from __future__ import annotations

import asyncio
import json
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from alerts.pipeline import AlertPipeline
from alerts.settings import AlertSettings
from monitor import migrations
from monitor.evaluate import Evaluation
from monitor.loader import load_catalogue
from monitor.store import Store, make_engine

ROOT = Path(__file__).resolve().parents[1]


def main() -> None:
    catalogue = load_catalogue(ROOT / "targets.yaml")
    with tempfile.TemporaryDirectory() as folder:
        engine = make_engine(f"sqlite:///{folder}/monitor.db")
        migrations.upgrade(engine)
        pipeline = AlertPipeline(engine, AlertSettings(_env_file=None, maildir=Path(folder) / "mail"))
        now = datetime.now(UTC)
        catalogue = catalogue.__class__(**{**catalogue.__dict__, "alerting": catalogue.alerting.model_copy(
            update={"group_wait": catalogue.alerting.group_wait * 0})})
        evaluations = [Evaluation(commitment=c.id, evaluated_at=now, status="missed", actual=c.value * 0.5,
                                  target=c.value, op=c.op, unit=c.unit, reason="bench")
                       for c in catalogue.evaluated_commitments()]
        started = time.perf_counter()
        Store(engine).save_evaluations(evaluations)
        store_seconds = time.perf_counter() - started
        started = time.perf_counter()
        pipeline.process(catalogue, evaluations, now)
        seconds = time.perf_counter() - started
        started = time.perf_counter()
        sent = asyncio.run(pipeline.deliver_due(now))
        deliver_seconds = time.perf_counter() - started
        engine.dispose()
    for name, value, unit, baseline in (("alerts_process_all_firing", seconds, "s", store_seconds),
                                        ("alerts_mails_all_firing", sent, "mails", len(evaluations))):
        print(json.dumps({"bench": name, "value": round(value, 4), "unit": unit, "baseline_value": round(baseline, 4),
                          "ratio": round(value / baseline, 4)}))
    print(json.dumps({"bench": "alerts_deliver_maildir_per_mail", "value": round(deliver_seconds / max(sent, 1), 4),
                      "unit": "s"}))


if __name__ == "__main__":
    main()
