"""Numbers that are not commitments: document numbers, dates, section numbers, phone numbers,
versions, named programmes, ordinals, slogans, baselines and figures already achieved.

`reason_to_skip` answers for one quantity, from the cleaned text around it, with a short reason
(kept for debugging and tests) or None when the number may be a commitment.
"""

from __future__ import annotations

import re

from monitor.extract.clauses import is_heading
from monitor.extract.numbers import TIME_UNITS, Quantity

_DOC_NUMBER = re.compile(r"[〔\[【(]\s*(?:19|20)\d\d\s*[〕\]】)]\s*\d+\s*号|第\s*\d+\s*号")
_PHONE = re.compile(r"(?<![0-9])0\d{2,3}-\d{7,8}(?![0-9])|(?<![0-9.])1[3-9]\d{9}(?![0-9])|\d{12,}")
_PROGRAMME = re.compile(r"\d+\s*[×xX*+＋]\s*\d+(?:\s*[×xX*+＋]\s*[0-9N]+)*")
_SLOGAN_NOUN = re.compile(r"(?:智能|自助|不打烊|在线|生活|便民|值守|全天|营业|热线|服务圈|圈|制|机制|体系|模式|"
                          r"行动|计划|规划|工程|战略|原则|精神|示范|品牌|平台|专班|联动|合一|一体|同步)")
_EVERY = r"每(?:年|季度|半年|月|周|旬)[\u4e00-\u9fff]{0,6}$"   # 每年评估一次: a frequency
_ONE_OK_BEFORE = re.compile(r"(?:至|到|为|提前|缩短|压缩|不超过|控制在|仅需|只需|最多|最长|限|在)\s*$|" + _EVERY)
# A rank to reach (进入全省前3名) is a target; other ranks (前十名的企业) are ordinals.
_RANK_TARGET = re.compile(r"(?:进入|位居|保持|位列|跻身|稳居|排名|排在|达到)[^,。;]{0,12}前$")
_BASELINE_AFTER = re.compile(r"^[^,。;]{0,8}?(?:压缩|缩短|降低|减少|压减|降|减|提高|提升|增加|拓展|扩大|增长|缩减|精简)"
                             r"(?:至|到|为)")
# 同比/较上年 are left to `modality`: 较上年增长20% is as often a target as a result.
_PAST = re.compile(r"已(?:经)?(?:累计)?(?:完成|实现|达到|建成|引进|新增|培育|办理|服务|发放|减免|突破)|去年|"
                   r"(?<![较比])上年(?!度)")
# A phrase that only explores or studies a reform promises no result yet.
_TENTATIVE = re.compile(r"(?:积极)?(?:探索|研究|试点)")
_BARE_TARGET = re.compile(r"(?:不低于|不高于|不超过|不少于|不大于|不小于|达到|控制在|低于|高于|突破|超过)$")
_YEAR_WORDS = re.compile(r"^(?:行动|计划|规划|攻坚|任务|工作)")


def _inside(pattern: re.Pattern[str], text: str, quantity: Quantity, reach: int = 12) -> bool:
    window_start = max(0, quantity.start - reach)
    for match in pattern.finditer(text, window_start, min(len(text), quantity.end + reach)):
        if match.start() <= quantity.start and quantity.end <= match.end() + 2 and match.end() > quantity.start:
            return True
    return False


def _in_short_quotation(text: str, quantity: Quantity) -> bool:
    """A number inside a short quoted name (“三个百”, “542”, “15分钟生活服务圈”)."""
    left = text.rfind("“", max(0, quantity.start - 12), quantity.start + 1)
    if left < 0 or "”" in text[left:quantity.start]:
        return False
    right = text.find("”", quantity.end, quantity.end + 12)
    # a quoted sentence (“现在网上申请,3天就到账了。”) is speech, not a name
    return right >= 0 and right - left <= 16 and not any(mark in text[left:right] for mark in ",。;")


def _in_title_marks(text: str, quantity: Quantity) -> bool:
    """A number inside 《…》 is part of a document's title, not a quantity."""
    left = text.rfind("《", max(0, quantity.start - 40), quantity.start)
    if left < 0 or "》" in text[left:quantity.start]:
        return False
    right = text.find("》", quantity.end, quantity.end + 40)
    return right >= 0 and "《" not in text[quantity.end:right] and "\n" not in text[left:right]


def reason_to_skip(text: str, quantity: Quantity, before: str, after: str, doc_year: int | None) -> str | None:
    """Why this quantity is not a commitment, or None. `before`/`after` are the phrase around it."""
    if quantity.form in ("words", "milestone"):
        return "tentative (探索, 研究)" if _TENTATIVE.match(before) else None
    # a ratio after a comparator is a target (容积率不低于1.2); a count of something with no known
    # unit (控制在3000字以内) is not
    if quantity.unit is None and not (_BARE_TARGET.search(before) and not re.match(r"[A-Za-z0-9]", after)
                                      and not re.match(r"(?![以之及左的分])[\u4e00-\u9fff]", after)):
        return "no unit"
    if _inside(_DOC_NUMBER, text, quantity):
        return "document number"
    if _inside(_PHONE, text, quantity, reach=16) and quantity.unit not in ("%",):
        return "phone or index number"
    if quantity.value >= 1900 and quantity.value <= 2100 and quantity.unit in ("年", None):
        return "year"
    if quantity.unit == "年" and re.fullmatch(r"\d{1,2}\.(?:19|20)\d\d", text[quantity.start:quantity.end - 1]):
        return "a clause label before a year (3.2021年底前)"
    if quantity.unit == "日" and re.search(r"月\s*$", text[max(0, quantity.start - 3):quantity.start]):
        return "date"
    if quantity.form == "chinese" and quantity.unit == "次" and re.match(r"[\u4e00-\u9fff]", after) \
            and not re.match(r"以|及", after) and not re.search(_EVERY, before):
        return "ordinal (二次拍卖)"
    if text[quantity.end:quantity.end + 1] == "版" or after.startswith("版") or re.match(r"^\.\d+版", after):
        return "version"
    if _inside(_PROGRAMME, text, quantity, reach=8) or "×" in before[-2:] or (after[:1] and after[:1] in "×+"):
        return "named programme"
    if _in_title_marks(text, quantity):
        return "part of a title (《助企纾困二十条》)"
    if _in_short_quotation(text, quantity) and not (
            quantity.unit in TIME_UNITS and (re.match(r"(?:内|以内)?办(?:结|成|好|完|妥)", after)
                                             or re.search(r"“(?:最多|最长|不超过|只需|仅需)$", before))):
        return "named programme"  # but “一日办结” and “最多100天” are the time limit itself
    if before.endswith("第") or (before.endswith("前") and quantity.unit in ("名", "位")
                                 and not _RANK_TARGET.search(before)):
        return "ordinal"
    if quantity.unit == "年" and _YEAR_WORDS.search(after):
        return "programme length"
    if quantity.unit in TIME_UNITS and quantity.value in (24, 7) and "小时" in text[quantity.start:quantity.end + 4] \
            and not re.match(r"(?:以|之)?内", after):
        return "round-the-clock service"
    if quantity.unit in TIME_UNITS and _SLOGAN_NOUN.match(after) and not re.search(r"不超过|控制在|压缩|缩短", before[-6:]):
        return "descriptive duration"
    if quantity.form == "chinese" and quantity.value == 1 and quantity.unit not in TIME_UNITS:
        if not _ONE_OK_BEFORE.search(before):
            return "wording (一个, 一次)"
    if quantity.form == "chinese" and _SLOGAN_NOUN.match(after):
        return "named mechanism"
    if _BASELINE_AFTER.search(after) or re.search(r"(?:由|从)(?:原来|原|现在|现行|目前|法定|以往)?的?\s*$|目前的?\s*$", before):
        return "baseline"
    if _PAST.search(before):
        return "achieved figure"
    if is_heading(text, quantity.start):
        return "heading"
    if doc_year is not None:
        # a year that is a baseline (较2020年下降20%) is no sign of a past result
        # and 在2020年基础上再降低2分钱, 以2020年为基数: a base year too
        earlier = [int(y) for y in re.findall(r"(?<![较比以])((?:19|20)\d\d)年(?!相比|比|的?基础上|为基|水平|底数)",
                                              before)]
        if earlier and max(earlier) < doc_year and not re.search(r"到|至|力争|以后|以前", before):
            return "achieved figure"
    return None
