"""The text of a PDF with a text layer (pdfplumber); a scanned PDF is refused, not read as empty."""

from __future__ import annotations

from pathlib import Path

from monitor.extract.readers import UnreadableDocument
from monitor.extract.readers.limits import MAX_FILE_BYTES, MAX_PDF_PAGES, check_file_size

# Fewer visible characters than this per page means images of pages, not text.
_MIN_CHARS_PER_PAGE = 20


def pdf_text(path: Path) -> str:
    import pdfplumber
    from pdfminer.psparser import PSException   # every pdfminer error (syntax, EOF, encryption ...)
    from pdfplumber.utils.exceptions import PdfminerException   # pdfplumber's wrapper of them

    check_file_size(path, MAX_FILE_BYTES)
    try:
        with pdfplumber.open(str(path)) as pdf:
            if len(pdf.pages) > MAX_PDF_PAGES:
                raise UnreadableDocument(f"{path.name}: {len(pdf.pages)} pages, more than the {MAX_PDF_PAGES} "
                                         "a plan runs to; extract from the pages that hold it")
            pages = [page.extract_text() or "" for page in pdf.pages]
    except (PdfminerException, PSException, ValueError, KeyError, TypeError, RecursionError) as error:
        raise UnreadableDocument(f"{path.name}: not a readable PDF ({type(error).__name__}: {error})") from error
    visible = sum(len("".join(page.split())) for page in pages)
    if visible < _MIN_CHARS_PER_PAGE * max(1, len(pages)) / 2:
        raise UnreadableDocument(
            f"{path.name}: this PDF has no text layer ({len(pages)} page(s), {visible} characters of "
            "text): it is a scan. Run OCR on it first (for example `ocrmypdf -l chi_sim in.pdf out.pdf`), "
            "or extract from the .docx or web page it was published with.")
    return "\n".join(page.rstrip("\n") for page in pages) + "\n"
