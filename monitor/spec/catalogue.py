"""The targets.yaml schema (format version 1): documents, agencies, feeds, commitments, calendar."""

from __future__ import annotations

import datetime as dt
from datetime import date, timedelta
from typing import Literal

from pydantic import Field, model_validator

from monitor.hedges import Hedge
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
    def _ordered(self) -> Period:
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


class AgencyContact(StrictModel):
    """The agency's person for the monitor's mail, as the agency names them (shown on its mail and pages)."""

    person: str | None = Field(default=None, min_length=1)
    phone: str | None = Field(default=None, min_length=1)

    @model_validator(mode="after")
    def _something(self) -> AgencyContact:
        if self.person is None and self.phone is None:
            raise ValueError("a contact needs a person or a phone (leave contact out when neither is known)")
        return self


class AgencySpec(StrictModel):
    id: Identifier
    name: str
    jurisdiction: str | None = None
    emails: list[EmailEntry] = []
    contact: AgencyContact | None = None     # absent: mails and pages say 未登记联系人


class Measured(StrictModel):
    zh: str
    en: str = ""


class Baseline(StrictModel):
    """What a reduction is measured from: a value given here, or (without `value`) the feed's own
    value on `date` (default: the commitment's start). The feed reports the level, never the cut."""

    value: float | None = None
    unit: str | None = None
    date: dt.date | None = None

    @model_validator(mode="after")
    def _unit_with_value(self) -> Baseline:
        if self.value is not None and self.unit is None:
            raise ValueError("a baseline value needs its unit")
        return self


class MeasureSpec(StrictModel):
    feed: str                          # no default: a commitment without a measure is 未接入数据
    series: str | None = None          # default: the commitment id
    window: Duration = timedelta(days=90)
    aggregate: Aggregate | None = None  # default by kind
    min_share: float = Field(default=100, ge=0, le=100)   # per-case limits promise every case
    warn_margin: float | None = Field(default=None, ge=0)  # opt-in: kept by less than this is at_risk


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
    throughout: bool = False           # 全年保持/始终: the target holds on every day from start to deadline
    hedge: Hedge | None = None         # 原则上/力争/逐步/基本 as the quote writes it; the number is still read as written
    baseline: Baseline | None = None
    agency: str | None = None
    co_agencies: list[str] = Field(default_factory=list)   # a factory: a list default is deep-copied
    monitorable: bool = True
    reason: str | None = None
    status: Literal["active", "draft"] = "active"
    todo: list[str] = Field(default_factory=list)   # a draft's checklist: what the editor must still decide
    measure: MeasureSpec | str | None = None   # inline, or the name of an entry under `measures`

    @model_validator(mode="after")
    def _consistent(self) -> CommitmentSpec:
        if (self.op == "range") != (self.value_max is not None):
            raise ValueError("op 'range' needs value_max, and value_max needs op 'range'")
        if self.value_max is not None and self.value_max < self.value:
            raise ValueError("value_max is below value")
        if not self.monitorable and not self.reason:
            raise ValueError("monitorable: false needs a reason")
        active = self.monitorable and self.status == "active"   # a draft is a skeleton, completed on review
        if self.kind == "cumulative" and self.deadline is None and active:
            raise ValueError("kind cumulative needs a deadline")
        if self.kind == "reduction" and self.baseline is None and active:
            raise ValueError("kind reduction needs a baseline: `baseline: {value, unit}` when the text gives "
                             "one, or `baseline: {date}` to take the feed's own value on that day")
        if self.throughout and self.kind in ("case_duration", "cumulative"):
            raise ValueError(f"throughout applies to value, share, milestone and reduction kinds, not {self.kind}")
        if self.agency is None and self.monitorable and self.status == "active":
            raise ValueError("a monitorable commitment needs a lead agency")
        return self


class ExclusionSpec(StrictModel):
    document: str | None = None
    quote: str | None = None
    pattern: str | None = None
    reason: str

    @model_validator(mode="after")
    def _one_selector(self) -> ExclusionSpec:
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
