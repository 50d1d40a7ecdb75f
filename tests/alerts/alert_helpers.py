"""Helpers for the alert tests: the fixture catalogue, evaluations, a cycle like the daemon's, mail reading."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta
from email import policy
from email.parser import BytesParser
from pathlib import Path
from typing import Any

from alerts.pipeline import AlertPipeline
from monitor.evaluate import Evaluation
from monitor.loader import load_catalogue
from monitor.model import Catalogue
from monitor.store import Store

FIXTURES = Path(__file__).parent / "fixtures"
T0 = datetime(2021, 6, 1, 2, 0, tzinfo=UTC)
SETUP, FIRMS, ONLINE = "town2021.setup_days", "town2021.new_firms", "town2021.online_share"


def load_fixture_catalogue(**alerting: Any) -> Catalogue:
    catalogue = load_catalogue(FIXTURES / "targets.yaml", seeds_dirs=[FIXTURES])
    if alerting:
        spec = catalogue.alerting.model_validate({**catalogue.alerting.model_dump(by_alias=True), **alerting})
        catalogue = dataclasses.replace(catalogue, alerting=spec)
    return catalogue


def evaluation(commitment: str, status: str, actual: float | None, at: datetime, **extra: Any) -> Evaluation:
    targets = {SETUP: (1.0, "<=", "个工作日"), FIRMS: (1800.0, ">=", "家"), ONLINE: (90.0, ">=", "%")}
    target, op, unit = targets[commitment]
    return Evaluation(commitment=commitment, evaluated_at=at, status=status, actual=actual, target=target,
                      op=op, unit=unit, reason=extra.pop("reason", f"{status} in test"), **extra)


def read_mails(folder: Path) -> list[Any]:
    return [BytesParser(policy=policy.default).parsebytes(p.read_bytes()) for p in sorted(folder.glob("*.eml"))]


class Cycle:
    """Save evaluations like the daemon does, then hand them to the pipeline."""

    def __init__(self, store: Store, pipeline: AlertPipeline, catalogue: Catalogue):
        self.store, self.pipeline, self.catalogue = store, pipeline, catalogue

    def __call__(self, at: datetime, *triples: tuple[str, str, float | None], **extra: Any) -> list[Evaluation]:
        evaluations = [evaluation(c, s, a, at, **extra) for c, s, a in triples]
        self.store.save_evaluations(evaluations)
        self.pipeline.process(self.catalogue, evaluations, at)
        return evaluations



def minutes(n: float) -> timedelta:
    return timedelta(minutes=n)
