"""Cron expressions checked when targets.yaml is loaded, not when the scheduler first meets them.

Five fields, as APScheduler's `CronTrigger.from_crontab` reads them: minute, hour, day of month,
month, day of week (0-6 or mon-sun, Monday first). Each field is `*` or a comma list of `N`, `A-B`
(numbers, or names for months and weekdays), numbers with an optional `/STEP` no larger than the
range stepped through (`*/15`, `1-5/2`, `5/15`). A test checks that whatever passes here, APScheduler
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
    span, step_text = match.groups()
    step = int(step_text) if step_text is not None else None
    if step is not None and step < 1:
        raise ValueError(f"cron field {name}: a step must be at least 1")
    last: int | None
    if span == "*":
        first, last = low, high
    else:
        parts = span.split("-")
        if all(part.isdigit() for part in parts):
            first, last = int(parts[0]), int(parts[-1]) if len(parts) == 2 else None
            for value in (first, last):
                if value is not None and not low <= value <= high:
                    raise ValueError(f"cron field {name}: {value} is outside {low}-{high}")
        elif names and all(part in names for part in parts):
            if step is not None:
                raise ValueError(f"cron field {name}: a step needs numbers, not names ({item!r})")
            first, last = names.index(parts[0]), names.index(parts[-1])
        else:
            known = f" or one of {', '.join(names)}" if names else ""
            raise ValueError(f"cron field {name}: {span!r} is not a number{known} (nor a range of them)")
        if last is not None and first > last:
            raise ValueError(f"cron field {name}: range {span!r} runs backwards")
        if last is None and step is None:
            last = first
    if step is not None and step > (last or high) - first:   # as APScheduler measures a step's range
        raise ValueError(f"cron field {name}: step {step} is larger than the range it steps through")
