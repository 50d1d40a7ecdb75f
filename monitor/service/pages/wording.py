"""What the pages say in Chinese: status words and colours, the verdict's reason, the marks.

The words for statuses, comparators and numbers are the e-mails' own (alerts.render), so a reader
who follows a link from a message finds the same words on the page.
"""

from __future__ import annotations

from alerts.render import OP_ZH, STATUS_ZH, number, promise_text
from monitor.evaluate import Evaluation, late_note
from monitor import vocabulary
from monitor.model import Commitment

__all__ = ["OP_ZH", "STATUS_ZH", "number", "promise_text", "STATUS_ORDER", "STATUS_COLOUR", "UNMONITORED",
           "reason_zh", "status_of"]

# worst first: the order of an agency's list and of the board's counts
STATUS_ORDER = ("missed", "at_risk", "error", "no_data", "on_track", "met", "unmonitored")
UNMONITORED = "unmonitored"
STATUS_WORDS = {**STATUS_ZH, UNMONITORED: "未监测"}
# 红黄绿 warning colours; never shown without the word
STATUS_COLOUR = {**vocabulary.STATUS_COLOUR, UNMONITORED: "#b0bec5"}


def status_of(c: Commitment, ev: Evaluation | None) -> str:
    if not c.evaluated:
        return UNMONITORED
    return ev.status if ev else "no_data"


def reason_zh(c: Commitment, ev: Evaluation | None) -> str:
    """The verdict in a Chinese sentence built from its numbers (the evaluator's reason is English)."""
    if not c.evaluated:
        return "本项未纳入监测" + (f"：{c.reason}" if c.reason else "（草稿）" if c.draft else "") + "。"
    if ev is None or ev.status == "no_data":
        return "暂无可用数据（数据源尚未提供，或最新数据已过期），暂不能判断是否兑现。"
    if ev.status == "error":
        return "评估出错，暂不能判断；运维人员已收到技术说明。"
    unit = ev.unit or c.unit
    evaluated = promise_text(ev.op, ev.target, ev.target_max, unit)
    if c.kind == "case_duration" and ev.unit == "%":
        actual = f"在{promise_text(c.op, c.value, c.value_max, c.unit)}内办结的比例为{number(ev.actual)}%"
        actual += f"（共{ev.cases}件）" if ev.cases is not None else ""
    else:
        actual = f"当前实际值为{number(ev.actual)}{unit}"
    kept = ev.margin is not None and ev.margin >= 0
    if ev.status == "met":
        verdict = f"达到要求（{evaluated}）"
    elif ev.status == "on_track":
        verdict = (f"正常推进，尚未兑现（{evaluated}）" if not kept or c.kind == "cumulative" and c.op in (">=", ">")
                   else f"迄今符合要求（{evaluated}），须保持至期限方为兑现")
    elif ev.status == "missed":
        verdict = f"未达到要求（{evaluated}）"
    elif kept:
        verdict = f"达到要求（{evaluated}），但余量仅{number(ev.margin)}{unit}"
    else:
        verdict = f"尚未达到要求（{evaluated}）"
    sentence = f"{actual}，{verdict}"
    if ev.expected is not None and c.deadline is not None:
        sentence += f"；按进度此时应达{number(ev.expected)}{unit}"
    if ev.settled_on:
        sentence += f"；已于{ev.settled_on.isoformat()}定论"
    elif c.deadline is not None:
        sentence += f"；期限{c.deadline.isoformat()}"
    if ev.overdue_open:
        sentence += f"；另有{ev.overdue_open}件超期未办结"
    if ev.status == "missed" and (late := late_note(ev.reason)):
        sentence += f"；{late}"
    return sentence + "。"
