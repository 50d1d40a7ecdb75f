"""Property tests: mutated targets.yaml files (keys deleted, items duplicated, values retyped, text
truncated, lines shuffled, bytes re-encoded) give either a valid catalogue or located problems —
never a traceback, never a hang, bounded memory."""

from __future__ import annotations

import copy
import tracemalloc
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from monitor.loader import ConfigError, load_catalogue
from tests.faults.harness import catalogue_yaml, feed_yaml, write_targets

BASE = catalogue_yaml([feed_yaml("alpha", "http://127.0.0.1:9/a"),
                       feed_yaml("beta", "http://127.0.0.1:9/b", interval="5m")]) + (
    "alerting:\n  for: 1h\n  operators: {emails: [ops@monitor.example], mode: digest}\n"
    "  maintenance:\n    - {name: weekend, days: [sat], start: \"22:00\", end: \"06:00\"}\n"
    "calendar:\n  office_hours:\n    某区: [\"09:00-12:00\", \"13:30-17:30\"]\n  holidays: [2026-01-02]\n")
BASE_DATA = yaml.safe_load(BASE)
MAX_PEAK_BYTES = 64 * 1024 * 1024
SETTINGS = settings(max_examples=250, deadline=2000, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                             HealthCheck.too_slow])


@pytest.fixture(scope="module")
def folder(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("mutations")
    write_targets(path, BASE)
    return path


def check_outcome(path: Path, content: bytes) -> None:
    path.write_bytes(content)
    tracemalloc.start()
    try:
        try:
            catalogue = load_catalogue(path)
        except ConfigError as exc:
            assert exc.problems, "a ConfigError must say what is wrong"
            for problem in exc.problems:
                assert problem.line >= 1 and problem.column >= 1 and problem.message, problem
                assert str(problem).startswith(f"{path}:{problem.line}:{problem.column}: ")
        else:
            assert catalogue.commitments is not None
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < MAX_PEAK_BYTES, f"loading took {peak // 1024 // 1024} MB"


def paths(node: Any, prefix: tuple = ()) -> list[tuple]:
    found = [prefix] if prefix else []
    if isinstance(node, dict):
        for key, value in node.items():
            found += paths(value, prefix + (key,))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            found += paths(value, prefix + (index,))
    return found


ALL_PATHS = paths(BASE_DATA)
REPLACEMENTS = st.one_of(st.none(), st.booleans(), st.integers(-10**6, 10**6), st.floats(allow_nan=True),
                         st.text(max_size=30), st.lists(st.integers(), max_size=3), st.just({}),
                         st.just("9999-12-31"), st.just("61 * * * *"), st.just("a@x>, b@y"), st.just("x" * 5000))


@st.composite
def mutated_data(draw) -> Any:
    data = copy.deepcopy(BASE_DATA)
    for _ in range(draw(st.integers(1, 4))):
        path = draw(st.sampled_from(ALL_PATHS))
        parent = data
        try:
            for part in path[:-1]:
                parent = parent[part]
            key = path[-1]
            action = draw(st.sampled_from(["delete", "retype", "duplicate", "rename"]))
            if action == "delete":
                del parent[key]
            elif action == "retype":
                parent[key] = draw(REPLACEMENTS)
            elif action == "duplicate" and isinstance(parent, list):
                parent.append(copy.deepcopy(parent[key]))
            elif action == "rename" and isinstance(parent, dict):
                parent[str(key) + draw(st.sampled_from(["s", "_", "x"]))] = parent.pop(key)
        except (KeyError, IndexError, TypeError):
            continue   # an earlier mutation removed this path
    return data


@SETTINGS
@given(mutated_data())
def test_mutated_structures_load_or_give_located_problems(folder, data):
    check_outcome(folder / "targets.yaml", yaml.safe_dump(data, allow_unicode=True, sort_keys=False).encode())


@st.composite
def mutated_text(draw) -> bytes:
    lines = BASE.splitlines(keepends=True)
    action = draw(st.sampled_from(["truncate", "delete_line", "duplicate_line", "swap_lines", "insert",
                                   "reencode", "indent"]))
    if action == "truncate":
        text = BASE[:draw(st.integers(0, len(BASE)))]
    elif action in ("delete_line", "duplicate_line", "indent"):
        i = draw(st.integers(0, len(lines) - 1))
        lines[i] = {"delete_line": "", "duplicate_line": lines[i] * 2, "indent": " " + lines[i]}[action]
        text = "".join(lines)
    elif action == "swap_lines":
        i, j = draw(st.integers(0, len(lines) - 1)), draw(st.integers(0, len(lines) - 1))
        lines[i], lines[j] = lines[j], lines[i]
        text = "".join(lines)
    elif action == "insert":
        at = draw(st.integers(0, len(BASE)))
        text = BASE[:at] + draw(st.sampled_from(["&a ", "*a", ": ", "- ", "\t", "{", "]", "!!python/object ",
                                                 "\x00", "'", "%YAML 1.1\n", "<<: *a\n"])) + BASE[at:]
    else:
        encoding = draw(st.sampled_from(["gb18030", "utf-16", "latin-1", "big5", "utf-8-sig"]))
        return BASE.encode(encoding, errors="replace")
    return text.encode("utf-8", errors="surrogatepass")


@SETTINGS
@given(mutated_text())
def test_mutated_text_loads_or_gives_located_problems(folder, content):
    check_outcome(folder / "targets.yaml", content)
