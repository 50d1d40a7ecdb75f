"""What `--merge` writes besides the drafts: the document's entry, agency stubs, readable ids, a
checklist per draft.

Everything here is read from the document's text (its title line, its signature and date, the
牵头/责任单位 it names) so that the merged catalogue validates at once; what the text does not say
is left for the editor in the draft's `todo:` list, never guessed silently.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from monitor.textnum import cn_to_number

_DATE = re.compile(r"((?:19|20)\d\d)\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日")
_PERIOD = re.compile(r"((?:19|20)\d\d)\s*[—–\-~至到]+\s*((?:19|20)\d\d)\s*年")
_YEAR = re.compile(r"((?:19|20)\d\d)\s*年")
_ISSUER_LINE = re.compile(r"^[^\s,。;:，；：]{2,40}(?:人民政府|人民政府办公室|人民政府办公厅|办公室|办公厅|委员会|"
                          r"管理委员会|领导小组|局|厅|委)$")
_ISSUER_IN_TITLE = re.compile(r"^(.{2,40}?)关于")
_PLACE = re.compile(r"^(.{1,20}?(?:自治区|特别行政区|省|自治州|市|新区|区|县|旗|镇|乡))")
_GOVERNMENT = re.compile(r"人民政府|政府|管委会|管理委员会")
_HEDGES = ("力争", "争取", "努力", "原则上", "一般情况下", "基本实现", "左右", "逐步", "力求", "尽量", "鼓励")

# Words of department names and their readable English slugs (the catalogue's ids are ASCII).
_DEPARTMENTS = (
    ("市场监督管理", "market_regulation"), ("市场监管", "market_regulation"), ("发展和改革", "development_reform"),
    ("发展改革", "development_reform"), ("发改", "development_reform"), ("财政", "finance"),
    ("税务", "tax"), ("人力资源和社会保障", "human_resources"), ("人力社保", "human_resources"),
    ("人社", "human_resources"), ("住房和城乡建设", "housing_construction"), ("住房城乡建设", "housing_construction"), ("住建", "housing_construction"),
    ("规划和自然资源", "planning_resources"), ("自然资源", "natural_resources"), ("规划", "planning"),
    ("政务服务和数据管理", "gov_services_data"), ("政务服务", "gov_services"), ("行政审批", "admin_approval"),
    ("营商环境", "business_environment"), ("营商", "business_environment"), ("大数据", "big_data"), ("数据", "data"),
    ("商务", "commerce"), ("科学技术", "science_tech"), ("科技", "science_tech"),
    ("工业和信息化", "industry_it"), ("经济和信息化", "economy_it"), ("经信", "economy_it"),
    ("工信", "industry_it"), ("金融", "finance_office"), ("地方金融", "finance_office"),
    ("司法", "justice"), ("公安", "public_security"), ("生态环境", "environment"), ("交通运输", "transport"),
    ("交通", "transport"), ("水务", "water"), ("水利", "water"), ("供电", "power_supply"), ("电力", "power"),
    ("燃气", "gas"), ("教育", "education"), ("卫生健康", "health"), ("卫健", "health"),
    ("民政", "civil_affairs"), ("农业农村", "agriculture"), ("城市管理", "urban_management"),
    ("城管", "urban_management"), ("应急管理", "emergency"), ("文化和旅游", "culture_tourism"),
    ("统计", "statistics"), ("审计", "audit"), ("人民银行", "pboc"), ("银保监", "banking_insurance"),
    ("法院", "court"), ("检察", "procuratorate"), ("工商联", "federation_commerce"),
    ("投资促进", "investment_promotion"), ("招商", "investment_promotion"), ("海关", "customs"),
    ("不动产登记", "real_estate_registration"), ("公共资源交易", "public_resources_trading"),
    ("融资担保", "financing_guarantee"), ("信访", "petitions"), ("12345", "hotline"), ("热线", "hotline"),
    ("办公室", "office"), ("人民政府", "government"),
)
_KIND_WORDS = {"case_duration": "time", "share": "share", "value": "level", "cumulative": "total",
               "reduction": "cut", "milestone": "done", "benefit": "benefit"}


@dataclass(frozen=True)
class DocumentInfo:
    title: str
    issuer: str
    issued: date | None
    period_start: date
    period_end: date
    jurisdiction: str
    guessed: tuple[str, ...]     # the fields the text did not give (in Chinese, for the editor)


def _lines(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip()]


def _date(match: re.Match[str]) -> date | None:
    try:
        return date(int(match.group(1)), int(match.group(2)), int(match.group(3)))
    except ValueError:
        return None


def document_info(text: str, year: int | None = None) -> DocumentInfo:
    """Title, issuer, date of issue, period and jurisdiction of a document, read from its text."""
    lines = _lines(text)
    title = lines[0] if lines else "（标题待填写）"
    guessed: list[str] = []
    # the date of issue: a line holding only a date (the signature's), the last one; else the first date near the top
    dated = [d for line in lines if (m := _DATE.fullmatch(line.strip("()（） "))) and (d := _date(m))]
    top = next((d for line in lines[:6] for m in _DATE.finditer(line) if (d := _date(m))), None)
    issued = dated[-1] if dated else top
    if issued is None:
        guessed.append("发文日期（原文未见）")
    issuer = next((line for line in reversed(lines[-8:]) if _ISSUER_LINE.match(line)), None) \
        or next((line for line in lines[:6] if _ISSUER_LINE.match(line)), None)
    if issuer is None and (m := _ISSUER_IN_TITLE.match(title)):
        issuer = m.group(1)
    place = _PLACE.match(issuer or title)
    jurisdiction = place.group(1) if place else None
    if issuer is None:
        issuer = (jurisdiction + "人民政府") if jurisdiction else "（发文机关待填写）"
        guessed.append("发文机关")
    if jurisdiction is None:
        jurisdiction = "（辖区待填写）"
        guessed.append("辖区")
    period = _PERIOD.search(title)
    years = _YEAR.findall(title)
    if period:
        start, end = int(period.group(1)), int(period.group(2))
    elif years:
        start = end = int(years[0])
    else:
        start = end = year or (issued.year if issued else date.today().year)
        guessed.append("规划期（标题未写年份）")
    return DocumentInfo(title, issuer, issued, date(start, 1, 1), date(end, 12, 31), jurisdiction, tuple(guessed))


def agency_slug(name: str) -> str:
    """A readable ASCII slug for a department's name (区市场监管局 → market_regulation)."""
    found: list[str] = []
    rest = name
    for words, slug in _DEPARTMENTS:
        if words in rest and slug not in found:
            found.append(slug)
            rest = rest.replace(words, "")
    return "_".join(found[:2]) or "agency"


def unique(candidate: str, taken: set[str]) -> str:
    """`candidate`, or with _2, _3 ... the first one not taken; the result is added to `taken`."""
    chosen, n = candidate, 2
    while chosen in taken:
        chosen, n = f"{candidate}_{n}", n + 1
    taken.add(chosen)
    return chosen


def clause_slug(clause: str | None) -> str:
    """"(一)1." → c1_1, "3." → c3, none → item."""
    if not clause:
        return "item"
    parts: list[str] = []
    for token in re.findall(r"[一二三四五六七八九十百]+|\d+", clause):
        number = int(token) if token.isdigit() else cn_to_number(token)
        if number is not None:
            parts.append(str(int(number)))
    return "c" + "_".join(parts) if parts else "item"


def draft_slug(clause: str | None, kind: str) -> str:
    return f"{clause_slug(clause)}_{_KIND_WORDS.get(kind, 'target')}"


def hedged(sentence: str) -> str | None:
    """The hedge word of a sentence (力争, 原则上 ...), if any."""
    return next((word for word in _HEDGES if word in sentence), None)
