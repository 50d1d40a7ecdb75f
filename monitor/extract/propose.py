"""Draft commitments from a document: one proposal per number, judged and ranked.

Every quantity of the text becomes a candidate; `exclude` and `modality` say whether it is a
promise (only those are drafts by default) and why not; `confidence` ranks the promises.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, replace
from datetime import date
from pathlib import Path

from monitor.extract import confidence
from monitor.extract.clauses import Structure, parse_structure, segment, sentence, strip_label
from monitor.extract.deadlines import DocumentDates, default_deadline, document_dates, find_deadline
from monitor.extract.decode import CleanText, clean
from monitor.extract.exclude import reason_to_skip
from monitor.extract.modality import (
    BENEFIT,
    DRAFTED,
    OTHER,
    PROMISE,
    REPORT,
    Context,
    Judgement,
    judge,
    last_match,
    share_of_cases,
)
from monitor.extract.numbers import TIME_UNITS, Quantity, find_quantities
from monitor.extract.readers import read_document
from monitor.extract.rules import comparator, is_reduction, kind_of, policy_parameter
from monitor.extract.skeleton import hedged
from monitor.extract.tables import table_quantities
from monitor.extract.words import word_quantities

_LEADING_VERBS = ("实现", "力争", "确保", "推动", "努力", "争取", "将", "并", "其中", "全年", "年内")
_WORDS = ("words", "milestone")
# Words followed by a noun name a kind of item (“零跑腿”事项, “最多跑一次”比例), not a promise.
_NAMES_A_KIND = re.compile(r"”?(?:事项|服务事项|比例|比率|(?:实现|办结|覆盖|满意|网办|办理)?率|模式|窗口|清单|专区|套餐)")


@dataclass(frozen=True)
class Proposal:
    """A candidate commitment; `start`/`end` locate `quote` in the original text.

    `modality` is promise, report, condition or other, with `why` saying what decided it; only
    promises are drafts. `confidence` (0–1) is explained by `features`. `min_share` is the share
    of cases a time limit promises when the text states one (90%以上的事项3个工作日内办结)."""

    quote: str
    start: int
    end: int
    value: float
    value_max: float | None
    op: str
    unit: str | None
    kind: str
    deadline: date | None
    clause: str | None
    agency: str | None
    co_agencies: tuple[str, ...]
    measured: str
    monitorable: bool
    reason: str | None
    modality: str = PROMISE
    why: str = ""
    confidence: float = 1.0
    features: tuple[str, ...] = ()
    min_share: float | None = None
    deadline_guessed: bool = False     # the end of the plan's period, the text naming no date
    hedge: str | None = None           # 力争, 原则上 ... in its sentence

    def to_dict(self) -> dict[str, object]:
        data = asdict(self)
        data["deadline"] = self.deadline.isoformat() if self.deadline else None
        data["co_agencies"] = list(self.co_agencies)
        data["features"] = list(self.features)
        for key in ("value", "value_max", "min_share"):
            number = data[key]
            if isinstance(number, float) and number.is_integer():
                data[key] = int(number)
            elif isinstance(number, float):
                data[key] = round(number, 4)
        return data


@dataclass(frozen=True)
class _Candidate:
    quantity: Quantity
    context: Context
    judgement: Judgement
    min_share: float | None = None


def _op_for_words(quantity: Quantity, op: str) -> str:
    if quantity.form not in _WORDS:
        return op
    if quantity.op is not None:
        return quantity.op
    if quantity.value == 0:
        return "<=" if quantity.unit == "工作日" else "=="
    return ">="


# 经营主体满意度达到95%: what is measured is 经营主体满意度, not the verb that brings the number
_TRAILING_VERBS = re.compile(r"(?:(?:稳定|保持|控制|提高|提升|降低|下降|压缩|缩短|减少|增加|增长|达|提速|压减|扩大|"
                             r"不低于|不少于|不超过|不高于|高于|低于|超过|大于|小于|确保|力争|实现|累计|新增)"
                             r"(?:到|至|在|为)?|达到|不低于|不少于|不超过|在|为|至|到|均|再|年均|平均|同比|以上|以内)$")


def _measured(before: str) -> str:
    phrase = before.strip(" ,、(“”\t")
    for verb in _LEADING_VERBS:
        if phrase.startswith(verb):
            phrase = phrase[len(verb):]
    while (trimmed := _TRAILING_VERBS.sub("", phrase).rstrip(" ,、(“”")) != phrase and len(trimmed) >= 2:
        phrase = trimmed
    return phrase


_GIVEN_WORD = re.compile(r"贴息|补助|补贴|奖励|资助|返还|风险补偿")
_RELIEVED_WORD = re.compile(r"房租|租金|担保贷款|贷款")


def _measured_or_quote(before: str, quote: str) -> str:
    if "\t" in before:   # a table row: the indicator cell names what is measured
        named = [cell.strip() for cell in before.split("\t") if re.search(r"[\u4e00-\u9fff]{2}", cell)]
        return named[0] if named else quote
    phrase = _measured(before)
    return phrase if len(phrase) >= 4 else quote


def _benefit_measured(before: str, sentence: str, simplified: str, at: int, op: str, quote: str,
                      simplified_before: str) -> str:
    """What a benefit gives, named from its phrase: 贷款额补助 (按贷款额的5‰给予补助), 单户企业每年补助上限
    (单户企业每年最高不超过20万元); the quote when the phrase names nothing (免收1个月房租).
    `sentence` is the original, `simplified` the cleaned sentence, `at` the number's place in it."""
    lead = re.match(r"^[ ,、(“”]*(?:按|对|并|给予|一次性|可申请)*", simplified_before)
    trail = re.search(r"(?:的|最高|不超过|不高于|可达|为|给予|一次性|可申请|按|每年|单年|提高到|提高至|[ ,、(“”])*$",
                      simplified_before)
    cut = (lead.end() if lead else 0, trail.start() if trail else len(simplified_before))
    source = before if len(before) == len(simplified_before) else simplified_before
    name = source[cut[0]:max(cut)]
    words = list(_GIVEN_WORD.finditer(simplified)) or list(_RELIEVED_WORD.finditer(simplified))
    if len(name) < 2 or not words:
        return quote
    nearest = min(words, key=lambda m: abs(m.start() - at))
    same = len(simplified) == len(sentence)   # the script's own spelling of the word (獎勵), when aligned
    word = sentence[nearest.start():nearest.end()] if same else nearest.group()
    in_name = nearest.group() in simplified_before[cut[0]:max(cut)]
    return name + ("" if in_name else word) + ("上限" if op in ("<=", "<") else "")


def _line(text: str, at: int) -> tuple[int, int]:
    end = text.find("\n", at)
    return text.rfind("\n", 0, at) + 1, len(text) if end < 0 else end


_TOP_SECTION = re.compile(r"(?m)^[ \t]*[一二三四五六七八九十]+、[^\n]{0,40}")


def _section(text: str, at: int) -> str:
    heading = last_match(_TOP_SECTION, text, 0, at)
    return heading.group() if heading else ""


def _title_like(text: str, line: tuple[int, int]) -> bool:
    """A short line with no sentence punctuation: a title or a headline restating the body."""
    content = text[line[0]:line[1]]
    return "\t" not in content and len(content) <= 40 and not any(mark in content for mark in "。;,")


_PERIOD_IN_TITLE = re.compile(r"((?:19|20)\d\d)\s*[—–\-~至到]\s*(?:19|20)\d\d年")


def _period_start(text: str, year: int | None) -> int | None:
    """The first year the document speaks of as its own: the start of the period its title names
    (三年行动计划(2018—2020年)), else its year. Years before it are the past."""
    title = next((line for line in text[:400].splitlines() if line.strip()), "")
    period = _PERIOD_IN_TITLE.search(title)
    return min(int(period.group(1)), year or 9999) if period else year


def _judge_all(text: str, year: int | None, since: int | None = None) -> list[_Candidate]:
    quantities = sorted(find_quantities(text) + word_quantities(text) + table_quantities(text),
                        key=lambda q: (q.start, q.end))
    found = []
    for quantity in quantities:
        phrase = strip_label(text, *segment(text, quantity.start, quantity.end))
        context = Context(text, phrase, sentence(text, quantity.start, quantity.end), _line(text, quantity.start),
                          _section(text, quantity.start), since if since is not None else year)
        skip = reason_to_skip(text, quantity, text[phrase[0]:quantity.start], text[quantity.end:phrase[1]], year)
        if skip is None:
            judgement = judge(context, quantity)
        else:  # the figures `exclude` leaves out as achieved are reports
            judgement = Judgement(REPORT if skip.startswith("achieved") else OTHER, skip)
        found.append(_Candidate(quantity, context, judgement))
    title = _title_line(text)
    if title is not None:   # 深化“最多跑一次”改革工作要点: words in the document's title name it
        found = [replace(c, judgement=Judgement(OTHER, "words in the title of the document"))
                 if c.quantity.form in _WORDS and title[0] <= c.quantity.start < title[1] else c for c in found]
    if _reads_like_news(found):
        # 惠及, 节约, 兑现 report in a news item and promise in a plan (惠及居民2600户)
        found = [replace(c, judgement=judge(c.context, c.quantity, news=True))
                 if c.judgement.modality == PROMISE else c for c in found]
    return _fold_shares(_drop_deadlines(_drop_described(found)))


def _title_line(text: str) -> tuple[int, int] | None:
    """The span of the document's title: its first non-empty line, when it reads like a title."""
    start = len(text) - len(text.lstrip())
    line = _line(text, start)
    return line if line[1] > line[0] and _title_like(text, line) else None


def _reads_like_news(found: list[_Candidate]) -> bool:
    """Numbers reported with a clear past (已, 今年以来, 去年 ...) are a good share of the text's."""
    judged = [c for c in found if c.judgement.modality in (PROMISE, REPORT)]
    reports = sum(c.judgement.modality == REPORT for c in judged)
    return reports >= 2 and reports * 4 >= len(judged)


def _drop_described(found: list[_Candidate]) -> list[_Candidate]:
    """Words and dates that only describe a written number: 6月底前实现…3个工作日 (the date is the
    deadline), 实现100%全覆盖 (the share is written), “零跑腿”事项达到300项 and “最多跑一次”比例
    (the words name a kind of item or the share measured)."""
    numbered = {c.context.phrase for c in found if c.quantity.form not in _WORDS and c.judgement.modality == PROMISE}
    shares = {c.context.phrase for c in found
              if c.quantity.form not in _WORDS and c.quantity.unit in ("%", "‰") and c.judgement.modality == PROMISE}
    kept = []
    for candidate in found:
        quantity, phrase = candidate.quantity, candidate.context.phrase
        if candidate.judgement.modality == PROMISE and (
                (quantity.form == "milestone" and phrase in numbered)
                or (quantity.form == "words" and quantity.unit == "%" and phrase in shares)
                or (quantity.form == "words" and _NAMES_A_KIND.match(candidate.context.text, quantity.end))):
            candidate = replace(candidate, judgement=Judgement(OTHER, "words describing a number beside them"))
        kept.append(candidate)
    return kept


def _drop_deadlines(found: list[_Candidate]) -> list[_Candidate]:
    """三年内培育上市企业十家以上: a span of years or months ending in 内, followed in its phrase
    by a target, is that target's deadline, not a promise of its own."""
    kept = list(found)
    for i, candidate in enumerate(found):
        quantity, context = candidate.quantity, candidate.context
        if candidate.judgement.modality != PROMISE or quantity.unit not in ("年", "个月") \
                or not context.text.startswith("内", quantity.end):
            continue
        # 6个月内开工、1年内投产: a second limit after it is no target it is the deadline of
        if any(later.context.phrase == context.phrase and later.judgement.modality == PROMISE
               and later.quantity.start > quantity.end
               and not (later.quantity.unit in ("年", "个月") and context.text.startswith("内", later.quantity.end))
               for later in found[i + 1:]):
            kept[i] = replace(candidate, judgement=Judgement(OTHER, "deadline of the target after it"))
    return kept


def _fold_shares(found: list[_Candidate]) -> list[_Candidate]:
    """A share of cases (90%以上的事项…) belongs to the time limit or cut after it in its phrase:
    one draft, the limit, with `min_share`."""
    folded = list(found)
    for i, share in enumerate(found):
        if share.judgement.modality != PROMISE or not share_of_cases(
                share.context.text, share.quantity, share.context.phrase[1]):
            continue
        for j in range(i + 1, len(found)):
            other = found[j]
            if other.context.phrase != share.context.phrase or other.judgement.modality != PROMISE:
                continue
            if other.quantity.unit in TIME_UNITS or other.quantity.unit in ("%", "‰"):
                folded[j] = replace(folded[j], min_share=share.quantity.value)
                folded[i] = replace(share, judgement=Judgement(OTHER, "share of cases of the limit after it"))
            elif other.quantity.form in _WORDS:   # 95%以上的事项实现“最多跑一次”: the share is the target
                folded[j] = replace(other, judgement=Judgement(OTHER, "what the share of cases achieves"))
            break
    return folded


def _newsy(found: list[_Candidate]) -> bool:
    judged = [c for c in found if c.judgement.modality in (PROMISE, REPORT)]
    return bool(judged) and sum(c.judgement.modality == REPORT for c in judged) * 2 > len(judged)


def _proposal(cleaned: CleanText, structure: Structure, dates: DocumentDates, candidate: _Candidate,
              newsy: bool) -> Proposal:
    text, original = cleaned.text, cleaned.original
    quantity, context = candidate.quantity, candidate.context
    seg = context.phrase
    before, after = text[seg[0]:quantity.start], text[quantity.end:seg[1]]
    written = text[quantity.start:quantity.end]
    op, op_word = comparator(before, after, quantity)
    reduction = quantity.form not in _WORDS and is_reduction(before, op_word, written)
    op = ">=" if reduction else _op_for_words(quantity, op)
    kind = kind_of(quantity, op, reduction, text[seg[0]:seg[1]])
    deadline, guessed = None, False
    if kind != "case_duration":
        deadline, _, _ = find_deadline(text, seg[0], seg[1], dates.year)
        if deadline is None:
            deadline, _, _ = find_deadline(text, *context.sentence, dates.year)
        guessed = deadline is None
        deadline = deadline or default_deadline(kind, dates)
    start, end = cleaned.original_span(*seg)
    annotation = structure.agency(quantity.start)
    benefit = candidate.judgement.modality == BENEFIT
    parameter = policy_parameter(text[seg[0]:seg[1]]) and not benefit
    if benefit:   # 给予20万元奖励 is the amount promised; 最高不超过20万元 a cap it reaches up to
        reduction = False
        op = op if op_word is not None and op in ("<=", "<") else "=="
        kind = "value"
    elif parameter and op_word is None and not quantity.is_range:
        op, kind = "==", "value"  # a reward of 5万元 is an amount, not a floor to reach
    names = confidence.features(text, quantity, seg, context.sentence, op_word=op_word,
                                heading=_title_like(text, context.line), newsy=newsy,
                                parameter=parameter, min_share=candidate.min_share, benefit=benefit)
    return Proposal(
        quote=original[start:end], start=start, end=end,
        value=quantity.value, value_max=quantity.value_max, op=op, unit=quantity.unit,
        kind=kind, deadline=deadline, clause=structure.clause(quantity.start),
        agency=annotation.lead if annotation else None,
        co_agencies=annotation.co if annotation else (),
        measured=_benefit_measured(cleaned.original_slice(seg[0], quantity.start),
                                   cleaned.original_slice(*context.sentence), text[context.sentence[0]:context.sentence[1]],
                                   quantity.start - context.sentence[0], op, original[start:end],
                                   text[seg[0]:quantity.start]) if benefit
        else _measured_or_quote(cleaned.original_slice(seg[0], quantity.start), original[start:end]),
        monitorable=not parameter,
        reason="policy parameter (reward, subsidy or threshold)" if parameter else None,
        modality=candidate.judgement.modality, why=candidate.judgement.reason,
        confidence=confidence.score(names), features=tuple(names), min_share=candidate.min_share,
        deadline_guessed=guessed, hedge=hedged(text[context.sentence[0]:context.sentence[1]]),
    )


def candidates(original: str, year: int | None = None) -> list[Proposal]:
    """Every number of a document's original text as a judged proposal, in text order (one per
    quote and value)."""
    cleaned = clean(original)
    dates = document_dates(cleaned.text, year)
    structure = parse_structure(cleaned)
    found = _judge_all(cleaned.text, dates.year, _period_start(cleaned.text, dates.year))
    newsy = _newsy(found)
    chosen: dict[tuple[int, int, float], Proposal] = {}
    for candidate in found:
        if candidate.quantity.unit is None and candidate.judgement.modality == OTHER:
            continue  # a bare number (a phone number, 5G) is not worth listing
        proposal = _proposal(cleaned, structure, dates, candidate, newsy)
        key = (proposal.start, proposal.end, proposal.value)
        # one proposal per quote and value: a promise (一次申报) over a word it contains (一次)
        if key not in chosen or (proposal.modality in DRAFTED and chosen[key].modality not in DRAFTED):
            chosen[key] = proposal
    listed = [split for p in chosen.values() for split in _per_listed_item(p)]
    return sorted(listed, key=lambda p: (p.start, p.end))


# 用水、用气报装办理时间均不超过4个工作日: one promise per service listed before 均
_LISTED = re.compile(r"^((?:[\u4e00-\u9fff]{1,6}、)+)([\u4e00-\u9fff]{1,6}?)((?:报装|办理|审批|登记|接入|开通)"
                     r"[\u4e00-\u9fff]*)$")


def _per_listed_item(proposal: Proposal) -> list[Proposal]:
    """A promise about several services listed with 、 and 均 (用水、用气…均不超过4个工作日): one
    proposal per service, same quote, each naming its service."""
    if proposal.modality not in DRAFTED or "均" not in proposal.quote:
        return [proposal]
    match = _LISTED.match(proposal.measured)
    if match is None:
        return [proposal]
    items = [item for item in match.group(1).split("、") if item] + [match.group(2)]
    return [replace(proposal, measured=item + match.group(3)) for item in items]


def rank(proposals: list[Proposal]) -> list[Proposal]:
    """Most confident first; ties in text order."""
    return sorted(proposals, key=lambda p: (-p.confidence, p.start))


def extract_text(original: str, year: int | None = None,
                 min_confidence: float = confidence.DEFAULT_MIN_CONFIDENCE) -> list[Proposal]:
    """The drafts of a document: its promises with at least `min_confidence`, most confident first."""
    return rank([p for p in candidates(original, year)
                 if p.modality in DRAFTED and p.confidence >= min_confidence])


def extract_file(path: str | Path, year: int | None = None,
                 min_confidence: float = confidence.DEFAULT_MIN_CONFIDENCE) -> list[Proposal]:
    """The drafts of a document file (.txt, .html, .docx or text .pdf; see `readers`)."""
    return extract_text(read_document(path), year, min_confidence)
