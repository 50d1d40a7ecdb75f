"""targets.yaml loading: strict schema, every problem in one run with file, line and column."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from monitor.loader import ConfigError, load_catalogue

VALID = """\
version: 1
documents:
  - id: demo2021
    source: seed.txt
    title: 示例方案
    jurisdiction: 示例区
    issuer: 示例区人民政府
    issued: 2021-03-01
    period: {start: 2021-01-01, end: 2021-12-31}
agencies:
  - id: demo.market
    name: 区市场监管局
    emails: [market@demo.agencies.example]
feeds:
  - id: demo
    kind: demo
commitments:
  - id: demo2021.company_setup
    document: demo2021
    clause: "（一）1."
    quote: 企业开办时间压缩至1个工作日以内
    measured: {zh: 企业开办时间, en: Time to start a business}
    kind: case_duration
    op: "<="
    value: 1
    unit: 个工作日
    agency: demo.market
    measure: {feed: demo}
"""


def write(tmp_path: Path, text: str) -> Path:
    """targets.yaml, beside seeds/seed.txt holding the quote (unless a test wrote its own seed)."""
    seed = tmp_path / "seeds" / "seed.txt"
    if not seed.exists():
        seed.parent.mkdir(exist_ok=True)
        seed.write_text("企业开办时间压缩至1个工作日以内", encoding="utf-8")
    path = tmp_path / "targets.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def problems_of(path: Path) -> list[str]:
    with pytest.raises(ConfigError) as caught:
        load_catalogue(path)
    return [str(p) for p in caught.value.problems]


def test_commitment_without_a_measure_is_unwired_never_evaluated_and_not_an_error(tmp_path):
    catalogue = load_catalogue(write(tmp_path, VALID.replace("    measure: {feed: demo}\n", "")))
    commitment = catalogue.commitments["demo2021.company_setup"]
    assert commitment.unwired and not commitment.evaluated
    assert catalogue.evaluated_commitments() == [] and catalogue.evaluated_commitments("demo") == []


def test_validate_warns_of_each_commitment_without_a_measure_and_still_exits_0(tmp_path, repo_root):
    path = write(tmp_path, VALID.replace("    measure: {feed: demo}\n", ""))
    done = subprocess.run([sys.executable, "-m", "monitor", "validate", str(path)], capture_output=True, text=True,
                          cwd=repo_root)
    assert done.returncode == 0, done.stderr
    assert "commitments.demo2021.company_setup: warning: no measure" in done.stderr
    assert "0 evaluated, 1 未接入数据" in done.stdout


def test_a_measure_must_name_its_feed(tmp_path):
    found = problems_of(write(tmp_path, VALID.replace("measure: {feed: demo}", "measure: {series: x}")))
    assert any("commitments[0].measure.feed: required field is missing" in p for p in found), found


def test_valid_file_loads_with_defaults_resolved(tmp_path):
    catalogue = load_catalogue(write(tmp_path, VALID))
    commitment = catalogue.commitments["demo2021.company_setup"]
    assert commitment.measure.feed == "demo"
    assert commitment.measure.series == "demo2021.company_setup"
    assert commitment.measure.aggregate == "share_within"
    assert commitment.start.isoformat() == "2021-01-01"


def test_unknown_key_is_reported_with_its_line_and_column(tmp_path):
    path = write(tmp_path, VALID.replace("    unit: 个工作日\n", "    unit: 个工作日\n    threshhold: 3\n"))
    line = VALID.splitlines().index("    unit: 个工作日") + 2
    assert problems_of(path) == [f"{path}:{line}:5: commitments[0].threshhold: unknown key "
                                 "(check the spelling; see docs/targets-format.md)"]


def test_every_problem_is_reported_in_one_run(tmp_path):
    path = write(tmp_path, VALID.replace('op: "<="', 'op: "=<"').replace("kind: demo", "kind: ftp"))
    found = problems_of(path)
    assert found == [
        f"{path}:16:5: feeds[0].kind: unknown kind 'ftp'; known kinds: 'demo', 'http_json', 'http_csv', 'file', "
        "'sql', 'prometheus', 'reports'",
        f"{path}:24:5: commitments[0].op: Input should be '<=', '<', '>=', '>', '==' or 'range'",
    ]


def test_reference_errors_name_the_field_and_the_known_ids(tmp_path):
    text = VALID.replace("agency: demo.market", "agency: demo.nobody\n    co_agencies: [demo.market, demo.ghost]")
    found = problems_of(write(tmp_path, text))
    assert any("commitments[0].agency: unknown agency 'demo.nobody'" in p for p in found)
    assert any("commitments[0].co_agencies: unknown agency 'demo.ghost'" in p for p in found)


def test_duplicate_ids_and_keys_are_errors(tmp_path):
    doubled = VALID + VALID[VALID.index("  - id: demo2021.company_setup"):]
    found = problems_of(write(tmp_path, doubled))
    assert any("duplicate id 'demo2021.company_setup'" in p for p in found)
    found = problems_of(write(tmp_path, VALID.replace("    value: 1\n", "    value: 1\n    value: 2\n")))
    assert any("commitments[0].value: duplicate key" in p for p in found)


def test_yaml_syntax_error_names_the_line(tmp_path):
    path = write(tmp_path, VALID.replace("    kind: case_duration", "    kind: [case_duration"))
    found = problems_of(path)
    assert len(found) == 1 and found[0].startswith(f"{path}:") and "(syntax)" in found[0]


def test_quote_must_be_an_exact_substring_of_the_seed(tmp_path):
    (tmp_path / "seeds").mkdir()
    (tmp_path / "seeds" / "seed.txt").write_text("企業開辦時間壓縮至1個工作日以內", encoding="utf-8")
    found = problems_of(write(tmp_path, VALID))
    assert any("commitments[0].quote: not an exact substring" in p for p in found)


def test_unknown_unit_and_non_time_case_duration_are_errors(tmp_path):
    found = problems_of(write(tmp_path, VALID.replace("unit: 个工作日", "unit: 光年")))
    assert any("commitments[0].unit: unknown unit '光年'" in p for p in found)
    found = problems_of(write(tmp_path, VALID.replace("unit: 个工作日", "unit: 家")))
    assert any("case_duration needs a time unit" in p for p in found)


def test_range_needs_value_max(tmp_path):
    found = problems_of(write(tmp_path, VALID.replace('op: "<="', "op: range")))
    assert any("commitments[0]" in p and "value_max" in p for p in found)


def test_validate_command_exits_1_and_names_the_line_of_a_planted_key(tmp_path, repo_root):
    broken = (repo_root / "targets.yaml").read_text(encoding="utf-8").replace(
        "    kind: reports\n", "    kind: reports\n    shedule: {interval: 5m}\n", 1)
    path = tmp_path / "targets.yaml"
    path.write_text(broken, encoding="utf-8")
    (tmp_path / "seeds").symlink_to(repo_root / "seeds")
    line = broken.splitlines().index("    shedule: {interval: 5m}") + 1
    run = subprocess.run([sys.executable, "-m", "monitor", "validate", str(path)], capture_output=True, text=True)
    assert run.returncode == 1
    assert f"{path}:{line}:5: feeds[0].shedule: unknown key" in run.stderr


def test_validate_command_accepts_the_shipped_catalogue(repo_root):
    run = subprocess.run([sys.executable, "-m", "monitor", "validate", str(repo_root / "targets.yaml")],
                         capture_output=True, text=True, cwd=repo_root)
    assert run.returncode == 0, run.stderr
    assert "ok" in run.stdout


def test_maintenance_windows_must_name_known_agencies_and_commitments(tmp_path):
    text = VALID + """alerting:
  maintenance:
    - {name: 周末维护, days: [sat], start: "22:00", end: "06:00", agencies: [demo.nobody], commitments: [demo2021.ghost]}
"""
    found = problems_of(write(tmp_path, text))
    assert any("alerting.maintenance[0].agencies[0]: unknown agency 'demo.nobody'" in p for p in found), found
    assert any("alerting.maintenance[0].commitments[0]: unknown commitment 'demo2021.ghost'" in p for p in found), found


def test_office_hours_key_that_names_no_document_jurisdiction_is_an_error(tmp_path):
    """北京市海淀区 never matches a document written 北京市海淀區: the hours would silently be the default."""
    calendar = 'calendar:\n  office_hours:\n    default: ["09:00-12:00", "13:30-17:30"]\n    示例區: ["09:00-12:00"]\n'
    path = write(tmp_path, VALID.replace("version: 1\n", "version: 1\n" + calendar))
    assert problems_of(path) == [
        f"{path}:5:5: calendar.office_hours.示例區: names no document's jurisdiction; keys are 'default' or a "
        "jurisdiction exactly as a document writes it: ['示例区']"]


def test_office_hours_keyed_by_a_document_jurisdiction_are_used(tmp_path):
    calendar = 'calendar:\n  office_hours:\n    default: ["09:00-12:00", "13:30-17:30"]\n    示例区: ["08:30-12:00"]\n'
    catalogue = load_catalogue(write(tmp_path, VALID.replace("version: 1\n", "version: 1\n" + calendar)))
    assert catalogue.calendar.office_hours["示例区"] == ["08:30-12:00"]


def test_schema_and_reference_problems_come_out_in_the_same_run(tmp_path):
    second = VALID[VALID.index("  - id: demo2021.company_setup"):].replace(
        "company_setup", "other").replace("agency: demo.market", "agency: demo.nobody")
    text = VALID.replace('op: "<="', 'op: "=<"') + second.replace("quote: 企业", "quote: 某某企业") + \
        "  - id: ghost2021.x\n    document: ghost2021\n    clause: ''\n    quote: q\n" \
        "    measured: {zh: x}\n    kind: value\n    op: '>='\n    value: 1\n    unit: 家\n    agency: demo.market\n"
    path = write(tmp_path, text)
    found = problems_of(path)
    assert any("commitments[0].op: Input should be" in p for p in found)                 # schema round
    assert any("commitments[1].agency: unknown agency 'demo.nobody'" in p for p in found)  # reference round
    assert any("commitments[1].quote: not an exact substring" in p for p in found)
    assert any("commitments[2].document: unknown document 'ghost2021'" in p for p in found)
    lines = [int(p.split(":")[1]) for p in found]
    assert lines == sorted(lines)   # in the order of the file


def test_a_reference_to_an_item_whose_schema_failed_is_not_reported_twice(tmp_path):
    text = VALID.replace("    name: 区市场监管局\n", "    name: 区市场监管局\n    phone: 123\n")
    found = problems_of(write(tmp_path, text))
    assert len(found) == 1 and "agencies[0].phone: unknown key" in found[0]
