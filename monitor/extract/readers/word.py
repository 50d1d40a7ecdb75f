"""The text of a Word (.docx) file: paragraphs and table rows in document order (python-docx)."""

from __future__ import annotations

import zipfile
from pathlib import Path

from monitor.extract.readers import UnreadableDocument
from monitor.extract.readers.limits import check_word_package


def docx_text(path: Path) -> str:
    import docx
    from docx.table import Table
    from lxml.etree import XMLSyntaxError

    check_word_package(path)   # sizes and DTDs, from the zip directory, before python-docx reads a part
    try:
        document = docx.Document(str(path))
    except (zipfile.BadZipFile, KeyError, ValueError, XMLSyntaxError) as error:
        raise UnreadableDocument(f"{path.name}: not a readable .docx file ({error})") from error
    lines: list[str] = []
    for block in document.iter_inner_content():
        if isinstance(block, Table):
            for row in block.rows:
                cells: list[str] = []
                for cell in row.cells:
                    if cell.text not in cells:  # a merged cell repeats in each column it spans
                        cells.append(cell.text)
                lines.append("\t".join(cells))
        else:
            lines.append(block.text)
    return "\n".join(lines) + "\n"
