"""Arrow string columns as numpy text arrays, converted when first read.

A column becomes a fixed-width `U` array: Arrow pads every cell with NUL to the widest cell's
length and numpy widens the bytes to code points (no Python string per cell), which is what
`collectors.records` parses vectorised. Every cell takes the widest cell's room, so a column whose rows × widest cell pass MAX_TEXT_CELLS is a
`too_large` error naming it (a column no series reads is never converted).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from collectors.base import FeedError

MAX_TEXT_CELLS = 256 << 20      # rows × widest cell: a U array of at most 1 GiB


class TextColumns(Mapping[str, Any]):
    """Columns by name; of two columns with one name (a header written twice, or two headers that
    `columns` renames alike) the leftmost is read."""

    def __init__(self, names: Sequence[str], columns: Sequence[pa.ChunkedArray]):
        self._columns: dict[str, pa.ChunkedArray] = {}
        for name, column in zip(names, columns):
            self._columns.setdefault(name, column)
        self._cache: dict[str, np.ndarray] = {}

    def __getitem__(self, name: str) -> np.ndarray:
        if name not in self._cache:
            self._cache[name] = to_text(self._columns[name], name)
        return self._cache[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._columns)

    def __len__(self) -> int:
        return len(self._columns)

    def __contains__(self, name: object) -> bool:   # without converting the column, as Mapping's would
        return name in self._columns


def to_text(column: pa.ChunkedArray | pa.Array, name: str = "") -> np.ndarray:
    """An Arrow string column (no nulls) as a numpy `U` array."""
    array = column.combine_chunks() if isinstance(column, pa.ChunkedArray) else column
    n = len(array)
    if n == 0:
        return np.zeros(0, dtype="U1")
    lengths = _cell_lengths(array)
    width = max(int(lengths.max()), 1)
    if n * width > MAX_TEXT_CELLS:
        raise FeedError("too_large", f"column {name!r}: {n:,} rows with cells up to {width:,} characters are "
                                     f"more than {MAX_TEXT_CELLS:,} characters to hold as text")
    if int(lengths.min()) < width:                    # padded with NUL to the widest, which a U array reads as its end
        array = pc.utf8_rpad(array, width=width, padding="\x00")
    points, _ = _code_points(array)
    return points.view(f"U{width}")


def _cell_lengths(array: pa.Array) -> np.ndarray:
    """Each cell's length in characters (in bytes when the column is ASCII, the common case)."""
    _, offset_buffer, data_buffer = array.buffers()
    offsets = np.frombuffer(offset_buffer, dtype=np.int32, count=len(array) + 1, offset=array.offset * 4)
    data = np.frombuffer(data_buffer, dtype=np.uint8) if data_buffer is not None else np.zeros(0, np.uint8)
    if data[offsets[0]:offsets[-1]].max(initial=0) < 128:
        return np.diff(offsets)
    lengths: np.ndarray = pc.utf8_length(array).to_numpy(zero_copy_only=False)
    return lengths


def _code_points(array: pa.Array) -> tuple[np.ndarray, np.ndarray]:
    """The column's characters as one uint32 array of code points, and where each cell starts in it (n + 1 offsets)."""
    _, offset_buffer, data_buffer = array.buffers()
    offsets = np.frombuffer(offset_buffer, dtype=np.int32, count=len(array) + 1, offset=array.offset * 4)
    data = np.frombuffer(data_buffer, dtype=np.uint8) if data_buffer is not None else np.zeros(0, np.uint8)
    data = data[offsets[0]:offsets[-1]]
    offsets = offsets.astype(np.int64) - offsets[0]
    if data.max(initial=0) < 128:                     # ASCII: a byte is a character
        return data.astype(np.uint32), offsets
    points = np.frombuffer(data.tobytes().decode("utf-8").encode("utf-32-le"), dtype=np.uint32)
    starts = np.concatenate(([0], np.cumsum((data & 0xC0) != 0x80)))   # characters before each byte: leads only
    return points, starts[offsets]
