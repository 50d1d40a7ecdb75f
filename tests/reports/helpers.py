"""A catalogue of our own with a progress-report feed: two agencies, three commitments reported on."""

from __future__ import annotations

import io
import os
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import openpyxl

from collectors.report_template import write_template
from monitor.loader import load_catalogue
from monitor.model import Catalogue
from monitor.reporting import Period, reported_commitments

TZ = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 12, 4, 10, 0, tzinfo=TZ)      # a Friday; the 2026-11 report is due 2026-12-10
PERIOD = Period(2026, 11)
SEED = "全年新增市场主体1800家。政务服务事项网上可办率达到90%以上。年底前建成一网通办平台。企业开办时间压缩至1个工作日以内。"

TARGETS = """\
version: 1
documents:
  - id: town2026
    source: seed.txt
    title: 某区2026年优化营商环境实施方案
    jurisdiction: 某市某区
    issuer: 某区人民政府办公室
    issued: 2026-03-01
    period: {start: 2026-01-01, end: 2026-12-31}
agencies:
  - {id: town.market, name: 区市场监管局, emails: [market@town.agencies.example]}
  - {id: town.gov, name: 区政务服务中心, emails: [gov@town.agencies.example]}
feeds:
  - id: reports
    kind: reports
    path: REPORTS
    settle: 0s
    due_day: 10
  - id: cases_market
    kind: file
    path: CASES
    settle: 0s
    columns: {编号: id, 受理时间: submitted, 办结时间: completed, 网办率: rate}
    series: [{name: setup, type: cases}, {name: rate, type: share, column: rate}]
alerting:
  operators: {emails: [ops@operators.example], mode: copy}
commitments:
  - id: town2026.new_firms
    document: town2026
    clause: "1."
    quote: 全年新增市场主体1800家
    measured: {zh: 新增市场主体数量, en: New market entities}
    kind: cumulative
    op: ">="
    value: 1800
    unit: 家
    deadline: 2026-12-31
    agency: town.market
    measure: {feed: reports}
  - id: town2026.online_share
    document: town2026
    clause: "2."
    quote: 政务服务事项网上可办率达到90%以上
    measured: {zh: 政务服务事项网上可办率, en: Share of services available online}
    kind: share
    op: ">="
    value: 90
    unit: "%"
    agency: town.gov
    measure: {feed: reports}
  - id: town2026.platform
    document: town2026
    clause: "3."
    quote: 年底前建成一网通办平台
    measured: {zh: 一网通办平台建成, en: One-network platform built}
    kind: milestone
    op: ">="
    value: 100
    unit: "%"
    deadline: 2026-12-31
    agency: town.gov
    measure: {feed: reports}
  - id: town2026.setup_days
    document: town2026
    clause: "4."
    quote: 企业开办时间压缩至1个工作日以内
    measured: {zh: 企业开办时间, en: Time to start a business}
    kind: case_duration
    op: "<="
    value: 1
    unit: 个工作日
    agency: town.market
    measure: {feed: cases_market, series: setup}
  - id: town2026.unwired
    document: town2026
    clause: "4."
    quote: 企业开办时间压缩至1个工作日以内
    measured: {zh: 企业开办全程网办, en: Setup online}
    kind: value
    op: "<="
    value: 1
    unit: 个工作日
    agency: town.market
"""


def catalogue_in(folder: Path) -> Catalogue:
    (folder / "seeds").mkdir(parents=True, exist_ok=True)
    (folder / "seeds" / "seed.txt").write_text(SEED, encoding="utf-8")
    path = folder / "targets.yaml"
    (folder / "cases").mkdir(exist_ok=True)
    path.write_text(TARGETS.replace("REPORTS", str(folder / "reports")).replace("CASES", str(folder / "cases")),
                    encoding="utf-8")
    return load_catalogue(path)


def template(catalogue: Catalogue, agency: str, period: Period = PERIOD) -> openpyxl.Workbook:
    commitments = reported_commitments(catalogue, "reports", agency)
    data = write_template(catalogue.agencies[agency], commitments, period, date(2026, 12, 10))
    return openpyxl.load_workbook(io.BytesIO(data))


def fill(book: openpyxl.Workbook, rows: dict[int, tuple]) -> bytes:
    """Fill rows (Excel numbers) of 填报表: (本期数值, 数据截至日期, 说明, 佐证)."""
    sheet = book["填报表"]
    for row, values in rows.items():
        for offset, value in enumerate(values):
            sheet.cell(row, 8 + offset, value)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def drop(folder: Path, name: str, content: bytes) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_bytes(content)
    old = NOW.timestamp() - 60
    os.utime(path, (old, old))
    return path
