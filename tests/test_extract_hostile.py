"""`monitor extract` on hostile files: a zip bomb (also one whose directory lies about its sizes),
billion laughs and an external entity in a .docx, XML and HTML nested past the parser's limits, an
empty page, oversized files. Each is refused with exit 2 and a message saying what is wrong, in
bounded memory and time; never a traceback, never an empty success."""

from __future__ import annotations

import argparse
import os
import struct
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import docx
import pytest
from reportlab.pdfgen import canvas

from monitor.extract import add_extract_command
from monitor.extract.readers import limits

ROOT = Path(__file__).resolve().parents[1]
W = b'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'
BOMB_BYTES = 256 << 20        # what the bomb's document.xml inflates to (from about 1 MB)
PEAK_LIMIT_KB = 320 << 10     # the command's own imports take about 160 MB


def run(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="monitor")
    add_extract_command(parser.add_subparsers(dest="command"))
    args = parser.parse_args(["extract", *argv])
    return args.func(args)


def run_process(path: Path, timeout: float = 120) -> tuple[int, str, str, int, float]:
    """`monitor extract PATH` in its own process: exit status, stdout, stderr, peak RSS (KB), seconds."""
    started = time.monotonic()
    out, err = path.with_suffix(".out"), path.with_suffix(".err")
    with out.open("wb") as stdout, err.open("wb") as stderr:
        process = subprocess.Popen([sys.executable, "-m", "monitor", "extract", str(path)], cwd=ROOT,
                                   stdout=stdout, stderr=stderr)
    peak = 0
    while True:   # the child's own high-water mark (VmHWM restarts at exec; ru_maxrss keeps the parent's copy)
        peak = max(peak, _high_water_kb(process.pid))
        pid, status, usage = os.wait4(process.pid, os.WNOHANG)
        if pid:
            break
        if time.monotonic() - started > timeout:
            process.kill()
            pid, status, usage = os.wait4(process.pid, 0)
            break
        time.sleep(0.02)
    process.returncode = os.waitstatus_to_exitcode(status)
    return (process.returncode, out.read_text(encoding="utf-8"), err.read_text(encoding="utf-8"),
            peak, time.monotonic() - started)


def _high_water_kb(pid: int) -> int:
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return 0
    return next((int(line.split()[1]) for line in status.splitlines() if line.startswith("VmHWM:")), 0)


def word_parts(tmp_path: Path) -> dict[str, bytes]:
    document = docx.Document()
    document.add_paragraph("企业开办时间压缩至1个工作日以内。")
    path = tmp_path / "plain.docx"
    document.save(str(path))
    with zipfile.ZipFile(path) as package:
        return {info.filename: package.read(info) for info in package.infolist()}


def word_file(tmp_path: Path, name: str, document_xml: bytes | None = None, inflating_to: int = 0) -> Path:
    """A .docx whose word/document.xml is `document_xml`, or a run of text inflating to `inflating_to` bytes."""
    path = tmp_path / name
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as package:
        for part, data in word_parts(tmp_path).items():
            if part != "word/document.xml":
                package.writestr(part, data)
            elif document_xml is not None:
                package.writestr(part, document_xml)
            else:
                with package.open(part, "w") as stream:
                    stream.write(b"<w:document " + W + b"><w:body><w:p><w:r><w:t>")
                    chunk = "一".encode() * ((1 << 20) // 3)
                    for _ in range(inflating_to // len(chunk)):
                        stream.write(chunk)
                    stream.write(b"</w:t></w:r></w:p></w:body></w:document>")
    return path


def lying_about(path: Path, part: str, size: int) -> Path:
    """The same file, its central directory claiming that `part` inflates to `size` bytes."""
    data = bytearray(path.read_bytes())
    start = 0
    while (start := data.find(b"PK\x01\x02", start)) >= 0:
        name_length = struct.unpack_from("<H", data, start + 28)[0]
        if data[start + 46:start + 46 + name_length] == part.encode():
            struct.pack_into("<I", data, start + 24, size)
        start += 4
    liar = path.with_name("liar.docx")
    liar.write_bytes(bytes(data))
    assert zipfile.ZipFile(liar).getinfo(part).file_size == size
    return liar


def test_a_zip_bomb_docx_is_refused_from_its_directory_in_bounded_memory(tmp_path):
    bomb = word_file(tmp_path, "bomb.docx", inflating_to=BOMB_BYTES)
    assert bomb.stat().st_size < BOMB_BYTES / 100
    status, out, err, peak_kb, seconds = run_process(bomb)
    assert status == 2 and out == "", err
    assert "bomb.docx" in err and "zip bomb" in err and "word/document.xml" in err
    assert "Traceback" not in err
    assert peak_kb < PEAK_LIMIT_KB, f"peak {peak_kb} KB"
    assert seconds < 60


def test_a_bomb_whose_directory_lies_about_its_size_is_refused_in_bounded_memory(tmp_path):
    liar = lying_about(word_file(tmp_path, "bomb.docx", inflating_to=BOMB_BYTES), "word/document.xml", 1024)
    status, out, err, peak_kb, _ = run_process(liar)
    assert status == 2 and out == "", err
    assert "liar.docx: not a readable .docx file" in err and "Traceback" not in err
    assert peak_kb < PEAK_LIMIT_KB, f"peak {peak_kb} KB"


def billion_laughs() -> bytes:
    entities = b"".join(b'<!ENTITY lol%d "%s">' % (i, (b"&lol%d;" % (i - 1)) * 10) for i in range(1, 10))
    return (b'<?xml version="1.0"?>\n<!DOCTYPE lolz [<!ENTITY lol0 "lol">' + entities + b"]>\n"
            b"<w:document " + W + b"><w:body><w:p><w:r><w:t>&lol9;</w:t></w:r></w:p></w:body></w:document>")


def external_entity(secret: Path) -> bytes:
    return (b'<?xml version="1.0"?>\n<!DOCTYPE d [<!ENTITY x SYSTEM "' + secret.as_uri().encode() + b'">]>\n'
            b"<w:document " + W + b"><w:body><w:p><w:r><w:t>&x;</w:t></w:r></w:p></w:body></w:document>")


@pytest.mark.parametrize("kind", ["billion laughs", "external entity", "utf-16 billion laughs"])
def test_entity_tricks_in_a_docx_are_refused_naming_the_dtd(tmp_path, capsys, kind):
    secret = tmp_path / "secret.txt"
    secret.write_text("承诺时限压缩至3个工作日以内。", encoding="utf-8")
    xml = {"billion laughs": billion_laughs(), "external entity": external_entity(secret),
           "utf-16 billion laughs": billion_laughs().replace(b'version="1.0"', b'version="1.0" encoding="UTF-16"')
           .decode().encode("utf-16")}[kind]
    path = word_file(tmp_path, "entities.docx", xml)
    assert run([str(path)]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert "entities.docx: word/document.xml declares a DTD" in captured.err
    assert "3个工作日" not in captured.err


def test_xml_nested_past_the_parser_limit_in_a_docx_is_refused_not_a_traceback(tmp_path, capsys):
    deep = (b"<w:document " + W + b"><w:body>" + b"<w:p>" * 5000 + "企业开办时间压缩至1个工作日以内".encode()
            + b"</w:p>" * 5000 + b"</w:body></w:document>")
    assert run([str(word_file(tmp_path, "deep.docx", deep))]) == 2
    captured = capsys.readouterr()
    assert captured.out == "" and "deep.docx: not a readable .docx file" in captured.err


def test_html_nested_200000_levels_deep_is_refused_not_an_empty_success(tmp_path):
    page = tmp_path / "deep.html"
    page.write_text("<html><body>" + "<div>" * 200_000 + "企业开办时间压缩至1个工作日以内。" + "</div>" * 200_000
                    + "</body></html>", encoding="utf-8")
    status, out, err, peak_kb, seconds = run_process(page)
    assert status == 2 and out == "", err
    assert "deep.html: the page is nested or sized beyond what the HTML parser reads" in err
    assert "Excessive depth" in err and "Traceback" not in err
    assert peak_kb < PEAK_LIMIT_KB and seconds < 60


def test_a_page_nested_within_the_limit_is_still_read(tmp_path, capsys):
    page = tmp_path / "nested.html"
    page.write_text("<html><body>" + "<div>" * 100 + "企业开办时间压缩至1个工作日以内。" + "</div>" * 100
                    + "</body></html>", encoding="utf-8")
    assert run([str(page)]) == 0
    assert "企业开办时间压缩至1个工作日以内" in capsys.readouterr().out


def test_a_page_without_text_is_refused_not_an_empty_success(tmp_path, capsys):
    page = tmp_path / "script.html"
    page.write_text("<html><body><div id='app'></div><script>load()</script></body></html>", encoding="utf-8")
    assert run([str(page)]) == 2
    captured = capsys.readouterr()
    assert captured.out == "" and "script.html: no text found" in captured.err


def test_an_oversized_text_file_is_refused_before_it_is_read(tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(limits, "MAX_TEXT_BYTES", 1000)
    path = tmp_path / "huge.txt"
    path.write_text("企业开办时间压缩至1个工作日以内。\n" * 100, encoding="utf-8")
    assert run([str(path)]) == 2
    captured = capsys.readouterr()
    assert captured.out == "" and "huge.txt:" in captured.err and "more than the" in captured.err


def test_a_pdf_with_more_pages_than_the_limit_is_refused(tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(limits, "MAX_PDF_PAGES", 2)
    path = tmp_path / "long.pdf"
    pdf = canvas.Canvas(str(path))
    for page in range(3):
        pdf.drawString(72, 720, f"Page {page} of a long annex with enough text on it to count as text.")
        pdf.showPage()
    pdf.save()
    assert run([str(path)]) == 2
    captured = capsys.readouterr()
    assert captured.out == "" and "long.pdf: 3 pages, more than the 2" in captured.err


def test_a_truncated_pdf_is_refused_not_a_traceback(tmp_path, capsys):
    path = tmp_path / "cut.pdf"
    pdf = canvas.Canvas(str(path))
    pdf.drawString(72, 720, "A page with enough text on it to count as a text layer for the reader.")
    pdf.save()
    path.write_bytes(path.read_bytes()[:400])
    assert run([str(path)]) == 2
    assert "cut.pdf:" in capsys.readouterr().err
