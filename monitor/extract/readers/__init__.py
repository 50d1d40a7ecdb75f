"""The text of a document as an editor receives it: plain text, a web page, Word or PDF.

`read_document` picks a reader by the file's suffix. The text it returns is what quotes are cut
from, so `monitor extract --merge` saves it beside the catalogue (see `save_text`) for `monitor
validate` to check the quotes of the drafts against.
"""

from __future__ import annotations

from pathlib import Path

from monitor.extract.decode import decode_bytes


class UnreadableDocument(Exception):
    """A document the extractor cannot read; the message says what to do instead."""


def _plain(path: Path) -> str:
    from monitor.extract.readers.limits import MAX_TEXT_BYTES, check_file_size

    check_file_size(path, MAX_TEXT_BYTES)
    return decode_bytes(path.read_bytes())


def _html(path: Path) -> str:
    from monitor.extract.readers.limits import MAX_TEXT_BYTES, check_file_size
    from monitor.extract.readers.web import html_text

    check_file_size(path, MAX_TEXT_BYTES)
    return html_text(decode_bytes(path.read_bytes()), path.name)


def _docx(path: Path) -> str:
    from monitor.extract.readers.word import docx_text

    return docx_text(path)


def _pdf(path: Path) -> str:
    from monitor.extract.readers.pdf import pdf_text

    return pdf_text(path)


READERS = {".txt": _plain, ".text": _plain, ".html": _html, ".htm": _html, ".shtml": _html,
           ".docx": _docx, ".pdf": _pdf}
_REFUSED = {".doc": "an old binary Word file: save it as .docx (Word, LibreOffice) and extract that",
            ".wps": "a WPS file: save it as .docx and extract that"}


def read_document(path: str | Path) -> str:
    """The text of a document file, by suffix (.txt and unknown suffixes are read as text in
    UTF-8, UTF-8/16 with a BOM, GB18030 or Big5). Raises UnreadableDocument when there is no text to
    read, or when the file is too large or hostile (see `limits`)."""
    file = Path(path)
    suffix = file.suffix.lower()
    if suffix in _REFUSED:
        raise UnreadableDocument(f"{file.name}: {_REFUSED[suffix]}")
    text = READERS.get(suffix, _plain)(file)
    if not text.strip():   # an empty success would read as "no promises in this document"
        raise UnreadableDocument(f"{file.name}: no text found in it; check that it is the document itself "
                                 "(not an empty page or a page whose text a script loads)")
    return text


def text_name(path: str | Path) -> str:
    """The name under which the text of `path` is saved: the same stem, suffix .txt."""
    return Path(path).with_suffix(".txt").name


def save_text(text: str, path: str | Path, folder: str | Path) -> Path | None:
    """Write the text of the document at `path` into `folder` as UTF-8 (see `text_name`); None
    when the file there is the document itself or already holds this text."""
    target = Path(folder) / text_name(path)
    if target.exists() and (target.resolve() == Path(path).resolve()
                            or target.read_text(encoding="utf-8-sig", errors="replace") == text):
        return None
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(text, encoding="utf-8")
    return target
