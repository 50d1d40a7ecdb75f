"""monitor extract: encodings, traditional text with garbage, JSON output, --merge."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import yaml

from monitor.extract import add_extract_command, extract_file

PLAN = (
    "某区2021年优化营商环境实施方案\n"
    "2021年7月23日\n"
    "一、优化政务服务\n"
    "(一)压缩办理时间(牵头单位:区市场监管局,责任单位:区税务局、区政务服务办)。\n"
    "1.企业开办时间压缩至1个工作日以内。年内新增AEO企业10家。\n"
)
TRADITIONAL = (
    "嘉定區(qū)優(yōu)化營商環(huán)境行動方案\n\n"
    "??(一)深入打造要素環(huán)境\n\n"
    "??1、實現(xiàn)獲得用電服務(wù)滿意率98%以上。企業(yè)開辦時間壓縮至１個工作日以內,"
    "辦理時限不超過３個\n工作日。\n"
)


def run(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="monitor")
    add_extract_command(parser.add_subparsers(dest="command"))
    args = parser.parse_args(["extract", *argv])
    return args.func(args)


def test_gb18030_and_bom_files_read_like_utf8(tmp_path: Path):
    plain, bom, gb = tmp_path / "plain.txt", tmp_path / "bom.txt", tmp_path / "gb.txt"
    plain.write_text(PLAN, encoding="utf-8")
    bom.write_bytes(b"\xef\xbb\xbf" + PLAN.encode("utf-8"))
    gb.write_bytes(PLAN.encode("gb18030"))
    expected = [p.to_dict() for p in extract_file(plain)]
    assert expected
    assert [p.to_dict() for p in extract_file(bom)] == expected
    assert [p.to_dict() for p in extract_file(gb)] == expected


def test_traditional_text_with_pinyin_garbage_keeps_exact_quotes(tmp_path: Path):
    path = tmp_path / "trad.txt"
    path.write_text(TRADITIONAL, encoding="utf-8")
    proposals = sorted(extract_file(path), key=lambda p: p.start)  # drafts come ranked by confidence
    assert [(p.value, p.unit, p.op) for p in proposals] == [(98, "%", ">="), (1, "个工作日", "<="), (3, "个工作日", "<=")]
    for proposal in proposals:
        assert TRADITIONAL[proposal.start:proposal.end] == proposal.quote
    assert proposals[0].quote == "實現(xiàn)獲得用電服務(wù)滿意率98%以上"
    assert "\n" in proposals[2].quote  # a sentence broken across lines is quoted as stored
    assert proposals[0].clause == "(一)1、"


def test_json_output_shape(tmp_path: Path, capsys):
    path = tmp_path / "plan.txt"
    path.write_text(PLAN, encoding="utf-8")
    assert run([str(path), "--format", "json", "--document-id", "plan2021"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert len(rows) == 2
    for row in rows:
        assert {"quote", "value", "value_max", "op", "unit", "kind", "deadline", "clause", "agency"} <= set(row)
        assert row["op"] in ("<=", "<", ">=", ">", "==", "range")
        assert row["document"] == "plan2021"
    first, second = rows
    assert first == {**first, "quote": "企业开办时间压缩至1个工作日以内", "value": 1, "op": "<=",
                     "unit": "个工作日", "kind": "case_duration", "deadline": None,
                     "clause": "(一)1.", "agency": "区市场监管局"}
    assert second["kind"] == "cumulative" and second["deadline"] == "2021-12-31"


CATALOGUE = """\
# the catalogue
version: 1
documents:
  - id: plan2021
    source: plan.txt
    jurisdiction: 某区
agencies:
  - id: plan.market   # lead of (一)
    name: 区市场监管局
    jurisdiction: 某区
commitments:
  - id: plan2021.setup_days
    document: plan2021
    quote: "企业开办时间压缩至1个工作日以内"
    value: 1
excluded: []   # stays last
"""


def test_merge_appends_drafts_without_duplicates_and_keeps_comments(tmp_path: Path, capsys):
    plan, targets = tmp_path / "plan.txt", tmp_path / "targets.yaml"
    plan.write_text(PLAN, encoding="utf-8")
    targets.write_text(CATALOGUE, encoding="utf-8")
    assert run([str(plan), "--merge", str(targets)]) == 0
    first = targets.read_text(encoding="utf-8")
    kept = iter(first.splitlines())   # every line of the file is still there, in order
    assert all(line in kept for line in CATALOGUE.splitlines())
    assert "# lead of (一)" in first and first.rstrip().endswith("excluded: []   # stays last")
    data = yaml.safe_load(first)
    drafts = [c for c in data["commitments"] if c.get("status") == "draft"]
    assert [d["id"] for d in drafts] == ["plan2021.c1_1_total"]
    assert drafts[0]["value"] == 10 and drafts[0]["agency"] == "plan.market"
    assert drafts[0]["measured"] == {"zh": drafts[0]["measured"]["zh"], "en": ""}
    assert run([str(plan), "--merge", str(targets)]) == 0
    assert targets.read_text(encoding="utf-8") == first


def test_merge_adds_a_stub_without_email_for_an_agency_the_catalogue_lacks(tmp_path: Path):
    plan, targets = tmp_path / "plan.txt", tmp_path / "targets.yaml"
    plan.write_text(PLAN.replace("区市场监管局", "区营商办"), encoding="utf-8")
    targets.write_text(CATALOGUE, encoding="utf-8")
    assert run([str(plan), "--merge", str(targets), "--document-id", "plan2021"]) == 0
    data = yaml.safe_load(targets.read_text(encoding="utf-8"))
    stub = next(a for a in data["agencies"] if a["name"] == "区营商办")
    assert stub["id"] == "plan.business_environment" and stub["emails"] == []
    drafts = [c for c in data["commitments"] if c.get("status") == "draft"]
    assert drafts and all(c["agency"] == "plan.business_environment" for c in drafts)


def test_merge_creates_the_commitments_block_when_missing(tmp_path: Path):
    plan, targets = tmp_path / "plan.txt", tmp_path / "targets.yaml"
    plan.write_text(PLAN, encoding="utf-8")
    targets.write_text("version: 1  # empty so far\n", encoding="utf-8")
    assert run([str(plan), "--merge", str(targets), "--document-id", "plan2021"]) == 0
    data = yaml.safe_load(targets.read_text(encoding="utf-8"))
    assert [c["id"] for c in data["commitments"]] == ["plan2021.c1_1_time", "plan2021.c1_1_total"]
    assert targets.read_text(encoding="utf-8").startswith("version: 1  # empty so far\n")
