"""What a number promises: comparator, kind, and whether it is a policy parameter.

Each decision reads only the phrase around the number (`before` is the phrase text up to the
number, `after` the text right after its unit), so the rules are the same for every document.
"""

from __future__ import annotations

import re

from monitor.extract.numbers import TIME_UNITS, Quantity

# Keyword → comparator, read before the number; the keyword closest to the number wins, and of
# two ending at the same place the longer (不超过 over 超过).
_BEFORE_OPS: dict[str, str] = {
    "不超过": "<=", "不高于": "<=", "不多于": "<=", "不大于": "<=", "控制在": "<=", "最多": "<=",
    "最高": "<=", "压缩至": "<=", "压缩到": "<=", "压缩为": "<=", "压减至": "<=", "压减到": "<=",
    "压减为": "<=", "缩短至": "<=", "缩短到": "<=", "缩短为": "<=", "降至": "<=", "降低至": "<=",
    "降低到": "<=", "降到": "<=", "降为": "<=", "减少至": "<=", "减少到": "<=", "减少为": "<=",
    "缩减至": "<=", "缩减为": "<=", "精简至": "<=", "精简为": "<=", "低于": "<", "少于": "<",
    "不满": "<", "未满": "<", "不足": "<",
    "不低于": ">=", "不少于": ">=", "不小于": ">=", "至少": ">=", "达到": ">=", "达": ">=",
    "提高到": ">=", "提高至": ">=", "提升至": ">=", "提升到": ">=", "增至": ">=", "增加到": ">=",
    "增加至": ">=", "拓展至": ">=", "拓展到": ">=", "扩大到": ">=", "扩大至": ">=", "扩展到": ">=",
    "扩展至": ">=", "突破": ">", "超过": ">", "超": ">", "高于": ">", "多于": ">",
}
_AFTER_OPS = (("以内", "<="), ("之内", "<="), ("以下", "<="), ("内", "<="), ("及以上", ">="),
              ("以上", ">="))
_REDUCTION_VERB = re.compile(r"(压缩|缩短|降低|减少|压减|削减|下降|降幅|缩减|节省|节约|减免|减)(?![至到为在])")
_POLICY_PARAMETER = re.compile(r"给予|奖励|补贴|补助|资助|扶持资金|租金|以下的货物|以下的工程|限额")
_STOCK = re.compile(r"总量|拥有量|保有量|总数|规模达|整合|每万人|占比|比例|累计达")
_CUMULATIVE = re.compile(r"新增|累计|年内|全年|培育|引进|建设|建成|新建|打造|举办|开展|完成|认定|推出|"
                         r"实施|走访|投放|处置|拆除|创建|布局|新设|设立|搭建|改造|选树|攻坚|梳理|办理|"
                         r"服务|培训|吸引|落地|签约|发放|招引|评价|推进|扩展|托管|替换|安装")
_AVERAGE = re.compile(r"平均|年均|均值|纳税时间|总时长")


def comparator(before: str, after: str, quantity: Quantity) -> tuple[str, str | None]:
    """(op, keyword): the comparator of a quantity from the words around it."""
    if quantity.is_range:
        return "range", None
    if quantity.unit in ("名", "位") and before.endswith("前"):
        return "<=", "前"   # 进入前3名: a rank of 3 or better
    for word, op in _AFTER_OPS:
        if after.startswith(word):
            return op, word
    best: tuple[int, int, str, str] | None = None
    for word, op in _BEFORE_OPS.items():
        at = before.rfind(word)
        if at < 0:
            continue
        key = (at + len(word), len(word), word, op)
        if best is None or key[:2] > best[:2]:
            best = key
    reach = 4 if best is not None and best[2] in ("最高", "最多") else 16  # 使用频率最高的 is no cap
    if best is not None and len(before) - best[0] <= reach:
        return best[3], best[2]
    if quantity.unit in TIME_UNITS:
        return "<=", None
    return ">=", None


def is_reduction(before: str, op_word: str | None, written: str) -> bool:
    """A cut against a baseline: 压缩60%, 缩短5天, 减半 — a reduction verb with no 至/到/为."""
    if written in ("减半", "減半"):
        return True
    if op_word and op_word[-1] in "至到为":
        return False
    if written.endswith("元") and op_word in ("不少于", "不低于", "至少", "达到", "达", "超过", "突破", "以上", "及以上"):
        return False   # 减税降费不少于3亿元: an amount to reach, not a cut from a baseline
    return bool(_REDUCTION_VERB.search(before[-14:]))


def kind_of(quantity: Quantity, op: str, reduction: bool, phrase: str) -> str:
    """One of case_duration, share, value, cumulative, reduction, milestone."""
    if reduction:
        return "reduction"
    if quantity.form == "milestone" or ("覆盖" in phrase and quantity.form == "words") or (
            quantity.unit == "%" and quantity.value == 100 and re.search(r"%覆盖", phrase)):
        return "milestone"
    if quantity.unit in TIME_UNITS:
        if op in ("<=", "<") and not _AVERAGE.search(phrase) and quantity.unit != "个月":
            return "case_duration"
        return "value"
    if quantity.unit in ("%", "‰"):
        return "share"
    if op in (">=", ">") and not _STOCK.search(phrase) and _CUMULATIVE.search(phrase):
        return "cumulative"
    return "value"


def policy_parameter(phrase: str) -> bool:
    """Reward amounts, subsidies, eligibility thresholds: catalogued, but nothing to monitor."""
    return bool(_POLICY_PARAMETER.search(phrase))
