"""What the pages say in Chinese: status words and colours, the verdict's reason, the marks.

The words for statuses, comparators and numbers are the e-mails' own (alerts.render), so a reader
who follows a link from a message finds the same words on the page.
"""

from __future__ import annotations

from alerts.render import OP_ZH, STATUS_ZH, number, promise_text
from monitor import verdict_text, vocabulary
from monitor.evaluate import Evaluation
from monitor.model import Commitment

__all__ = ["OP_ZH", "STATUS_ZH", "number", "promise_text", "STATUS_ORDER", "STATUS_COLOUR", "UNMONITORED", "UNWIRED",
           "reason_zh", "status_of"]

# worst first: the order of an agency's list and of the board's counts
STATUS_ORDER = ("missed", "at_risk", "error", "no_data", "on_track", "met", "unwired", "unmonitored")
UNMONITORED = "unmonitored"
UNWIRED = "unwired"   # monitorable, but no measure names where its figures come from: never evaluated
STATUS_WORDS = {**STATUS_ZH, UNWIRED: "未接入数据", UNMONITORED: "未监测"}
# 红黄绿 warning colours; never shown without the word
STATUS_COLOUR = {**vocabulary.STATUS_COLOUR, UNWIRED: "#90a4ae", UNMONITORED: "#b0bec5"}


def status_of(c: Commitment, ev: Evaluation | None) -> str:
    if c.unwired:
        return UNWIRED
    if not c.evaluated:
        return UNMONITORED
    return ev.status if ev else "no_data"


def reason_zh(c: Commitment, ev: Evaluation | None) -> str:
    """The verdict in one Chinese sentence, the same as in the mails (monitor.verdict_text)."""
    if c.unwired:
        return "未接入数据：目录未写明本项数据从何而来（measure），不作评估，也不发提醒。"
    if ev is not None and ev.status == "no_data" and ev.reason.startswith("未按期填报"):
        return ev.reason + "：逾期未报不按未兑现计，收到填报后即重新评估。"
    return verdict_text.sentence(c, ev)
