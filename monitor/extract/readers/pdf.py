"""The text of a PDF with a text layer (pdfplumber); a scanned PDF is refused, not read as empty.

Tables are read as tables (pdfplumber's `find_tables`): each row becomes a line of tab-separated
cells, as the .docx and web readers give them, so that an indicator table's target column is read
in its unit; the text around them is read band by band above, between and below the tables.
Lines that a PDF breaks only because the page is narrow are joined again (…达到95%以 / 上 → one
line), so that a quote is an exact substring of the saved text; a line that ends a sentence, a
short line (a title, a signature) and a line before a clause label keep their break.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from monitor.extract.readers import UnreadableDocument, limits
from monitor.extract.readers.limits import MAX_FILE_BYTES, check_file_size

# Fewer visible characters than this per page means images of pages, not text.
_MIN_CHARS_PER_PAGE = 20
_ENDS_A_LINE = "。;；!！?？:：」』”)）"
_STARTS_A_CLAUSE = re.compile(r"^\s*(?:[一二三四五六七八九十]+、|[（(][一二三四五六七八九十\d]+[)）]|\d{1,3}[.、．](?!\d)|"
                              r"第[一二三四五六七八九十百]+[章条节]|附件|[—-]\s*\d+\s*[—-]$)")
# a line at least this share of the page's longest line is a full line, broken by the page width
_FULL_LINE = 0.8


def _join_lines(text: str) -> str:
    """Join the lines a narrow page broke; keep the breaks that end sentences, titles and clauses."""
    lines = text.split("\n")
    width = max((len(line.strip()) for line in lines), default=0)
    out: list[str] = []
    for line in lines:
        line = line.strip()
        if not line:
            continue
        if out and _continues(out[-1], line, width):
            out[-1] += line
        else:
            out.append(line)
    return "\n".join(out)


def _continues(previous: str, line: str, width: int) -> bool:
    if "\t" in previous or "\t" in line or previous.endswith(tuple(_ENDS_A_LINE)):
        return False
    if _STARTS_A_CLAUSE.match(line):
        return False
    return width >= 15 and len(previous) >= _FULL_LINE * width


def _cell(value: Any) -> str:
    return re.sub(r"\s*\n\s*", "", str(value or "")).strip()


def _page_text(page: Any) -> str:
    """A page's text: bands of lines around its tables, each table row a line of cells."""
    tables = sorted(page.find_tables(), key=lambda table: table.bbox[1])
    parts: list[str] = []
    top = page.bbox[1]
    for table in tables:
        x0, table_top, x1, bottom = table.bbox
        if table_top > top:
            parts.append(_join_lines(page.crop((page.bbox[0], top, page.bbox[2], table_top)).extract_text() or ""))
        rows = ["\t".join(_cell(cell) for cell in row) for row in table.extract()]
        parts.append("\n".join(row for row in rows if row.strip("\t")))
        top = max(top, bottom)
    if top < page.bbox[3]:
        parts.append(_join_lines(page.crop((page.bbox[0], top, page.bbox[2], page.bbox[3])).extract_text() or ""))
    return "\n".join(part for part in parts if part)


def pdf_text(path: Path) -> str:
    import pdfplumber
    from pdfminer.psparser import PSException  # every pdfminer error (syntax, EOF, encryption ...)
    from pdfplumber.utils.exceptions import PdfminerException  # pdfplumber's wrapper of them

    check_file_size(path, MAX_FILE_BYTES)
    try:
        with pdfplumber.open(str(path)) as pdf:
            if len(pdf.pages) > limits.MAX_PDF_PAGES:   # read now: a test (or an operator) may set it
                raise UnreadableDocument(f"{path.name}: {len(pdf.pages)} pages, more than the {limits.MAX_PDF_PAGES} "
                                         "a plan runs to; extract from the pages that hold it")
            pages = [_page_text(page) for page in pdf.pages]
    except (PdfminerException, PSException, ValueError, KeyError, TypeError, RecursionError) as error:
        raise UnreadableDocument(f"{path.name}: not a readable PDF ({type(error).__name__}: {error})") from error
    visible = sum(len("".join(page.split())) for page in pages)
    if visible < _MIN_CHARS_PER_PAGE * max(1, len(pages)) / 2:
        raise UnreadableDocument(
            f"{path.name}: this PDF has no text layer ({len(pages)} page(s), {visible} characters of "
            "text): it is a scan. Run OCR on it first (for example `ocrmypdf -l chi_sim in.pdf out.pdf`), "
            "or extract from the .docx or web page it was published with.")
    return "\n".join(page.rstrip("\n") for page in pages) + "\n"
