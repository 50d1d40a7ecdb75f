"""What a sentence does with a number: promise it, report it, set a condition with it, or other.

- promise: a target the government binds itself to (达到, 确保, 力争, 不超过, 压缩至, 实现 ...),
  with or without a deadline; plans mostly state them with no marker at all.
- report: a figure already achieved (已, 共办理, 累计, 惠及, 节约, 兑现, 今年以来, 去年 ...), the
  matter of news items and work summaries.
- benefit: what the government promises to pay or relieve (按贷款额的5‰给予补助, 最高不超过20万元,
  免收1个月房租, 给予一次性奖励30万元): a promise too — whether it is paid in full and on time
  (政策兑现) is monitored from payment records; drafted beside the performance promises.
- condition: who qualifies for money (对…期限超过6个月的贷款, 年营业收入500万元以上的企业, 年化利率
  15%以下的): a rule of a subsidy, not a result to monitor.
- other: a number that is no target at all (dates, document numbers, counts of policies, the length
  of a contract or an observation period; see also `exclude`).

Each judgement reads the cleaned (simplified, half-width) text around the number and gives a short
reason in English, which `monitor extract --all` prints.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

from monitor.extract.numbers import TIME_UNITS, Quantity

PROMISE, BENEFIT, REPORT, CONDITION, OTHER = "promise", "benefit", "report", "condition", "other"
DRAFTED = (PROMISE, BENEFIT)   # the modalities `monitor extract` drafts by default

# An achieved figure: a time already past, a total (共) or a perfective form (strong), or a verb of
# results that a plan may also promise (惠及居民2600户 in a plan, 确保惠及企业1000家).
_REPORT = re.compile(
    r"已(?:经)?|(?<![公总])共(?=[0-9]|计|有|受理|办理|完成|查处|核发|发放|兑现|走访|收集|解决|服务|帮助|为|向|新增|"
    r"实现|减|培训|举办|开展|接待|处理|梳理|取消|推出)|获悉|了解到|记者(?:看到|注意到|在现场看到)|据[^,。;]{0,8}介绍(?=,)|(?<![0-9一二三四五六七八九十])(?:近日|日前)(?!以前|之前)|据统计|目前(?!的)|(?:今年)?前[一二三两]季度|今年(?:上半年|一季度)|统计显示|数据显示|同比|今年以来|年初以来|截至|截止(?:到|目前|[0-9])|去年|(?<![较比])上年(?!度)|过去一年|过去|增长了|"
    r"(?<![0-9])1月?\s*[-—–~至到]\s*(?:1[0-2]|[1-9])月|(?:19|20)\d\d年以来|实现了|达到了|"
    r"这一年|过去的一年|[一二三四五两几]年来|近年来|回眸|"
    r"(?<![0-9])(?:1[0-2]|[1-9])月[1-3]?[0-9]日(?:上午|下午|晚上|晚)?,|"   # 6月15日下午,区政府举行…
    r"(?<=[\u4e00-\u9fff])了(?=[,。;!?”]|$)|(?<![为除])了(?=[0-9一二三四五六七八九十两])")
_RESULT_VERB = re.compile(r"(?:惠及|节约|节省|兑现|帮助|累计)(?!时间|时限|周期|效率|率|比例|方式|流程|机制)")
_BOUND = re.compile(r"(?:余|多)?(?:以上|以内|以下|之内|及以上)")
_TIME_WORD = re.compile(r"年|月|季度")
_PERFECTIVE = re.compile(r"(?<=[\u4e00-\u9fff])(?<!为)(?<!除)了(?!解)")   # 拿到了, 缩短了; not 为了, 了解
_RESULTS_SECTION = re.compile(r"成效|成绩|成果|进展情况|完成情况|工作总结|工作回顾|回顾|主要做法|背景|现状|基本情况")
# A future or an obligation: it turns a report marker before it back into a promise.
_FUTURE = re.compile(r"(?<!已)(?<!已经)将(?!近)|力争|确保|争取|(?<![主重需纪摘概简提])要(?!求|素|点|件|跑|闻|是)|(?<!年度)(?<!工作)计划(?!的|书|表|任务)|目标|下一步|今后|年内|年底前|"
                     r"到(?:(?:19|20)\d\d|今年|明年|年底|本年)|努力|必须|应当")
# Who qualifies: a sentence opening with its beneficiary, or a heading naming the conditions.
_ARTICLE = r"(?:第[一二三四五六七八九十百0-9]+条\s*)?"
_CONDITION_OPENING = re.compile(r"^" + _ARTICLE + r"(?:对|凡|申请|申报|符合|经认定)[^,。;]*?的")
_APPLICANT_OPENING = re.compile(r"^" + _ARTICLE + r"(?:凡|申请|申报|申领)[^,。;]*?的")
_RATE_OF = re.compile(r"按[^,。;]{0,20}的$")   # 按贷款本金的2%给予, 按市场租金的30%收取
# 标准 and 范围 name conditions only after a word of money or eligibility (补贴标准为:, 减免范围。);
# 服务标准。 heads the standards of a service the government promises.
_CONDITION_HEADING = re.compile(
    r"[^。,;]{0,6}?(?:(?:申报|申请|申领|支持|补贴|补助|奖励|奖补|贴息|适用|扶持|认定|享受|资助|政策|减免|实施)"
    r"(?:条件|对象|标准|范围|资格)|(?<!服务)(?:条件|对象|资格))(?:为|是|如下)?[。::]")
_CONDITIONS_FOLLOW = re.compile(r"(?:符合|具备|满足)(?:以下|下列|如下)[^。]{0,4}(?:条件|要求)")
_CONDITION_AMOUNT = re.compile(r"给予|补贴|补助|奖励|贴息|资助|返还|风险补偿|扶持资金|奖补|房租|租金(?!收入)|免收|减免|免除|"
                               r"全免|减半|额度|发放")
# A heading of what is given (补贴标准:, 减免标准。, 支持方式。): the amounts under it are benefits.
_BENEFIT_HEADING = re.compile(r"[^。,;]{0,6}?(?:标准|方式|额度|内容|措施)(?:为|是|如下)?[。::]")
# 通报 and its kin once a period: a routine of reporting on the work, not a result promised.
_REPORTING_ROUTINE = re.compile(r"每(?:个)?(?:季度|月|年|半年|周|旬)[^,。;]{0,4}(?:通报|通告|报送|上报|调度|公布|晾晒|排名)$")
_PER_RECIPIENT = re.compile(r"单个项目|单户|每人|每户|每家|每个项目|每名")
_CUMULATIVE_SPENDING = re.compile(r"全年|年内|累计|新增|发放|兑现|到(?:19|20)\d\d年|力争|确保")
# The number qualifies a noun: 500万元以上的企业, 利率4%以下的 (not a share of cases: 90%以上的事项…办结).
_ATTRIBUTIVE = re.compile(r"^(?:余|多)?(?:\(含\))?(?:以上|以下|以内|及以上|及以下|之内)?(?:\(含\))?的")
# Who benefits: a number qualifying one of these is a condition even after a comparator.
_BENEFICIARY = re.compile(r"[\u4e00-\u9fff]{0,4}?(?:企业|项目|单位|个人|人员|主体|商户|家庭|参保|纳税人|申请人|贷款)")
_SHARE_OF_CASES_PREDICATE = re.compile(r"实现|办结|办理|做到|可办|网办|压缩|不超过|以内|之内|内|"
                                       r"即办|即来即办|一网通办|办|覆盖|纳入|达到")
# A comparator or a committing verb before an attributive number makes it the target itself
# (提供不低于100亿元的额度, 实现…化解75%的案件).
_COMMITTING_VERB = re.compile(r"不低于|不少于|不超过|不高于|达到|提供|实现|确保|力争|努力|完成|新增|争取")
_REPORT_AFTER = re.compile(r"同比|比去年同期|比上年同期|较去年同期")
# Durations of something other than a service: contracts, probation, publicity, validity.
_OTHER_DURATION = re.compile(r"(?:观察期|监管期|试行期|试用期|公示期|有效期|合同期限?|租期|租赁期限?|年限|为期|续租|"
                             r"服务期|保护期|过渡期|缓冲期|宽限期|缓缴期限?|减免期限?|公示)(?:一般|原则上|最长|最短|最多)?"
                             r"(?:为|是|不超过|不少于|不得超过|不得少于)?$")
# Counts and titles of policies: 出台30条措施, 涉及21个部门, 包括6个方面, 提出120项改革举措.
_POLICY_VERB = re.compile(r"(?:出台|印发|发布|公布|提出|推出|制定|包括|涉及|分为|涵盖|明确|共)的?"
                          r"(?:[^,。;]{0,12}、|[0-9一二三四五六七八九十]+[个项条][\u4e00-\u9fff]{1,4})?$")
# 包括8个方面、32项具体任务, 共提出6个方面23项重点任务
_POLICY_NOUN = re.compile(r"^[\u4e00-\u9fff“”]{0,4}?(?:措施|举措|政策|制度|文件|意见|方面|部分|部门|阶段|条款|清单|任务)")
_POLICY_ONLY_NOUN = re.compile(r"^[\u4e00-\u9fff“”]{0,4}?(?:措施|举措|政策|制度|文件|意见|条款)|^事(?!项)"
                               r"|^(?:重点|主要)?工作(?!日|小时|时)")
_POLICY_BEFORE = re.compile(r"(?:政策|措施|举措|条款|文件|清单)(?:共|总计|合计)?$")
_DATE_TIME = re.compile(r"^(?:上午|下午|晚上|晚间|早上|凌晨|电|讯|\))")


_PLAN_TITLE = re.compile(r"方案|要点|计划|规划|意见|措施|办法|细则|任务|清单|通知|决定|纲要|条例|规定|指引|指南")
_NEWS_TITLE = re.compile(r"新闻|发布会|举行|召开|成效|成绩|出炉|见效|显著|稳中|向好|释放|亮点|答记者问|解读|综述|回顾|总结|报告")


@functools.lru_cache(maxsize=8)
def plan_title(text: str) -> bool:
    """The document opens with the title of a plan or notice (…实施方案, …工作要点, 关于…的通知),
    not of a news item: there 同比下降10% is a target."""
    title = next((line.strip() for line in text[:400].splitlines() if line.strip()), "")
    return len(title) <= 60 and bool(_PLAN_TITLE.search(title)) and not _NEWS_TITLE.search(title)


def last_match(pattern: re.Pattern[str], text: str, start: int, end: int) -> re.Match[str] | None:
    """The last match of `pattern` in text[start:end], or None."""
    found = None
    for found in pattern.finditer(text, start, end):  # noqa: B007 - the loop keeps the last one
        pass
    return found


@dataclass(frozen=True)
class Judgement:
    modality: str
    reason: str


@dataclass(frozen=True)
class Context:
    """The text around one quantity: the whole cleaned text and the spans of its phrase (up to
    a comma), sentence (up to 。;) and line."""

    text: str
    phrase: tuple[int, int]
    sentence: tuple[int, int]
    line: tuple[int, int]
    section: str = ""   # the heading of the enclosing top-level section (一、…), if any
    year: int | None = None   # the document's year

    def before(self, span: tuple[int, int], at: int) -> str:
        return self.text[span[0]:at]


def _report(context: Context, quantity: Quantity, news: bool) -> str | None:
    if _RESULTS_SECTION.search(context.section):
        return "achieved figure (in a section of results: 成效, 完成情况)"
    text, sent_start = context.text, context.sentence[0]
    # up to the number's end, so that a marker's look-ahead sees the number (共30条)
    last_past = last_match(_REPORT, text, sent_start, quantity.end)
    if last_past is not None and last_past.start() >= quantity.start:
        last_past = last_match(_REPORT, text, sent_start, quantity.start)
    if last_past is not None and (_weak_in_plan(last_past, text, news) or (
            last_past.group() == "同比" and (_FUTURE.search(text, sent_start, last_past.start())
                                             or _BOUND.match(text, quantity.end)))):
        last_past = None   # 力争同比增长8%以上 is a target, in news too
    if last_past is not None and not _FUTURE.search(text, last_past.end(), quantity.start):
        return f"achieved figure ({last_past.group().strip()})"
    earlier = _earlier_year(context, quantity)
    if earlier is not None and last_past is None and not _BOUND.match(text, quantity.end):
        return f"achieved figure (an earlier year: {earlier})"
    perfective = last_match(_PERFECTIVE, text, sent_start, quantity.start)
    if perfective is not None and not _FUTURE.search(text, sent_start, quantity.start) \
            and not _BOUND.match(text, quantity.end):
        return "achieved figure (a verb with 了 before it: 签订了…)"
    verb = _RESULT_VERB.search(text, sent_start, quantity.start) if news else None
    if verb is not None and last_past is None and not _FUTURE.search(text, sent_start, quantity.start) \
            and not _BOUND.match(text, quantity.end):   # 为企业节约成本1亿元以上 is a target
        return f"achieved figure ({verb.group()})"
    compared = _REPORT_AFTER.search(text, quantity.end, context.sentence[1])
    if compared is not None and not _weak_in_plan(compared, text, news) and not _FUTURE.search(text, sent_start, quantity.start):
        return f"achieved figure ({compared.group()})"
    paragraph = _tense_of_paragraph(context, news)
    if paragraph is not None and last_past is None and not _FUTURE.search(text, sent_start, quantity.start) \
            and not _TIME_WORD.search(text, sent_start, quantity.start):   # 2023年,… opens a new time
        return f"achieved figure (the paragraph reports: {paragraph})"
    trailing = _PERFECTIVE.search(text, quantity.end, context.phrase[1])
    if trailing is not None and not _FUTURE.search(text, context.phrase[0], quantity.start) \
            and not re.match(r"(?:以上|左右|以内)?的(?:目标|任务)", text[quantity.end:]):   # 实现…6%以上的目标打下了基础
        return "achieved figure (了)"
    return None


_YEAR_IN_SENTENCE = re.compile(r"(?<![较比以0-9])((?:19|20)\d\d)年(?![:：]|相比|比|[\u4e00-\u9fff]{0,4}基础上|为基|水平|底数|以来|度?目标|前|底前|之前)")


def _earlier_year(context: Context, quantity: Quantity) -> int | None:
    """A year before the document's opens the sentence's account (会议通报,2022年全县新登记…; …,
    企业开办实现…): what follows in the sentence happened then, unless a future comes after it."""
    if context.year is None:
        return None
    text, start = context.text, context.sentence[0]
    year = last_match(_YEAR_IN_SENTENCE, text, start, quantity.start)
    if year is None or int(year.group(1)) >= context.year or year.end() > quantity.start:
        return None
    if _FUTURE.search(text, start, quantity.start) or re.search(r"到|至|力争|以后|以前", text[year.start() - 2:year.start()]):
        return None
    return int(year.group(1))


def _weak_in_plan(marker: re.Match[str], text: str, news: bool) -> bool:
    """同比 is a target in a plan (涉企检查总量同比减少20%以上) and a result in news."""
    return marker.group() == "同比" and not news and plan_title(text)


def _tense_of_paragraph(context: Context, news: bool = False) -> str | None:
    """The past marker of an earlier sentence of the same paragraph, when no future marker came
    after it: 这一年,我市推出…。全市新设经营主体12.6万户 reports both."""
    text, start, end = context.text, context.line[0], context.sentence[0]
    past = last_match(_REPORT, text, start, end)
    if past is not None and _weak_in_plan(past, text, news):
        past = None
    if past is None or _FUTURE.search(text, past.end(), end):
        return None
    return past.group().strip()


def share_of_cases(text: str, quantity: Quantity, phrase_end: int) -> bool:
    """A share qualifying the cases a promise is about: 90%以上的事项在3个工作日内办结."""
    if quantity.unit not in ("%", "‰"):
        return False
    after = text[quantity.end:phrase_end]
    match = _ATTRIBUTIVE.match(after)
    if match is None:   # 一半以上实现“零跑腿”: the share is the subject, with no 的
        return bool(re.match(r"(?:以上|及以上)?(?:实现|做到)", after))
    return bool(_SHARE_OF_CASES_PREDICATE.search(after, match.end()))


def _condition_heading(text: str, line_start: int, at: int) -> bool:
    """The line opens with a heading naming conditions or standards (一、申报条件。, 支持标准:),
    not with an action on them (扩大覆盖范围)."""
    match = _CONDITION_HEADING.match(text, line_start, at)
    return match is not None and not re.search(r"扩大|提高|完善|明确|优化|规范|调整|放宽|统一", match.group())


def _condition(context: Context, quantity: Quantity) -> str | None:
    text = context.text
    phrase_text = text[context.phrase[0]:context.phrase[1]]
    after = text[quantity.end:context.phrase[1]]
    attributive = _ATTRIBUTIVE.match(after)
    if attributive and not share_of_cases(text, quantity, context.phrase[1]):
        rest = after[attributive.end():]
        committed = _COMMITTING_VERB.search(context.before(context.phrase, quantity.start))
        # …不高于5.5%的企业 and a clause ending in 的 name who qualifies whatever the comparator
        if quantity.unit in ("%", "‰") and re.match(r"比例(?:给予|返还|补贴|补助|奖励|贴息)", rest):
            return BENEFIT_MARK + "rate of a payment (按10%的比例给予奖励)"
        if (quantity.unit or "").endswith("元") and re.search(r"最高(?:不超过|可达|为)?$", context.before(context.phrase, quantity.start)) \
                and re.match(r"[\u4e00-\u9fff]{0,6}?(?:贷款|担保|额度|补贴|补助|奖励|资助)", rest):
            return BENEFIT_MARK + "cap of a loan or payment offered (最高不超过30万元的创业担保贷款)"
        if not rest or _BENEFICIARY.match(rest) or (not committed and re.match(r"[\u4e00-\u9fff]", rest)):
            return "eligibility (…以上的企业, …以下的贷款)"
    opening = _CONDITION_OPENING.match(phrase_text)
    if opening and (context.phrase[0] + opening.end() > quantity.start
                    or (re.match(_ARTICLE + "[对凡]", phrase_text) and "的" in after)):
        return f"eligibility ({opening.group()[:2]}…的)"
    sentence_text = text[context.sentence[0]:context.sentence[1]]
    opening = _APPLICANT_OPENING.match(sentence_text)   # 申请贴息的企业, 上年度营业收入应在…
    if opening and re.search(r"企业|项目|个人|单位|人员|贷款|主体", sentence_text[:opening.end() + 4]):
        return f"eligibility ({opening.group()[:2]}…的)"
    if quantity.unit in ("岁", "周岁"):
        return "age limit of who qualifies"
    if _condition_heading(text, context.line[0], quantity.start) \
            or _CONDITIONS_FOLLOW.search(text, context.line[0], quantity.start):
        plainly_given = re.search(r"给予|补贴|补助|奖励|贴息|资助|返还", phrase_text) or _RELIEF_BEFORE.search(
            context.before(context.phrase, quantity.start)) or _RELIEF_AFTER.match(after)
        if (_BENEFIT_HEADING.match(text, context.line[0], quantity.start) or plainly_given) and _given(context, quantity):
            return BENEFIT_MARK + "amount under a heading of what is given (补贴标准:, 减免标准。)"
        return "eligibility under a heading of conditions (申报条件。, 支持对象:)"
    if quantity.unit in ("%", "‰") and _RATE_OF.search(context.before(context.phrase, quantity.start)):
        return BENEFIT_MARK + "rate of a payment or relief (按…的N%)"
    amount = _CONDITION_AMOUNT.search(phrase_text) or (
        (quantity.unit or "").endswith("元") and _PER_RECIPIENT.search(phrase_text))
    if not amount and re.match(r"(?:单个[^,。;]{0,6})?最高", phrase_text) and (quantity.unit or "").endswith("元"):
        amount = _CONDITION_AMOUNT.search(text, context.sentence[0], context.phrase[0])   # …给予补助,最高不超过1000万元
    if amount and quantity.form == "words":   # 免收 alone promises no fee; beside a number it only qualifies it
        return "relief in words beside the number it qualifies" if re.search(r"[0-9]", phrase_text) else None
    if amount and not _CUMULATIVE_SPENDING.search(phrase_text) \
            and not re.match(r"(?:余|多)?(?:及)?以上", after):   # 减免房租1亿元以上 is a total to reach
        if re.match(r"(?:以上|以下|以内)?的?部分", after) or (
                context.before(context.phrase, quantity.start).endswith("每") and re.match(r"给予", after)):
            return "the base a payment is reckoned on (LPR减150个基点以上部分, 每100万美元给予…)"
        if re.search(r"(?:不低于|不少于|达到|至少)$", context.before(context.phrase, quantity.start)):
            return None   # 提供不低于100亿元的…额度: a total to reach
        if _given_unit(context, quantity):
            return BENEFIT_MARK + "amount of a payment or relief (给予, 补贴, 奖励, 免收)"
        if quantity.unit not in TIME_UNITS:
            return "amount or count of a subsidy's rule (资助展会不超过5个)"
    return None


BENEFIT_MARK = "benefit: "


def _given(context: Context, quantity: Quantity) -> bool:
    """The number is an amount, rate or cap given (元, %, months of rent), not a threshold."""
    phrase_text = context.text[context.phrase[0]:context.phrase[1]]
    after = context.text[quantity.end:context.phrase[1]]
    if _ATTRIBUTIVE.match(after) or re.search(r"(?:(?<!不)超过|以上|以下|满|不低于)$",
                                              context.before(context.phrase, quantity.start)):
        return False
    return _given_unit(context, quantity) and bool(
        _CONDITION_AMOUNT.search(phrase_text) or (quantity.unit or "").endswith("元") or quantity.unit in ("%", "‰"))


_RELIEF_BEFORE = re.compile(r"(?:免收|免除|减免|免租|免费|全免|减半收取|减半)[^,。;]{0,4}$")
_RELIEF_AFTER = re.compile(r"^(?:的)?(?:房租|租金|场地租金|场租|房屋租金)|^(?:房租|租金)?(?:全免|减半)|^内?(?:免收|免除|减免|免租|免)")


def _given_unit(context: Context, quantity: Quantity) -> bool:
    """A benefit is money, a rate, or months of rent relieved (免收1个月房租) — not a count of
    items (资助展会不超过5个) nor a service time."""
    unit = quantity.unit or ""
    if unit in ("个百分点", "百分点"):
        return True
    if unit.endswith("元") or unit in ("%", "‰") or quantity.form == "words":
        return quantity.form != "words"   # 免收 read as 0元 stands beside the number it qualifies
    if unit in ("个月", "月", "年"):
        before = context.before(context.phrase, quantity.start)
        return bool(_RELIEF_BEFORE.search(before) or _RELIEF_AFTER.match(context.text[quantity.end:context.phrase[1]]))
    return False


def _other(context: Context, quantity: Quantity) -> str | None:
    text = context.text
    before_phrase = context.before(context.phrase, quantity.start)
    after = text[quantity.end:context.phrase[1]]
    if quantity.unit == "次" and _REPORTING_ROUTINE.search(before_phrase):
        return "a routine of reporting on the work (每季度通报一次), not a result promised"
    if quantity.unit in TIME_UNITS | {"年", "次"} and (
            _OTHER_DURATION.search(before_phrase) or re.search(r"(?:近|今后|未来|此后|之后)$", before_phrase)
            or re.match(r"(?:以上|以内)?的?(?:观察期|监管期|试行期|试用期|公示期|有效期|合同|租期|过渡期)", after)):
        return "duration of a contract, probation or publicity, not of a service"
    if quantity.unit in TIME_UNITS | {"年"} and re.search(
            r"(?:延期|缓缴|展期|延缓|宽限)[^。;]{0,20}最长(?:不超过|不得超过|为)?$", text[context.sentence[0]:quantity.start]):
        return "length of a deferral (延期缴纳税款,最长不超过3个月), not of a service"
    if quantity.unit in ("年", "个月") and re.search(r"最长(?:发放|享受|补贴|不超过|不得超过|为)?$", before_phrase) \
            and re.search(r"贷款|担保|融资|租|合同|期限|补贴|补助|发放|享受", text[context.sentence[0]:context.sentence[1]]):
        return "term of a loan, contract or payment (提供最长3年…的贷款, 最长发放36个月), not of a service"
    if quantity.unit in ("年", "个月") and re.match(r"(?:以上|以下)?的?(?:劳动)?合同", after):
        return "length of a contract who qualifies must sign (签订1年以上劳动合同)"
    if quantity.unit in ("人", "名") and re.search(
            r"(?:检查|执法|调查|核查)人员[^,。;]{0,4}(?:不得少于|不少于|至少)$", before_phrase):
        return "how the work is organised (检查人员不得少于2人)"
    if _POLICY_VERB.search(before_phrase) and _POLICY_NOUN.match(after):
        return "count of policies or their parts (出台N条措施, 涉及N个部门)"
    if _POLICY_BEFORE.search(before_phrase) and quantity.unit in ("条", "项", "个", "批", "件"):
        return "count of policies or their parts (出台N条措施, 涉及N个部门)"
    if _POLICY_ONLY_NOUN.match(after) and quantity.unit in ("条", "项", "个", "批", "件"):
        return "count of policies or their parts (出台N条措施, 涉及N个部门)"
    if re.search(r"预计[^,。;]{0,12}$", before_phrase):
        return "forecast (预计), not a promise"
    if re.search(r"每(?:组|队|批|班)$|(?:抽调|选派|抽组|组成|分成|分为)$", before_phrase) or (
            re.search(r"分(?:成|为)?$", before_phrase) and re.match(r"(?:小)?组|批次|个组|阶段|步|轮", after)):
        return "how the work is organised (分3个组, 每组5人)"
    if re.search(r"(?:最快|最低|最短|最少)$", before_phrase):
        return "a best case (最快1分钟, 利率最低3.65%), not a target"
    if re.search(r"延长$", before_phrase):
        return "extension a time limit allows (可以延长五个工作日)"
    if quantity.unit in ("人", "名") and re.search(r"限$", before_phrase):
        return "a quota of participants (每单位限1人)"
    if re.search(r"容忍度[^,。;]{0,4}$", before_phrase):
        return "a tolerance the rules allow (不良率容忍度放宽至3%), not a target"
    if re.search(r"(?:权重|分值)(?:为|占)?$", before_phrase):
        return "weight in an assessment (权重为5%)"
    if quantity.unit not in TIME_UNITS and (
            (re.search(r"在(?:全省|全国|全市|全区)?$", before_phrase)
             and re.match(r"[^,。;]{0,8}中(?![心央国小])", after))
            or (re.search(r"(?:全省|全国|全市|全区)$", before_phrase)
                and re.match(r"[^,。;]{0,10}?(?:第[一二三四五六七八九十0-9]|前[一二三四五六七八九十0-9])", after))):
        return "size of a group compared against (在全省16个地市中, 全市12个县第一名)"
    if quantity.unit in ("日", "天") and quantity.value <= 31 and (
            _DATE_TIME.match(text, quantity.end) or text[quantity.start - 1:quantity.start] == "("):
        return "date or time of day (9日上午, 今天(9日))"
    return None


def judge(context: Context, quantity: Quantity, news: bool = False) -> Judgement:
    """The modality of `quantity` in its context (see the module docstring); `news` when the
    document reads like news, where verbs of results (惠及, 节约, 兑现 ...) report too."""
    reason = _other(context, quantity)
    if reason:
        return Judgement(OTHER, reason)
    reason = _condition(context, quantity)
    if reason and reason.startswith(BENEFIT_MARK):
        reported = _report(context, quantity, news)   # 共向1.2万家企业返还资金2.3亿元 is a result
        # 据介绍,按照《若干措施》,…按贷款额的1%给予贴息: a news item citing a policy's rule, which still binds
        cited = re.search(r"(?:按照|根据|依据|按)《", context.text[context.sentence[0]:quantity.start])
        if reported and not (cited and re.search(r"据|介绍|获悉|了解到|记者", reported)):
            return Judgement(REPORT, reported)
        return Judgement(BENEFIT, reason[len(BENEFIT_MARK):])
    if reason:
        return Judgement(CONDITION, reason)
    reason = _report(context, quantity, news)
    if reason:
        return Judgement(REPORT, reason)
    return Judgement(PROMISE, "target (no report, condition or other marker)")
