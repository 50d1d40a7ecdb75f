"""What `monitor extract` agrees to read: documents of a plausible size, Word files whose parts
expand to a plausible size and carry no DTD, web pages nested no deeper than the parser keeps.

Every check runs before the document is parsed and costs what reading the zip directory (or a
stat) costs, so a hostile file is refused in bounded memory and time with a message saying what is
wrong: a zip bomb (1 MB expanding to 1 GB), entity expansion (billion laughs) or an external entity,
HTML nested past the parser's depth limit (libxml2 stops at 256 levels and silently drops the rest).
"""

from __future__ import annotations

import zipfile
from pathlib import Path

from monitor.extract.readers import UnreadableDocument

MB = 1 << 20
MAX_TEXT_BYTES = 32 * MB          # a .txt or a web page: plans run to a few hundred KB
MAX_FILE_BYTES = 128 * MB         # a .docx or .pdf as stored (images included)
MAX_EXPANDED_BYTES = 128 * MB     # every part of a .docx, uncompressed (python-docx holds them all)
MAX_XML_BYTES = 32 * MB           # its XML parts, uncompressed (a long plan's document.xml: a few MB)
MAX_PARTS = 10_000
MAX_PDF_PAGES = 2_000
# Word never writes a DTD into a package (ECMA-376 part 2 forbids them): one means entity tricks
_DTD_MARKS = tuple("<!DOCTYPE".encode(codec) for codec in ("utf-8", "utf-16-le", "utf-16-be"))


def _mb(size: int) -> str:
    return f"{size / MB:,.1f} MB"


def check_file_size(path: Path, limit: int) -> None:
    """Refuse a file larger than `limit` before reading it."""
    size = path.stat().st_size
    if size > limit:
        raise UnreadableDocument(f"{path.name}: {_mb(size)}, more than the {_mb(limit)} a document is read "
                                 f"up to; extract from the part of it that holds the plan")


def _inflated(package: zipfile.ZipFile, part: zipfile.ZipInfo, keep: bool) -> bytes:
    """The part, inflated a megabyte at a time (`read()` inflates a lying part whole in one call
    before cutting it to its declared size); zipfile raises BadZipFile when the part does not end at
    its declared size with its CRC, so a part whose directory entry lies never reaches python-docx."""
    kept: list[bytes] = []
    with package.open(part) as stream:
        while chunk := stream.read(MB):
            if keep:
                kept.append(chunk)
    return b"".join(kept)


def check_word_package(path: Path) -> None:
    """Refuse a .docx whose zip directory announces more than the limits, whose parts do not inflate
    to what it announces, or whose XML holds a DTD."""
    check_file_size(path, MAX_FILE_BYTES)
    try:
        with zipfile.ZipFile(path) as package:
            parts = package.infolist()
            if len(parts) > MAX_PARTS:
                raise UnreadableDocument(f"{path.name}: {len(parts)} parts in the package, more than the "
                                         f"{MAX_PARTS} a Word file has: refused")
            expanded = sum(part.file_size for part in parts)
            xml = [part for part in parts if part.filename.endswith((".xml", ".rels"))]
            xml_size = sum(part.file_size for part in xml)
            if expanded > MAX_EXPANDED_BYTES or xml_size > MAX_XML_BYTES:
                largest = max(parts, key=lambda part: part.file_size)
                raise UnreadableDocument(
                    f"{path.name}: a {_mb(path.stat().st_size)} file whose parts expand to {_mb(expanded)} "
                    f"({largest.filename} alone {_mb(largest.file_size)}), more than a Word document holds "
                    f"(at most {_mb(MAX_EXPANDED_BYTES)}, {_mb(MAX_XML_BYTES)} of it text): refused as a "
                    "possible zip bomb. If it is a real document, save it as .txt or PDF and extract that")
            for part in parts:
                data = _inflated(package, part, keep=part in xml)
                if any(mark in data for mark in _DTD_MARKS):
                    raise UnreadableDocument(
                        f"{path.name}: {part.filename} declares a DTD (<!DOCTYPE ...>), which Word never "
                        "writes: entity expansion (\"billion laughs\") or an external entity reading files "
                        "of this machine. Refused; ask for the document as Word saves it")
    except (zipfile.BadZipFile, zipfile.LargeZipFile, NotImplementedError, EOFError) as error:
        raise UnreadableDocument(f"{path.name}: not a readable .docx file ({error})") from error


def check_html_parse(name: str, errors: object) -> None:
    """Refuse a page the HTML parser gave up on: nested past its depth limit, or a node too large;
    what it dropped would otherwise vanish without a word. `errors` is the parser's error_log."""
    for error in errors:   # type: ignore[attr-defined]
        if error.type_name == "ERR_RESOURCE_LIMIT" or "Excessive depth" in error.message \
                or "huge" in error.message.lower():
            raise UnreadableDocument(
                f"{name}: the page is nested or sized beyond what the HTML parser reads "
                f"(line {error.line}: {error.message.strip()}); the text past that point would be lost, "
                "so nothing is extracted. Save the page's text (select it in a browser, paste into a .txt) "
                "and extract that")
