"""A JSON payload's record lists decoded straight into the columns the series read.

For a page whose series all read records at plain paths (`data`, `result.rows`), msgspec decodes
only the fields those series read: no dict per record, none of the document's other values, and
columns of text become numpy text arrays, built by Arrow (`as_column`).

Anything else gives None and the caller decodes the whole document as before: a path that JMESPath
must evaluate (`data[?x]`, `@`), a series dated by the document (`time_path`) or reading one value
(`path`), a record that is not an object, a path that leads to no list, JSON that Python's json
module reads and msgspec does not (NaN, lone surrogates, numbers beyond a float). The cells are the
values json.loads gives (the last of two equal keys wins in both), so either way gives one result.
"""

from __future__ import annotations

import operator
import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Sequence, cast

import msgspec
import pyarrow as pa

from collectors.arrow_text import to_text
from collectors.base import FeedError, utf8_body
from collectors.series import Table, record_fields
from monitor.spec.feeds import SeriesSpec

_PLAIN_PATH = re.compile(r"[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*")


@dataclass(frozen=True)
class _Fields:
    """The end of a path: a list of records, and the fields the series read of them."""

    names: tuple[str, ...]


_Tree = dict[str, "_Tree | _Fields"]   # path segment -> deeper segments, or a record list
_FrozenTree = tuple[tuple[str, "_FrozenTree | _Fields"], ...]


def plain_records(specs: Sequence[SeriesSpec]) -> bool:
    """Whether every series reads records at a plain path and nothing else of the document."""
    return bool(specs) and all(spec.records is not None and _PLAIN_PATH.fullmatch(spec.records) is not None
                               and spec.time_path is None for spec in specs)


def record_tables(specs: Sequence[SeriesSpec], content: bytes, charset: str | None = None) -> dict[str, Table] | None:
    """Each series' records as a Table, by series name; None when this page needs the whole document."""
    if not plain_records(specs):
        return None
    tree = _tree(specs)
    if tree is None:
        return None
    try:
        document = _decoder(_frozen(tree)).decode(utf8_body(content, charset))
    except (msgspec.DecodeError, msgspec.ValidationError, FeedError, RecursionError):
        return None
    tables: dict[str, Table] = {}
    for spec in specs:
        node: Any = document
        for segment in str(spec.records).split("."):
            node = getattr(node, _attribute(segment))
        rows: list[Any] = node
        columns = {name: as_column(list(map(operator.attrgetter(_attribute(name)), rows)))
                   for name in dict.fromkeys(record_fields(spec))}
        tables[spec.name] = Table(columns, len(rows))
    return tables


def as_column(cells: list[Any]) -> Sequence[Any]:
    """A JSON column as the rest reads it fastest: cells that are all text as a numpy text array (what
    numpy would make of them, built by Arrow several times faster), any other column as it is."""
    if not cells:
        return cells
    try:
        array = pa.array(cells, type=pa.string())
        if array.null_count:
            return cells
        return cast(Sequence[Any], to_text(array))   # a Table's columns are read as sequences; arrays are too
    except (pa.ArrowException, UnicodeError, FeedError):   # a number or a list among them; a lone surrogate; too wide
        return cells


def _tree(specs: Sequence[SeriesSpec]) -> _Tree | None:
    """The record paths as a tree of segments; None when one path is a prefix of another."""
    tree: _Tree = {}
    fields: dict[str, list[str]] = {}
    for spec in specs:
        fields.setdefault(str(spec.records), []).extend(record_fields(spec))
    for path, names in fields.items():
        node = tree
        *parents, last = path.split(".")
        for segment in parents:
            child = node.setdefault(segment, {})
            if not isinstance(child, dict):
                return None
            node = child
        if last in node:
            return None
        node[last] = _Fields(tuple(dict.fromkeys(names)))
    return tree


def _frozen(tree: _Tree) -> _FrozenTree:
    return tuple((key, value if isinstance(value, _Fields) else _frozen(value)) for key, value in sorted(tree.items()))


def _attribute(name: str) -> str:
    """A field's attribute on the decoded structs: any JSON key, as a valid identifier that names no method."""
    return "f_" + name.encode("utf-8").hex()


@lru_cache(maxsize=64)
def _decoder(tree: _FrozenTree) -> msgspec.json.Decoder[Any]:
    return msgspec.json.Decoder(_struct(tree, "Document"))


def _struct(tree: _FrozenTree, name: str) -> type[msgspec.Struct]:
    """Nested structs down each path (every segment required: a missing one is the slow path's error),
    ending in a list of records whose fields default to None, as dict.get gives them."""
    members: list[tuple[str, Any] | tuple[str, Any, Any]] = []
    for key, value in tree:
        if isinstance(value, _Fields):
            record = msgspec.defstruct("Record", [(_attribute(f), Any, None) for f in value.names],
                                       rename={_attribute(f): f for f in value.names}, gc=False)
            members.append((_attribute(key), list[record]))   # type: ignore[valid-type]
        else:
            members.append((_attribute(key), _struct(value, "Level")))
    return msgspec.defstruct(name, members, rename={_attribute(k): k for k, _ in tree}, gc=False)
