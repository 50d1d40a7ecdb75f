"""Cron expressions checked when targets.yaml is loaded, not when the scheduler first meets them.

Five fields, as APScheduler's `CronTrigger.from_crontab` reads them: minute, hour, day of month,
month, day of week (0-6 or mon-sun, Monday first). Each field is `*` or a comma list of `N`, `A-B`,
with an optional `/STEP` (`*/15`, `1-5/2`, `5/15`). A test checks that whatever passes here, APScheduler
accepts too.
"""

from __future__ import annotations

import re

_FIELDS = (("minute", 0, 59, ()), ("hour", 0, 23, ()), ("day", 1, 31, ()),
           ("month", 1, 12, ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")),
           ("day_of_week", 0, 6, ("mon", "tue", "wed", "thu", "fri", "sat", "sun")))
_ITEM = re.compile(r"^(\*|[0-9a-z]+(?:-[0-9a-z]+)?)(?:/(\d+))?$")


def check_cron(expression: str) -> str:
    """Return `expression` if it is a valid five-field cron; ValueError naming the bad field otherwise."""
    fields = expression.split()
    if len(fields) != 5:
        raise ValueError(f"a cron expression has 5 fields (minute hour day month day_of_week), "
                         f"got {len(fields)} in {expression!r}")
    for text, (name, low, high, names) in zip(fields, _FIELDS):
        for item in text.lower().split(","):
            _check_item(item, name, low, high, names)
    return expression


def _check_item(item: str, name: str, low: int, high: int, names: tuple[str, ...]) -> None:
    match = _ITEM.match(item)
    if not match:
        raise ValueError(f"cron field {name}: cannot read {item!r}")
    span, step = match.groups()
    if step is not None and int(step) < 1:
        raise ValueError(f"cron field {name}: a step must be at least 1")
    if span == "*":
        return
    bounds = [_value(part, name, low, high, names) for part in span.split("-")]
    if len(bounds) == 2 and bounds[0] > bounds[1]:
        raise ValueError(f"cron field {name}: range {span!r} runs backwards")


def _value(part: str, name: str, low: int, high: int, names: tuple[str, ...]) -> int:
    if part in names:
        return names.index(part) + (low if name != "month" else 1)
    if not part.isdigit():
        raise ValueError(f"cron field {name}: {part!r} is not a number"
                         + (f" or one of {', '.join(names)}" if names else ""))
    value = int(part)
    if not low <= value <= high:
        raise ValueError(f"cron field {name}: {value} is outside {low}-{high}")
    return value
