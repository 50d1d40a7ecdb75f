"""A catalogue in many files: targets.yaml plus the files its `include:` names, read fast, located lazily.

    include: [targets.d/*.yaml]     # in targets.yaml; patterns relative to its folder, sorted

An included file holds any of `documents`, `agencies`, `feeds`, `commitments`, `excluded` (lists,
appended after the main file's) and `measures` (a mapping, merged; a name defined twice is an
error). One document per file is the convention for large deployments.

Speed: every file is parsed by libyaml (C) and turned into plain data by a direct walk, without
position bookkeeping. Positions are wanted only for problems, so a file with a problem is parsed
again with positions (`Locator`), and only that file. Files whose text uses anchors or merge keys,
or that repeat a key, take the careful path (alias-bomb check, duplicate keys located) at once.
Parsed files are cached by a digest of their text: a reload parses again only the files that changed.
The cache keeps each file's data pickled and deflated (`_Kept`), not as objects: at 100,000
commitments the plain data was ~220 MB of dicts, lists and strings held for the daemon's whole life,
its pickle deflated is ~15 MB, and unpickling is ~20x faster than parsing. Every read of the cache
gets data of its own, so what a load does to it never reaches the next load.
Hundreds of included files are parsed on every core (`parse_in_parallel`).
"""

from __future__ import annotations

import bisect
import gc
import glob
import hashlib
import multiprocessing
import os
import pickle
import threading
import zlib
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from monitor.limits import check_expansion, read_targets
from monitor.problems import ConfigError, ConfigProblem

PathKey = tuple[Any, ...]
LIST_SECTIONS = ("documents", "agencies", "feeds", "commitments", "excluded")
INCLUDED_SECTIONS = (*LIST_SECTIONS, "measures")
INCLUDE_KEY = "include"
PARALLEL_MIN_FILES = 100   # per process: fewer files are parsed here faster than processes start

_Loader: type = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_STR = "tag:yaml.org,2002:str"
_SEQ = "tag:yaml.org,2002:seq"
_MAP = "tag:yaml.org,2002:map"


class _NeedsCareful(Exception):
    """The fast path met something only the careful path reports well (a repeated key)."""


def _plain(node: yaml.Node, constructor: yaml.constructor.SafeConstructor) -> Any:
    """Plain data from an anchor-free node tree: what SafeLoader builds, minus its bookkeeping."""
    if isinstance(node, yaml.ScalarNode):
        if node.tag == _STR:
            return node.value
        build = constructor.yaml_constructors.get(node.tag)
        if build is None:
            raise _NeedsCareful
        return build(constructor, node)
    if isinstance(node, yaml.SequenceNode):
        if node.tag != _SEQ:
            raise _NeedsCareful
        return [_plain(item, constructor) for item in node.value]
    if node.tag != _MAP:   # !!set, !!omap and the like: the full constructor knows them
        raise _NeedsCareful
    mapping: dict[Any, Any] = {}
    for key_node, value_node in node.value:
        key = _plain(key_node, constructor)
        if key in mapping:
            raise _NeedsCareful
        mapping[key] = _plain(value_node, constructor)
    return mapping


class _FastLoader(_Loader):  # type: ignore[misc]
    """libyaml's loader with the (pure-Python, regex) tag resolution of plain scalars memoised: a
    catalogue repeats its keys and many of its values thousands of times."""

    _resolved: dict[tuple[str, tuple[bool, bool]], str] = {}

    def resolve(self, kind: type, value: str, implicit: tuple[bool, bool]) -> str:
        if kind is not yaml.ScalarNode:
            return str(super().resolve(kind, value, implicit))
        key = (value, implicit)
        tag = self._resolved.get(key)
        if tag is None:
            tag = str(super().resolve(kind, value, implicit))
            if len(value) <= 64 and len(self._resolved) < 200_000:
                self._resolved[key] = tag
        return tag


def _fast_parse(text: str) -> Any:
    loader = _FastLoader(text)
    try:
        root = loader.get_single_node()
        return None if root is None else _plain(root, loader)
    finally:
        loader.dispose()


class PositionIndex:
    """Where each key and value of one YAML document stands (1-based line and column)."""

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


def parse_with_positions(text: str, file: str) -> tuple[Any, PositionIndex]:
    """Parse YAML keeping positions. Raises ConfigError with the syntax error's position."""
    try:
        loader = _Loader(text)
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
    return data, PositionIndex(root)


@dataclass
class ParsedFile:
    file: str
    data: Any
    duplicates: list[tuple[PathKey, tuple[int, int]]] = field(default_factory=list)
    index: PositionIndex | None = None    # built at once only on the careful path


@dataclass(frozen=True)
class _Kept:
    """A parsed file as the cache keeps it: its data pickled and deflated (see the module's docstring)."""

    blob: bytes
    duplicates: list[tuple[PathKey, tuple[int, int]]]
    index: PositionIndex | None

    @classmethod
    def of(cls, parsed: ParsedFile) -> _Kept:
        return cls(_pack(parsed.data), parsed.duplicates, parsed.index)

    def parsed(self, file: str) -> ParsedFile:
        """The file's data, unpickled afresh: no two loads share (and may change) the same objects."""
        return ParsedFile(file, _unpack(self.blob), self.duplicates, self.index)


def _pack(data: Any) -> bytes:
    return zlib.compress(pickle.dumps(data, protocol=pickle.HIGHEST_PROTOCOL), 1)


def _unpack(blob: bytes) -> Any:
    return pickle.loads(zlib.decompress(blob))


_cache: dict[str, tuple[bytes, _Kept]] = {}   # file -> (digest of its text, its data)
_cache_lock = threading.Lock()


def _digest(text: str) -> bytes:
    return hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=16).digest()


def _fast_or_careful(text: str) -> Any:
    """The fast path's data, or _CAREFUL when the file needs the careful path."""
    if "&" in text or "<<" in text:   # anchors or merge keys: expansion must be checked
        return _CAREFUL
    try:
        return _fast_parse(text)
    except (_NeedsCareful, yaml.YAMLError, RecursionError, TypeError):
        return _CAREFUL   # the careful path says where, and why


_CAREFUL = "\0careful"   # not a YAML document's data: a top-level string is no catalogue either way


def _fast_many(texts: list[str]) -> list[bytes | None]:
    """A worker's share, each file's data packed as the cache keeps it (None: for the careful path).
    Without the cyclic collector: parsing makes many objects and no cycle, and its full collections
    would walk all of them again and again."""
    gc.disable()
    try:
        return [None if (data := _fast_or_careful(text)) == _CAREFUL else _pack(data) for text in texts]
    finally:
        gc.enable()


def parse_in_parallel(paths: list[Path], on_parsed: Callable[[Any], None] | None = None) -> dict[str, ParsedFile]:
    """Parse the files not parsed yet on every core, into the cache that `parse_file` reads. Worth it
    for a deployment's thousands of files (a file each per document): parsing is most of a load.
    `on_parsed` gets each file's data here as it arrives, while the other files are still parsed.
    Returns what each file read here parsed into (from the cache or just now): the caller need not read
    them again. A file left out (unreadable, or for the careful path) is for `parse_file`."""
    ready: dict[str, ParsedFile | _Kept] = {}
    todo = []
    for path in paths:
        try:
            text = read_targets(path)
        except (ConfigError, OSError):
            continue   # parse_file reports it
        key = _digest(text)
        with _cache_lock:
            cached = _cache.get(str(path))
        if cached is None or cached[0] != key:
            todo.append((str(path), key, text))
        else:
            ready[str(path)] = cached[1]
    workers = min(os.cpu_count() or 1, len(todo) // PARALLEL_MIN_FILES)
    if workers < 2:
        return _unpacked(ready)
    chunks = [todo[i::workers * 8] for i in range(workers * 8)]   # small: the last one's on_parsed is serial
    # spawn: the daemon reloads from a thread, and forking a threaded process is unsafe
    with ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn")) as pool:
        for chunk, results in zip(chunks, pool.map(_fast_many, [[text for _, _, text in c] for c in chunks])):
            kept = [(file, key, _Kept(blob, [], None)) for (file, key, _), blob in zip(chunk, results)
                    if blob is not None]
            with _cache_lock:
                for file, key, entry in kept:
                    _cache[file] = (key, entry)
            fresh = [entry.parsed(file) for file, _, entry in kept]
            ready.update((parsed.file, parsed) for parsed in fresh)
            if on_parsed is not None:
                for parsed in fresh:
                    on_parsed(parsed.data)
    return _unpacked(ready)


def _unpacked(ready: dict[str, ParsedFile | _Kept]) -> dict[str, ParsedFile]:
    return {file: entry.parsed(file) if isinstance(entry, _Kept) else entry for file, entry in ready.items()}


def parse_file(path: Path) -> ParsedFile:
    """One file's data; parsed again only when its text changed since the last parse (a digest of
    the text decides: file times are too coarse for an editor's quick saves)."""
    file = str(path)
    text = read_targets(path)
    key = _digest(text)
    with _cache_lock:
        cached = _cache.get(file)
    if cached is not None and cached[0] == key:
        return cached[1].parsed(file)
    data = _fast_or_careful(text)
    parsed = None if data == _CAREFUL else ParsedFile(file, data)
    if parsed is None:
        data, index = parse_with_positions(text, file)
        parsed = ParsedFile(file, data, index.duplicates, index)
    with _cache_lock:
        _cache[file] = (key, _Kept.of(parsed))
    return parsed


class Locator:
    """Positions of merged-catalogue paths, found in the file each item came from, on demand."""

    def __init__(self, main: ParsedFile):
        self.main = main
        self.files: dict[str, ParsedFile] = {main.file: main}
        self.spans: dict[str, list[tuple[int, str]]] = {}   # section -> [(first merged index, file)]
        self.measure_files: dict[str, str] = {}

    def add_span(self, section: str, start: int, file: str) -> None:
        self.spans.setdefault(section, []).append((start, file))

    def origin(self, path: PathKey) -> tuple[str, PathKey]:
        """The file an item of the merged catalogue came from, and its path in that file."""
        if len(path) >= 2 and path[0] in self.spans and isinstance(path[1], int):
            spans = self.spans[path[0]]
            at = bisect.bisect_right([s[0] for s in spans], path[1]) - 1
            if at >= 0:
                start, file = spans[at]
                return file, (path[0], path[1] - start, *path[2:])
        if len(path) >= 2 and path[0] == "measures" and path[1] in self.measure_files:
            return self.measure_files[path[1]], path
        return self.main.file, path

    def index(self, file: str) -> PositionIndex:
        parsed = self.files[file]
        if parsed.index is None:
            parsed.index = parse_with_positions(read_targets(Path(file)), file)[1]
        return parsed.index

    def where(self, path: PathKey) -> tuple[str, int, int, PathKey]:
        file, local = self.origin(path)
        try:
            line, column = self.index(file).locate(local)
        except (ConfigError, OSError):   # changed on disk since: the file, at least
            line, column = 1, 1
        return file, line, column, local

    def exists(self, path: PathKey) -> bool:
        if len(path) == 1 and (path[0] in self.spans or (path[0] == "measures" and self.measure_files)):
            return True   # a section that included files fill
        file, local = self.origin(path)
        try:
            return local in self.index(file).positions
        except (ConfigError, OSError):
            return False


def format_path(path: PathKey) -> str:
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text or "(document)"


def _problem(locator: Locator, file: str, path: PathKey, message: str) -> ConfigProblem:
    line, column = locator.index(file).locate(path)
    return ConfigProblem(file, line, column, format_path(path), message)


def read_catalogue(path: Path, on_parsed: Callable[[Any], None] | None = None
                   ) -> tuple[Any, Locator, list[ConfigProblem]]:
    """The merged data of targets.yaml and its includes, a locator, and the problems found so far
    (duplicate keys, bad includes). Raises ConfigError when nothing can be merged. `on_parsed`: see
    `parse_in_parallel` (it may see a file the merge then leaves out)."""
    main = parse_file(path)
    locator = Locator(main)
    problems = [ConfigProblem(main.file, *where, format_path(p), "duplicate key") for p, where in main.duplicates]
    data = main.data
    if not isinstance(data, dict) or INCLUDE_KEY not in data:
        return data, locator, problems
    data = dict(data)
    patterns = data.pop(INCLUDE_KEY)
    if isinstance(patterns, str):
        patterns = [patterns]
    if not isinstance(patterns, list) or not all(isinstance(p, str) for p in patterns):
        problems.append(_problem(locator, main.file, (INCLUDE_KEY,), "expected a list of file patterns, "
                                                                     "e.g. include: [targets.d/*.yaml]"))
        return data, locator, problems
    for section in LIST_SECTIONS:
        if section in data and isinstance(data[section], list):
            data[section] = list(data[section])
    if isinstance(data.get("measures"), dict):
        data["measures"] = dict(data["measures"])
    base = path.resolve().parent
    seen: set[Path] = {path.resolve()}
    matched = [sorted(Path(p) for p in glob.glob(os.path.join(base, pattern)) if os.path.isfile(p))
               for pattern in patterns]
    ready = parse_in_parallel([p for matches in matched for p in matches], on_parsed)
    for i, (pattern, matches) in enumerate(zip(patterns, matched)):
        if not matches:
            problems.append(_problem(locator, main.file, (INCLUDE_KEY, i), f"{pattern!r} matches no file "
                                                                           f"(relative to {base})"))
        for included in matches:
            if included.resolve() in seen:
                continue
            seen.add(included.resolve())
            try:
                parsed = ready.get(str(included)) or parse_file(included)
            except ConfigError as exc:
                problems.extend(exc.problems)
                continue
            locator.files[parsed.file] = parsed
            problems.extend(ConfigProblem(parsed.file, *where, format_path(p), "duplicate key")
                            for p, where in parsed.duplicates)
            problems.extend(_merge(data, parsed, locator))
    return data, locator, problems


def _merge(data: dict[str, Any], parsed: ParsedFile, locator: Locator) -> list[ConfigProblem]:
    if parsed.data is None:
        return []
    if not isinstance(parsed.data, dict):
        return [_problem(locator, parsed.file, (), f"an included file is a mapping of {', '.join(INCLUDED_SECTIONS)}")]
    problems = []
    for key, value in parsed.data.items():
        if key not in INCLUDED_SECTIONS:
            problems.append(_problem(locator, parsed.file, (key,), f"not allowed in an included file; "
                                     f"included files hold {', '.join(INCLUDED_SECTIONS)} (the rest stays in "
                                     f"{Path(locator.main.file).name})"))
        elif key == "measures":
            if not isinstance(value, dict):
                problems.append(_problem(locator, parsed.file, (key,), "expected a mapping of named measures"))
                continue
            measures = data.setdefault("measures", {})
            for name, measure in value.items():
                if name in measures:
                    problems.append(_problem(locator, parsed.file, (key, name), f"measure {name!r} is already "
                                             f"defined in {locator.measure_files.get(name, locator.main.file)}"))
                    continue
                measures[name] = measure
                locator.measure_files[name] = parsed.file
        elif value is not None:
            if not isinstance(value, list):
                problems.append(_problem(locator, parsed.file, (key,), "expected a list"))
                continue
            target = data.setdefault(key, [])
            if not isinstance(target, list):
                continue    # the main file's own problem, reported by the schema
            locator.add_span(key, len(target), parsed.file)
            target.extend(value)
    return problems
