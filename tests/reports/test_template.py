"""`monitor reports template`: the agency's .xlsx, one row per commitment, fill cells validated, the rest locked."""

from __future__ import annotations

import io
import subprocess
import sys
from datetime import date, datetime

import openpyxl

from collectors.report_template import FIXED, HEADERS, TO_FILL, number_bounds, write_template
from monitor.reporting import reported_commitments
from tests.reports.helpers import PERIOD, catalogue_in, fill, template


def test_template_has_one_row_per_commitment_of_the_agency_with_its_quote_unit_and_target(tmp_path):
    book = template(catalogue_in(tmp_path), "town.gov")
    sheet = book["填报表"]
    assert [c.value for c in sheet[3]] == list(HEADERS)
    rows = [[c.value for c in row] for row in sheet.iter_rows(min_row=4)]
    assert [r[0] for r in rows] == ["town2026.online_share", "town2026.platform"]
    assert rows[0][1] == "政务服务事项网上可办率达到90%以上" and rows[0][3] == "%" and rows[0][4] == "不低于90%"
    assert "报送期：2026-11" in sheet["A2"].value and "2026-12-10" in sheet["A2"].value
    assert "说明" in book.sheetnames


def test_only_the_cells_to_fill_are_unlocked_and_the_sheet_is_protected(tmp_path):
    sheet = template(catalogue_in(tmp_path), "town.gov")["填报表"]
    assert sheet.protection.sheet
    unlocked: set[object] = set()
    for cell in sheet[4]:
        assert cell.column is not None     # no merged cell in the row to fill
        header = sheet.cell(3, cell.column).value
        assert cell.protection.locked == (header in FIXED), header
        if not cell.protection.locked:
            unlocked.add(header)
    assert unlocked == set(TO_FILL)


def test_number_and_date_cells_carry_data_validation_within_the_unit_and_period(tmp_path):
    sheet = template(catalogue_in(tmp_path), "town.gov")["填报表"]
    def rules_of(cell: str) -> list:
        return [v for v in sheet.data_validations.dataValidation if cell in v.sqref]

    value_rows = range(4, sheet.max_row + 1)
    assert all(len(rules_of(f"H{row}")) == 1 for row in value_rows)   # each figure cell checked by one rule
    (share,) = rules_of("H4")
    assert share.type == "decimal" and (share.formula1, share.formula2) == ("0.0", "100.0")
    (dates,) = rules_of("I4")
    assert dates.type == "date" and dates.formula1 == "46327" and dates.formula2 == "46356"   # 2026-11-01, 2026-11-30


def test_template_command_writes_the_file_named_with_the_period(tmp_path, repo_root):
    catalogue_in(tmp_path)
    out = tmp_path / "t.xlsx"
    done = subprocess.run([sys.executable, "-m", "monitor", "reports", "template", "town.market", "--period", "2026-11",
                           "--out", str(out), "--config", str(tmp_path / "targets.yaml")],
                          capture_output=True, text=True, cwd=repo_root)
    assert done.returncode == 0, done.stderr
    sheet = openpyxl.load_workbook(out)["填报表"]
    assert sheet["A4"].value == "town2026.new_firms" and sheet["A5"].value is None


def test_template_command_names_an_unknown_agency_in_chinese(tmp_path, repo_root):
    catalogue_in(tmp_path)
    done = subprocess.run([sys.executable, "-m", "monitor", "reports", "template", "town.nobody",
                           "--config", str(tmp_path / "targets.yaml")], capture_output=True, text=True, cwd=repo_root)
    assert done.returncode == 2 and "town.nobody" in done.stderr and "不报送" in done.stderr


def test_a_long_template_checks_every_figure_with_one_rule_per_bound_and_unit(tmp_path):
    """An agency reporting thousands of commitments: the rules do not grow with the rows."""
    catalogue = catalogue_in(tmp_path)
    reported = reported_commitments(catalogue, "reports", "town.gov")
    commitments = [reported[i % len(reported)] for i in range(600)]   # the two rows' bounds, interleaved
    data = write_template(catalogue.agencies["town.gov"], commitments, PERIOD, date(2026, 12, 10))
    sheet = openpyxl.load_workbook(io.BytesIO(data))["填报表"]
    numbers = [v for v in sheet.data_validations.dataValidation if v.type == "decimal"]
    assert len(numbers) == len({(number_bounds(c), c.unit) for c in reported})
    for row in (4, 5, 4 + 599):
        (rule,) = [v for v in numbers if f"H{row}" in v.sqref]
        low, high = number_bounds(commitments[row - 4])
        assert float(rule.formula1) == low and (rule.formula2 is None) == (high is None)


def test_a_template_written_filled_is_the_template_with_the_agencys_figures_typed_in(tmp_path):
    """What the demo's agencies send, written in one pass, reads as a template filled in by hand."""
    catalogue = catalogue_in(tmp_path)
    commitments = reported_commitments(catalogue, "reports", "town.gov")
    as_of = datetime(2026, 11, 30)
    written = write_template(catalogue.agencies["town.gov"], commitments, PERIOD, date(2026, 12, 10),
                             filled={commitments[0].id: (95.5, as_of, "按计划推进")})
    typed = fill(template(catalogue, "town.gov"), {4: (95.5, as_of, "按计划推进")})
    one, other = (openpyxl.load_workbook(io.BytesIO(data))["填报表"] for data in (written, typed))
    assert one["H4"].value == 95.5 and one["I4"].value == as_of and one["H5"].value is None
    for row_one, row_other in zip(one.iter_rows(), other.iter_rows(), strict=True):
        for a, b in zip(row_one, row_other, strict=True):
            assert (a.value, a.number_format, a.protection.locked, a.fill.fgColor.rgb) == \
                   (b.value, b.number_format, b.protection.locked, b.fill.fgColor.rgb), a.coordinate
    assert len(one.data_validations.dataValidation) == len(other.data_validations.dataValidation)
