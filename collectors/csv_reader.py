"""UTF-8 CSV bytes to an Arrow table of strings with pyarrow's reader (quoting, CRLF, BOM, threads).

The header is read as the first row, so that every column is text (no type is guessed) and the
header's field count is the one every row must have: a row with another count is skipped and
counted, a row of nothing but delimiters, quotes and blanks is skipped as blank.
"""

from __future__ import annotations

from collections.abc import Callable

import pyarrow as pa
import pyarrow.csv as pa_csv

from collectors.base import FeedError

# pyarrow parses blocks in parallel, and a row may cross one block's end, not two. Small blocks
# parse fastest; a file with a longer row is read again in large ones, where rows up to
# BLOCK_BYTES are always read and rows over twice as long never.
FIRST_BLOCK_BYTES = 1 << 20
BLOCK_BYTES = 16 << 20


def read_text_table(content: bytes, delimiter: str = ",", skip_rows: int = 0) -> tuple[pa.Table, int]:
    """The rows (the header first) as string columns named f0, f1, …, and how many rows had the wrong field count."""
    if not content.endswith(b"\n"):
        content += b"\n"                               # pyarrow finds no row in a last line without one
    wrong = 0

    def invalid(row: pa_csv.InvalidRow) -> str:
        nonlocal wrong
        if row.text.replace(delimiter, "").replace('"', "").strip():
            wrong += 1
        return "skip"

    width, block = _most_columns(content, delimiter), FIRST_BLOCK_BYTES
    while True:
        wrong = 0
        try:
            table = _read(content, delimiter, skip_rows, width, block, invalid)
        except _LongRow:
            if block == BLOCK_BYTES:
                raise FeedError("decode", f"malformed CSV: a row crosses more than one {BLOCK_BYTES >> 20} MiB "
                                          "block of the file (a quote left open?)") from None
            block = BLOCK_BYTES
            continue
        if all(pa.types.is_string(t) for t in table.schema.types):
            return table, wrong
        width = table.num_columns                       # more fields than delimiters in the first block


class _LongRow(Exception):
    pass


def _read(content: bytes, delimiter: str, skip_rows: int, width: int, block: int,
          invalid: Callable[[pa_csv.InvalidRow], str]) -> pa.Table:
    try:
        return pa_csv.read_csv(
            pa.py_buffer(content),
            read_options=pa_csv.ReadOptions(skip_rows=skip_rows, autogenerate_column_names=True,
                                            block_size=block),
            # a quoted line break is possible only where there are quotes, and costs a slower split
            parse_options=pa_csv.ParseOptions(delimiter=delimiter, newlines_in_values=b'"' in content,
                                              invalid_row_handler=invalid),
            convert_options=pa_csv.ConvertOptions(column_types={f"f{i}": pa.string() for i in range(width)},
                                                  strings_can_be_null=False, quoted_strings_can_be_null=False))
    except pa.ArrowInvalid as exc:
        message = str(exc)
        if "Empty CSV file" in message:
            raise FeedError("schema", "the CSV has no header row") from None
        if "straddling" in message or "straddles" in message:
            raise _LongRow() from None
        raise FeedError("decode", f"malformed CSV: {message}") from None


def _most_columns(content: bytes, delimiter: str) -> int:
    """At least the header's field count when the header lies in the first block: its delimiters, plus one."""
    return min(content.count(delimiter.encode(), 0, FIRST_BLOCK_BYTES), 4095) + 1
