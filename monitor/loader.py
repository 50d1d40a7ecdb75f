"""The one loader of targets.yaml: YAML with positions -> strict schema -> checked references.

Every problem in the file is reported in one run as `FILE:LINE:COL: path.to.field: message`.
The daemon and `monitor validate` both call `load_catalogue`.
"""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import TypeAdapter, ValidationError

from monitor.catalogue_files import (Locator, PathKey, PositionIndex, format_path, parse_with_positions,
                                     read_catalogue)
from monitor.problems import ConfigError as ConfigError, ConfigProblem
from monitor.model import Catalogue, build_catalogue
from monitor.spec import AgencySpec, CatalogueSpec, CommitmentSpec, DocumentSpec, ExclusionSpec, FeedSpec
from monitor.hedges import written_in
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
        # the references of what did validate are checked too, so one run lists every problem
        salvaged = _salvage(data)
        if salvaged is not None:
            partial, kept, unchecked = salvaged
            problems += check_references(partial, _Renumbered(locator, kept), file,
                                         seeds_dirs or default_seed_dirs(path), unchecked)
        raise ConfigError(sorted(problems, key=lambda p: (p.file, p.line, p.column))) from None
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


def unwired_warnings(catalogue: Catalogue) -> list[str]:
    """`monitor validate`'s warnings: each monitorable commitment no measure wires to a feed (未接入数据)."""
    return [f"{catalogue.source}: commitments.{c.id}: warning: no measure; shown as 未接入数据, never evaluated "
            f"or mailed about until a measure names the feed its figures come from"
            for c in catalogue.commitments.values() if c.unwired]


def default_seed_dirs(targets_path: Path) -> list[Path]:
    base = targets_path.resolve().parent
    return [base / "seeds", base]


def _located(locator: Locator | _Renumbered, path: PathKey, message: str) -> ConfigProblem:
    file, line, column, local = locator.where(path)
    return ConfigProblem(file, line, column, format_path(local), message)


_ITEM_MODELS: dict[str, Any] = {"documents": DocumentSpec, "agencies": AgencySpec, "feeds": FeedSpec,
                                 "commitments": CommitmentSpec, "excluded": ExclusionSpec}


class _Renumbered:
    """A locator for a catalogue with its invalid list items left out: item i of a section is
    item kept[section][i] of the file."""

    def __init__(self, locator: Locator, kept: dict[str, list[int]]):
        self.locator, self.kept = locator, kept

    def _original(self, path: PathKey) -> PathKey:
        if len(path) >= 2 and path[0] in self.kept and isinstance(path[1], int):
            return (path[0], self.kept[path[0]][path[1]], *path[2:])
        return path

    def where(self, path: PathKey) -> tuple[str, int, int, PathKey]:
        return self.locator.where(self._original(path))

    def exists(self, path: PathKey) -> bool:
        return self.locator.exists(self._original(path))


def _salvage(data: dict[str, Any]) -> tuple[CatalogueSpec, dict[str, list[int]], dict[str, set[str]]] | None:
    """The part of a catalogue that validates: list items that fail are left out (their ids still
    count as known, so no reference to them is reported twice), other sections that fail take their
    defaults. None when even that does not validate."""
    partial = dict(data)
    kept: dict[str, list[int]] = {}
    unchecked: dict[str, set[str]] = {}
    for section, model in _ITEM_MODELS.items():
        items = data.get(section)
        if not isinstance(items, list):
            continue
        adapter = TypeAdapter(model)
        good = []
        for i, item in enumerate(items):
            try:
                adapter.validate_python(item)
                good.append(i)
            except ValidationError:
                if isinstance(item, dict) and isinstance(item.get("id"), str):
                    unchecked.setdefault(section, set()).add(item["id"])
        kept[section] = good
        partial[section] = [items[i] for i in good]
    for _ in range(len(partial) + 1):
        try:
            return CatalogueSpec.model_validate(partial), kept, unchecked
        except ValidationError as exc:
            keys = {str(error["loc"][0]) for error in exc.errors() if error["loc"]}
            if not keys or not keys <= set(partial) or keys & {"version"}:
                return None
            for key in keys:
                partial.pop(key)
    return None


def check_references(spec: CatalogueSpec, locator: Locator | _Renumbered, file: str,
                     seeds_dirs: list[Path], unchecked: dict[str, set[str]] | None = None) -> list[ConfigProblem]:
    """Ids, references, quotes and time zones. `unchecked`: ids of items left out because their
    schema failed (reported already): references to them are no problem here."""
    problems: list[ConfigProblem] = []
    unchecked = unchecked or {}

    def problem(path: PathKey, message: str) -> None:
        problems.append(_located(locator, path, message))

    for section in ("documents", "agencies", "feeds", "commitments"):
        seen: set[str] = set()
        for i, item in enumerate(getattr(spec, section)):
            if item.id in seen:
                problem((section, i, "id"), f"duplicate id {item.id!r}")
            seen.add(item.id)

    documents = {d.id: d for d in spec.documents}
    agencies = {a.id for a in spec.agencies} | unchecked.get("agencies", set())
    feeds = {f.id for f in spec.feeds} | unchecked.get("feeds", set())
    known_documents = set(documents) | unchecked.get("documents", set())
    seeds: dict[str, str | None] = {}   # copies of a plan share one seed file: read it once
    seed_texts: dict[str, str | None] = {
        d.id: seeds[d.source] if d.source in seeds else seeds.setdefault(d.source, _read_seed(d.source, seeds_dirs))
        for d in spec.documents}
    for i, d in enumerate(spec.documents):
        if seed_texts[d.id] is None:   # a misspelt source would silently turn quote checking off
            problem(("documents", i, "source"), f"seed file {d.source!r} not found in "
                                                 f"{', '.join(str(folder) for folder in seeds_dirs)}")

    try:
        ZoneInfo(spec.calendar.timezone)
    except (ZoneInfoNotFoundError, ValueError):
        problem(("calendar", "timezone"), f"unknown time zone {spec.calendar.timezone!r}")
    jurisdictions = {d.jurisdiction for d in spec.documents}
    for jurisdiction, spans in spec.calendar.office_hours.items():
        if jurisdiction != "default" and jurisdiction not in jurisdictions:
            # a key that matches no document silently falls back to the default hours (北京市海淀区 vs 海淀區)
            problem(("calendar", "office_hours", jurisdiction),
                    f"names no document's jurisdiction; keys are 'default' or a jurisdiction exactly as a "
                    f"document writes it: {sorted(jurisdictions)}")
        for j, span in enumerate(spans):
            if not _OFFICE_HOURS_RE.match(span) or span[:5] >= span[6:]:
                problem(("calendar", "office_hours", jurisdiction, j), f"expected HH:MM-HH:MM, got {span!r}")

    for name, measure in spec.measures.items():
        if measure.feed not in feeds:
            problem(("measures", name, "feed"), f"unknown feed {measure.feed!r}; known: {sorted(feeds)}")

    for i, c in enumerate(spec.commitments):
        if c.document not in known_documents:
            problem(("commitments", i, "document"), f"unknown document {c.document!r}; known: {sorted(documents)}")
        elif not c.id.startswith(c.document + "."):
            problem(("commitments", i, "id"), f"ids start with their document id: {c.document}.<slug>")
        for field, ids in (("agency", [c.agency] if c.agency else []), ("co_agencies", c.co_agencies)):
            for agency in ids:
                if agency not in agencies:
                    problem(("commitments", i, field), f"unknown agency {agency!r}")
        if isinstance(c.measure, str) and c.measure not in spec.measures:
            problem(("commitments", i, "measure"), f"unknown measure {c.measure!r}; known: {sorted(spec.measures)}")
        elif c.measure is not None and not isinstance(c.measure, str) and c.measure.feed not in feeds:
            problem(("commitments", i, "measure", "feed"), f"unknown feed {c.measure.feed!r}; known: {sorted(feeds)}")
        try:
            dimension = parse_unit(c.unit).dimension
            if c.kind == "case_duration" and dimension not in ("working_days", "working_hours", "time", "months"):
                problem(("commitments", i, "unit"), f"a case_duration needs a time unit, got {c.unit!r}")
        except UnitError as exc:
            if c.status == "active":   # a draft's unit as the text wrote it is settled on review
                problem(("commitments", i, "unit"), str(exc))
        if c.hedge is not None and not written_in(c.hedge, c.quote):
            problem(("commitments", i, "hedge"), f"the quote does not write {c.hedge!r}; the hedge is the "
                                                 "quote's own word (原则上, 力争, 逐步, 基本)")
        text = seed_texts.get(c.document)
        if text is not None and c.quote not in text:
            problem(("commitments", i, "quote"), "not an exact substring of the document's seed file")
    for i, window in enumerate(spec.alerting.maintenance):
        for field, noun, known in (("agencies", "agency", agencies),
                                   ("commitments", "commitment", {c.id for c in spec.commitments})):
            for j, ref in enumerate(getattr(window, field)):
                if ref not in known:
                    problem(("alerting", "maintenance", i, field, j), f"unknown {noun} {ref!r}")
    for i, e in enumerate(spec.excluded):
        if e.document is not None and e.document not in known_documents:
            problem(("excluded", i, "document"), f"unknown document {e.document!r}")
        if e.pattern is not None:
            try:
                re.compile(e.pattern)
            except re.error as exc:
                problem(("excluded", i, "pattern"), f"bad regular expression: {exc}")
        text = seed_texts.get(e.document or "")
        if e.quote is not None and text is not None and e.quote not in text:
            problem(("excluded", i, "quote"), "not an exact substring of the document's seed file")
    return problems


def _read_seed(source: str, dirs: list[Path]) -> str | None:
    for folder in dirs:
        candidate = folder / source
        if candidate.is_file():
            return candidate.read_text(encoding="utf-8-sig", errors="replace")
    return None
