"""Promises written in words with no digit at all: 全覆盖 = 100 %, 零跑腿 = 0 次, 当场领证 = 0 工作日,
一次申报 = at most 1 次, 清零 = 0.

Each form reads the cleaned (simplified) text, so traditional documents match the same rules.
Whether the phrase around a match is a firm promise (探索 is not) is decided in `exclude`, and a
word form in a phrase that already carries a number is dropped in `propose` (the number is the
target, the words describe it).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from monitor.extract.numbers import Quantity

_HAN = r"[\u4e00-\u9fff]"


@dataclass(frozen=True)
class WordForm:
    pattern: re.Pattern[str]
    value: float
    unit: str | None
    form: str = "words"          # words | milestone
    op: str | None = None        # None: == for 0 (<= for a time), >= otherwise


_FORMS: tuple[WordForm, ...] = (
    # coverage: every one of them
    WordForm(re.compile(r"全覆盖|全公开|全联网|全上线|全接入"), 100.0, "%"),
    WordForm(re.compile(r"(?<=实现)全部|全部(?=实现|纳入|引入|通过|上线|接入|进驻|公开|办理|网上|电子化|办结|完成)"), 100.0, "%"),
    # 覆盖全区所有登记机关; but 覆盖所有行业的文本 only describes a thing
    WordForm(re.compile(r"覆盖(?:[全本][市区县省国])?(?:所有|全部)(?!" + _HAN + r"{0,8}的)"), 100.0, "%"),
    WordForm(re.compile(r"全量(?=企业|事项|市场主体|经营主体|商户|纳税人|项目|走访|纳入|覆盖|接入|上线)"), 100.0, "%"),
    # handled online or paperless end to end; a noun right after (全程网办系统, 全程网办事项比例)
    # makes it the name of a thing, not a promise
    WordForm(re.compile(r"(?:全程|全流程)(?:网上|网|在线)办(?:理|结|案|件)?(?!" + _HAN + ")"), 100.0, "%"),
    WordForm(re.compile(r"全程无纸化"), 100.0, "%"),
    # a set-aside with no share written is the whole of it
    WordForm(re.compile(r"专门面向(?:中小微|中小|小微|小型微型)企业"), 100.0, "%"),
    # nothing to pay, bring or walk
    WordForm(re.compile(r"(?:零|(?<![0-9.])0)(?:投资|成本|收费|费用|负担)|免收|免费(?=提供|发放|办理|开放|使用|领取|寄递|邮寄|查询)"),
             0.0, "元"),
    WordForm(re.compile(r"零材料|不再需要(?=纸质|书面|提交|提供|.{0,6}(?:证明|材料|证照|表))"), 0.0, "份"),
    WordForm(re.compile(r"零审批"), 0.0, "项"),
    WordForm(re.compile(r"零(?:发生|事故|差错|拖欠)"), 0.0, "件"),
    WordForm(re.compile(r"零(?:跑腿|跑动|上门)"), 0.0, "次"),
    # at most once
    WordForm(re.compile(r"一次(?:申报|收缴|缴纳|提交|填报|采集|办好|办成)|(?:最多|只|仅)跑一次"), 1.0, "次", op="<="),
    # on the spot: no waiting day at all
    WordForm(re.compile(r"即时办结?|即办即结|即报即得|即申即得|即办即得|即办即取|即申即退|即退即享|即来即办|即到即办|立等可取|立即办结|马上办结"
                        r"|当场(?:办结|办理|办毕|领证|领取|发证|出证|取证|拿证|发放|审批|作出(?:审批|许可)?决定)"),
             0.0, "工作日"),
    # half a working day
    WordForm(re.compile(r"半个?工作日"), 0.5, "个工作日", op="<="),
    # a dated deliverable: 10月底前实现...
    WordForm(re.compile(r"(?:(?:19|20)\d\d年|今年|年内)?(?<![0-9])(?:1[0-2]|[1-9])月(?:份|底|末)?(?:前|之前)?"
                        r"(?=(?:率先|全面|基本|全部|逐步)?(?:实现|完成|建成|上线|建立))"), 100.0, "%", "milestone"),
)

# 清零 counts what is left: firms (家), households (户), people (人), else items (个).
_ZEROED = re.compile(r"清零")
_ZEROED_UNITS = (("家庭", "户"), ("户", "户"), ("企业", "家"), ("人员", "人"), ("人", "人"))

# 全覆盖 next to 全流程/全领域... is a slogan describing a reform, unless the run of 全X is the
# object of a verb (实施全流程、全覆盖改革).
_SLOGAN_NEIGHBOURS = re.compile(r"全(?:流程|领域|周期|方位|要素|过程|天候|链条|生命周期)")
_SLOGAN_RUN_BEFORE = re.compile(r"(?:全" + _HAN + r"{1,4}[、,])*$")
_SLOGAN_VERB_BEFORE = re.compile(r"(?:实施|实现|推行)$")


def _slogan(text: str, start: int, end: int) -> bool:
    if not (_SLOGAN_NEIGHBOURS.search(text, max(0, start - 8), start)
            or _SLOGAN_NEIGHBOURS.search(text, end, end + 8)):
        return False
    run = _SLOGAN_RUN_BEFORE.search(text, max(0, start - 30), start)
    run_start = run.start() if run else start
    return not _SLOGAN_VERB_BEFORE.search(text, max(0, run_start - 2), run_start)


def _zeroed_unit(text: str, at: int) -> str:
    before = text[max(0, at - 30):at]
    found = [(before.rfind(noun), unit) for noun, unit in _ZEROED_UNITS if noun in before]
    return max(found)[1] if found else "个"


def word_quantities(text: str) -> list[Quantity]:
    """The promises written in words in cleaned `text`, as quantities in the unit they imply."""
    found = []
    for word_form in _FORMS:
        for match in word_form.pattern.finditer(text):
            if word_form.form == "words" and word_form.value == 100 and _slogan(text, match.start(), match.end()):
                continue
            found.append(Quantity(match.start(), match.end(), word_form.value, None, word_form.unit,
                                  word_form.form, word_form.op))
    for match in _ZEROED.finditer(text):
        found.append(Quantity(match.start(), match.end(), 0.0, None, _zeroed_unit(text, match.start()),
                              "words", "=="))
    return found
