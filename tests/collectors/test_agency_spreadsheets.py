"""Issue 16: agency spreadsheets as they are really sent, through a real drop folder, no header_row set."""

from __future__ import annotations

from datetime import datetime

import numpy as np
import openpyxl
import pytest

from monitor.charsets import decode
from tests.collectors import agency_files as af
from tests.collectors.helpers import TZ, collect_once, feed


def drop_feed(folder, **more):
    return feed(kind="file", path=str(folder), columns=af.COLUMNS, series=af.SERIES, **more)


def collect_now(spec, **more):
    return collect_once(spec, now=datetime.now(TZ), **more)


def accepted_all_20(result, folder, name):
    assert result.ok, result.error
    assert result.rows_rejected == {}, result.rows_rejected
    assert result.rows_accepted == af.N_CASES
    assert result.rows_skipped == {"footer": len(af.FOOTER)}
    batch = result.cases[0]
    assert len(batch) == af.N_CASES and int(np.isnat(batch.completed).sum()) == af.N_OPEN
    assert batch.submitted[0] == np.datetime64("2026-11-02T09:30:00")
    assert batch.completed[0] == np.datetime64("2026-11-04T10:30:00")
    assert (folder / "processed" / name).exists()


@pytest.mark.parametrize("name, write", [
    ("明细.xlsx", lambda p: af.write_xlsx(p)),
    ("明细.xlsm", lambda p: af.write_xlsx(p)),
    ("明细.xls", lambda p: af.write_xls(p)),
    ("明细.ods", lambda p: af.write_ods(p)),
    ("明细-gbk.csv", lambda p: af.write_csv(p, "gbk")),
    ("明细-gb18030.csv", lambda p: af.write_csv(p, "gb18030")),
    ("明细-utf8.csv", lambda p: af.write_csv(p, "utf-8")),
    ("明细-bom.csv", lambda p: af.write_csv(p, "utf-8-sig")),
])
def test_title_rows_above_and_footer_lines_below_the_cases_are_skipped_in_every_format(tmp_path, name, write):
    write(tmp_path / name)
    accepted_all_20(collect_now(drop_feed(tmp_path)), tmp_path, name)


def test_header_split_over_two_rows_with_merged_cells_is_read_as_a_person_sees_it(tmp_path):
    af.write_xlsx(tmp_path / "two-rows.xlsx", two_row_header=True)
    accepted_all_20(collect_now(drop_feed(tmp_path)), tmp_path, "two-rows.xlsx")


def test_dates_as_excel_serials_and_as_chinese_slash_and_dotted_text_are_read(tmp_path):
    rows = af.cases(text_dates=True)
    for row in rows[:5]:   # the submission as an unformatted Excel serial: 46328.395833 = 2026-11-02 09:30
        submitted = row[3]
        assert isinstance(submitted, datetime)
        row[3] = (submitted - datetime(1899, 12, 30)).total_seconds() / 86400
    af.write_xlsx(tmp_path / "dates.xlsx", rows)
    result = collect_now(drop_feed(tmp_path))
    accepted_all_20(result, tmp_path, "dates.xlsx")
    completed = result.cases[0].completed
    assert completed[0] == np.datetime64("2026-11-04T10:30")     # 2026年11月4日 10时30分
    assert completed[1] == np.datetime64("2026-11-05T10:30")     # 2026/11/5 10:30
    assert completed[2] == np.datetime64("2026-11-06T00:00")     # 2026.11.06


def test_every_sheet_matching_a_pattern_is_read_and_others_are_not(tmp_path):
    october = [[i + 1, f"YZ20261000{i}", "企业开办", datetime(2026, 10, 8 + i, 9), datetime(2026, 10, 9 + i, 9)]
               for i in range(3)]
    af.write_xlsx(tmp_path / "two-months.xlsx", sheets={"十月": october, "十一月": af.cases(),
                                                        "说明": [["本表说明", None, None, None, None]]})
    result = collect_now(drop_feed(tmp_path, sheet="*月"))
    assert result.ok and result.rows_rejected == {}
    assert result.rows_accepted == af.N_CASES + 3 and len(result.cases) == 1
    assert result.rows_skipped == {"footer": 2 * len(af.FOOTER)}


def test_a_list_of_sheets_naming_one_that_is_missing_rejects_the_file_naming_it(tmp_path):
    af.write_xlsx(tmp_path / "nov.xlsx")
    result = collect_now(drop_feed(tmp_path, sheet=["十一月", "十二月"]))
    assert result.rows_accepted == 0 and result.rows_rejected == {"file_rejected": 1, "missing_sheet": 1}
    report = (tmp_path / "rejected" / "nov.xlsx.errors.txt").read_text(encoding="utf-8")
    assert "工作表“十二月”：缺少指定的工作表" in report and "十一月" in report


def test_a_malformed_row_between_cases_still_rejects_the_whole_file_naming_sheet_row_and_column(tmp_path):
    rows = af.cases()
    rows[5][4] = "下周一"
    af.write_xlsx(tmp_path / "bad.xlsx", rows)
    result = collect_now(drop_feed(tmp_path))
    assert result.rows_accepted == 0 and result.cases == []
    assert result.rows_rejected == {"file_rejected": 1, "unparseable_completed": 1}
    report = (tmp_path / "rejected" / "bad.xlsx.errors.txt").read_text(encoding="utf-8")
    # title, information line and header are rows 1-3: the sixth case is row 9
    assert "工作表“十一月”，第9行，E列（办结时间）：办结时间无法识别，值为“下周一”" in report


def test_a_summary_line_between_cases_is_a_problem_not_a_footer(tmp_path):
    rows = af.cases()
    rows.insert(10, ["小计", "10件", None, None, None])
    af.write_xlsx(tmp_path / "subtotal.xlsx", rows)
    result = collect_now(drop_feed(tmp_path))
    assert result.rows_accepted == 0 and result.rows_rejected["unparseable_submitted"] == 1
    assert "第14行" in (tmp_path / "rejected" / "subtotal.xlsx.errors.txt").read_text(encoding="utf-8")


def test_footer_words_in_traditional_script_are_recognised(tmp_path):
    rows = af.cases() + [["合計", "20件", None, None, None], ["製表人：張三", None, None, None, None]]
    af.write_csv(tmp_path / "big5ish.csv", "gb18030", rows)
    result = collect_now(drop_feed(tmp_path))
    assert result.rows_accepted == af.N_CASES and result.rows_skipped == {"footer": 2 + len(af.FOOTER)}


def test_no_header_in_the_first_rows_is_reported_with_the_missing_columns(tmp_path):
    af.write_csv(tmp_path / "renamed.csv", "gbk")
    result = collect_now(feed(kind="file", path=str(tmp_path), series=af.SERIES,
                              columns={"编号": "id", "受理时间": "submitted", "办结时间": "completed"}))
    assert result.rows_rejected == {"file_rejected": 1, "missing_column": 1}
    report = (tmp_path / "rejected" / "renamed.csv.errors.txt").read_text(encoding="utf-8")
    assert "第2行的表头缺少：「编号」" in report and "lacks id" not in report.split("[")[0]


def test_an_explicit_header_row_is_still_honoured(tmp_path):
    af.write_xlsx(tmp_path / "explicit.xlsx")
    accepted_all_20(collect_now(drop_feed(tmp_path, header_row=3)), tmp_path, "explicit.xlsx")


def test_a_completion_written_as_a_formula_without_a_cached_value_is_reported_not_an_open_case(tmp_path):
    rows = af.cases()
    rows[2][4] = "=D6+2"     # openpyxl saves formulas without computed values, as scripts do
    af.write_xlsx(tmp_path / "formula.xlsx", rows)
    result = collect_now(drop_feed(tmp_path))
    assert result.rows_accepted == 0 and result.rows_rejected == {"file_rejected": 1, "formula_without_value": 1}
    report = (tmp_path / "rejected" / "formula.xlsx.errors.txt").read_text(encoding="utf-8")
    assert "第6行，E列（办结时间）：公式没有计算结果" in report and "=D6+2" in report



def test_an_empty_sheet_beside_others_is_skipped_but_a_workbook_of_empty_sheets_is_rejected(tmp_path):
    af.write_xlsx(tmp_path / "with-template.xlsx", sheets={"十一月": af.cases(), "十二月": []})
    path = tmp_path / "with-template.xlsx"
    workbook = openpyxl.load_workbook(path)
    workbook.remove(workbook["十二月"])
    workbook.create_sheet("十二月")          # next month's sheet, not filled in yet
    workbook.save(path)
    af.settle(path)
    result = collect_now(drop_feed(tmp_path, sheet="*月"))
    assert result.rows_accepted == af.N_CASES and result.rows_rejected == {}
    empty = openpyxl.Workbook()
    empty.save(tmp_path / "empty.xlsx")
    af.settle(tmp_path / "empty.xlsx")
    result = collect_now(drop_feed(tmp_path))
    assert result.rows_rejected == {"file_rejected": 1, "empty_file": 1}


def test_a_big5_csv_from_a_traditional_script_system_is_not_read_as_gbk_nonsense(tmp_path):
    traditional = {"辦件編號": "id", "受理時間": "submitted", "辦結時間": "completed"}
    text = "渝中區政務服務中心2026年11月辦件明細表\r\n序號,辦件編號,事項名稱,受理時間,辦結時間\r\n" + "".join(
        f"{i},YZ{i:03d},企業開辦,2026-11-0{i} 09:30,2026-11-0{i + 1} 10:30\r\n" for i in range(1, 6)) + "合計,5件\r\n製表人：張三\r\n"
    (tmp_path / "big5.csv").write_bytes(text.encode("big5"))
    af.settle(tmp_path / "big5.csv")
    result = collect_now(feed(kind="file", path=str(tmp_path), columns=traditional, series=af.SERIES))
    assert result.rows_accepted == 5 and result.rows_skipped == {"footer": 2}, result.rows_rejected


def test_a_cell_merged_down_over_several_cases_belongs_to_each_of_them(tmp_path):
    rows = af.cases()
    for row in rows[1:3]:
        row[2] = None
    rows[5][2] = "食品经营许可"
    path = af.write_xlsx(tmp_path / "merged.xlsx", rows)
    workbook = openpyxl.load_workbook(path)
    workbook["十一月"].merge_cells("C4:C6")       # 企业开办 over the first three cases
    workbook.save(path)
    af.settle(path)
    spec = feed(kind="file", path=str(tmp_path), columns={**af.COLUMNS, "事项名称": "service"},
                series=[{"name": "cases", "type": "cases", "where": {"service": "企业开办"}}])
    result = collect_now(spec)
    assert result.rows_accepted == af.N_CASES - 1 and result.rows_rejected == {}


def test_a_units_line_under_the_header_is_part_of_the_header(tmp_path):
    rows = [[None, None, None, "（年-月-日 时:分）", "（年-月-日 时:分）"]] + af.cases()
    af.write_xlsx(tmp_path / "units.xlsx", rows)
    result = collect_now(drop_feed(tmp_path))
    assert result.rows_accepted == af.N_CASES and result.rows_rejected == {}
    assert result.rows_skipped == {"footer": len(af.FOOTER), "under_header": 1}


@pytest.mark.parametrize("text", ["合计\n", "区,值\n海淀,1\n", "受理\n"])
def test_a_few_gbk_characters_are_not_taken_for_big5(text):
    assert decode(text.encode("gbk")).text == text
