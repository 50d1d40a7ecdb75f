"""The file drop folder with real XLSX (written with openpyxl), CSV and JSON files, good and malformed."""

from __future__ import annotations

import json
import os
from datetime import datetime

import openpyxl

from tests.collectors.helpers import NOW, collect_once, feed

HEADERS = ["编号", "受理时间", "办结时间", "网办率"]
RENAME = {"编号": "id", "受理时间": "submitted", "办结时间": "completed", "网办率": "rate"}
SERIES = [{"name": "setup", "type": "cases"}, {"name": "rate", "type": "share", "column": "rate"}]


def write_xlsx(path, rows, headers=HEADERS, sheet="六月"):
    workbook = openpyxl.Workbook()
    worksheet = workbook.active
    assert worksheet is not None
    worksheet.title = sheet
    worksheet.append(headers)
    for row in rows:
        worksheet.append(row)
    workbook.save(path)
    settle(path)
    return path


def settle(path):
    old = NOW.timestamp() - 3600
    os.utime(path, (old, old))


def drop_feed(folder, **more):
    return feed(kind="file", path=str(folder), columns=RENAME, series=SERIES, **more)


GOOD_ROWS = [["A1", datetime(2024, 6, 3, 9), datetime(2024, 6, 4, 10), 95],
             ["A2", "2024-06-05 09:00", "2024-06-07 16:00", "96%"]]


def test_valid_workbook_is_stored_and_moved_to_processed(tmp_path):
    write_xlsx(tmp_path / "june.xlsx", GOOD_ROWS)
    result = collect_once(drop_feed(tmp_path))
    assert result.ok, result.error
    assert len(result.cases) == 1 and len(result.cases[0]) == 2
    assert [v.value for v in result.values] == [95, 96]
    assert result.rows_accepted == 4 and result.rows_rejected == {}
    assert (tmp_path / "processed" / "june.xlsx").exists() and not (tmp_path / "june.xlsx").exists()


def test_workbook_with_one_bad_row_is_rejected_whole_with_a_report_naming_sheet_row_column(tmp_path):
    rows = GOOD_ROWS + [["A3", "2024-06-05 09:00", "2024-06-01 09:00", 97], ["A4", "2024-06-05", "2024-06-06", 130]]
    write_xlsx(tmp_path / "june.xlsx", rows)
    result = collect_once(drop_feed(tmp_path))
    assert result.ok
    assert result.values == [] and result.cases == [] and result.rows_accepted == 0
    assert result.rows_rejected == {"file_rejected": 1, "end_before_start": 1, "share_above_100": 1}
    assert (tmp_path / "rejected" / "june.xlsx").exists()
    report = (tmp_path / "rejected" / "june.xlsx.errors.txt").read_text(encoding="utf-8")
    assert "工作表“六月”，第4行，C列（办结时间）：办结时间早于受理时间" in report
    assert "sheet=六月 row=5 column=D (网办率) problem=share_above_100" in report


def test_workbook_missing_a_column_is_rejected_naming_the_column(tmp_path):
    write_xlsx(tmp_path / "june.xlsx", [["A1", "2024-06-03", "2024-06-04"]], headers=HEADERS[:3])
    result = collect_once(drop_feed(tmp_path))
    assert result.rows_rejected["missing_column"] == 1
    report = (tmp_path / "rejected" / "june.xlsx.errors.txt").read_text(encoding="utf-8")
    assert "第1行的表头缺少：「网办率」" in report and "columns there: 编号, 受理时间, 办结时间" in report


def test_corrupt_xlsx_is_rejected_not_crashing_the_collection(tmp_path):
    (tmp_path / "broken.xlsx").write_bytes(b"PK\x03\x04 this is not really a zip")
    settle(tmp_path / "broken.xlsx")
    write_xlsx(tmp_path / "good.xlsx", GOOD_ROWS)
    result = collect_once(drop_feed(tmp_path))
    assert result.ok and result.rows_accepted == 4
    assert result.rows_rejected == {"file_rejected": 1, "unreadable_file": 1}
    assert "文件无法读取" in (tmp_path / "rejected" / "broken.xlsx.errors.txt").read_text(encoding="utf-8")


def test_named_sheet_that_does_not_exist_is_reported_with_the_sheets_present(tmp_path):
    write_xlsx(tmp_path / "june.xlsx", GOOD_ROWS)
    collect_once(drop_feed(tmp_path, sheet="七月"))
    report = (tmp_path / "rejected" / "june.xlsx.errors.txt").read_text(encoding="utf-8")
    assert "七月" in report and "六月" in report


def test_unsupported_file_type_is_rejected_with_a_report_not_ignored(tmp_path):
    (tmp_path / "scan.pdf").write_bytes(b"%PDF-1.4")
    settle(tmp_path / "scan.pdf")
    result = collect_once(drop_feed(tmp_path))
    assert result.rows_rejected == {"file_rejected": 1, "unsupported_type": 1}
    assert (tmp_path / "rejected" / "scan.pdf.errors.txt").exists()


def test_gb18030_csv_with_a_ragged_row_is_rejected_naming_the_line(tmp_path):
    text = "编号,受理时间,办结时间,网办率\nA1,2024-06-03,2024-06-04,95\nA2,2024-06-03\n"
    (tmp_path / "june.csv").write_bytes(text.encode("gb18030"))
    settle(tmp_path / "june.csv")
    collect_once(drop_feed(tmp_path))
    report = (tmp_path / "rejected" / "june.csv.errors.txt").read_text(encoding="utf-8")
    assert "第3行" in report and "wrong_field_count" in report


def test_valid_csv_and_json_are_accepted_and_their_cases_joined(tmp_path):
    (tmp_path / "a.csv").write_text("编号,受理时间,办结时间,网办率\nA1,2024-06-03,2024-06-04,95\n", encoding="utf-8-sig")
    (tmp_path / "b.json").write_text(json.dumps({"cases": [{"id": "B1", "submitted": "2024-06-03",
                                                            "completed": "2024-06-05"}], "rate": 97}))
    for name in ("a.csv", "b.json"):
        settle(tmp_path / name)
    spec = feed(kind="file", path=str(tmp_path), pattern="*.json",
                series=[{"name": "setup", "type": "cases", "records": "cases"},
                        {"name": "rate", "type": "share", "path": "rate"}])
    result = collect_once(spec)
    assert result.ok and len(result.cases[0]) == 1 and result.values[0].value == 97
    result = collect_once(drop_feed(tmp_path))
    assert len(result.cases[0]) == 1 and (tmp_path / "processed" / "a.csv").exists()


def test_file_still_being_written_is_left_for_the_next_run(tmp_path):
    path = write_xlsx(tmp_path / "june.xlsx", GOOD_ROWS)
    os.utime(path)      # written just now, on the file system's clock
    result = collect_once(drop_feed(tmp_path))
    assert result.ok and result.rows_accepted == 0 and path.exists()


def test_dry_run_reads_but_moves_and_writes_nothing(tmp_path):
    write_xlsx(tmp_path / "june.xlsx", GOOD_ROWS)
    (tmp_path / "bad.xlsx").write_bytes(b"garbage")
    settle(tmp_path / "bad.xlsx")
    result = collect_once(drop_feed(tmp_path), dry_run=True)
    assert result.rows_accepted == 4 and result.rows_rejected["file_rejected"] == 1
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bad.xlsx", "june.xlsx"]


def test_a_second_file_with_the_same_name_does_not_overwrite_the_first(tmp_path):
    write_xlsx(tmp_path / "june.xlsx", GOOD_ROWS)
    collect_once(drop_feed(tmp_path))
    write_xlsx(tmp_path / "june.xlsx", GOOD_ROWS)
    collect_once(drop_feed(tmp_path))
    assert len(list((tmp_path / "processed").glob("june*.xlsx"))) == 2


def test_missing_folder_is_a_config_error(tmp_path):
    assert collect_once(drop_feed(tmp_path / "nowhere")).error_category == "config"
