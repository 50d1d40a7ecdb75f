"""A filled template dropped in the agency's folder: accepted whole with its figures dated by 数据截至日期,
or rejected whole with every problem in the agency's words (headers as written, Excel's row numbers)."""

from __future__ import annotations

import asyncio
import os
from datetime import date, datetime

import httpx

from collectors.base import FetchContext
from collectors.runner import collect
from monitor import migrations
from monitor.store import Store, make_engine
from tests.reports.helpers import NOW, TZ, catalogue_in, drop, fill, template


def collect_reports(catalogue, now=NOW):
    async def run():
        async with httpx.AsyncClient() as client:
            context = FetchContext(client=client, now=now, timezone=TZ, catalogue=catalogue)
            return await collect(catalogue.feeds["reports"], context)
    return asyncio.run(run())


def good_gov_report(catalogue) -> bytes:
    return fill(template(catalogue, "town.gov"), {4: (92.5, datetime(2026, 11, 30), "已接入市平台", "http://x/1.pdf"),
                                                  5: (0, "2026-11-30", "平台联调中", None)})


def test_a_correct_report_becomes_observations_dated_by_its_as_of_day(tmp_path):
    catalogue = catalogue_in(tmp_path)
    drop(tmp_path / "reports" / "town.gov", "十一月.xlsx", good_gov_report(catalogue))
    result = collect_reports(catalogue)
    assert result.ok and result.rows_rejected == {}
    assert {(v.series, v.value, v.data_time.date(), v.source) for v in result.values} == {
        ("town2026.online_share", 92.5, date(2026, 11, 30), "report:town.gov:2026-11"),
        ("town2026.platform", 0.0, date(2026, 11, 30), "report:town.gov:2026-11")}
    (receipt,) = result.receipts
    assert receipt.accepted and receipt.agency == "town.gov" and receipt.period == "2026-11"
    assert [(e.commitment, e.note, e.evidence) for e in receipt.entries] == [
        ("town2026.online_share", "已接入市平台", "http://x/1.pdf"), ("town2026.platform", "平台联调中", None)]
    result.handover.committed()
    assert (tmp_path / "reports" / "town.gov" / "processed" / "十一月.xlsx").exists()


def test_a_report_with_mistakes_is_rejected_whole_naming_every_problem_by_its_header_and_excel_row(tmp_path):
    catalogue = catalogue_in(tmp_path)
    book = template(catalogue, "town.gov")
    book["填报表"]["H3"] = "本期 数值"                  # a space: still the column, named as the file writes it
    content = fill(book, {4: ("约30", "下周一", None, None), 5: (130, datetime(2026, 12, 25), None, None)})
    drop(tmp_path / "reports" / "town.gov", "gov.xlsx", content)
    result = collect_reports(catalogue)
    assert result.values == [] and result.rows_rejected == {"file_rejected": 1}
    (receipt,) = result.receipts
    assert not receipt.accepted
    assert receipt.problems == [
        "第4行「本期 数值」：'约30' 不是数字",
        "第4行「数据截至日期」：'下周一' 不是日期（请写成 2026-11-30 这样的格式）",
        "第5行「本期 数值」：'130' 超出范围（单位：%，应在0到100之间）",
        "第5行「数据截至日期」：'2026-12-25' 不在报送期2026-11内（应在2026-11-01至2026-11-30之间）",
    ]
    result.handover.committed()
    report = (tmp_path / "reports" / "town.gov" / "rejected" / "gov.xlsx.errors.txt").read_text(encoding="utf-8")
    assert "第4行「本期 数值」：'约30' 不是数字" in report


def test_rows_of_another_agency_unknown_ids_and_future_dates_are_all_reported(tmp_path):
    catalogue = catalogue_in(tmp_path)
    book = template(catalogue, "town.gov")
    sheet = book["填报表"]
    sheet.protection.sheet = False
    sheet["A4"] = "town2026.new_firms"      # the market regulator's commitment
    sheet["A5"] = "town2026.nothing"
    content = fill(book, {4: (10, datetime(2026, 11, 30)), 5: (1, datetime(2026, 11, 30))})
    now = datetime(2026, 11, 20, 9, tzinfo=TZ)
    path = drop(tmp_path / "reports" / "town.gov", "gov.xlsx", content)
    os.utime(path, (now.timestamp() - 60, now.timestamp() - 60))
    problems = collect_reports(catalogue, now=now).receipts[0].problems
    assert "第4行「编号」：'town2026.new_firms' 不是贵单位通过本填报表报送的承诺" in problems
    assert "第5行「编号」：'town2026.nothing' 不是本目录中的承诺编号" in problems
    assert "第4行「数据截至日期」：'2026-11-30' 晚于今天（2026-11-20），数据截至日期不能是将来" in problems
    assert len(problems) == 4   # rows with no figure are not reported this time: not problems


def test_a_corrected_report_for_the_same_period_replaces_the_earlier_values(tmp_path):
    catalogue = catalogue_in(tmp_path)
    engine = make_engine(f"sqlite:///{tmp_path / 'm.db'}")
    migrations.upgrade(engine)
    store = Store(engine)
    drop(tmp_path / "reports" / "town.gov", "first.xlsx", good_gov_report(catalogue))
    store.save_collection(collect_reports(catalogue))
    corrected = fill(template(catalogue, "town.gov"), {4: (93, datetime(2026, 11, 28)), 5: (1, datetime(2026, 11, 28))})
    drop(tmp_path / "reports" / "town.gov", "second.xlsx", corrected)
    store.save_collection(collect_reports(catalogue))
    values = store.measure_data("reports", "town2026.online_share").values
    assert [(v.value, v.data_time.astimezone(TZ).date()) for v in values] == [(93.0, date(2026, 11, 28))]


def test_a_report_with_no_figure_at_all_is_rejected(tmp_path):
    catalogue = catalogue_in(tmp_path)
    drop(tmp_path / "reports" / "town.gov", "empty.xlsx", fill(template(catalogue, "town.gov"), {}))
    (receipt,) = collect_reports(catalogue).receipts
    assert not receipt.accepted and receipt.problems[0].startswith("文件中没有填报任何数值")
