"""The internal model: the catalogue as the rest of the code uses it, built once per (re)load.

One mapping from spec to model (`build_catalogue`): defaults are resolved here (a measure's series
and aggregate, its feed's staleness limit), so nothing downstream looks at the spec or the YAML.
A commitment without a measure is not wired to any feed (未接入数据): it has no default, and is
never evaluated nor mailed about.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import cached_property
from pathlib import Path
from sys import intern
from types import MappingProxyType
from zoneinfo import ZoneInfo

from monitor.hedges import hedge_note
from monitor.spec import (
    AgencySpec,
    CalendarSpec,
    CatalogueSpec,
    CommitmentSpec,
    DocumentSpec,
    ExclusionSpec,
    MeasureSpec,
)
from monitor.spec.alerting import AlertingSpec
from monitor.spec.feeds import FeedBase

DEFAULT_AGGREGATE = {
    "case_duration": "share_within", "share": "latest", "value": "latest",
    "cumulative": "latest", "reduction": "latest", "milestone": "latest",
}


# Commitment and Measure: one each per commitment (100,000 of them in a national catalogue), so with
# __slots__ (no instance dict), and their short repeated strings (feed, unit, kind, op, aggregate)
# interned in `_commitment`: one object per distinct value, not one per commitment.
@dataclass(frozen=True, slots=True)
class Measure:
    feed: str
    series: str
    window: timedelta
    aggregate: str
    min_share: float
    warn_margin: float | None


@dataclass(frozen=True, slots=True)
class Commitment:
    id: str
    document: DocumentSpec
    clause: str
    quote: str
    measured_zh: str
    measured_en: str
    kind: str
    op: str
    value: float
    value_max: float | None
    unit: str
    deadline: date | None
    start: date
    throughout: bool
    baseline_value: float | None
    baseline_unit: str | None
    baseline_date: date | None
    agency: AgencySpec | None
    co_agencies: tuple[AgencySpec, ...]
    monitorable: bool
    reason: str | None
    draft: bool
    measure: Measure                   # of an unwired commitment: names no feed (feed ""), never read
    max_age: timedelta
    hedge: str | None = None      # 原则上/力争/逐步/基本 written in the quote (monitor.hedges)
    todo: tuple[str, ...] = ()   # a draft's checklist
    wired: bool = True                 # False: targets.yaml gives it no measure (未接入数据)

    @property
    def hedge_note(self) -> str | None:
        """原文为'原则上'，按全部办件评估: shown beside the verdict of a hedged promise."""
        return hedge_note(self.hedge, self.kind, self.measure.min_share)

    @property
    def evaluated(self) -> bool:
        """Whether the daemon evaluates it: monitorable, not a draft, and wired to a feed."""
        return self.monitorable and not self.draft and self.wired

    @property
    def unwired(self) -> bool:
        """Monitorable and active, but no measure says where its figures come from (未接入数据)."""
        return self.monitorable and not self.draft and not self.wired


@dataclass(frozen=True)
class Catalogue:
    source: Path | None
    calendar: CalendarSpec
    documents: Mapping[str, DocumentSpec]
    agencies: Mapping[str, AgencySpec]
    feeds: Mapping[str, FeedBase]
    commitments: Mapping[str, Commitment]   # what the daemon shows, evaluates and mails about: no drafts
    excluded: tuple[ExclusionSpec, ...] = field(default=())
    alerting: AlertingSpec = field(default_factory=AlertingSpec)
    # `status: draft` entries, kept apart so that no public page, API answer or mail can list them;
    # only the editors' view (/editor/drafts) and `monitor list` read them
    drafts: Mapping[str, Commitment] = field(default_factory=lambda: MappingProxyType({}))

    @property
    def calendar_zone(self) -> ZoneInfo:
        """The calendar's zone: where local days and deadlines end, and how times are shown to people."""
        return ZoneInfo(self.calendar.timezone)

    def evaluated_commitments(self, feed_id: str | None = None) -> list[Commitment]:
        """In catalogue order; of one feed, from an index made once (a cycle asks for its feed's)."""
        if feed_id is None:
            return [c for c in self.commitments.values() if c.evaluated]
        return list(self._evaluated_by_feed.get(feed_id, ()))

    @cached_property
    def _evaluated_by_feed(self) -> Mapping[str, tuple[Commitment, ...]]:
        by_feed: dict[str, list[Commitment]] = {}
        for c in self.commitments.values():
            if c.evaluated:
                by_feed.setdefault(c.measure.feed, []).append(c)
        return MappingProxyType({feed: tuple(cs) for feed, cs in by_feed.items()})


_NO_MEASURE = MeasureSpec(feed="")   # an unwired commitment's: names no feed, so nothing reads it


def build_catalogue(spec: CatalogueSpec, source: Path | None = None) -> Catalogue:
    documents = {d.id: d for d in spec.documents}
    agencies = {a.id: a for a in spec.agencies}
    feeds = {f.id: f for f in spec.feeds}
    built = [_commitment(c, spec, documents, agencies, feeds) for c in spec.commitments]
    commitments = {c.id: c for c in built if not c.draft}
    return Catalogue(
        source=source,
        calendar=spec.calendar,
        documents=MappingProxyType(documents),
        agencies=MappingProxyType(agencies),
        feeds=MappingProxyType(feeds),
        commitments=MappingProxyType(commitments),
        excluded=tuple(spec.excluded),
        alerting=spec.alerting,
        drafts=MappingProxyType({c.id: c for c in built if c.draft}),
    )


def _commitment(c: CommitmentSpec, spec: CatalogueSpec, documents: dict[str, DocumentSpec],
                agencies: dict[str, AgencySpec], feeds: Mapping[str, FeedBase]) -> Commitment:
    measure_spec = spec.measures[c.measure] if isinstance(c.measure, str) else c.measure
    given = measure_spec or _NO_MEASURE
    measure = Measure(
        feed=intern(given.feed),
        series=given.series or c.id,
        window=given.window,
        aggregate=intern(given.aggregate or DEFAULT_AGGREGATE[c.kind]),
        min_share=given.min_share,
        warn_margin=given.warn_margin,
    )
    document = documents[c.document]
    feed = feeds.get(measure.feed)
    return Commitment(
        id=c.id, document=document, clause=c.clause, quote=c.quote,
        measured_zh=c.measured.zh, measured_en=c.measured.en,
        kind=intern(c.kind), op=intern(c.op), value=c.value, value_max=c.value_max, unit=intern(c.unit),
        deadline=c.deadline, start=c.start or document.period.start, throughout=c.throughout,
        baseline_value=c.baseline.value if c.baseline else None,
        baseline_unit=intern(c.baseline.unit) if c.baseline and c.baseline.unit is not None else None,
        baseline_date=c.baseline.date if c.baseline else None,
        agency=agencies.get(c.agency) if c.agency else None,
        co_agencies=tuple(agencies[a] for a in c.co_agencies if a in agencies),
        monitorable=c.monitorable, reason=c.reason, draft=c.status == "draft",
        measure=measure,
        max_age=feed.max_age if feed else timedelta(days=2), todo=tuple(c.todo),
        hedge=c.hedge, wired=measure_spec is not None,
    )
