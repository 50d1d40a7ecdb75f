"""How large a zipped workbook (.xlsx, .xlsm, .ods) becomes once unpacked, checked before any parser sees it.

A 1 MB .xlsx can hold a sheet that expands to 1 GB of XML; the readers build it in memory (several
GB), so the upload limit on the file as sent is not enough. The sizes checked are the parts'
uncompressed sizes as the zip's central directory records them: the total and each part.
"""

from __future__ import annotations

import io
import zipfile

from collectors.drop_report import FileProblem, Rejected

ZIPPED_TYPES = (".xlsx", ".xlsm", ".ods")
MAX_EXPANDED_BYTES = 256 * 1024 * 1024     # every part together, unpacked
MAX_PART_BYTES = 128 * 1024 * 1024         # one part (one sheet's XML), unpacked


def _mb(size: int) -> str:
    return f"{size / 1024 / 1024:,.1f} MB"


def check_expansion(content: bytes, suffix: str, max_total: int = MAX_EXPANDED_BYTES,
                    max_part: int = MAX_PART_BYTES) -> None:
    """Rejected (`too_large_unpacked`) when the zip's parts, unpacked, exceed either limit; nothing
    for a file that is no zip (an .xls, or a damaged file the reader then reports)."""
    if suffix not in ZIPPED_TYPES:
        return
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            parts = archive.infolist()
    except (zipfile.BadZipFile, ValueError, OSError):
        return
    total = sum(part.file_size for part in parts)
    largest = max(parts, key=lambda part: part.file_size, default=None)
    if total > max_total:
        raise Rejected([FileProblem(
            "too_large_unpacked",
            detail=f"解压后共 {_mb(total)}，超过上限 {_mb(max_total)} / unpacked {total} bytes > {max_total}")])
    if largest is not None and largest.file_size > max_part:
        raise Rejected([FileProblem(
            "too_large_unpacked",
            detail=f"其中“{largest.filename}”解压后 {_mb(largest.file_size)}，超过单个部件上限 {_mb(max_part)} / "
                   f"part {largest.filename} unpacked {largest.file_size} bytes > {max_part}")])
