"""The one loader of targets.yaml: YAML with positions -> strict schema -> checked references.

Every problem in the file is reported in one run as `FILE:LINE:COL: path.to.field: message`.
The daemon and `monitor validate` both call `load_catalogue`.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml
from pydantic import ValidationError

from monitor.limits import check_expansion, read_targets
from monitor.problems import ConfigError, ConfigProblem
from monitor.model import Catalogue, build_catalogue
from monitor.spec import CatalogueSpec
from monitor.units import UnitError, parse_unit

PathKey = tuple[Any, ...]
_OFFICE_HOURS_RE = re.compile(r"^([01]\d|2[0-3]):[0-5]\d-([01]\d|2[0-4]):[0-5]\d$")


def format_path(path: PathKey) -> str:
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text or "(document)"


class _PositionIndex:
    """Where each key and value of the YAML document stands (1-based line and column)."""

    def __init__(self, root: yaml.Node | None):
        self.positions: dict[PathKey, tuple[int, int]] = {}
        self.duplicates: list[tuple[PathKey, tuple[int, int]]] = []
        if root is not None:
            self._walk(root, ())

    def _walk(self, node: yaml.Node, path: PathKey) -> None:
        self.positions.setdefault(path, (node.start_mark.line + 1, node.start_mark.column + 1))
        if isinstance(node, yaml.MappingNode):
            seen: set[str] = set()
            for key_node, value_node in node.value:
                key = key_node.value
                where = (key_node.start_mark.line + 1, key_node.start_mark.column + 1)
                if key in seen:
                    self.duplicates.append((path + (key,), where))
                seen.add(key)
                self.positions[path + (key,)] = where
                self._walk(value_node, path + (key,))
        elif isinstance(node, yaml.SequenceNode):
            for index, item in enumerate(node.value):
                self._walk(item, path + (index,))

    def locate(self, path: PathKey) -> tuple[int, int]:
        """The position of the deepest existing node on `path`."""
        candidate = tuple(path)
        while candidate:
            if candidate in self.positions:
                return self.positions[candidate]
            candidate = candidate[:-1]
        return self.positions.get((), (1, 1))


def _clean_loc(loc: tuple[Any, ...], index: _PositionIndex) -> PathKey:
    """Keep the parts of a pydantic error location that exist in the file (drops union tags)."""
    path: list[Any] = []
    for position, part in enumerate(loc):
        is_last = position == len(loc) - 1
        if isinstance(part, int) or (*path, part) in index.positions or (is_last and isinstance(part, str)):
            path.append(part)
    return tuple(path)


def parse_yaml(text: str, file: str) -> tuple[Any, _PositionIndex]:
    """Parse YAML, keeping positions. Raises ConfigError with the syntax error's position."""
    try:
        loader = yaml.SafeLoader(text)
        try:
            root = loader.get_single_node()
            if root is not None:
                check_expansion(root, file)
            data = loader.construct_document(root) if root is not None else None
        finally:
            loader.dispose()
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line, column = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        raise ConfigError([ConfigProblem(file, line, column, "(syntax)", str(exc.problem or exc))]) from None
    except yaml.reader.ReaderError as exc:   # a character YAML does not allow (NUL, other controls)
        line = text.count("\n", 0, exc.position) + 1
        column = exc.position - (text.rfind("\n", 0, exc.position) + 1) + 1
        raise ConfigError([ConfigProblem(file, line, column, "(syntax)",
                                         f"character U+{exc.character:04X} is not allowed in YAML")]) from None
    except yaml.YAMLError as exc:
        raise ConfigError([ConfigProblem(file, 1, 1, "(syntax)", str(exc))]) from None
    except RecursionError:
        raise ConfigError([ConfigProblem(file, 1, 1, "(syntax)", "the YAML is nested too deeply")]) from None
    return data, _PositionIndex(root)


def load_catalogue(path: str | Path, seeds_dirs: list[Path] | None = None) -> Catalogue:
    """Load and check targets.yaml. Raises ConfigError listing every problem."""
    path = Path(path)
    file = str(path)
    data, index = parse_yaml(read_targets(path), file)
    problems = [ConfigProblem(file, *where, format_path(p), "duplicate key") for p, where in index.duplicates]
    if not isinstance(data, dict):
        raise ConfigError(problems + [ConfigProblem(file, 1, 1, "(document)", "expected a mapping with 'version: 1'")])
    try:
        spec = CatalogueSpec.model_validate(data)
    except ValidationError as exc:
        for error in exc.errors():
            loc = _clean_loc(error["loc"], index)
            message = error["msg"]
            if error["type"] == "extra_forbidden":
                message = "unknown key (check the spelling; see docs/targets-format.md)"
            elif error["type"] == "missing":
                message = "required field is missing"
            elif error["type"] == "union_tag_invalid":
                loc = (*loc, error["ctx"]["discriminator"].strip("'"))
                message = f"unknown kind {error['ctx']['tag']!r}; known kinds: {error['ctx']['expected_tags']}"
            problems.append(ConfigProblem(file, *index.locate(loc), format_path(loc), message))
        raise ConfigError(problems) from None
    problems += check_references(spec, index, file, seeds_dirs or default_seed_dirs(path))
    if problems:
        raise ConfigError(problems)
    return build_catalogue(spec, source=path)


def load_or_report(path: str | Path) -> Catalogue | None:
    """For commands: the catalogue, or None after printing every problem to stderr."""
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


def check_references(spec: CatalogueSpec, index: _PositionIndex, file: str, seeds_dirs: list[Path]) -> list[ConfigProblem]:
    problems: list[ConfigProblem] = []

    def problem(path: PathKey, message: str) -> None:
        problems.append(ConfigProblem(file, *index.locate(path), format_path(path), message))

    for section in ("documents", "agencies", "feeds", "commitments"):
        seen: set[str] = set()
        for i, item in enumerate(getattr(spec, section)):
            if item.id in seen:
                problem((section, i, "id"), f"duplicate id {item.id!r}")
            seen.add(item.id)

    documents = {d.id: d for d in spec.documents}
    agencies = {a.id for a in spec.agencies}
    feeds = {f.id for f in spec.feeds}
    seed_texts: dict[str, str | None] = {d.id: _read_seed(d.source, seeds_dirs) for d in spec.documents}
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
        if c.document not in documents:
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
        elif c.measure is None and c.monitorable and c.status == "active" and "demo" not in feeds:
            problem(("commitments", i), "no measure given and no feed 'demo' to default to")
        try:
            dimension = parse_unit(c.unit).dimension
            if c.kind == "case_duration" and dimension not in ("working_days", "working_hours", "time"):
                problem(("commitments", i, "unit"), f"a case_duration needs a time unit, got {c.unit!r}")
        except UnitError as exc:
            problem(("commitments", i, "unit"), str(exc))
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
        if e.document is not None and e.document not in documents:
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
