"""Turn raw per-case rows into validated CaseRecords, counting rejected rows by reason.

Timestamps are parsed column-wise: the common fixed layouts (`2024-03-05`, `2024-03-05 09:30`,
`2024-03-05T09:30:00`, also with `/`) are decoded with numpy arithmetic on the characters, so a
million rows take a fraction of a second. Anything else (offsets, fractions, `2024年3月5日 9时30分`,
`2024/3/5 9:30`, `2024.03.05`, datetime objects from spreadsheets) falls back to a per-value parser
for those values only. A completion written as a dash, a slash, 无 or 未办结 is an open case.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from datetime import date, datetime
from zoneinfo import ZoneInfo

import numpy as np

from collectors.timebounds import IN_FUTURE, TOO_OLD, TimeWindow
from monitor.observations import CaseRecords

_NAT = np.datetime64("NaT", "s")
_ZERO = ord("0")
_LOOSE_RE = re.compile(
    r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?"
    r"(?:[ T]*(\d{1,2})\s*[:：时點点]\s*(\d{1,2})\s*(?:[:：分]\s*(?:(\d{1,2})(?:\.\d+)?\s*秒?)?)?)?"
    r"\s*(Z|[+-]\d{2}:?\d{2})?$")
# What agencies write in an empty completion cell: the case is still open.
OPEN_MARKERS = frozenset({"-", "—", "——", "–", "－", "/", "／", "无", "無", "未办结", "未辦結", "办理中", "辦理中"})
_LONGEST_MARKER = max(len(marker) for marker in OPEN_MARKERS)
# A case id names one case for the agency to look up (受理编号 are 10-40 characters): a longer one is
# not an id, and 50 ids of 100,000 characters made every stored verdict and every alert mail megabytes.
MAX_CASE_ID_CHARS = 128
ID_TOO_LONG = "id_too_long"
ID_CONTROL = "id_control_character"   # a line break, tab or other control character: it would break mail lines


def parse_local_times(values: Sequence[object] | np.ndarray, tz: ZoneInfo) -> np.ndarray:
    """Timestamps as local naive datetime64[s]; empty/None/unreadable values become NaT.

    Strings without an offset are local times already; strings with an offset and aware
    datetimes are converted to `tz`. The caller reports NaT rows as unparseable.
    """
    if len(values) == 0:
        return np.full(0, _NAT, dtype="datetime64[s]")
    # str() of a datetime is ISO text with its offset, so one text column serves every input type
    text = values if isinstance(values, np.ndarray) and values.dtype.kind == "U" else np.asarray(values, dtype=str)
    fast, out = _parse_fixed_layout(text)
    if fast.all():
        return out
    # the other rows again, trimmed (a fixed layout cell has no blank at either end), then one by one
    rest = np.flatnonzero(~fast)
    trimmed = np.strings.strip(text[rest])
    fast, out[rest] = _parse_fixed_layout(trimmed)
    slow = ~fast & (np.strings.str_len(trimmed) > 0)
    for i in np.flatnonzero(slow):
        out[rest[i]] = _one_local_time(str(trimmed[i]), tz)
    return out


def _parse_fixed_layout(text: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Rows in YYYY-MM-DD[( |T)HH:MM[:SS]] (or with '/'), decoded vectorised; returns (ok mask, values: NaT where not ok)."""
    n = len(text)
    width = text.dtype.itemsize // 4
    if width < 10:
        return np.zeros(n, dtype=bool), np.full(n, _NAT, dtype="datetime64[s]")
    codes = np.ascontiguousarray(text).view(np.uint32).reshape(n, width)
    # one row per character position, only ASCII mattering: other characters become 255, which is
    # neither a digit nor a separator, padding stays 0
    small = np.zeros((n, 19), dtype=np.uint8)
    np.minimum(codes[:, :19], 255, out=small[:, :min(width, 19)], casting="unsafe")
    chars = np.ascontiguousarray(small.T)                # copied row-wise first: a transposed write is slower
    digits = chars - np.uint8(_ZERO)                     # wraps around for non-digits, so "<= 9" tests digit-ness
    is_digit = digits <= 9
    present = chars != 0
    longer = np.strings.str_len(text) > 19 if width > 19 else np.zeros(n, dtype=bool)
    has_time = np.logical_or.reduce(present[10:], axis=0) | longer
    has_seconds = np.logical_or.reduce(present[16:], axis=0) | longer

    def all_digits(*positions: int) -> np.ndarray:
        every: np.ndarray = np.logical_and.reduce(is_digit[list(positions)], axis=0)
        return every

    def pair(tens: int, ones: int) -> np.ndarray:        # garbage (wrapped) where not digits: those rows fail
        value: np.ndarray = digits[tens] * np.uint8(10) + digits[ones]
        return value

    sep, time_sep = chars[4], chars[10]
    ok = ((sep == ord("-")) | (sep == ord("/"))) & (chars[7] == sep) & all_digits(0, 1, 2, 3, 5, 6, 8, 9)
    time_ok = (((time_sep == ord(" ")) | (time_sep == ord("T"))) & (chars[13] == ord(":"))
               & all_digits(11, 12, 14, 15))
    seconds_ok = (chars[16] == ord(":")) & all_digits(17, 18) & ~longer
    ok &= ~has_time | time_ok & (~has_seconds | seconds_ok)
    year = pair(0, 1).astype(np.int32) * 100 + pair(2, 3)
    month, day = pair(5, 6), pair(8, 9)
    hour = np.where(has_time, pair(11, 12), np.uint8(0))
    minute = np.where(has_time, pair(14, 15), np.uint8(0))
    second = np.where(has_seconds, pair(17, 18), np.uint8(0))
    ok &= (month >= 1) & (month <= 12) & (day >= 1) & (hour < 24) & (minute < 60) & (second < 60)
    index = np.clip(year, 0, 9999) * 12 + np.clip(month, 1, 12) - 1
    ok &= day <= _MONTH_LENGTH[index]
    # in 32 bits as long as it fits: days since 1970 and seconds into the day
    days = _MONTH_START[index] + day - 1
    time_of_day = (hour.astype(np.int32) * 60 + minute) * 60 + second
    seconds = days.astype(np.int64) * 86400 + time_of_day
    return ok, np.where(ok, seconds, _NAT.astype(np.int64)).view("datetime64[s]")


# Each month of the years 0000-9999: its first day (days since 1970-01-01) and its length, looked
# up by year * 12 + month - 1 (calendar casts of datetime64[M] cost several times more per row).
_MONTHS = np.arange(10000 * 12) - 1970 * 12
_MONTH_START = _MONTHS.astype("datetime64[M]").astype("datetime64[D]").astype(np.int32)
_MONTH_LENGTH = ((_MONTHS + 1).astype("datetime64[M]").astype("datetime64[D]").astype(np.int32) - _MONTH_START).astype(np.uint8)


def _one_local_time(value: object, tz: ZoneInfo) -> np.datetime64:
    if value is None or value == "":
        return _NAT
    if isinstance(value, datetime):
        moment = value
    elif isinstance(value, date):
        moment = datetime(value.year, value.month, value.day)
    elif isinstance(value, str):
        parsed = _parse_loose(value.strip())
        if parsed is None:
            return _NAT
        moment = parsed
    else:
        return _NAT   # numbers are not timestamps (an unformatted spreadsheet cell, say)
    if moment.tzinfo is not None:
        moment = moment.astimezone(tz).replace(tzinfo=None)
    return np.datetime64(moment, "s")


def _parse_loose(text: str) -> datetime | None:
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        pass
    match = _LOOSE_RE.match(text)
    if not match:
        return None
    y, mo, d, h, mi, s, offset = match.groups()
    try:
        moment = datetime(int(y), int(mo), int(d), int(h or 0), int(mi or 0), int(s or 0))
        if offset:
            moment = datetime.fromisoformat(moment.isoformat() + ("+00:00" if offset == "Z" else offset))
    except ValueError:
        return None
    return moment


def as_text(raw: Sequence[object] | np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Cells as a text array, and which cells hold something (not None, not blank)."""
    if isinstance(raw, np.ndarray) and raw.dtype.kind == "U":
        text, missing = raw, np.zeros(len(raw), dtype=bool)
    else:
        objects = raw if isinstance(raw, np.ndarray) else np.asarray(raw, dtype=object)
        missing = np.asarray(objects == None, dtype=bool)  # noqa: E711 - element-wise test for None
        text = objects.astype(str)
    return text, ~missing & (np.strings.str_len(text) > 0) & ~np.strings.isspace(text)


def _given(raw: Sequence[object] | np.ndarray) -> np.ndarray:
    return as_text(raw)[1]


def completion_text(raw: Sequence[object] | np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Completion cells as text, and which hold a completion: blanks and open markers (—, /, 未办结) do not."""
    text, given = as_text(raw)
    stripped = np.strings.strip(text)
    short = np.flatnonzero(given & (np.strings.str_len(stripped) <= _LONGEST_MARKER))   # isin only where it may match
    marked = np.zeros(len(text), dtype=bool)
    marked[short] = np.isin(stripped[short], list(OPEN_MARKERS))
    if marked.any():
        text = np.where(marked, "", text)
        given = given & ~marked
    return text, given


def build_case_records(series: str, data_time: datetime, submitted_raw: Sequence[object],
                       completed_raw: Sequence[object], tz: ZoneInfo,
                       ids: Sequence[object] | None = None,
                       window: TimeWindow | None = None) -> tuple[CaseRecords, dict[str, int]]:
    """Validate rows: unparseable times, times outside `window` (when given), completions before
    submissions and repeated ids are rejected."""
    submitted = parse_local_times(submitted_raw, tz)
    completed = parse_local_times(completed_raw, tz)
    bounds = window.local_bounds(tz) if window is not None else None
    return validate_cases(series, data_time, submitted, completed, _given(completed_raw), ids, bounds)


def paused_times(raw: Sequence[object] | np.ndarray) -> np.ndarray:
    """Suspended time per case as float; an empty cell is 0, text that is not a number is NaN."""
    text, given = as_text(raw)
    out = np.zeros(len(text), dtype=np.float64)
    for i in np.flatnonzero(given):
        try:
            out[i] = float(str(text[i]).strip())
        except ValueError:
            out[i] = np.nan
    return out


def rejection_mask(submitted: np.ndarray, completed: np.ndarray, given_completed: np.ndarray,
                   ids: Sequence[object] | np.ndarray | None = None, paused: np.ndarray | None = None,
                   bounds: tuple[np.datetime64, np.datetime64] | None = None,
                   more: Sequence[tuple[str, np.ndarray]] = ()) -> tuple[np.ndarray, dict[str, int]]:
    """Which rows are rejected, and how many for each reason (each row counted once, first reason wins).

    `bounds` (earliest, latest), local time, rejects rows with a time outside the sane window, except
    a completion after it: a case is dated by its submission, and one completed after the instant
    collected for (`monitor evaluate --at T`, a daemon replaying a past instant) was open then; the
    evaluator reads it so. `more` adds (reason, mask) checks, after the times' own (a pause that cannot
    be read).
    """
    rejected: dict[str, int] = {}
    bad = np.zeros(len(submitted), dtype=bool)
    for reason, mask in rejection_checks(submitted, completed, given_completed, ids, paused, bounds, more):
        new = mask & ~bad
        count = int(new.sum())
        if count:
            rejected[reason] = count
        bad |= new
    return bad, rejected


def rejection_checks(submitted: np.ndarray, completed: np.ndarray, given_completed: np.ndarray,
                     ids: Sequence[object] | np.ndarray | None = None, paused: np.ndarray | None = None,
                     bounds: tuple[np.datetime64, np.datetime64] | None = None,
                     more: Sequence[tuple[str, np.ndarray]] = ()) -> list[tuple[str, np.ndarray]]:
    """(reason, mask) of every check `rejection_mask` applies, in its order (a row's first reason wins)."""
    checks = [("unparseable_submitted", np.isnat(submitted)),
              ("unparseable_completed", given_completed & np.isnat(completed))]
    if bounds is not None:
        low, high = bounds
        known_s, known_c = ~np.isnat(submitted), ~np.isnat(completed)
        checks += [(TOO_OLD, (known_s & (submitted < low)) | (known_c & (completed < low))),
                   (IN_FUTURE, known_s & (submitted > high))]
    checks.append(("end_before_start", ~np.isnat(submitted) & ~np.isnat(completed) & (completed < submitted)))
    if paused is not None:
        checks.append(("bad_paused", ~np.isfinite(paused) | (paused < 0)))
    checks += list(more)
    if ids is not None:
        checks += id_checks(ids)
    return checks


def validate_cases(series: str, data_time: datetime, submitted: np.ndarray, completed: np.ndarray,
                   given_completed: np.ndarray, ids: Sequence[object] | None = None,
                   bounds: tuple[np.datetime64, np.datetime64] | None = None
                   ) -> tuple[CaseRecords, dict[str, int]]:
    bad, rejected = rejection_mask(submitted, completed, given_completed, ids, bounds=bounds)
    keep = ~bad
    return CaseRecords(series, data_time, submitted[keep], completed[keep], id_array(ids, keep),
                       rejected=tuple(sorted(rejected.items()))), rejected


def id_array(ids: Sequence[object] | np.ndarray | None, keep: np.ndarray) -> np.ndarray | None:
    """The kept rows' case ids as trimmed text, or None when the feed gives no ids."""
    if ids is None:
        return None
    kept: np.ndarray = _id_keys(ids)[keep]
    return kept


def _id_keys(ids: Sequence[object] | np.ndarray) -> np.ndarray:
    """Ids as trimmed text: 7 and "7" (a number in one row, a string in another) are one id."""
    text = ids if isinstance(ids, np.ndarray) and ids.dtype.kind == "U" else np.asarray(ids, dtype=object).astype(str)
    return np.strings.strip(text)


def id_checks(ids: Sequence[object] | np.ndarray) -> list[tuple[str, np.ndarray]]:
    """The reasons a case id rejects its row, in order: too long, a control character, repeated."""
    keys = _id_keys(ids)
    if keys.dtype.itemsize // 4 <= MAX_CASE_ID_CHARS:     # no cell can be longer: no pass over the characters
        too_long = np.zeros(len(keys), dtype=bool)
    else:
        too_long = np.strings.str_len(keys) > MAX_CASE_ID_CHARS
    return [(ID_TOO_LONG, too_long), (ID_CONTROL, control_characters(keys) & ~too_long), ("duplicate_id", _repeated(keys, trimmed=True))]


def control_characters(text: np.ndarray, rows_per_block: int = 1 << 16) -> np.ndarray:
    """Which cells hold a control character (C0, DEL, C1) or a line/paragraph separator, in blocks
    of rows so that a wide column costs a bounded amount of memory."""
    n = len(text)
    out = np.zeros(n, dtype=bool)
    width = text.dtype.itemsize // 4
    if n == 0 or width == 0:
        return out
    codes = np.ascontiguousarray(text).view(np.uint32).reshape(n, width)
    step = max(1, min(rows_per_block, (1 << 22) // width))
    for start in range(0, n, step):
        block = codes[start:start + step]
        # the ranges found by subtraction (padding, 0, wraps around to the largest value), first for the
        # whole block: most blocks have none, and finding which rows do costs more
        top = block.max()
        if any(top >= first and (block - np.uint32(first)).min() < count for first, count in _CONTROL_RANGES):
            out[start:start + step] = _CONTROL[np.minimum(block, len(_CONTROL) - 1)].any(axis=1)
    return out


# Code points up to U+2029 that break a line or are control characters; padding (0) is not.
_CONTROL_RANGES = ((0x01, 0x1F), (0x7F, 0x21), (0x2028, 0x02))   # (first, how many)
_CONTROL = np.zeros(0x202A + 1, dtype=bool)
for _first, _count in _CONTROL_RANGES:
    _CONTROL[_first:_first + _count] = True


def _repeated(ids: Sequence[object] | np.ndarray, trimmed: bool = False) -> np.ndarray:
    """True for the second and later occurrence of an id, compared as trimmed text (the first one is kept)."""
    keys = ids if trimmed and isinstance(ids, np.ndarray) else _id_keys(ids)
    repeated = np.zeros(len(keys), dtype=bool)
    if len(keys) == 0 or _all_distinct(keys):
        return repeated
    # equal keys have equal hashes: only the rows whose hash another row shares are compared as text
    _, inverse, counts = np.unique(_key_hashes(keys), return_inverse=True, return_counts=True)
    rows = np.flatnonzero(counts[inverse] > 1)
    _, first = np.unique(keys[rows], return_index=True)
    repeated[rows] = True
    repeated[rows[first]] = False
    return repeated


_BUCKET_BITS = 22   # at most: 4 M buckets


def _all_distinct(keys: np.ndarray) -> bool:
    """True when no two keys are equal, found from a hash of each key: distinct hashes are distinct
    keys (a tie, a repeat or a collision, is settled by the caller's exact comparison)."""
    hashes = _key_hashes(keys)
    # Sorting a million hashes costs more than counting them into buckets and keeping only those that share
    # one, with other bits of the hash each round, then sorting the few left; about two buckets per key
    # (a hundred cases must not count into four million buckets).
    bits = min(_BUCKET_BITS, len(keys).bit_length() + 1)
    for shift in range(64 - bits, -1, -bits):
        buckets = ((hashes >> np.uint64(shift)) & np.uint64((1 << bits) - 1)).astype(np.intp)
        hashes = hashes[np.bincount(buckets, minlength=1 << bits)[buckets] > 1]
        if len(hashes) <= len(keys) >> 6:
            break
    shared = np.sort(hashes)
    return not (shared[1:] == shared[:-1]).any()


def _key_hashes(keys: np.ndarray) -> np.ndarray:
    """A 64-bit hash of each key. The code points are packed 8, 4 or 2 to a word (bytes when every one
    is below 256), so an ASCII key of up to 8 characters is its own hash: no two such keys collide."""
    n, width = len(keys), keys.dtype.itemsize // 4
    if width == 0:
        return np.zeros(n, dtype=np.uint64)
    codes = np.ascontiguousarray(keys).view(np.uint32).reshape(n, width)
    top = int(codes.max(initial=0))
    unit = np.uint8 if top < 1 << 8 else np.uint16 if top < 1 << 16 else np.uint32
    per_word = 8 // np.dtype(unit).itemsize
    packed = np.zeros((n, -(-width // per_word) * per_word), dtype=unit)
    packed[:, :width] = codes
    words = packed.view(np.uint64)
    hashes = np.full(n, 0xCBF29CE484222325, dtype=np.uint64)
    for column in words.T:                              # FNV-1a over the words
        hashes ^= column
        hashes *= np.uint64(0x100000001B3)
    hashes ^= hashes >> np.uint64(33)                   # mixed, so that the top bits pick the bucket
    hashes *= np.uint64(0xFF51AFD7ED558CCD)
    hashes ^= hashes >> np.uint64(33)
    return hashes


def count_rejections(into: dict[str, int], more: Mapping[str, int] | Iterable[tuple[str, int]]) -> None:
    items = more.items() if isinstance(more, Mapping) else more
    for reason, count in items:
        into[reason] = into.get(reason, 0) + count
