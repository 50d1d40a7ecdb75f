"""Evidence files: the usual office, scan and text files are accepted by name and by content; archives,
programs and renamed files are refused; the limit is 10 MB exactly."""

from __future__ import annotations

import io
import zipfile

import openpyxl
import pytest
from docx import Document
from reportlab.pdfgen import canvas

from monitor.service.disputes import evidence
from monitor.service.disputes.evidence import EvidenceRefused, check


def pdf() -> bytes:
    out = io.BytesIO()
    page = canvas.Canvas(out)
    page.drawString(72, 720, "cases")
    page.save()
    return out.getvalue()


def docx() -> bytes:
    out = io.BytesIO()
    document = Document()
    document.add_paragraph("办件统计")
    document.save(out)
    return out.getvalue()


def xlsx() -> bytes:
    out = io.BytesIO()
    book = openpyxl.Workbook()
    book.worksheets[0].append(["办件编号", "受理时间"])
    book.save(out)
    return out.getvalue()


def ofd() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("OFD.xml", "<ofd:OFD/>")
        archive.writestr("Doc_0/Document.xml", "<ofd:Document/>")
    return out.getvalue()


PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + b"\x00" * 40
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 40
OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504


@pytest.mark.parametrize("name, make", [
    ("统计.pdf", pdf), ("说明.docx", docx), ("明细.xlsx", xlsx), ("电子公文.ofd", ofd),
    ("照片.png", lambda: PNG), ("扫描件.JPG", lambda: JPEG), ("旧表.xls", lambda: OLE), ("报告.wps", lambda: OLE),
    ("明细.csv", lambda: "办件编号,受理时间\nA1,2021-05-01\n".encode("gb18030")),
])
def test_office_scan_and_text_files_are_accepted(name, make):
    assert check(name, make()) == name.rsplit(".", 1)[1].lower()


@pytest.mark.parametrize("name, data, says", [
    ("材料.zip", b"PK\x03\x04" + b"\x00" * 40, "压缩包"),
    ("run.exe", b"MZ" + b"\x00" * 40, "不接受"),
    ("无扩展名", b"%PDF-1.4", "无扩展名"),
    ("表.xlsx", b"PK\x03\x04" + b"\x00" * 40, "不符"),          # a zip named as a workbook
    ("文.ofd", b"PK\x03\x04" + b"\x00" * 40, "不符"),           # a broken OFD
    ("明细.csv", b"a,b\x00\x00\x01", "不符"),                   # binary named as text
    ("空.pdf", b"", "空的"),
])
def test_archives_programs_and_renamed_files_are_refused_in_chinese(name, data, says):
    with pytest.raises(EvidenceRefused, match=says):
        check(name, data)


def test_the_limit_is_ten_megabytes_exactly():
    head = b"%PDF-1.4\n"
    assert check("a.pdf", head + b"0" * (evidence.MAX_BYTES - len(head))) == "pdf"
    with pytest.raises(EvidenceRefused, match="10 MB"):
        check("a.pdf", head + b"0" * (evidence.MAX_BYTES - len(head) + 1))


def test_a_kept_file_gets_a_random_name_in_its_folder(tmp_path):
    first = evidence.keep(tmp_path / "e", "pdf", b"%PDF-1.4")
    second = evidence.keep(tmp_path / "e", "pdf", b"%PDF-1.4")
    assert first != second and first.endswith(".pdf") and (tmp_path / "e" / first).read_bytes() == b"%PDF-1.4"


def test_the_folder_is_beside_a_sqlite_database():
    assert evidence.default_folder("sqlite:////srv/monitor/var/monitor.db").as_posix() == "/srv/monitor/var/dispute-evidence"
