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
                seen: set[int] = set()
                for cell in row.cells:
                    if id(cell._tc) in seen:   # a merged cell repeats in each column it spans
                        continue
                    seen.add(id(cell._tc))
                    # two cells that read alike (序号 1, 目标 1) are two columns; line breaks inside a cell go
                    cells.append(" ".join(cell.text.split()))
                lines.append("\t".join(cells))
        else:
            lines.append(block.text)
    return "\n".join(lines) + "\n"
