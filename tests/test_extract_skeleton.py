"""`monitor extract --merge` writes a complete skeleton: the merged catalogue validates at once,
names its document and agencies, and its drafts are marked, readable and never evaluated."""

from __future__ import annotations

import re
import shutil
from datetime import date
from pathlib import Path

import pytest
import yaml

from monitor.loader import load_catalogue
from monitor.service.cli import main

PLAN = Path(__file__).parent / "data" / "extract_plans" / "district_2024_plan.txt"


def merged(tmp_path: Path) -> tuple[Path, dict]:
    plan = tmp_path / "plan.txt"
    shutil.copy(PLAN, plan)
    targets = tmp_path / "targets.yaml"
    targets.write_text("version: 1\n", encoding="utf-8")
    assert main(["extract", str(plan), "--merge", str(targets)]) == 0
    return targets, yaml.safe_load(targets.read_text(encoding="utf-8"))


def test_extract_merge_then_validate_exits_zero_with_no_hand_edit(tmp_path: Path, capsys):
    targets, _ = merged(tmp_path)
    capsys.readouterr()
    assert main(["validate", str(targets)]) == 0
    assert "ok" in capsys.readouterr().out


def test_the_document_entry_is_read_from_the_text(tmp_path: Path):
    _, data = merged(tmp_path)
    [document] = data["documents"]
    assert document["title"] == "某区2024年优化营商环境工作方案"
    assert document["issuer"] == "某区人民政府办公室" and document["jurisdiction"] == "某区"
    assert document["issued"] == date(2024, 3, 15)
    assert document["period"] == {"start": date(2024, 1, 1), "end": date(2024, 12, 31)}
    assert document["source"] == "plan.txt" and (tmp_path / "seeds" / "plan.txt").exists()


def test_every_lead_and_responsible_unit_gets_a_stub_and_stays_on_its_draft(tmp_path: Path):
    _, data = merged(tmp_path)
    names = {a["name"]: a for a in data["agencies"]}
    # 牵头 and 责任 of an annotation, and the 牵头单位 column of the indicator table
    assert {"区市场监管局", "区税务局", "区人力社保局", "区水务局", "区住房城乡建设委", "区政务服务局"} <= set(names)
    assert all(a["emails"] == [] and re.fullmatch(r"[a-z0-9_.]+", a["id"]) for a in names.values())
    drafts = {d["quote"]: d for d in data["commitments"]}
    setup = drafts["企业开办时间压缩至1个工作日以内"]
    assert setup["agency"] == names["区市场监管局"]["id"]
    assert setup["co_agencies"] == [names["区税务局"]["id"], names["区人力社保局"]["id"]]
    assert drafts["工程建设项目审批时间"]["agency"] == names["区住房城乡建设委"]["id"]
    assert drafts["政务服务事项网上可办率"]["agency"] == names["区政务服务局"]["id"]


def test_drafts_have_readable_ids_measured_phrases_and_a_checklist(tmp_path: Path):
    _, data = merged(tmp_path)
    drafts = data["commitments"]
    assert all(d["status"] == "draft" and d["todo"] for d in drafts)
    assert not any(re.search(r"draft_\d", d["id"]) for d in drafts)
    assert all("\t" not in d["quote"] for d in drafts)   # a table row is quoted by its indicator cell
    by_quote = {d["quote"]: d for d in drafts}
    satisfaction = by_quote["力争经营主体满意度达到95%以上"]
    assert satisfaction["measured"]["zh"] == "经营主体满意度"
    assert any("力争" in item for item in satisfaction["todo"])          # the hedge to decide
    assert any("推测" in item for item in satisfaction["todo"])          # the deadline was guessed
    assert not any("推测" in item for item in by_quote["企业开办时间压缩至1个工作日以内"]["todo"])


def test_merged_drafts_are_loaded_but_never_evaluated(tmp_path: Path):
    targets, data = merged(tmp_path)
    catalogue = load_catalogue(targets)
    assert catalogue.evaluated_commitments() == []
    assert len(catalogue.drafts) == len(data["commitments"]) and not catalogue.commitments


def test_benefits_are_drafted_with_what_to_monitor_and_thresholds_are_not(tmp_path: Path):
    _, data = merged(tmp_path)
    drafts = data["commitments"]
    benefits = {d["quote"]: d for d in drafts if d["id"].endswith("_benefit") or "_benefit_" in d["id"]}
    assert set(benefits) == {"按贷款额的5‰给予补助", "单户企业每年最高不超过20万元", "免收1个月房租"}
    assert benefits["按贷款额的5‰给予补助"]["op"] == "==" and benefits["单户企业每年最高不超过20万元"]["op"] == "<="
    assert all(any("兑付" in item for item in d["todo"]) for d in benefits.values())
    values = [(d["value"], d["unit"]) for d in drafts]
    assert (6, "个月") not in values and (500, "万元") not in values   # eligibility thresholds
    assert not any("通报" in d["quote"] for d in drafts)                   # 每季度通报一次
    water = [d["measured"]["zh"] for d in drafts if d["quote"].startswith("用水、用气")]
    assert sorted(water) == ["用气报装办理时间", "用水报装办理时间"]
    [cuts] = [d for d in drafts if "减税降费" in d["quote"]]
    assert cuts["kind"] != "reduction" and cuts["op"] == ">=" and cuts["value"] == 3


def _as_docx(path: Path) -> None:
    import docx

    document = docx.Document()
    rows = []
    for line in PLAN.read_text(encoding="utf-8").splitlines():
        if "\t" in line:
            rows.append(line.split("\t"))
            continue
        if rows:
            table = document.add_table(rows=len(rows), cols=len(rows[0]))
            for row, cells in zip(table.rows, rows):
                for cell, value in zip(row.cells, cells):
                    cell.text = value
            rows = []
        document.add_paragraph(line)
    document.save(str(path))


def _as_pdf(path: Path) -> None:
    from reportlab.lib import colors
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Table, TableStyle

    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    style = ParagraphStyle("zh", fontName="STSong-Light", fontSize=12, leading=18, wordWrap="CJK")
    story: list = []
    rows: list[list[str]] = []
    for line in PLAN.read_text(encoding="utf-8").splitlines():
        if "\t" in line:
            rows.append(line.split("\t"))
            continue
        if rows:
            table = Table(rows)
            table.setStyle(TableStyle([("FONTNAME", (0, 0), (-1, -1), "STSong-Light"),
                                       ("GRID", (0, 0), (-1, -1), 0.5, colors.black)]))
            story.append(table)
            rows = []
        if line.strip():
            story.append(Paragraph(line, style))
    SimpleDocTemplate(str(path)).build(story)


@pytest.mark.parametrize("write, suffix", [(_as_docx, ".docx"), (_as_pdf, ".pdf")], ids=["docx", "pdf"])
def test_the_plan_as_docx_or_pdf_merges_into_a_valid_catalogue_naming_its_document_and_agencies(
        tmp_path: Path, write, suffix: str, capsys):
    plan = tmp_path / "inbox" / f"plan{suffix}"
    plan.parent.mkdir()
    write(plan)
    targets = tmp_path / "targets.yaml"
    targets.write_text("version: 1\n", encoding="utf-8")
    assert main(["extract", str(plan), "--merge", str(targets)]) == 0
    assert main(["validate", str(targets)]) == 0
    data = yaml.safe_load(targets.read_text(encoding="utf-8"))
    [document] = data["documents"]
    assert document["title"] == "某区2024年优化营商环境工作方案" and document["issuer"] == "某区人民政府办公室"
    names = {a["name"] for a in data["agencies"]}
    assert {"区市场监管局", "区财政局", "区住房城乡建设委", "区政务服务局"} <= names
    drafts = data["commitments"]
    table = {d["quote"]: d for d in drafts if d["quote"] in ("工程建设项目审批时间", "政务服务事项网上可办率")}
    assert {d["value"] for d in table.values()} == {60, 98}                # the indicator table, read as a table
    assert all("\n" not in d["quote"] and "\t" not in d["quote"] for d in drafts)
    assert any(d["quote"] == "力争经营主体满意度达到95%以上" for d in drafts)
