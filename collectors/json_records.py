"""A JSON payload's record lists decoded straight into the columns the series read.

For a page whose series all read records at plain paths (`data`, `result.rows`), only the fields
those series read are decoded, with no dict per record and none of the document's other values:
by Arrow's JSON reader into text arrays when every cell read is text or null, else by msgspec into
structs of those fields (cells as json.loads gives them). Columns of text become numpy text arrays
(`as_column`), nulls included where a text reads as the null does (`null_fills`: an open case's
null completion as ""), so that no Python object per cell is built downstream either.

Anything else gives None and the caller decodes the whole document as before: a path that JMESPath
must evaluate (`data[?x]`, `@`), a series dated by the document (`time_path`) or reading one value
(`path`), a record that is not an object, a path that leads to no list, JSON that Python's json
module reads and msgspec does not (NaN, lone surrogates, numbers beyond a float). The cells are the
values json.loads gives (Arrow refuses a key written twice; msgspec, like json.loads, keeps the
last), so every way gives one result. One difference is kept on purpose: nesting deeper than Python
decodes, in a value no series reads, is read past by Arrow where json.loads stops with a decode error.
"""

from __future__ import annotations

import io
import operator
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, cast

import msgspec
import pyarrow as pa
import pyarrow.json as pa_json

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


# Reads the record lists of a UTF-8 page: {records path: (records, {field: cells})}, or None when it
# cannot; the cells of a field are an Arrow text array or a list of what json.loads gives.
Lists = dict[str, tuple[int, dict[str, "pa.Array | list[Any]"]]]
Reader = Callable[[_FrozenTree, bytes], "Lists | None"]


def record_tables(specs: Sequence[SeriesSpec], content: bytes, charset: str | None = None,
                  readers: Sequence[Reader] | None = None) -> dict[str, Table] | None:
    """Each series' records as a Table, by series name; None when this page needs the whole document.
    The readers are tried in turn (by default Arrow's, then msgspec's)."""
    if not plain_records(specs):
        return None
    tree = _tree(specs)
    if tree is None:
        return None
    try:
        text = utf8_body(content, charset)
    except FeedError:
        return None
    for reader in readers if readers is not None else (read_with_arrow, read_with_msgspec):
        lists = reader(_frozen(tree), text)
        if lists is not None:
            return {spec.name: _table(spec, *lists[str(spec.records)]) for spec in specs}
    return None


def _table(spec: SeriesSpec, rows: int, cells: dict[str, pa.Array | list[Any]]) -> Table:
    fills = null_fills(spec)
    return Table({name: as_column(cells[name], fills.get(name)) for name in dict.fromkeys(record_fields(spec))}, rows)


def null_fills(spec: SeriesSpec) -> dict[str, str]:
    """The text that reads, in each field of a case series, as a null or a missing key does: the
    times and suspended time read both None and "" as no value; ids and `where` fields read None as
    numpy's str() of it, "None". A field read two ways, and an events series, keep their None."""
    if spec.type != "cases" or spec.events is not None:
        return {}
    fills: dict[str, set[str]] = {}
    paused = spec.paused
    blank: list[str | None] = [spec.submitted, spec.completed]
    if paused is not None:
        blank += [paused.field, paused.intervals, *paused.start_columns(), *paused.end_columns()]
    named: list[str | None] = [spec.id_field, *spec.where]
    for names, text in ((blank, ""), (named, "None")):
        for name in names:
            if name:
                fills.setdefault(name, set()).add(text)
    return {name: next(iter(texts)) for name, texts in fills.items() if len(texts) == 1}


def read_with_arrow(tree: _FrozenTree, text: bytes) -> Lists | None:
    """Arrow's JSON reader, the page as one row of the types the paths give: no Python object per
    cell. It takes a value only of the type asked (text or null): a number, a list, an object where
    text is read, a key written twice, a record that is no object leave the page to msgspec."""
    try:
        table = pa_json.read_json(io.BytesIO(text), read_options=pa_json.ReadOptions(
            block_size=max(len(text), 1 << 20) + 1, use_threads=False), parse_options=pa_json.ParseOptions(
            explicit_schema=pa.schema(_arrow_fields(tree)), unexpected_field_behavior="ignore",
            newlines_in_values=True))
    except (pa.ArrowException, OverflowError):
        return None
    if table.num_rows != 1:                   # an empty page, or several documents one after another
        return None
    lists: Lists = {}
    for path, names in _leaves(tree):
        segments = path.split(".")
        node: pa.Array = table.column(segments[0]).combine_chunks()
        for segment in segments[1:]:
            if node.null_count:
                return None
            node = node.field(segment)
        if node.null_count:                   # a path to null or to no key: JMESPath finds no list
            return None
        records = node.flatten()
        if records.null_count:                # a null among the records: not an object
            return None
        lists[path] = len(records), {name: records.field(name) for name in names}
    return lists


def _arrow_fields(tree: _FrozenTree) -> list[pa.Field]:
    fields = []
    for key, value in tree:
        if isinstance(value, _Fields):
            fields.append(pa.field(key, pa.list_(pa.struct([pa.field(name, pa.string()) for name in value.names]))))
        else:
            fields.append(pa.field(key, pa.struct(_arrow_fields(value))))
    return fields


def _leaves(tree: _FrozenTree, prefix: str = "") -> list[tuple[str, tuple[str, ...]]]:
    out: list[tuple[str, tuple[str, ...]]] = []
    for key, value in tree:
        path = prefix + key
        out += [(path, value.names)] if isinstance(value, _Fields) else _leaves(value, path + ".")
    return out


def read_with_msgspec(tree: _FrozenTree, text: bytes) -> Lists | None:
    """msgspec, into structs of the fields read (no dict per record, the document's other values
    skipped): cells are what json.loads gives. JSON it does not read (NaN, lone surrogates, numbers
    beyond a float, nesting past its depth) leaves the page to json.loads."""
    try:
        document = _decoder(tree).decode(text)
    except (msgspec.DecodeError, msgspec.ValidationError, RecursionError):
        return None
    lists: Lists = {}
    for path, names in _leaves(tree):
        node: Any = document
        for segment in path.split("."):
            node = getattr(node, _attribute(segment))
        lists[path] = len(node), {name: list(map(operator.attrgetter(_attribute(name)), node)) for name in names}
    return lists


def as_column(cells: pa.Array | list[Any], null: str | None = None) -> Sequence[Any]:
    """A JSON column as the rest reads it fastest: cells that are all text, or text and nulls where
    `null` reads as a null does, as a numpy text array (what numpy would make of them, built by Arrow
    several times faster); any other column as the list json.loads gives."""
    try:
        array = cells if isinstance(cells, pa.Array) else pa.array(cells, type=pa.string())
        if array.null_count and null is None:
            return _listed(cells)
        return cast(Sequence[Any], to_text(array.fill_null(null) if array.null_count else array))
    except (pa.ArrowException, UnicodeError, FeedError):   # a number or a list among them; a lone surrogate; too wide
        return _listed(cells)


def _listed(cells: pa.Array | list[Any]) -> list[Any]:
    listed: list[Any] = cells.to_pylist() if isinstance(cells, pa.Array) else cells
    return listed


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
