"""Bytes to text for everything the monitor reads from outside: feed bodies, dropped files and
the documents `monitor extract` reads. One rule for all of them, with charset-normalizer choosing
between the legacy Chinese encodings:

1. an encoding the configuration names is used as is (and a body that is not in it is an error);
2. a byte-order mark (UTF-8, UTF-16, UTF-32) decides;
3. bytes that are valid UTF-8 are UTF-8;
4. a charset the server declares (HTTP Content-Type) is tried next; GB2312 and GBK are read as
   GB18030, their superset, since pages labelled GB2312 routinely hold GBK characters;
5. otherwise the text is GB18030 (mainland "ANSI" exports) or Big5 (Taiwan, Hong Kong): Big5
   bytes also decode as GB18030, into nonsense, so charset-normalizer measures which reading is
   less chaotic. A tie (a word or two, where both readings look alike) goes to GB18030, the
   mainland norm.
"""

from __future__ import annotations

import codecs
from dataclasses import dataclass

import charset_normalizer

# The legacy encodings a Chinese government file comes in, in order of preference on a tie.
LEGACY_CHINESE = ("gb18030", "big5")
DETECTION_SAMPLE = 256_000        # bytes charset-normalizer reads; more text never changes its mind
_SUPERSETS = {"gb2312": "gb18030", "gbk": "gb18030", "cp936": "gb18030", "x-gbk": "gb18030",
              "euc-cn": "gb18030", "big5": "big5", "cp950": "big5"}
_BOMS = ((codecs.BOM_UTF32_LE, "utf-32"), (codecs.BOM_UTF32_BE, "utf-32"), (codecs.BOM_UTF8, "utf-8-sig"),
         (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16"))


class UndecodableText(ValueError):
    """Bytes that are text in none of the encodings tried; the message names them."""


@dataclass(frozen=True)
class Decoded:
    text: str
    encoding: str       # a Python codec name: utf-8, utf-8-sig, utf-16, gb18030, big5, or the configured one


def decode(content: bytes, *, declared: str | None = None, configured: str | None = None,
           lenient: bool = False) -> Decoded:
    """The text of `content` by the rule above. Raises UndecodableText when no candidate decodes
    every byte, unless `lenient`, in which case the best candidate's reading replaces the bad
    bytes with U+FFFD (a policy document with one broken byte is still worth reading)."""
    if configured:
        try:
            return Decoded(content.decode(configured), configured)
        except (UnicodeDecodeError, LookupError) as exc:
            raise UndecodableText(f"the text is not {configured}: {exc}") from None
    for bom, encoding in _BOMS:
        if content.startswith(bom):
            return _strict_or_lenient(content, [encoding], lenient)
    try:
        return Decoded(content.decode("utf-8"), "utf-8")
    except UnicodeDecodeError:
        pass
    candidates = []
    if declared and _normal(declared) not in ("utf-8", "utf8"):
        candidates.append(_SUPERSETS.get(_normal(declared), declared))
    legacy = legacy_chinese(content)
    candidates += [legacy] + [e for e in LEGACY_CHINESE if e != legacy]
    return _strict_or_lenient(content, list(dict.fromkeys(candidates)), lenient)


def to_utf8(content: bytes, *, declared: str | None = None, configured: str | None = None) -> bytes:
    """`content` as UTF-8 bytes without a byte-order mark, its encoding chosen by the rule above,
    for readers that take UTF-8 only (pyarrow's CSV reader). UTF-8 input is returned as it is."""
    if not configured and not content.startswith(tuple(bom for bom, _ in _BOMS)) and _is_utf8(content):
        return content                    # step 3 of the rule, without building a text only to drop it
    decoded = decode(content, declared=declared, configured=configured)
    if decoded.encoding == "utf-8":
        return content
    if decoded.encoding == "utf-8-sig":
        return content[len(codecs.BOM_UTF8):]
    return decoded.text.encode("utf-8")


def _is_utf8(content: bytes) -> bool:
    """Whether `content` is valid UTF-8, checked by Arrow's validator (several times faster than decoding)."""
    import pyarrow as pa  # here, not above: `monitor extract` and the loader never need it

    offsets = pa.py_buffer(bytes(8) + len(content).to_bytes(8, "little"))   # one string: int64 [0, len]
    try:
        pa.LargeStringArray.from_buffers(1, offsets, pa.py_buffer(content)).validate(full=True)
    except pa.ArrowInvalid:
        return False
    return True


def legacy_chinese(content: bytes) -> str:
    """GB18030 or Big5, whichever charset-normalizer finds the more coherent reading of `content`."""
    head = content[:DETECTION_SAMPLE]
    if len(content) > DETECTION_SAMPLE and b"\n" in head:
        head = head[:head.rindex(b"\n") + 1]   # a line feed never sits inside a multi-byte character
    # threshold=1.0: rank every reading, however chaotic, rather than drop both (quotes “” in
    # Big5 push a long text past the default threshold)
    matches = {m.encoding: m for m in charset_normalizer.from_bytes(head, cp_isolation=list(LEGACY_CHINESE),
                                                                     threshold=1.0)}
    big5, gb = matches.get("big5"), matches.get("gb18030")
    if big5 is not None and (gb is None or (big5.chaos, -big5.coherence) < (gb.chaos, -gb.coherence)):
        return "big5"
    return "gb18030"


def _strict_or_lenient(content: bytes, candidates: list[str], lenient: bool) -> Decoded:
    for encoding in candidates:
        try:
            return Decoded(content.decode(encoding), encoding)
        except (UnicodeDecodeError, LookupError):
            continue
    if lenient:
        for encoding in candidates:
            try:
                return Decoded(content.decode(encoding, errors="replace"), encoding)
            except LookupError:
                continue
    raise UndecodableText(f"the text is neither UTF-8 nor {' nor '.join(candidates)}")


def _normal(name: str) -> str:
    return name.strip().strip('"').lower().replace("_", "-")
