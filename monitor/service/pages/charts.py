"""Server-rendered SVG charts: a commitment's history and its case durations against the limit.

Plain markup, no script: the pages must work without JavaScript and without any CDN.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, tzinfo
from html import escape

from monitor.service.pages.wording import STATUS_COLOUR, STATUS_WORDS, number

WIDTH, HEIGHT = 720, 260
LEFT, RIGHT, TOP, BOTTOM = 70, 20, 16, 56
BAND = 10   # height of the status band under the plot


@dataclass(frozen=True)
class Point:
    at: datetime
    actual: float | None
    target: float | None
    status: str


def _local(at: datetime, zone: tzinfo) -> str:
    return at.astimezone(zone).strftime("%m-%d %H:%M")


def _text(x: float, y: float, s: str, anchor: str = "start", cls: str = "axis") -> str:
    return f'<text x="{x:.1f}" y="{y:.1f}" text-anchor="{anchor}" class="{cls}">{escape(s)}</text>'


def history_svg(points: Sequence[Point], target_max: float | None, deadline: date | None, unit: str,
                zone: tzinfo) -> str:
    """Actual against target over time, the status of each stretch as a band, the deadline when in view;
    times and the deadline's day as read in `zone` (the catalogue's calendar)."""
    points = sorted(points, key=lambda p: p.at)
    if not points:
        return ""
    t0, t1 = points[0].at, points[-1].at
    span = max((t1 - t0).total_seconds(), 60.0)
    deadline_at = (datetime.combine(deadline, time.max, tzinfo=zone) if deadline else None)
    if deadline_at is not None and t0 <= deadline_at <= t1 + timedelta(seconds=span):
        t1, span = deadline_at, (deadline_at - t0).total_seconds()
    values = [v for p in points for v in (p.actual, p.target) if v is not None]
    values += [target_max] if target_max is not None else []
    low, high = (min(values), max(values)) if values else (0.0, 1.0)
    pad = (high - low) * 0.1 or abs(high) * 0.1 or 1.0
    low, high = low - pad, high + pad
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM

    def x(at: datetime) -> float:
        return LEFT + plot_w * (at - t0).total_seconds() / span

    def y(v: float | None) -> float:
        assert v is not None    # called on points filtered to those with the value
        return TOP + plot_h * (1 - (v - low) / (high - low))

    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" class="chart" role="img" '
             f'aria-label="实际值与目标值的历史">',
             f'<rect x="{LEFT}" y="{TOP}" width="{plot_w}" height="{plot_h}" class="plot"/>']
    band_y = TOP + plot_h + 4
    for i, p in enumerate(points):   # each stretch coloured by the status that held over it
        end = x(points[i + 1].at) if i + 1 < len(points) else min(x(p.at) + 4, LEFT + plot_w)
        parts.append(f'<rect x="{x(p.at):.1f}" y="{band_y}" width="{max(end - x(p.at), 1):.1f}" height="{BAND}" '
                     f'fill="{STATUS_COLOUR.get(p.status, "#999")}"><title>{escape(STATUS_WORDS.get(p.status, p.status))}'
                     f'</title></rect>')
    targets = [p for p in points if p.target is not None]
    if targets:
        path = " ".join(f"{x(p.at):.1f},{y(p.target):.1f}" for p in targets)
        last = targets[-1]
        if len(targets) == 1 or x(last.at) < LEFT + plot_w:
            path += f" {LEFT + plot_w:.1f},{y(last.target):.1f}"
        parts.append(f'<polyline points="{path}" class="target"/>')
        parts.append(_text(LEFT - 6, y(last.target) + 4, f"目标 {number(last.target)}", "end", "target-label"))
    if target_max is not None:
        parts.append(f'<line x1="{LEFT}" x2="{LEFT + plot_w}" y1="{y(target_max):.1f}" y2="{y(target_max):.1f}" '
                     f'class="target"/>')
    actuals = [p for p in points if p.actual is not None]
    if actuals:
        parts.append('<polyline points="' + " ".join(f"{x(p.at):.1f},{y(p.actual):.1f}" for p in actuals)
                     + '" class="actual"/>')
        for p in actuals[-60:]:   # hover titles for the recent points; the line carries the rest
            parts.append(f'<circle cx="{x(p.at):.1f}" cy="{y(p.actual):.1f}" r="2.5" class="actual-dot">'
                         f'<title>{escape(_local(p.at, zone))} {escape(number(p.actual))}{escape(unit)} '
                         f'{escape(STATUS_WORDS.get(p.status, p.status))}</title></circle>')
    if deadline is not None and deadline_at is not None:
        if x(deadline_at) <= LEFT + plot_w + 0.5 and deadline_at >= t0:
            dx = x(deadline_at)
            parts.append(f'<line x1="{dx:.1f}" x2="{dx:.1f}" y1="{TOP}" y2="{TOP + plot_h}" class="deadline"/>')
            parts.append(_text(dx - 4, TOP + 12, f"期限 {deadline.isoformat()}", "end", "deadline-label"))
        else:   # out of view: say where it lies rather than stretch the axis over years
            side = "早于" if deadline_at < t0 else "晚于"
            parts.append(_text(LEFT + plot_w - 4, TOP + 12, f"期限 {deadline.isoformat()}（{side}图中时段）", "end",
                               "deadline-label"))
    label_ys = [y(targets[-1].target)] if targets else []
    for value in (high - pad, low + pad):   # the data's range, unless the target's label stands there
        if all(abs(y(value) - other) > 12 for other in label_ys):
            parts.append(_text(LEFT - 6, y(value) + 4, number(value), "end"))
            label_ys.append(y(value))
    parts += [_text(LEFT, HEIGHT - 24, _local(points[0].at, zone)), _text(LEFT + plot_w, HEIGHT - 24, _local(t1, zone), "end"),
              _text(LEFT, HEIGHT - 6, f"单位：{unit}　实线：实际值　虚线：目标　色带：各时段状态")]
    parts.append("</svg>")
    return "".join(parts)


def durations_svg(quantiles: Sequence[tuple[float, float]], limit: float, limit_max: float | None, unit: str) -> str:
    """Case-duration quantiles (median to longest) as bars against the promised limit."""
    if not quantiles:
        return ""
    row, label_w = 28, 90
    height = TOP + row * len(quantiles) + 36
    longest = max(max(v for _, v in quantiles), limit_max or limit, 1e-9) * 1.1
    plot_w = WIDTH - label_w - RIGHT - 80

    def x(v: float) -> float:
        return label_w + plot_w * v / longest

    bound = limit_max if limit_max is not None else limit
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {height}" class="chart" role="img" '
             f'aria-label="办理时长分布与时限">']
    for i, (q, v) in enumerate(quantiles):
        y = TOP + i * row
        name = "最长" if q >= 1 else f"{q * 100:g}%的案件"
        within = v <= bound
        parts.append(_text(label_w - 8, y + 15, name, "end"))
        parts.append(f'<rect x="{label_w}" y="{y}" width="{max(x(v) - label_w, 1):.1f}" height="20" '
                     f'fill="{STATUS_COLOUR["met" if within else "missed"]}"/>')
        parts.append(_text(x(v) + 6, y + 15, f"≤{number(v)}{unit}" + ("" if within else "（超时限）")))
    lx = x(bound)
    parts.append(f'<line x1="{lx:.1f}" x2="{lx:.1f}" y1="{TOP - 6}" y2="{TOP + row * len(quantiles)}" class="deadline"/>')
    parts.append(_text(lx, height - 14, f"时限 {number(bound)}{unit}", "middle", "deadline-label"))
    parts.append("</svg>")
    return "".join(parts)
