"""The one loader of targets.yaml: YAML with positions -> strict schema -> checked references.

Every problem in the file is reported in one run as `FILE:LINE:COL: path.to.field: message`.
The daemon and `monitor validate` both call `load_catalogue`.
"""

from __future__ import annotations

import gc
import os
import sys
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from pydantic import TypeAdapter, ValidationError

from monitor import catalogue_checks as checks
from monitor.catalogue_files import Locator, PathKey, format_path, read_catalogue
from monitor.model import Catalogue, build_catalogue
from monitor.problems import ConfigError as ConfigError
from monitor.problems import ConfigProblem
from monitor.spec import AgencySpec, CatalogueSpec, CommitmentSpec, DocumentSpec, ExclusionSpec, FeedSpec

TARGETS_ENV = "MONITOR_TARGETS"
DEFAULT_TARGETS = Path("targets.yaml")
TARGETS_HELP = "targets.yaml (default: MONITOR_TARGETS, else ./targets.yaml)"


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


def load_catalogue(path: str | Path, seeds_dirs: list[Path] | None = None) -> Catalogue:
    """Load and check targets.yaml. Raises ConfigError listing every problem."""
    with no_cyclic_collection():
        return _load(Path(path), seeds_dirs)


@contextmanager
def no_cyclic_collection() -> Iterator[None]:
    """The cyclic garbage collector off while a catalogue is built: it creates millions of objects and
    no cycle to collect, and every full collection on the way walks all of them again (at 100,000
    commitments, ~40% of the loader's time). Turned back on only by who turned it off (a load in
    another thread may still run); the daemon collects and freezes after a (re)load (`heap.settle`)."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _load(path: Path, seeds_dirs: list[Path] | None) -> Catalogue:
    path = Path(path)
    file = str(path)
    early = _EarlyItems()
    data, locator, problems = read_catalogue(path, on_parsed=early.validate)
    if not isinstance(data, dict):
        raise ConfigError(problems + [ConfigProblem(file, 1, 1, "(document)", "expected a mapping with 'version: 1'")])
    try:
        spec = early.catalogue(data)
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
    # the files' plain data freed before the commitments are made, which then reuse its memory: at
    # 100,000 commitments, ~200 MB less at the load's peak (and so in the daemon's heap after it)
    del data, locator, early
    return build_catalogue(spec, source=path)


class _EarlyItems:
    """The list items of included files, validated as each file arrives from the processes that parse
    them (the loader would wait for them otherwise); the catalogue's validation then takes these
    models as they are. Any problem, and the catalogue is validated from its plain data alone, so
    errors read exactly the same."""

    def __init__(self) -> None:
        self.models: dict[int, tuple[Any, Any]] = {}   # id(plain item) -> (the item itself, its model)
        self.failed = False

    def validate(self, data: Any) -> None:
        if self.failed or not isinstance(data, dict):
            return
        for section, adapter in _ITEM_LISTS.items():
            items = data.get(section)
            if not isinstance(items, list):
                continue
            try:
                models = adapter.validate_python(items)
            except (ValidationError, ValueError, TypeError, RecursionError):
                self.failed = True   # reported by the full validation
                return
            self.models.update((id(item), (item, model)) for item, model in zip(items, models))

    def catalogue(self, data: dict[str, Any]) -> CatalogueSpec:
        if self.failed or not self.models:
            return CatalogueSpec.model_validate(data)
        taken = dict(data)
        for section in _ITEM_LISTS:
            if isinstance(data.get(section), list):
                taken[section] = [self._model_of(item) for item in data[section]]
        try:
            return CatalogueSpec.model_validate(taken)
        except ValidationError:
            return CatalogueSpec.model_validate(data)   # raises, with every error located as always

    def _model_of(self, item: Any) -> Any:
        """Its model, or the item itself (a file parsed here, or again since it changed on disk)."""
        early = self.models.get(id(item))
        return early[1] if early is not None and early[0] is item else item


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


_ITEM_LISTS: dict[str, TypeAdapter[Any]] = {   # feeds, few and of many kinds, are left to the catalogue's
    "documents": TypeAdapter(list[DocumentSpec]), "agencies": TypeAdapter(list[AgencySpec]),
    "commitments": TypeAdapter(list[CommitmentSpec]), "excluded": TypeAdapter(list[ExclusionSpec])}


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
    known = checks.KnownIds.of(spec, unchecked or {})
    seed_texts = checks.read_seed_texts(spec.documents, seeds_dirs)
    findings = [
        *checks.duplicate_ids(spec),
        *checks.missing_seed_files(spec.documents, seed_texts, seeds_dirs),
        *checks.time_zone(spec.calendar),
        *checks.office_hours(spec.calendar, spec.documents),
        *checks.measure_feeds(spec.measures, known),
        *checks.commitments(spec.commitments, known, seed_texts),
        *checks.maintenance_windows(spec.alerting, known, spec.commitments),
        *checks.exclusions(spec.excluded, known, seed_texts),
    ]
    return [_located(locator, path, message) for path, message in findings]
