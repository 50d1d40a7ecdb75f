"""Shared pieces of the targets.yaml schema: strict models and duration strings."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Annotated

from pydantic import BaseModel, BeforeValidator, ConfigDict

_DURATION_RE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d|w)\s*$")
_IDENTIFIER_RE = re.compile(r"[a-z0-9_]+(\.[a-z0-9_]+)*")
_SECONDS = {"ms": 0.001, "s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}


class StrictModel(BaseModel):
    """Unknown keys are errors; loaded objects are immutable."""

    model_config = ConfigDict(extra="forbid", frozen=True)


def parse_duration(value: object) -> timedelta:
    """Read '90s', '5m', '2h', '30d', '1w' (or a number of seconds) as a timedelta."""
    if isinstance(value, timedelta):
        return value
    try:
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return timedelta(seconds=value)
        if isinstance(value, str):
            match = _DURATION_RE.match(value)
            if match:
                return timedelta(seconds=float(match.group(1)) * _SECONDS[match.group(2)])
    except OverflowError:
        raise ValueError(f"duration {value!r} is too large") from None
    raise ValueError(f"expected a duration such as 90s, 5m, 2h, 30d or 1w, got {value!r}")


Duration = Annotated[timedelta, BeforeValidator(parse_duration)]
Identifier = Annotated[str, BeforeValidator(lambda v: _check_identifier(v))]


def _check_identifier(value: object) -> str:
    if not isinstance(value, str) or not _IDENTIFIER_RE.fullmatch(value):
        raise ValueError(f"ids use lower-case letters, digits, '_' and '.', got {value!r}")
    return value
