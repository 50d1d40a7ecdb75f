"""Spreadsheets refused before parsing when they unpack too large; files that crashed or timed out the
reader set aside once instead of being read again at every restart."""

from __future__ import annotations

import io
import json
import zipfile

import openpyxl
import pytest

from collectors import drop_suspects
from collectors.drop_report import Rejected
from collectors.zip_bounds import check_expansion
from tests.collectors.helpers import collect_once
from tests.collectors.test_file_drop import GOOD_ROWS, drop_feed, settle, write_xlsx


def inflated_xlsx(unpacked_bytes: int) -> bytes:
    """A valid small workbook plus a sheet part that unpacks to `unpacked_bytes` (all blanks: tiny zipped)."""
    book = io.BytesIO()
    openpyxl.Workbook().save(book)
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(book.getvalue())) as source, \
            zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            data = source.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                data = data.replace(b"<sheetData></sheetData>", b"<sheetData>" + b" " * unpacked_bytes + b"</sheetData>")
            target.writestr(item, data)
    return out.getvalue()


def test_a_workbook_unpacking_past_the_limit_is_refused_before_any_parser_reads_it():
    content = inflated_xlsx(3_000_000)
    assert len(content) < 100_000
    with pytest.raises(Rejected) as caught:
        check_expansion(content, ".xlsx", max_total=2_000_000)
    assert caught.value.problems[0].reason == "too_large_unpacked"
    assert "超过上限" in caught.value.problems[0].detail
    check_expansion(content, ".xlsx", max_total=10_000_000)   # under the limit: nothing to say


def test_one_part_past_the_part_limit_is_refused_naming_the_part():
    with pytest.raises(Rejected) as caught:
        check_expansion(inflated_xlsx(3_000_000), ".xlsx", max_total=10_000_000, max_part=1_000_000)
    assert "xl/worksheets/sheet1.xml" in caught.value.problems[0].detail


def test_a_dropped_workbook_too_large_unpacked_is_rejected_with_the_reason_in_its_report(tmp_path, monkeypatch):
    (tmp_path / "june.xlsx").write_bytes(inflated_xlsx(3_000_000))
    settle(tmp_path / "june.xlsx")
    result = collect_once(drop_feed(tmp_path, max_unpacked_bytes=2_000_000))   # the reader is a child process
    assert result.rows_rejected == {"file_rejected": 1, "too_large_unpacked": 1}
    report = (tmp_path / "rejected" / "june.xlsx.errors.txt").read_text(encoding="utf-8")
    assert "文件解压后过大" in report


def leave_note(folder, name, **extra):
    """A note as a reader leaves it when its process dies mid-read (another process's token)."""
    status = (folder / name).stat()
    note = {"size": status.st_size, "mtime_ns": status.st_mtime_ns, "process": "a-dead-process", "started": 0, **extra}
    (folder / drop_suspects.NOTES).write_text(json.dumps({name: note}), encoding="utf-8")


def test_a_file_that_crashed_the_reader_is_set_aside_unread_and_recorded(tmp_path, monkeypatch):
    write_xlsx(tmp_path / "june.xlsx", GOOD_ROWS)
    leave_note(tmp_path, "june.xlsx")
    monkeypatch.setattr("collectors.file_reader.FileReader.read",
                        lambda *a, **k: pytest.fail("a suspect file must not be parsed again"))
    result = collect_once(drop_feed(tmp_path))
    assert result.rows_rejected == {"file_rejected": 1, "reader_crashed": 1}
    assert (tmp_path / "rejected" / "june.xlsx").exists() and not (tmp_path / "june.xlsx").exists()
    assert "异常中止" in (tmp_path / "rejected" / "june.xlsx.errors.txt").read_text(encoding="utf-8")
    ledger = json.loads((tmp_path / "rejected" / ".filed.json").read_text(encoding="utf-8"))
    assert ledger["june.xlsx"]["source"] == "june.xlsx"
    assert json.loads((tmp_path / drop_suspects.NOTES).read_text(encoding="utf-8")) == {}


def test_a_corrected_file_under_the_same_name_is_read_not_set_aside(tmp_path):
    write_xlsx(tmp_path / "june.xlsx", GOOD_ROWS)
    leave_note(tmp_path, "june.xlsx", size=1)   # the note is of an earlier, different file
    result = collect_once(drop_feed(tmp_path))
    assert result.rows_rejected == {} and (tmp_path / "processed" / "june.xlsx").exists()


