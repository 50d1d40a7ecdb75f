"""How sure we are that a draft is a real promise: a score in 0–1 explained by its features.

The score is a logistic function of a sum of feature weights, so an editor can read why a draft
ranks where it does (`features` lists each contribution). The weights are set by hand from what
makes a promise monitorable (a comparator, a service time limit, a share), not fitted to any
document; `DEFAULT_MIN_CONFIDENCE` was chosen on the development set (tests/data/extract_dev):
see docs/extract.md.
"""

from __future__ import annotations

import math
import re

from monitor.extract.numbers import Quantity

DEFAULT_MIN_CONFIDENCE = 0.5

_BIAS = 0.3
_SERVICE_TIME = frozenset({"个工作日", "工作日", "个工作小时", "工作小时", "小时", "个小时", "分钟"})
_CALENDAR_TIME = frozenset({"天", "日"})
_LONG_TIME = frozenset({"年", "个月", "周"})
_COUNTS = frozenset({"家", "户", "个", "项", "件", "人", "人次", "场", "次", "名", "条", "批", "套", "处",
                     "座", "台", "辆", "张", "份", "所", "种", "支", "块", "轮"})
_FUTURE = re.compile(r"力争|确保|争取|到(?:(?:19|20)\d\d|今年|年底)|年内|年底前|全年|将(?!近)|目标")
_SERVICE_WORDS = re.compile(r"办结|办理|审批|审核|受理|答复|响应|接通|报装|登记|开办|验收|出具|核发|放款|"
                            r"时限|时间|网办|可办|通办|满意|覆盖")

# Each feature: (name, weight). Positive weights raise the score.
WEIGHTS: dict[str, float] = {
    "comparator word (不超过, 压缩至, 以上, 达到)": 1.2,
    "future or obligation (力争, 确保, 到…年底, 年内)": 0.5,
    "service time limit (工作日, 小时, 分钟)": 1.0,
    "calendar days (天, 日)": 0.2,
    "long duration (年, 个月, 周)": -0.8,
    "share (%)": 0.7,
    "count or amount of money": 0.0,
    "a government service is named (办结, 审批, 接通, 覆盖)": 0.5,
    "written in words (全覆盖, 零跑腿)": -0.2,
    "dated milestone with no number": -0.2,
    "inside a quotation (“…”)": -0.6,
    "on a heading or title line": -1.0,
    "document reads like news (most of its numbers are reports)": -0.5,
    "policy parameter (reward, subsidy or threshold)": -1.0,
    "promised payment or relief (给予, 补贴, 免收)": 0.7,
    "a range (—, 至, 到)": 0.3,
    "share of cases stated (90%以上的事项…)": 0.5,
}


def _in_quotation(text: str, start: int, end: int) -> bool:
    left = text.rfind("“", max(0, start - 20), start + 1)
    return left >= 0 and "”" not in text[left:start] and text.find("”", end, end + 20) >= 0


def features(text: str, quantity: Quantity, phrase: tuple[int, int], sentence: tuple[int, int], *,
             op_word: str | None, heading: bool, newsy: bool, parameter: bool,
             min_share: float | None, benefit: bool = False) -> list[str]:
    """The names of the features (keys of WEIGHTS) that hold for one proposal."""
    found: list[str] = []
    phrase_text = text[phrase[0]:phrase[1]]
    if op_word is not None or quantity.op is not None:
        found.append("comparator word (不超过, 压缩至, 以上, 达到)")
    if _FUTURE.search(text, sentence[0], sentence[1]):
        found.append("future or obligation (力争, 确保, 到…年底, 年内)")
    unit = quantity.unit or ""
    if quantity.form == "milestone":
        found.append("dated milestone with no number")
    elif quantity.form == "words":
        found.append("written in words (全覆盖, 零跑腿)")
    if unit in _SERVICE_TIME:
        found.append("service time limit (工作日, 小时, 分钟)")
    elif unit in _CALENDAR_TIME:
        found.append("calendar days (天, 日)")
    elif unit in _LONG_TIME:
        found.append("long duration (年, 个月, 周)")
    elif unit in ("%", "‰") and quantity.form != "milestone":
        found.append("share (%)")
    elif unit in _COUNTS or unit.endswith("元") or unit in ("亩", "平方米", "倍"):
        found.append("count or amount of money")
    if _SERVICE_WORDS.search(phrase_text):
        found.append("a government service is named (办结, 审批, 接通, 覆盖)")
    if quantity.form not in ("words", "milestone") and _in_quotation(text, quantity.start, quantity.end):
        found.append("inside a quotation (“…”)")
    if heading:
        found.append("on a heading or title line")
    if newsy:
        found.append("document reads like news (most of its numbers are reports)")
    if parameter:
        found.append("policy parameter (reward, subsidy or threshold)")
    if benefit:
        found.append("promised payment or relief (给予, 补贴, 免收)")
    if quantity.is_range:
        found.append("a range (—, 至, 到)")
    if min_share is not None:
        found.append("share of cases stated (90%以上的事项…)")
    return found


def score(names: list[str]) -> float:
    """The confidence (0–1) of a proposal with these features."""
    total = _BIAS + sum(WEIGHTS[name] for name in names)
    return round(1 / (1 + math.exp(-total)), 3)
