"""Bounds on what reading targets.yaml may cost: its size, its encoding, and how far aliases expand.

A 218-byte YAML alias bomb expands to billions of nodes when walked; a 60 MB file holds a reload
for most of a minute. Both are refused up front with a located problem, before any walking.
"""

from __future__ import annotations

from pathlib import Path

import yaml

from monitor.charsets import UndecodableText, decode
from monitor.problems import ConfigError, ConfigProblem

MAX_TARGETS_BYTES = 8 * 1024 * 1024     # the shipped catalogue of five plans is ~170 kB
MAX_EXPANDED_NODES = 500_000            # the shipped catalogue has ~11 000


def read_targets(path: Path) -> str:
    """The file's text (UTF-8, BOM allowed), or ConfigError saying why it cannot be used."""
    file = str(path)
    try:
        with path.open("rb") as handle:
            raw = handle.read(MAX_TARGETS_BYTES + 1)
    except OSError as exc:
        raise ConfigError([ConfigProblem(file, 1, 1, "(file)", f"cannot read: {exc.strerror}")]) from None
    if len(raw) > MAX_TARGETS_BYTES:
        raise ConfigError([ConfigProblem(file, 1, 1, "(file)", f"larger than {MAX_TARGETS_BYTES // 1024 // 1024} MB; "
                                                               "a catalogue this big is surely a mistake")])
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        column = exc.start - (raw.rfind(b"\n", 0, exc.start) + 1) + 1
        raise ConfigError([ConfigProblem(file, line, column, "(file)",
                                         f"not UTF-8 (byte 0x{raw[exc.start]:02x}){_guess(raw)}; "
                                         "save the file as UTF-8")]) from None


def _guess(raw: bytes) -> str:
    try:
        encoding = decode(raw).encoding
    except UndecodableText:
        return ""
    return {"gb18030": ", it looks like GB18030/GBK", "big5": ", it looks like Big5"}.get(encoding, "")


def check_expansion(root: yaml.Node, file: str) -> None:
    """Refuse a document whose aliases expand past MAX_EXPANDED_NODES, or refer to themselves."""
    sizes: dict[int, int] = {}
    open_nodes: set[int] = set()

    def size(node: yaml.Node) -> int:
        key = id(node)
        if key in sizes:
            return sizes[key]
        if key in open_nodes:
            _refuse(node, file, "an alias refers to a node that contains it")
        open_nodes.add(key)
        total = 1
        if isinstance(node, yaml.SequenceNode):
            children = node.value
        elif isinstance(node, yaml.MappingNode):
            children = [part for pair in node.value for part in pair]
        else:
            children = []
        for child in children:
            total += size(child)
            if total > MAX_EXPANDED_NODES:
                _refuse(node, file, f"aliases expand this document past {MAX_EXPANDED_NODES} nodes "
                                    "(an alias bomb?)")
        open_nodes.discard(key)
        sizes[key] = total
        return total

    size(root)


def _refuse(node: yaml.Node, file: str, message: str) -> None:
    mark = node.start_mark
    raise ConfigError([ConfigProblem(file, mark.line + 1, mark.column + 1, "(syntax)", message)])
