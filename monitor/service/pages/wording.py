"""What the pages say in Chinese: status words and colours, the verdict's reason, the marks.

The words for statuses, comparators and numbers are the e-mails' own (alerts.render), so a reader
who follows a link from a message finds the same words on the page.
"""

from __future__ import annotations

from alerts.render import OP_ZH, STATUS_ZH, number, promise_text
from monitor import verdict_text, vocabulary
from monitor.evaluate import Evaluation
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
    """The verdict in one Chinese sentence, the same as in the mails (monitor.verdict_text)."""
    return verdict_text.sentence(c, ev)
