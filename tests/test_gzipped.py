"""/metrics compressed: a part deflated once per rendering, the rest per scrape, one gzip member."""

from __future__ import annotations

import gzip
import os
import zlib

import pytest

from monitor.service.gzipped import Compressed, gzip_body
from monitor.service.web import accepts_gzip


@pytest.mark.parametrize("head_size", [0, 1, 70_000, 3_000_000])
def test_the_body_is_one_gzip_member_holding_the_head_then_the_tail(head_size):
    head = (b"commitment_status{commitment=\"c%d\"} 1\n" * (head_size // 30 + 1))[:head_size]
    head += os.urandom(64) if head_size else b""   # some bytes that do not compress
    tail = b"# TYPE monitor_up gauge\nmonitor_up 1\n"
    body = gzip_body(Compressed.of(head), tail)
    assert gzip.decompress(body) == head + tail
    reader = zlib.decompressobj(zlib.MAX_WBITS | 16)   # how httpx reads gzip: the first member only
    assert reader.decompress(body) + reader.flush() == head + tail and reader.unused_data == b""


@pytest.mark.parametrize("header, accepted", [
    ("gzip", True), ("gzip, deflate", True), ("deflate, gzip;q=0.5", True), ("*", True),
    ("identity", False), ("", False), ("gzip;q=0", False), ("gzip;q=0.0, identity", False), ("gzip;q=x", False),
])
def test_accept_encoding_is_read_with_its_weights(header, accepted):
    assert accepts_gzip(header) is accepted


def test_a_compressed_part_inflates_to_its_data():
    data = "".join(f'commitment_status{{commitment="c{i}"}} 1.0\n' for i in range(5000)).encode()
    assert Compressed.of(data).inflated() == data and Compressed.of(b"").inflated() == b""
