"""The one loader of targets.yaml: YAML with positions -> strict schema -> checked references.

Every problem in the file is reported in one run as `FILE:LINE:COL: path.to.field: message`.
The daemon and `monitor validate` both call `load_catalogue`.
"""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import ValidationError

from monitor.catalogue_files import (Locator, PathKey, PositionIndex, format_path, parse_with_positions,
                                     read_catalogue)
from monitor.problems import ConfigError as ConfigError, ConfigProblem   # ConfigError: public here too
from monitor.model import Catalogue, build_catalogue
from monitor.spec import CatalogueSpec
from monitor.units import UnitError, parse_unit

TARGETS_ENV = "MONITOR_TARGETS"
DEFAULT_TARGETS = Path("targets.yaml")
TARGETS_HELP = "targets.yaml (default: MONITOR_TARGETS, else ./targets.yaml)"
_OFFICE_HOURS_RE = re.compile(r"^([01]\d|2[0-3]):[0-5]\d-([01]\d|2[0-4]):[0-5]\d$")


def _clean_loc(loc: tuple[Any, ...], locator: Locator) -> PathKey:
    """Keep the parts of a pydantic error location that exist in the file (drops union tags)."""
    path: list[Any] = []
    for position, part in enumerate(loc):
        is_last = position == len(loc) - 1
        if isinstance(part, int) or (is_last and isinstance(part, str)) or locator.exists((*path, part)):
            path.append(part)
    return tuple(path)


def catalogue_path(explicit: str | Path | None = None, environ: Mapping[str, str] = os.environ) -> Path:
    """The catalogue a command reads: the path given on its command line, else MONITOR_TARGETS (the
    daemon's catalogue), else ./targets.yaml. Every command decides it here."""
    if explicit:
        return Path(explicit)
    return Path(environ.get(TARGETS_ENV) or DEFAULT_TARGETS)


def parse_yaml(text: str, file: str) -> tuple[Any, PositionIndex]:
    """Parse YAML, keeping positions. Raises ConfigError with the syntax error's position."""
    return parse_with_positions(text, file)


def load_catalogue(path: str | Path, seeds_dirs: list[Path] | None = None) -> Catalogue:
    """Load and check targets.yaml. Raises ConfigError listing every problem."""
    path = Path(path)
    file = str(path)
    data, locator, problems = read_catalogue(path)
    if not isinstance(data, dict):
        raise ConfigError(problems + [ConfigProblem(file, 1, 1, "(document)", "expected a mapping with 'version: 1'")])
    try:
        spec = CatalogueSpec.model_validate(data)
    except ValidationError as exc:
        for error in exc.errors():
            loc = _clean_loc(error["loc"], locator)
            message = error["msg"]
            if error["type"] == "extra_forbidden":
                message = "unknown key (check the spelling; see docs/targets-format.md)"
            elif error["type"] == "missing":
                message = "required field is missing"
            elif error["type"] == "union_tag_invalid":
                loc = (*loc, error["ctx"]["discriminator"].strip("'"))
                message = f"unknown kind {error['ctx']['tag']!r}; known kinds: {error['ctx']['expected_tags']}"
            problems.append(_located(locator, loc, message))
        raise ConfigError(problems) from None
    problems += check_references(spec, locator, file, seeds_dirs or default_seed_dirs(path))
    if problems:
        raise ConfigError(problems)
    return build_catalogue(spec, source=path)


def load_or_report(path: str | Path | None) -> Catalogue | None:
    """For commands: the catalogue at `path` (None: see `catalogue_path`), or None after printing
    every problem to stderr."""
    path = catalogue_path(path)
    try:
        return load_catalogue(path)
    except ConfigError as exc:
        for problem in exc.problems:
            print(problem, file=sys.stderr)
        print(f"{path}: {len(exc.problems)} problem(s)", file=sys.stderr)
        return None


def default_seed_dirs(targets_path: Path) -> list[Path]:
    base = targets_path.resolve().parent
    return [base / "seeds", base]


def _located(locator: Locator, path: PathKey, message: str) -> ConfigProblem:
    file, line, column, local = locator.where(path)
    return ConfigProblem(file, line, column, format_path(local), message)


Found = Iterator[tuple[PathKey, str]]   # (where in the catalogue, what is wrong)


def check_references(spec: CatalogueSpec, locator: Locator, file: str,
                     seeds_dirs: list[Path]) -> list[ConfigProblem]:
    """What the schema cannot see: duplicate ids, references between sections, seed files and quotes,
    the calendar, units; each problem located in the file."""
    seed_texts = _seed_texts(spec, seeds_dirs)
    found = [*_duplicate_ids(spec), *_missing_seeds(spec, seed_texts, seeds_dirs), *_calendar_problems(spec),
             *_measure_feeds(spec), *_commitment_references(spec, seed_texts), *_maintenance_references(spec),
             *_exclusion_problems(spec, seed_texts)]
    return [_located(locator, path, message) for path, message in found]


def _duplicate_ids(spec: CatalogueSpec) -> Found:
    for section in ("documents", "agencies", "feeds", "commitments"):
        seen: set[str] = set()
        for i, item in enumerate(getattr(spec, section)):
            if item.id in seen:
                yield (section, i, "id"), f"duplicate id {item.id!r}"
            seen.add(item.id)


def _seed_texts(spec: CatalogueSpec, seeds_dirs: list[Path]) -> dict[str, str | None]:
    """Each document's seed text by document id (None: not found); copies of a plan share one file, read once."""
    seeds: dict[str, str | None] = {}
    return {d.id: seeds[d.source] if d.source in seeds else seeds.setdefault(d.source, _read_seed(d.source, seeds_dirs))
            for d in spec.documents}


def _missing_seeds(spec: CatalogueSpec, seed_texts: dict[str, str | None], seeds_dirs: list[Path]) -> Found:
    for i, d in enumerate(spec.documents):
        if seed_texts[d.id] is None:   # a misspelt source would silently turn quote checking off
            yield (("documents", i, "source"), f"seed file {d.source!r} not found in "
                                                f"{', '.join(str(folder) for folder in seeds_dirs)}")


def _calendar_problems(spec: CatalogueSpec) -> Found:
    try:
        ZoneInfo(spec.calendar.timezone)
    except (ZoneInfoNotFoundError, ValueError):
        yield ("calendar", "timezone"), f"unknown time zone {spec.calendar.timezone!r}"
    jurisdictions = {d.jurisdiction for d in spec.documents}
    for jurisdiction, spans in spec.calendar.office_hours.items():
        if jurisdiction != "default" and jurisdiction not in jurisdictions:
            # a key that matches no document silently falls back to the default hours (北京市海淀区 vs 海淀區)
            yield (("calendar", "office_hours", jurisdiction),
                   f"names no document's jurisdiction; keys are 'default' or a jurisdiction exactly as a "
                   f"document writes it: {sorted(jurisdictions)}")
        for j, span in enumerate(spans):
            if not _OFFICE_HOURS_RE.match(span) or span[:5] >= span[6:]:
                yield ("calendar", "office_hours", jurisdiction, j), f"expected HH:MM-HH:MM, got {span!r}"


def _measure_feeds(spec: CatalogueSpec) -> Found:
    feeds = {f.id for f in spec.feeds}
    for name, measure in spec.measures.items():
        if measure.feed not in feeds:
            yield ("measures", name, "feed"), f"unknown feed {measure.feed!r}; known: {sorted(feeds)}"


def _commitment_references(spec: CatalogueSpec, seed_texts: dict[str, str | None]) -> Found:
    documents = {d.id for d in spec.documents}
    agencies = {a.id for a in spec.agencies}
    feeds = {f.id for f in spec.feeds}
    for i, c in enumerate(spec.commitments):
        if c.document not in documents:
            yield ("commitments", i, "document"), f"unknown document {c.document!r}; known: {sorted(documents)}"
        elif not c.id.startswith(c.document + "."):
            yield ("commitments", i, "id"), f"ids start with their document id: {c.document}.<slug>"
        for field, ids in (("agency", [c.agency] if c.agency else []), ("co_agencies", c.co_agencies)):
            for agency in ids:
                if agency not in agencies:
                    yield ("commitments", i, field), f"unknown agency {agency!r}"
        if isinstance(c.measure, str) and c.measure not in spec.measures:
            yield ("commitments", i, "measure"), f"unknown measure {c.measure!r}; known: {sorted(spec.measures)}"
        elif c.measure is not None and not isinstance(c.measure, str) and c.measure.feed not in feeds:
            yield ("commitments", i, "measure", "feed"), f"unknown feed {c.measure.feed!r}; known: {sorted(feeds)}"
        elif c.measure is None and c.monitorable and c.status == "active" and "demo" not in feeds:
            yield ("commitments", i), "no measure given and no feed 'demo' to default to"
        try:
            dimension = parse_unit(c.unit).dimension
            if c.kind == "case_duration" and dimension not in ("working_days", "working_hours", "time"):
                yield ("commitments", i, "unit"), f"a case_duration needs a time unit, got {c.unit!r}"
        except UnitError as exc:
            yield ("commitments", i, "unit"), str(exc)
        text = seed_texts.get(c.document)
        if text is not None and c.quote not in text:
            yield ("commitments", i, "quote"), "not an exact substring of the document's seed file"


def _maintenance_references(spec: CatalogueSpec) -> Found:
    agencies = {a.id for a in spec.agencies}
    commitments = {c.id for c in spec.commitments}
    for i, window in enumerate(spec.alerting.maintenance):
        for field, noun, known in (("agencies", "agency", agencies), ("commitments", "commitment", commitments)):
            for j, ref in enumerate(getattr(window, field)):
                if ref not in known:
                    yield ("alerting", "maintenance", i, field, j), f"unknown {noun} {ref!r}"


def _exclusion_problems(spec: CatalogueSpec, seed_texts: dict[str, str | None]) -> Found:
    documents = {d.id for d in spec.documents}
    for i, e in enumerate(spec.excluded):
        if e.document is not None and e.document not in documents:
            yield ("excluded", i, "document"), f"unknown document {e.document!r}"
        if e.pattern is not None:
            try:
                re.compile(e.pattern)
            except re.error as exc:
                yield ("excluded", i, "pattern"), f"bad regular expression: {exc}"
        text = seed_texts.get(e.document or "")
        if e.quote is not None and text is not None and e.quote not in text:
            yield ("excluded", i, "quote"), "not an exact substring of the document's seed file"


def _read_seed(source: str, dirs: list[Path]) -> str | None:
    for folder in dirs:
        candidate = folder / source
        if candidate.is_file():
            return candidate.read_text(encoding="utf-8-sig", errors="replace")
    return None
