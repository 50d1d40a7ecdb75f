"""The checks of a schema-valid targets.yaml that pydantic cannot make alone: duplicate ids, references
between sections, quotes found in the seed files, time zones, office hours, units and hedges.

Each check yields findings, `(path in the file, message)`; the loader locates them. The order of the
checks, and of the findings within each, is the order problems are reported in.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from monitor.catalogue_files import PathKey
from monitor.hedges import written_in
from monitor.spec import CalendarSpec, CatalogueSpec, CommitmentSpec, DocumentSpec, ExclusionSpec, MeasureSpec
from monitor.spec.alerting import AlertingSpec
from monitor.units import UnitError, parse_unit

Finding = tuple[PathKey, str]
SeedTexts = dict[str, str | None]   # document id -> its seed file's text, None when the file is not found

_OFFICE_HOURS_RE = re.compile(r"^([01]\d|2[0-3]):[0-5]\d-([01]\d|2[0-4]):[0-5]\d$")
_TIME_DIMENSIONS = ("working_days", "working_hours", "time", "months")


@dataclass(frozen=True)
class KnownIds:
    """The ids a reference may name. Items left out because their schema failed (`unchecked`, reported
    already) count as known, so a reference to one is not reported a second time."""
    documents: set[str]        # valid documents only: what "known: ..." lists
    any_document: set[str]     # valid or unchecked
    agencies: set[str]
    feeds: set[str]
    measures: set[str]

    @classmethod
    def of(cls, spec: CatalogueSpec, unchecked: dict[str, set[str]]) -> KnownIds:
        documents = {d.id for d in spec.documents}
        return cls(documents=documents,
                   any_document=documents | unchecked.get("documents", set()),
                   agencies={a.id for a in spec.agencies} | unchecked.get("agencies", set()),
                   feeds={f.id for f in spec.feeds} | unchecked.get("feeds", set()),
                   measures=set(spec.measures))


def read_seed_texts(documents: list[DocumentSpec], seeds_dirs: list[Path]) -> SeedTexts:
    """Each document's seed text; copies of a plan share one seed file, read once."""
    by_source: dict[str, str | None] = {}
    for d in documents:
        if d.source not in by_source:
            by_source[d.source] = _read_seed(d.source, seeds_dirs)
    return {d.id: by_source[d.source] for d in documents}


def duplicate_ids(spec: CatalogueSpec) -> Iterator[Finding]:
    for section in ("documents", "agencies", "feeds", "commitments"):
        seen: set[str] = set()
        for i, item in enumerate(getattr(spec, section)):
            if item.id in seen:
                yield (section, i, "id"), f"duplicate id {item.id!r}"
            seen.add(item.id)


def missing_seed_files(documents: list[DocumentSpec], seed_texts: SeedTexts,
                       seeds_dirs: list[Path]) -> Iterator[Finding]:
    """A misspelt source would silently turn quote checking off."""
    for i, d in enumerate(documents):
        if seed_texts[d.id] is None:
            yield (("documents", i, "source"),
                   f"seed file {d.source!r} not found in {', '.join(str(folder) for folder in seeds_dirs)}")


def time_zone(calendar: CalendarSpec) -> Iterator[Finding]:
    try:
        ZoneInfo(calendar.timezone)
    except (ZoneInfoNotFoundError, ValueError):
        yield ("calendar", "timezone"), f"unknown time zone {calendar.timezone!r}"


def office_hours(calendar: CalendarSpec, documents: list[DocumentSpec]) -> Iterator[Finding]:
    jurisdictions = {d.jurisdiction for d in documents}
    for jurisdiction, spans in calendar.office_hours.items():
        if jurisdiction != "default" and jurisdiction not in jurisdictions:
            # a key that matches no document silently falls back to the default hours (北京市海淀区 vs 海淀區)
            yield (("calendar", "office_hours", jurisdiction),
                   f"names no document's jurisdiction; keys are 'default' or a jurisdiction exactly as a "
                   f"document writes it: {sorted(jurisdictions)}")
        for j, span in enumerate(spans):
            if not _OFFICE_HOURS_RE.match(span) or span[:5] >= span[6:]:
                yield ("calendar", "office_hours", jurisdiction, j), f"expected HH:MM-HH:MM, got {span!r}"


def measure_feeds(measures: dict[str, MeasureSpec], known: KnownIds) -> Iterator[Finding]:
    for name, measure in measures.items():
        if measure.feed not in known.feeds:
            yield ("measures", name, "feed"), f"unknown feed {measure.feed!r}; known: {sorted(known.feeds)}"


def commitments(items: list[CommitmentSpec], known: KnownIds, seed_texts: SeedTexts) -> Iterator[Finding]:
    """Every check of one commitment before the next commitment's."""
    for i, c in enumerate(items):
        at: PathKey = ("commitments", i)
        yield from _commitment_document(at, c, known)
        yield from _commitment_agencies(at, c, known)
        yield from _commitment_measure(at, c, known)
        yield from _commitment_unit(at, c)
        yield from _commitment_hedge(at, c)
        yield from _quote_in_seed(at, c.quote, seed_texts.get(c.document))


def _commitment_document(at: PathKey, c: CommitmentSpec, known: KnownIds) -> Iterator[Finding]:
    if c.document not in known.any_document:
        yield (*at, "document"), f"unknown document {c.document!r}; known: {sorted(known.documents)}"
    elif not c.id.startswith(c.document + "."):
        yield (*at, "id"), f"ids start with their document id: {c.document}.<slug>"


def _commitment_agencies(at: PathKey, c: CommitmentSpec, known: KnownIds) -> Iterator[Finding]:
    for field, ids in (("agency", [c.agency] if c.agency else []), ("co_agencies", c.co_agencies)):
        for agency in ids:
            if agency not in known.agencies:
                yield (*at, field), f"unknown agency {agency!r}"


def _commitment_measure(at: PathKey, c: CommitmentSpec, known: KnownIds) -> Iterator[Finding]:
    if isinstance(c.measure, str):
        if c.measure not in known.measures:
            yield (*at, "measure"), f"unknown measure {c.measure!r}; known: {sorted(known.measures)}"
    elif c.measure is not None and c.measure.feed not in known.feeds:
        yield (*at, "measure", "feed"), f"unknown feed {c.measure.feed!r}; known: {sorted(known.feeds)}"


def _commitment_unit(at: PathKey, c: CommitmentSpec) -> Iterator[Finding]:
    try:
        dimension = parse_unit(c.unit).dimension
    except UnitError as exc:
        if c.status == "active":   # a draft's unit as the text wrote it is settled on review
            yield (*at, "unit"), str(exc)
        return
    if c.kind == "case_duration" and dimension not in _TIME_DIMENSIONS:
        yield (*at, "unit"), f"a case_duration needs a time unit, got {c.unit!r}"


def _commitment_hedge(at: PathKey, c: CommitmentSpec) -> Iterator[Finding]:
    if c.hedge is not None and not written_in(c.hedge, c.quote):
        yield (*at, "hedge"), (f"the quote does not write {c.hedge!r}; the hedge is the quote's own word "
                               "(原则上, 力争, 逐步, 基本)")


def _quote_in_seed(at: PathKey, quote: str | None, seed_text: str | None) -> Iterator[Finding]:
    if quote is not None and seed_text is not None and quote not in seed_text:
        yield (*at, "quote"), "not an exact substring of the document's seed file"


def maintenance_windows(alerting: AlertingSpec, known: KnownIds,
                        items: list[CommitmentSpec]) -> Iterator[Finding]:
    commitment_ids = {c.id for c in items}
    for i, window in enumerate(alerting.maintenance):
        for field, noun, ids in (("agencies", "agency", known.agencies), ("commitments", "commitment", commitment_ids)):
            for j, ref in enumerate(getattr(window, field)):
                if ref not in ids:
                    yield ("alerting", "maintenance", i, field, j), f"unknown {noun} {ref!r}"


def exclusions(items: list[ExclusionSpec], known: KnownIds, seed_texts: SeedTexts) -> Iterator[Finding]:
    for i, e in enumerate(items):
        at: PathKey = ("excluded", i)
        if e.document is not None and e.document not in known.any_document:
            yield (*at, "document"), f"unknown document {e.document!r}"
        if e.pattern is not None:
            yield from _regular_expression((*at, "pattern"), e.pattern)
        yield from _quote_in_seed(at, e.quote, seed_texts.get(e.document or ""))


def _regular_expression(at: PathKey, pattern: str) -> Iterator[Finding]:
    try:
        re.compile(pattern)
    except re.error as exc:
        yield at, f"bad regular expression: {exc}"


def _read_seed(source: str, dirs: list[Path]) -> str | None:
    for folder in dirs:
        candidate = folder / source
        if candidate.is_file():
            return candidate.read_text(encoding="utf-8-sig", errors="replace")
    return None
