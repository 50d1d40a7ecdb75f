"""A catalogue in many files: `include:` in targets.yaml, problems located in the file they are in,
a reload that parses again only the files that changed."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

from monitor import catalogue_files, loader
from monitor.loader import ConfigError, load_catalogue
from monitor.model import Catalogue, build_catalogue
from monitor.spec import CatalogueSpec
from tests.test_loader import VALID, problems_of, write

MAIN = VALID.split("documents:")[0] + VALID[VALID.index("agencies:"):VALID.index("commitments:")] + \
    "include: [targets.d/*.yaml]\n"
DOCUMENT = "documents:" + VALID.split("documents:")[1].split("agencies:")[0]
COMMITMENTS = "commitments:" + VALID.split("commitments:")[1]


def catalogue_in_files(tmp_path: Path, document: str = DOCUMENT + COMMITMENTS) -> Path:
    path = write(tmp_path, MAIN)
    (tmp_path / "targets.d").mkdir()
    (tmp_path / "targets.d" / "demo2021.yaml").write_text(document, encoding="utf-8")
    return path


def test_included_files_add_their_documents_and_commitments(tmp_path):
    catalogue = load_catalogue(catalogue_in_files(tmp_path))
    assert list(catalogue.commitments) == ["demo2021.company_setup"]
    assert catalogue.commitments["demo2021.company_setup"].document.title == "示例方案"


def test_a_problem_in_an_included_file_names_that_file_line_and_column(tmp_path):
    path = catalogue_in_files(tmp_path, DOCUMENT + COMMITMENTS.replace("    unit: 个工作日\n",
                                                                       "    unit: 个工作日\n    colour: red\n"))
    included = tmp_path / "targets.d" / "demo2021.yaml"
    line = included.read_text(encoding="utf-8").splitlines().index("    colour: red") + 1
    assert problems_of(path) == [f"{included}:{line}:5: commitments[0].colour: unknown key (check the spelling; "
                                 "see docs/targets-format.md)"]


def test_a_reference_problem_in_the_second_included_file_is_located_there(tmp_path):
    path = catalogue_in_files(tmp_path)
    second = tmp_path / "targets.d" / "zz-more.yaml"
    second.write_text(COMMITMENTS.replace("demo2021.company_setup", "demo2021.other")
                      .replace("agency: demo.market", "agency: demo.nobody"), encoding="utf-8")
    line = second.read_text(encoding="utf-8").splitlines().index("    agency: demo.nobody") + 1
    assert problems_of(path) == [f"{second}:{line}:5: commitments[0].agency: unknown agency 'demo.nobody'"]


def test_duplicate_ids_across_files_point_at_the_second(tmp_path):
    path = catalogue_in_files(tmp_path)
    (tmp_path / "targets.d" / "zz-copy.yaml").write_text(COMMITMENTS, encoding="utf-8")
    assert problems_of(path) == [f"{tmp_path / 'targets.d' / 'zz-copy.yaml'}:2:5: commitments[0].id: "
                                 "duplicate id 'demo2021.company_setup'"]


def test_duplicate_key_and_syntax_errors_in_included_files_are_located(tmp_path):
    path = catalogue_in_files(tmp_path, DOCUMENT + COMMITMENTS.replace("    op: \"<=\"\n",
                                                                       "    op: \"<=\"\n    op: \"<\"\n"))
    included = tmp_path / "targets.d" / "demo2021.yaml"
    line = included.read_text(encoding="utf-8").splitlines().index('    op: "<"') + 1
    assert f"{included}:{line}:5: commitments[0].op: duplicate key" in problems_of(path)
    included.write_text("documents: [\n", encoding="utf-8")
    assert problems_of(path)[0].startswith(f"{included}:2:1: (syntax): ")


def test_an_include_that_matches_nothing_and_sections_that_belong_in_the_main_file_are_errors(tmp_path):
    path = catalogue_in_files(tmp_path, DOCUMENT + COMMITMENTS + "calendar: {timezone: UTC}\n")
    path.write_text(MAIN.replace("include: [targets.d/*.yaml]", "include: [targets.d/*.yaml, plans/*.yml]"),
                    encoding="utf-8")
    problems = problems_of(path)
    assert any(p.startswith(f"{path}:") and "'plans/*.yml' matches no file" in p for p in problems)
    assert any(p.startswith(f"{tmp_path / 'targets.d' / 'demo2021.yaml'}:") and "calendar: not allowed in an "
               "included file" in p for p in problems)


def test_a_measure_defined_in_two_files_is_an_error(tmp_path):
    path = catalogue_in_files(tmp_path)
    measure = "measures:\n  setup_time: {feed: demo, field: value}\n"
    (tmp_path / "targets.d" / "a-measures.yaml").write_text(measure, encoding="utf-8")
    (tmp_path / "targets.d" / "b-measures.yaml").write_text(measure, encoding="utf-8")
    assert any("b-measures.yaml:2:3: measures.setup_time: measure 'setup_time' is already defined in" in p
               for p in problems_of(path))


def test_a_reload_parses_again_only_the_files_that_changed(tmp_path, monkeypatch):
    path = catalogue_in_files(tmp_path)
    (tmp_path / "targets.d" / "zz-other.yaml").write_text(
        COMMITMENTS.replace("demo2021.company_setup", "demo2021.other"), encoding="utf-8")
    load_catalogue(path)
    parsed: list[str] = []
    real = catalogue_files._fast_parse

    def recorded(text: str) -> Any:
        parsed.append(text)
        return real(text)
    monkeypatch.setattr(catalogue_files, "_fast_parse", recorded)
    (tmp_path / "targets.d" / "zz-other.yaml").write_text(
        COMMITMENTS.replace("demo2021.company_setup", "demo2021.renamed"), encoding="utf-8")
    catalogue = load_catalogue(path)
    assert "demo2021.renamed" in catalogue.commitments and "demo2021.other" not in catalogue.commitments
    assert len(parsed) == 1 and "demo2021.renamed" in parsed[0]


def test_the_cache_keeps_packed_bytes_and_every_read_gets_data_of_its_own(tmp_path, monkeypatch):
    """The daemon keeps the cache for its whole life: objects there would double the catalogue's memory."""
    path = catalogue_in_files(tmp_path)
    included = tmp_path / "targets.d" / "demo2021.yaml"
    for i in range(3):
        (tmp_path / "targets.d" / f"zz-{i:02d}.yaml").write_text(
            COMMITMENTS.replace("demo2021.company_setup", f"demo2021.c{i:02d}"), encoding="utf-8")
    _on_several_cores(monkeypatch)
    first = load_catalogue(path)
    assert len(catalogue_files._cache) == 5   # targets.yaml here, the four included files in the workers
    assert all(type(entry.blob) is bytes and not hasattr(entry, "data") for _, entry in catalogue_files._cache.values())
    again, once_more = catalogue_files.parse_file(included), catalogue_files.parse_file(included)
    assert again.data == once_more.data and again.data is not once_more.data
    again.data["commitments"][0]["quote"] = "改过"   # what one load does to its data never reaches the next
    assert load_catalogue(path).commitments == first.commitments


def test_many_files_are_parsed_on_several_cores_into_what_one_process_makes(tmp_path, monkeypatch):
    path = catalogue_in_files(tmp_path)
    for i in range(11):
        (tmp_path / "targets.d" / f"zz-{i:02d}.yaml").write_text(
            COMMITMENTS.replace("demo2021.company_setup", f"demo2021.c{i:02d}"), encoding="utf-8")
    serial = load_catalogue(path)
    catalogue_files._cache.clear()
    monkeypatch.setattr(catalogue_files, "PARALLEL_MIN_FILES", 2)
    monkeypatch.setattr(os, "cpu_count", lambda: 2)   # what catalogue_files asks for its pool size
    parsed_here: list[str] = []
    real = catalogue_files._fast_parse

    def recorded(text: str) -> Any:
        parsed_here.append(text)
        return real(text)
    monkeypatch.setattr(catalogue_files, "_fast_parse", recorded)
    parallel = load_catalogue(path)
    assert parallel.commitments == serial.commitments and len(parallel.commitments) == 12
    assert len(parsed_here) == 1          # targets.yaml itself; the twelve included files in the workers
    broken = tmp_path / "targets.d" / "zz-03.yaml"   # a repeated key: the careful path, here, locates it
    broken.write_text(COMMITMENTS.replace("demo2021.company_setup", "demo2021.c03")
                      .replace('    op: "<="\n', '    op: "<="\n    op: "<"\n'), encoding="utf-8")
    catalogue_files._cache.clear()
    line = broken.read_text(encoding="utf-8").splitlines().index('    op: "<"') + 1
    assert problems_of(path) == [f"{broken}:{line}:5: commitments[0].op: duplicate key"]


def test_files_with_anchors_take_the_careful_path_and_load_the_same(tmp_path):
    text = DOCUMENT + COMMITMENTS.replace("    measured: {zh: 企业开办时间, en: Time to start a business}\n",
                                          "    measured: &m {zh: 企业开办时间, en: Time to start a business}\n")
    catalogue = load_catalogue(catalogue_in_files(tmp_path, text))
    assert catalogue.commitments["demo2021.company_setup"].measured_zh == "企业开办时间"


@pytest.mark.parametrize("text", ["a: 1\nb: [1, 2.5, true, null, 2021-03-01, '08:00', x]\n",
                                  "a: !!binary aGVsbG8=\nb: {c: ~}\n", "- 0x1f\n- 1_000\n- .inf\n"])
def test_the_fast_parse_builds_what_safe_load_builds(text):
    import yaml
    try:
        fast = catalogue_files._fast_parse(text)
    except catalogue_files._NeedsCareful:
        return
    assert fast == yaml.safe_load(text)


def test_the_shipped_catalogue_still_loads(repo_root):
    assert len(load_catalogue(repo_root / "targets.yaml").commitments) == 264


def _many_files(tmp_path: Path, broken: dict[int, tuple[str, str]]) -> Path:
    path = catalogue_in_files(tmp_path)
    for i in range(11):
        text = COMMITMENTS.replace("demo2021.company_setup", f"demo2021.c{i:02d}")
        old, new = broken.get(i, ("", ""))
        (tmp_path / "targets.d" / f"zz-{i:02d}.yaml").write_text(text.replace(old, new) if old else text,
                                                                 encoding="utf-8")
    return path


def _on_several_cores(monkeypatch: pytest.MonkeyPatch) -> None:
    catalogue_files._cache.clear()
    monkeypatch.setattr(catalogue_files, "PARALLEL_MIN_FILES", 2)
    monkeypatch.setattr(os, "cpu_count", lambda: 2)


def test_items_validated_while_other_files_are_parsed_are_the_catalogues_items(tmp_path, monkeypatch):
    path = _many_files(tmp_path, {})
    serial = load_catalogue(path)
    _on_several_cores(monkeypatch)
    early: list[object] = []
    real = loader._EarlyItems.validate

    def validate(self: loader._EarlyItems, data: Any) -> None:
        early.append(data)
        real(self, data)
    monkeypatch.setattr(loader._EarlyItems, "validate", validate)
    parallel = load_catalogue(path)
    assert len(early) == 12 and parallel.commitments == serial.commitments


def test_problems_in_files_parsed_on_several_cores_read_as_in_one_process(tmp_path, monkeypatch):
    path = _many_files(tmp_path, {2: ("    unit: 个工作日\n", "    unit: 个工作日\n    colour: red\n"),
                                  5: ("document: demo2021", "document: nowhere"),
                                  7: ('    op: "<="\n', '    op: "<"\n    value_max: 3\n')})
    serial = problems_of(path)
    _on_several_cores(monkeypatch)
    assert problems_of(path) == serial and len(serial) == 3
    assert [(Path(line.split(":")[0]).name, line.split(": ")[1]) for line in serial] == [
        ("zz-02.yaml", "commitments[0].colour"), ("zz-05.yaml", "commitments[0].document"),
        ("zz-07.yaml", "commitments[0]")]


def test_the_cyclic_collector_is_off_while_a_catalogue_is_built_and_back_as_it_was(tmp_path, monkeypatch):
    import gc

    path = catalogue_in_files(tmp_path)
    seen: list[bool] = []
    real = build_catalogue

    def build(spec: CatalogueSpec, source: Path | None = None) -> Catalogue:
        seen.append(gc.isenabled())
        return real(spec, source)
    monkeypatch.setattr(loader, "build_catalogue", build)
    assert gc.isenabled()
    load_catalogue(path)
    assert seen == [False] and gc.isenabled()
    gc.disable()
    try:
        load_catalogue(path)
        assert not gc.isenabled()
    finally:
        gc.enable()
    (tmp_path / "broken").mkdir()
    with pytest.raises(ConfigError):
        load_catalogue(catalogue_in_files(tmp_path / "broken", DOCUMENT + COMMITMENTS.replace("op:", "opp:")))
    assert gc.isenabled()


def test_no_plain_data_of_the_files_is_alive_when_the_commitments_are_made(tmp_path, monkeypatch):
    """The commitments reuse the memory the files' plain data held: at 100,000 that is the load's peak."""
    import gc

    def plain_items() -> int:   # commitments as parsed: `measured` a dict, not a model
        return sum(1 for o in gc.get_objects()
                   if type(o) is dict and type(o.get("quote")) is str and type(o.get("measured")) is dict)

    path = _many_files(tmp_path, {})
    _on_several_cores(monkeypatch)
    gc.collect()
    before = plain_items()   # what earlier tests may still hold
    during: list[int] = []
    real = loader.build_catalogue  # type: ignore[attr-defined]  # patched where the loader looks it up

    def counted(spec: CatalogueSpec, source: Path | None = None) -> Catalogue:
        during.append(plain_items() - before)
        return real(spec, source)
    monkeypatch.setattr(loader, "build_catalogue", counted)
    assert len(load_catalogue(path).commitments) == 12
    assert len(load_catalogue(path).commitments) == 12   # from the cache: its data unpacked
    assert during == [0, 0]
