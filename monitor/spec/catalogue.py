"""The targets.yaml schema (format version 1): documents, agencies, feeds, commitments, calendar."""

from __future__ import annotations

import datetime as dt
from datetime import date, timedelta
from typing import Literal

from pydantic import Field, model_validator

from monitor.spec.addresses import EmailEntry
from monitor.spec.alerting import AlertingSpec
from monitor.spec.common import Duration, Identifier, StrictModel
from monitor.spec.feeds import FeedSpec

Op = Literal["<=", "<", ">=", ">", "==", "range"]
Kind = Literal["case_duration", "share", "value", "cumulative", "reduction", "milestone"]
Aggregate = Literal["share_within", "mean", "max", "p50", "p75", "p90", "p95", "p99", "latest", "sum"]
KINDS: tuple[str, ...] = Kind.__args__  # type: ignore[attr-defined]


class CalendarSpec(StrictModel):
    timezone: str = "Asia/Shanghai"
    office_hours: dict[str, list[str]] = {}
    holidays: list[date] = []
    workdays: list[date] = []
    covered_until: date | None = None


class Period(StrictModel):
    start: date
    end: date

    @model_validator(mode="after")
    def _ordered(self) -> "Period":
        if self.end < self.start:
            raise ValueError("period end is before its start")
        return self


class DocumentSpec(StrictModel):
    id: Identifier
    source: str
    title: str
    jurisdiction: str
    issuer: str
    issued: date | None = None   # None only when the document prints no date
    period: Period


class AgencySpec(StrictModel):
    id: Identifier
    name: str
    jurisdiction: str | None = None
    emails: list[EmailEntry] = []


class Measured(StrictModel):
    zh: str
    en: str = ""


class Baseline(StrictModel):
    value: float
    unit: str
    date: dt.date | None = None


class MeasureSpec(StrictModel):
    feed: str = "demo"
    series: str | None = None          # default: the commitment id
    window: Duration = timedelta(days=90)
    aggregate: Aggregate | None = None  # default by kind
    min_share: float = Field(default=95, ge=0, le=100)
    warn_margin: float | None = None    # default: 5% of the target


class CommitmentSpec(StrictModel):
    id: Identifier
    document: str
    clause: str
    quote: str = Field(min_length=1)
    measured: Measured
    kind: Kind
    op: Op
    value: float
    value_max: float | None = None
    unit: str
    deadline: date | None = None
    start: date | None = None
    baseline: Baseline | None = None
    agency: str | None = None
    co_agencies: list[str] = []
    monitorable: bool = True
    reason: str | None = None
    status: Literal["active", "draft"] = "active"
    measure: MeasureSpec | str | None = None   # inline, or the name of an entry under `measures`

    @model_validator(mode="after")
    def _consistent(self) -> "CommitmentSpec":
        if (self.op == "range") != (self.value_max is not None):
            raise ValueError("op 'range' needs value_max, and value_max needs op 'range'")
        if self.value_max is not None and self.value_max < self.value:
            raise ValueError("value_max is below value")
        if not self.monitorable and not self.reason:
            raise ValueError("monitorable: false needs a reason")
        if self.kind == "cumulative" and self.deadline is None and self.monitorable:
            raise ValueError("kind cumulative needs a deadline")
        if self.agency is None and self.monitorable and self.status == "active":
            raise ValueError("a monitorable commitment needs a lead agency")
        return self


class ExclusionSpec(StrictModel):
    document: str | None = None
    quote: str | None = None
    pattern: str | None = None
    reason: str

    @model_validator(mode="after")
    def _one_selector(self) -> "ExclusionSpec":
        if (self.quote is None) == (self.pattern is None):
            raise ValueError("give exactly one of 'quote' or 'pattern'")
        if self.quote is not None and self.document is None:
            raise ValueError("a quote exclusion needs its document")
        return self


class CatalogueSpec(StrictModel):
    version: Literal[1]
    calendar: CalendarSpec = CalendarSpec()
    documents: list[DocumentSpec] = []
    agencies: list[AgencySpec] = []
    feeds: list[FeedSpec] = []
    measures: dict[str, MeasureSpec] = {}
    commitments: list[CommitmentSpec] = []
    excluded: list[ExclusionSpec] = []
    alerting: AlertingSpec = AlertingSpec()
