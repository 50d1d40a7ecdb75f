"""What the pages say in Chinese: status words and colours, the verdict's reason, the marks.

The words for statuses, comparators and numbers are the e-mails' own (alerts.render), so a reader
who follows a link from a message finds the same words on the page.
"""

from __future__ import annotations

from alerts.render import OP_ZH, STATUS_ZH, number, promise_text
from monitor.evaluate import Evaluation
from monitor.model import Commitment

__all__ = ["OP_ZH", "STATUS_ZH", "number", "promise_text", "STATUS_ORDER", "STATUS_COLOUR", "UNMONITORED", "UNWIRED",
           "reason_zh", "status_of"]

# worst first: the order of an agency's list and of the board's counts
STATUS_ORDER = ("missed", "at_risk", "error", "no_data", "met", "unwired", "unmonitored")
UNMONITORED = "unmonitored"
UNWIRED = "unwired"   # monitorable, but no measure names where its figures come from: never evaluated
STATUS_WORDS = {**STATUS_ZH, UNWIRED: "未接入数据", UNMONITORED: "未监测"}
# 红黄绿 warning colours; never shown without the word
STATUS_COLOUR = {"missed": "#c62828", "at_risk": "#f9a825", "met": "#2e7d32", "no_data": "#757575",
                 "error": "#6a1b9a", UNWIRED: "#90a4ae", UNMONITORED: "#b0bec5"}


def status_of(c: Commitment, ev: Evaluation | None) -> str:
    if c.unwired:
        return UNWIRED
    if not c.evaluated:
        return UNMONITORED
    return ev.status if ev else "no_data"


def reason_zh(c: Commitment, ev: Evaluation | None) -> str:
    """The verdict in a Chinese sentence built from its numbers (the evaluator's reason is English)."""
    if c.unwired:
        return "未接入数据：目录未写明本项数据从何而来（measure），不作评估，也不发提醒。"
    if not c.evaluated:
        return "本项未纳入监测" + (f"：{c.reason}" if c.reason else "（草稿）" if c.draft else "") + "。"
    if ev is not None and ev.status == "no_data" and ev.reason.startswith("未按期填报"):
        return ev.reason + "：逾期未报不按未兑现计，收到填报后即重新评估。"
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
    return sentence + "。"
