"""Suspended time and case events in spreadsheets dropped by agencies (real XLSX written with openpyxl)."""

from __future__ import annotations

from datetime import datetime

import numpy as np

from tests.collectors.helpers import collect_once, feed
from tests.collectors.test_file_drop import write_xlsx

T = np.datetime64
HEADERS = ["编号", "受理时间", "办结时间", "暂停天数", "挂起1", "恢复1", "挂起2", "恢复2"]
RENAME = {"编号": "id", "受理时间": "submitted", "办结时间": "completed"}
ROWS = [["D1", datetime(2024, 6, 3, 9), datetime(2024, 6, 12, 10), 3,
         datetime(2024, 6, 4, 10), datetime(2024, 6, 6, 10), "2024-06-07 09:00", "2024-06-11 09:00"],
        ["D2", datetime(2024, 6, 17, 9), None, None, datetime(2024, 6, 18, 10), None, None, None]]


def drop_feed(folder, paused):
    return feed(kind="file", path=str(folder), columns=RENAME,
                series=[{"name": "setup", "type": "cases", "paused": paused}])


def test_workbook_total_in_a_stated_unit(tmp_path):
    write_xlsx(tmp_path / "june.xlsx", ROWS, headers=HEADERS)
    result = collect_once(drop_feed(tmp_path, {"field": "暂停天数", "unit": "日"}))
    assert result.ok and result.rows_rejected == {}, result.rows_rejected
    batch = result.cases[0]
    assert batch.paused is not None
    assert list(batch.paused) == [3, 0] and batch.paused_unit == "日"


def test_workbook_pause_columns_with_date_cells_give_intervals(tmp_path):
    write_xlsx(tmp_path / "june.xlsx", ROWS, headers=HEADERS)
    result = collect_once(drop_feed(tmp_path, {"start": ["挂起1", "挂起2"], "end": ["恢复1", "恢复2"]}))
    assert result.ok and result.rows_rejected == {}, result.rows_rejected
    pauses = result.cases[0].pauses
    assert pauses is not None
    assert list(pauses.case) == [0, 1, 0]
    assert list(pauses.start) == [T("2024-06-04T10:00"), T("2024-06-18T10:00"), T("2024-06-07T09:00")]
    assert np.isnat(pauses.end[1]) and pauses.end[2] == T("2024-06-11T09:00")
    assert (tmp_path / "processed" / "june.xlsx").exists()


def test_workbook_with_a_pause_ending_before_it_began_is_rejected_naming_the_row(tmp_path):
    rows = ROWS + [["D3", "2024-06-03 09:00", "2024-06-05 10:00", None, "2024-06-04 10:00", "2024-06-03 10:00",
                    None, None]]
    write_xlsx(tmp_path / "june.xlsx", rows, headers=HEADERS)
    result = collect_once(drop_feed(tmp_path, {"start": ["挂起1", "挂起2"], "end": ["恢复1", "恢复2"]}))
    assert result.cases == []
    assert result.rows_rejected == {"file_rejected": 1, "pause_end_before_start": 1}
    report = next((tmp_path / "rejected").glob("*.txt")).read_text(encoding="utf-8")
    assert "恢复时间早于暂停（挂起）时间" in report and "第4行" in report and "恢复1" in report


EVENT_HEADERS = ["办件编号", "环节名称", "发生时间", "特别程序种类"]
EVENT_ROWS = [["E1", "受理", datetime(2024, 6, 3, 9), None], ["E1", "特别程序开始", datetime(2024, 6, 4, 10), "专家评审"],
              ["E1", "特别程序结束", datetime(2024, 6, 6, 10), "专家评审"], ["E1", "审批结果", datetime(2024, 6, 7, 10), None],
              ["E2", "受理", datetime(2024, 6, 5, 9), None], ["E2", "审核", datetime(2024, 6, 6, 9), None]]
EVENTS = {"name": "setup", "type": "cases", "id_field": "办件编号",
          "events": {"kind": "环节名称", "time": "发生时间", "procedure": "特别程序种类"}}


def test_workbook_of_case_events_gives_cases(tmp_path):
    write_xlsx(tmp_path / "events.xlsx", EVENT_ROWS, headers=EVENT_HEADERS)
    result = collect_once(feed(kind="file", path=str(tmp_path), series=[EVENTS]))
    assert result.ok and result.rows_rejected == {}, result.rows_rejected
    batch = result.cases[0]
    assert batch.ids is not None and batch.pauses is not None
    assert list(batch.ids) == ["E1", "E2"]
    assert batch.completed[0] == T("2024-06-07T10:00") and np.isnat(batch.completed[1])
    assert (batch.pauses.start[0], batch.pauses.end[0]) == (T("2024-06-04T10:00"), T("2024-06-06T10:00"))
    assert result.rows_skipped == {"other_event": 1} and result.rows_accepted == 5


def test_workbook_of_events_with_an_unmatched_end_is_rejected_naming_the_case(tmp_path):
    rows = EVENT_ROWS + [["E3", "受理", datetime(2024, 6, 3, 9), None],
                         ["E3", "特别程序结束", datetime(2024, 6, 4, 9), "听证"]]
    write_xlsx(tmp_path / "events.xlsx", rows, headers=EVENT_HEADERS)
    result = collect_once(feed(kind="file", path=str(tmp_path), series=[EVENTS]))
    assert result.rows_rejected == {"file_rejected": 1, "end_without_start": 1}
    report = next((tmp_path / "rejected").glob("*.txt")).read_text(encoding="utf-8")
    assert "特别程序结束之前没有对应的特别程序开始" in report and "E3" in report and "第9行" in report
