"""A gzip body made of a large part compressed once and a small part compressed per request.

/metrics is the per-commitment families (megabytes at 100,000 commitments, rendered once per cycle)
followed by the self-metrics (a few kilobytes, rendered per scrape). Compressing the large part
once per rendering and only the small part per scrape gives one ordinary gzip member: the large
part's deflate data ends with a sync flush (byte-aligned, not final), the small part's follows and
ends the stream, and the trailer's CRC-32 continues from the large part's (RFC 1951, RFC 1952).
Every gzip reader takes it, including those that stop after the first member.
"""

from __future__ import annotations

import struct
import zlib
from dataclasses import dataclass

_HEADER = b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\xff"   # gzip, deflate, no name, no time, unknown OS
_LEVEL = 1


@dataclass(frozen=True)
class Compressed:
    """A leading part: raw deflate data ending in a sync flush, its CRC-32 and length."""

    deflated: bytes
    crc: int
    length: int

    @classmethod
    def of(cls, data: bytes) -> Compressed:
        compressor = zlib.compressobj(_LEVEL, zlib.DEFLATED, -zlib.MAX_WBITS)
        return cls(compressor.compress(data) + compressor.flush(zlib.Z_SYNC_FLUSH), zlib.crc32(data), len(data))

    def inflated(self) -> bytes:
        """The data again."""
        return zlib.decompressobj(-zlib.MAX_WBITS).decompress(self.deflated)


def gzip_body(head: Compressed, tail: bytes) -> bytes:
    """One gzip member whose content is head's data followed by `tail`."""
    compressor = zlib.compressobj(_LEVEL, zlib.DEFLATED, -zlib.MAX_WBITS)
    rest = compressor.compress(tail) + compressor.flush(zlib.Z_FINISH)
    trailer = struct.pack("<II", zlib.crc32(tail, head.crc), (head.length + len(tail)) & 0xFFFFFFFF)
    return _HEADER + head.deflated + rest + trailer
