"""Evidence files: what an agency may attach to a dispute, checked by name and by content, kept on disk.

Accepted: PDF and OFD documents, photos and scans (JPEG, PNG, GIF, WebP, HEIC, BMP, TIFF), office
files (Word, Excel, PowerPoint, WPS, OpenDocument, RTF) and plain text or CSV, up to 10 MB. The
content must be what the name says (a renamed program is refused). Archives (zip, rar, 7z) are
refused: the operators would have to unpack unknown files to read them; several files go as one
PDF, or as a link. Files are stored under random names in a folder beside the database (mode
0600) and are never served over HTTP: operators read them on the server (`monitor disputes show`).
"""

from __future__ import annotations

import io
import os
import secrets
import zipfile
from pathlib import Path, PurePath

import filetype

MAX_BYTES = 10 * 1024 * 1024
FOLDER_NAME = "dispute-evidence"
_OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"   # the compound-file header of .doc, .xls, .ppt, .wps, .et, .dps

# extension -> what the content must be: a filetype extension, "ole", "ofd" or "text"
ACCEPTED: dict[str, str] = {
    "pdf": "pdf", "ofd": "ofd",
    "jpg": "jpg", "jpeg": "jpg", "png": "png", "gif": "gif", "webp": "webp", "heic": "heic", "bmp": "bmp",
    "tif": "tif", "tiff": "tif",
    "docx": "docx", "xlsx": "xlsx", "pptx": "pptx", "odt": "odt", "ods": "ods", "odp": "odp", "rtf": "rtf",
    "doc": "ole", "xls": "ole", "ppt": "ole", "wps": "ole", "et": "ole", "dps": "ole",
    "txt": "text", "csv": "text",
}
ACCEPT_ATTRIBUTE = ",".join(f".{ext}" for ext in ACCEPTED)   # the file input's `accept`
ACCEPTED_ZH = "PDF、OFD、图片（JPG、PNG、GIF、WebP、HEIC、BMP、TIFF）、Word、Excel、PowerPoint、WPS、OpenDocument、RTF、TXT、CSV"


class EvidenceRefused(Exception):
    """A file that cannot be kept as evidence; the message is for the agency, in Chinese."""


def check(name: str, data: bytes) -> str:
    """The file's accepted extension, or EvidenceRefused saying why not."""
    if len(data) > MAX_BYTES:
        raise EvidenceRefused(f"文件“{name}”有 {len(data) / 1024 / 1024:.1f} MB，超过 10 MB 的上限。"
                              "请压缩图片或拆分后提交主要部分，或把文件放在贵单位网站上并填写链接。")
    if not data:
        raise EvidenceRefused(f"文件“{name}”是空的，请重新选择文件。")
    ext = PurePath(name).suffix.lower().lstrip(".")
    wanted = ACCEPTED.get(ext)
    if wanted is None:
        hint = "压缩包内的文件请合并为一个 PDF 后提交，或填写链接。" if ext in ("zip", "rar", "7z", "gz", "tar") else ""
        raise EvidenceRefused(f"不接受“.{ext or '（无扩展名）'}”类型的文件“{name}”。可接受：{ACCEPTED_ZH}。{hint}")
    if not _content_is(wanted, data):
        raise EvidenceRefused(f"文件“{name}”的内容与扩展名“.{ext}”不符（可能已损坏或被改名），请用原始文件重新提交。")
    return ext


def _content_is(wanted: str, data: bytes) -> bool:
    head = data[:8192]
    if wanted == "ole":
        return head.startswith(_OLE)
    if wanted == "text":
        return b"\x00" not in head and _decodes(data)
    if wanted == "ofd":
        return _zip_holds(data, "OFD.xml")
    kind = filetype.guess(head)
    return kind is not None and kind.extension == wanted


def _decodes(data: bytes) -> bool:
    for encoding in ("utf-8", "gb18030"):
        try:
            data.decode(encoding)
            return True
        except UnicodeDecodeError:
            continue
    return False


def _zip_holds(data: bytes, member: str) -> bool:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            return any(n.rsplit("/", 1)[-1] == member for n in archive.namelist())
    except zipfile.BadZipFile:
        return False


def default_folder(database_url: str) -> Path:
    """`dispute-evidence` beside a SQLite file; under ./var for a server database."""
    prefix = "sqlite:///"
    if database_url.startswith(prefix) and database_url != "sqlite:///:memory:":
        return Path(database_url[len(prefix):]).parent / FOLDER_NAME
    return Path("var") / FOLDER_NAME


def keep(folder: Path, ext: str, data: bytes) -> str:
    """Write the file under a random name (readable by the daemon's user only); the stored name."""
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    stored = f"{secrets.token_hex(12)}.{ext}"
    fd = os.open(folder / stored, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as out:
        out.write(data)
    return stored
