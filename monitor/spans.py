"""Lengths of time in words, as a Chinese reader writes them: 400天, 2天3小时, 30分钟 (never "400 days, 0:00:00")."""

from __future__ import annotations

from datetime import timedelta


def span_zh(span: timedelta) -> str:
    """A duration in days, hours, minutes and seconds, leaving out the parts that are zero."""
    seconds = int(round(abs(span.total_seconds())))
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, seconds = divmod(rest, 60)
    parts = [f"{n}{word}" for n, word in ((days, "天"), (hours, "小时"), (minutes, "分钟"), (seconds, "秒")) if n]
    return ("负" if span.total_seconds() < 0 else "") + ("".join(parts) or "0秒")
