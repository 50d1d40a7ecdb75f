"""monitor extract on the files editors receive: Word, PDF and web pages, built by the tests;
a scanned PDF refused; the text saved beside the catalogue so `monitor validate` checks quotes."""

from __future__ import annotations

import argparse
from pathlib import Path

import docx
import pytest
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfgen import canvas

from monitor.extract import add_extract_command, extract_file
from monitor.extract.readers import UnreadableDocument, read_document
from monitor.loader import load_catalogue

LINES = [
    "某区2022年优化营商环境实施方案",
    "一、压缩办理时间",
    "1.企业开办时间压缩至1个工作日以内。",
    "2.今年以来,全区共办理审批事项2.6万件。",
    "3.政务服务事项网上可办率达到98%以上。",
]
EXPECTED = [(1, "个工作日"), (98, "%")]   # the report (2.6万件) is no draft


def run(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="monitor")
    add_extract_command(parser.add_subparsers(dest="command"))
    args = parser.parse_args(["extract", *argv])
    return args.func(args)


def drafts(path: Path) -> list[tuple[float, str | None]]:
    text = read_document(path)
    found = sorted(extract_file(path), key=lambda p: p.start)
    for proposal in found:
        assert text[proposal.start:proposal.end] == proposal.quote
    return [(p.value, p.unit) for p in found]


def test_a_word_file_is_read_paragraphs_and_tables(tmp_path: Path):
    document = docx.Document()
    for line in LINES:
        document.add_paragraph(line)
    table = document.add_table(rows=2, cols=2)
    table.cell(0, 0).text, table.cell(0, 1).text = "事项", "承诺时限"
    table.cell(1, 0).text, table.cell(1, 1).text = "不动产转移登记", "3个工作日"
    indicators = document.add_table(rows=2, cols=4)
    for cell, text in zip(indicators.rows[0].cells, ("指标", "单位", "2021年基数", "2022年目标")):
        cell.text = text
    for cell, text in zip(indicators.rows[1].cells, ("获得电力平均接电时间", "工作日", "15", "5")):
        cell.text = text
    path = tmp_path / "plan.docx"
    document.save(str(path))
    assert "不动产转移登记\t3个工作日" in read_document(path)
    # the target column of an indicator table is read in the row's unit; the baseline is not
    assert drafts(path) == EXPECTED + [(3, "个工作日"), (5, "个工作日")]


def _pdf(path: Path, lines: list[str]) -> None:
    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    page = canvas.Canvas(str(path))
    page.setFont("STSong-Light", 12)
    for i, line in enumerate(lines):
        page.drawString(60, 780 - 20 * i, line)
    page.save()


def test_a_pdf_with_a_text_layer_is_read(tmp_path: Path):
    path = tmp_path / "plan.pdf"
    _pdf(path, LINES)
    assert read_document(path).splitlines()[0] == LINES[0]
    assert drafts(path) == EXPECTED


def test_a_scanned_pdf_is_refused_with_what_to_do(tmp_path: Path, capsys):
    path = tmp_path / "scan.pdf"
    page = canvas.Canvas(str(path))
    page.rect(60, 60, 400, 600, fill=1)   # an image of a page: no text at all
    page.save()
    with pytest.raises(UnreadableDocument, match="no text layer"):
        read_document(path)
    assert run([str(path)]) == 2
    assert "OCR" in capsys.readouterr().err


PAGE = """<!DOCTYPE html><html><head><meta charset="gb2312"><title>某区人民政府</title></head><body>
<div class="top-nav"><a href="/">首页</a><a href="/zwgk">政务公开</a><a href="/hd">互动交流</a></div>
<div class="header"><img src="logo.png">某区人民政府门户网站 2024年1月1日 星期一</div>
<div class="crumbs">当前位置: 首页 &gt; 政务公开 &gt; 通知公告</div>
<div class="wrapper"><div class="left-menu"><ul><li><a>12345热线24小时服务</a></li><li><a>办事指南</a></li></ul></div>
<div class="article"><h1>某区2022年优化营商环境实施方案</h1>
<div class="info">发布日期:2022-03-15 来源:区政府办 浏览次数:1024次</div>
<div class="TRS_Editor"><p>一、压缩办理时间</p><p>1.企业开办时间压缩至1个工作日以内。</p>
<p>2.今年以来,全区共办理审批事项2.6万件。</p><p>3.政务服务事项网上可办率达到98%以上。</p></div>
</div></div>
<div class="footer">主办:某区人民政府办公室 联系电话:0571-87654321 备案号:浙ICP备12345678号 网站标识码3301000001</div>
</body></html>"""


def test_a_web_page_gives_its_main_text_without_navigation_and_footer(tmp_path: Path):
    path = tmp_path / "notice.html"
    path.write_bytes(PAGE.encode("gb18030"))
    text = read_document(path)
    assert "企业开办时间压缩至1个工作日以内" in text
    for boilerplate in ("首页", "当前位置", "12345热线", "主办", "ICP", "浏览次数"):
        assert boilerplate not in text
    assert drafts(path) == EXPECTED


def test_an_old_word_file_is_refused_with_what_to_do(tmp_path: Path, capsys):
    path = tmp_path / "plan.doc"
    path.write_bytes(b"\xd0\xcf\x11\xe0 not really")
    assert run([str(path)]) == 2
    assert "save it as .docx" in capsys.readouterr().err


CATALOGUE = """\
version: 1
documents:
  - id: plan2022
    source: plan.txt
    title: 某区2022年优化营商环境实施方案
    jurisdiction: 某区
    issuer: 某区人民政府
    period: {start: 2022-01-01, end: 2022-12-31}
agencies:
  - id: plan.market
    name: 区市场监管局
feeds:
  - id: demo
    kind: demo
commitments: []
"""


def test_merged_drafts_of_a_pdf_validate_against_the_text_saved_beside_the_catalogue(tmp_path: Path, capsys):
    pdf, targets = tmp_path / "inbox" / "plan.pdf", tmp_path / "targets.yaml"
    pdf.parent.mkdir()
    _pdf(pdf, LINES)
    targets.write_text(CATALOGUE, encoding="utf-8")
    assert run([str(pdf), "--merge", str(targets)]) == 0
    saved = tmp_path / "seeds" / "plan.txt"
    assert saved.read_text(encoding="utf-8") == read_document(pdf)
    assert "saved as" in capsys.readouterr().err
    catalogue = load_catalogue(targets)   # raises with every problem, quotes included
    assert len(catalogue.drafts) == len(EXPECTED) and not catalogue.commitments   # drafts, never evaluated
    # a quote the text does not hold is caught
    targets.write_text(targets.read_text(encoding="utf-8").replace("1个工作日以内", "2个工作日以内"),
                       encoding="utf-8")
    with pytest.raises(Exception, match="not an exact substring"):
        load_catalogue(targets)


OLD_PAGE = """<html><body><table width="1000"><tr><td><a href="/">首页</a> | <a href="/a">机构概况</a> |
<a href="/b">政务公开</a> | <a href="/c">办事服务</a></td></tr></table>
<table><tr><td><font size="3"><p>各乡镇人民政府,县政府各部门:</p><p>一、企业开办时间压缩至1个工作日以内。</p>
<p>二、今年以来,全县共办理审批事项1.2万件。</p><p>三、政务服务事项网上可办率达到98%以上。</p></font></td></tr></table>
<div><a href="/x">打印本页</a> <a href="/y">关闭窗口</a></div>
<table><tr><td>版权所有:某县人民政府 地址:某县人民路1号 邮编:123456</td></tr></table></body></html>"""


def test_a_page_laid_out_with_tables_and_no_marked_block_gives_the_block_with_most_text(tmp_path: Path):
    path = tmp_path / "old.htm"
    path.write_text(OLD_PAGE, encoding="utf-8")
    text = read_document(path)
    for boilerplate in ("首页", "打印本页", "版权所有", "邮编"):
        assert boilerplate not in text
    assert drafts(path) == EXPECTED


def _pdf_with_table(path: Path, paragraphs: list[str], rows: list[list[str]]) -> None:
    """A PDF as word processors write it: paragraphs wrapped by the page width, a ruled table."""
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Table, TableStyle

    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    style = ParagraphStyle("zh", fontName="STSong-Light", fontSize=12, leading=18, wordWrap="CJK")
    table = Table(rows)
    table.setStyle(TableStyle([("FONTNAME", (0, 0), (-1, -1), "STSong-Light"),
                               ("GRID", (0, 0), (-1, -1), 0.5, colors.black)]))
    SimpleDocTemplate(str(path), pagesize=A4).build([Paragraph(p, style) for p in paragraphs] + [table])


PDF_PLAN = ["某区2024年优化营商环境工作方案",
            "(一)提升政务服务效能(牵头单位:区政务服务局)。1.企业开办时间压缩至1个工作日以内,不动产登记一般业务"
            "办理时间压缩至3个工作日以内,政务服务“好差评”满意率和经营主体满意度均力争达到95%以上。",
            "二、主要指标"]
PDF_TABLE = [["序号", "指标", "单位", "目标值", "牵头单位"],
             ["1", "工程建设项目审批时间", "工作日", "60", "区住房城乡建设委"],
             ["2", "政务服务事项网上可办率", "%", "98", "区政务服务局"],
             ["3", "新增市场主体", "家", "1800", "区市场监管局"],
             ["4", "企业注销办理时间", "工作日", "2", "区市场监管局"]]


def test_a_pdf_table_is_read_as_rows_of_cells_and_its_targets_drafted(tmp_path: Path):
    path = tmp_path / "plan.pdf"
    _pdf_with_table(path, PDF_PLAN, PDF_TABLE)
    text = read_document(path)
    assert "1\t工程建设项目审批时间\t工作日\t60\t区住房城乡建设委\n" in text
    drafts = {(p.quote, p.value) for p in extract_file(path)}
    table = {(q, v) for q, v in drafts if "\t" in q}
    assert {v for _, v in table} == {60, 98, 1800, 2}      # every indicator of the table, none read as a year
    by_value = {p.value: p for p in extract_file(path)}
    assert by_value[60].agency == "区住房城乡建设委" and by_value[2].agency == "区市场监管局"


def test_pdf_lines_broken_by_the_page_width_are_joined_so_quotes_are_exact(tmp_path: Path):
    path = tmp_path / "plan.pdf"
    _pdf_with_table(path, PDF_PLAN, PDF_TABLE)
    text = read_document(path)
    assert PDF_PLAN[1] in text                       # the wrapped paragraph is one line again
    assert text.startswith(PDF_PLAN[0] + "\n")       # the title keeps its own line
    quotes = [p.quote for p in extract_file(path)]
    assert "力争达到95%以上" in "".join(quotes) and not any("\n" in q for q in quotes)
    assert all(q in text for q in quotes)


def test_docx_table_keeps_its_lead_agency_column_and_cells_that_read_alike(tmp_path: Path):
    document = docx.Document()
    document.add_paragraph("某区2024年优化营商环境工作方案")
    table = document.add_table(rows=3, cols=5)
    for row, cells in zip(table.rows, [["序号", "指标", "单位", "目标值", "牵头单位"],
                                       ["1", "企业开办时间", "工作日", "1", "区市场监管局"],
                                       ["2", "政务服务事项网上可办率", "%", "98", "区政务服务局"]]):
        for cell, value in zip(row.cells, cells):
            cell.text = value
    path = tmp_path / "plan.docx"
    document.save(str(path))
    assert "1\t企业开办时间\t工作日\t1\t区市场监管局" in read_document(path)   # the target 1 beside the index 1
    by_value = {p.value: p for p in extract_file(path)}
    assert by_value[1].agency == "区市场监管局" and by_value[98].agency == "区政务服务局"
