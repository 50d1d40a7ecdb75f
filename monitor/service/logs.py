"""Structured logs: one event per line, key=value (default) or JSON (MONITOR_LOG_FORMAT=json).

Code logs an event by name with its fields as the standard library's `extra`:

    log.info("fetch_retry", extra={"feed": feed_id, "attempt": 2, "category": "timeout"})

and the formatter chosen here renders the same record either as text,

    time=2026-11-30 09:00:00,000 level=INFO logger=monitor.collect.http event=fetch_retry feed=f attempt=2 ...

or as one JSON object whose keys are the fields themselves ({"event": "fetch_retry", "feed": "f",
"attempt": 2, ...}), never a key=value string wrapped in JSON. A message from a library that is not
an event name (uvicorn, APScheduler) is the field `message`.
"""

from __future__ import annotations

import json
import logging
import re
import sys
from datetime import UTC, datetime
from typing import Any

# Attributes every LogRecord has; anything else on a record came from `extra` and is a field.
_RECORD_ATTRIBUTES = frozenset(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {
    "message", "asctime", "color_message"}   # color_message: uvicorn's coloured copy of its message
_EVENT_NAME = re.compile(r"[a-z][a-z0-9_.]*")
_BARE_VALUE = re.compile(r'[^\s"=\\]+')


def fields(record: logging.LogRecord) -> dict[str, Any]:
    """The event's fields: what the call passed as `extra`."""
    return {key: value for key, value in vars(record).items()
            if key not in _RECORD_ATTRIBUTES and not key.startswith("_")}


def _head(record: logging.LogRecord) -> tuple[str, str]:
    message = record.getMessage()
    return ("event", message) if _EVENT_NAME.fullmatch(message) else ("message", message)


def _plain(value: Any) -> Any:
    """A value as JSON knows it (numbers, booleans, strings, lists); anything else as its str()."""
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, (list, tuple, set, frozenset)):
        return [_plain(v) for v in value]
    return str(value)


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        key, text = _head(record)
        entry: dict[str, Any] = {"time": datetime.fromtimestamp(record.created, UTC).isoformat(),
                                 "level": record.levelname.lower(), "logger": record.name, key: text}
        for name, value in fields(record).items():
            entry.setdefault(name, _plain(value))
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False)


def text_value(value: Any) -> str:
    """A value in key=value text: bare when it has no space, quote, '=' or backslash, else quoted
    as a JSON string (so a line break inside a file name or an error never starts a line)."""
    text = "-" if value is None else str(value)
    return text if _BARE_VALUE.fullmatch(text) else json.dumps(text, ensure_ascii=False)


class TextFormatter(logging.Formatter):
    """key=value text, one event per line; tracebacks follow as usual."""

    def __init__(self) -> None:
        super().__init__("time=%(asctime)s level=%(levelname)s logger=%(name)s %(message)s")

    def formatMessage(self, record: logging.LogRecord) -> str:  # noqa: N802 - logging.Formatter's name
        key, text = _head(record)
        parts = [f"{key}={text_value(text)}"]
        parts += [f"{name}={text_value(value)}" for name, value in fields(record).items()]
        return f"time={record.asctime} level={record.levelname} logger={record.name} {' '.join(parts)}"


def setup_logging(fmt: str = "text", level: str = "INFO") -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter() if fmt == "json" else TextFormatter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    logging.getLogger("apscheduler").setLevel(logging.WARNING)
    logging.getLogger("httpx").setLevel(logging.WARNING)
    logging.getLogger("alembic").setLevel(logging.WARNING)      # the daemon logs schema_upgraded itself
    logging.getLogger("uvicorn.error").setLevel(logging.WARNING)   # its start-up lines are not key=value
