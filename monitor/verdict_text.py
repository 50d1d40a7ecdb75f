"""A verdict in one Chinese sentence, in the promise's own terms: what was promised, what the data
shows, and the gap. The same sentence is shown on the commitment's page and in the mails.

Pure: built from the Commitment and its Evaluation only (no clock, no store). A time limit is read
as a time limit ("13个工作日内办结", 即办 as "即时办结"), never as the percentage the evaluator
compares; counts say how many are missing ("还差23项"), shares how many points.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from datetime import timedelta

from monitor import display_text, vocabulary
from monitor.cases import CaseCounts, OffendingCase
from monitor.evaluate import Evaluation, late_note
from monitor.model import Commitment

OP_ZH = {"<=": "不超过", "<": "低于", ">=": "不低于", ">": "高于", "==": "等于", "range": "介于"}
PERCENTILE_ZH = {"mean": "平均", "max": "最长"}
DAY_UNITS = {"日", "天", "自然日"}
CASE_WORDS = ("件", "个", "项", "家", "人", "次", "户", "宗", "笔", "所", "座", "条")


def number(value: float | None) -> str:
    """A number as people write it: no trailing zeros, thousands separated, two decimals at most."""
    if value is None:
        return "—"
    if float(value).is_integer():
        return f"{value:,.0f}"
    return f"{value:,.2f}".rstrip("0").rstrip(".")


def promise_text(op: str | None, target: float | None, target_max: float | None, unit: str | None) -> str:
    """A comparator and its bound: 不低于90%, 介于2—3天."""
    if target is None:
        return "—"
    unit = unit or ""
    if op == "range":
        return f"{number(target)}—{number(target_max)}{unit}"
    return f"{OP_ZH.get(op or '', op or '')}{number(target)}{unit}"


def unit_word(unit: str) -> str:
    """A unit as a duration is said: 日 as 天."""
    return "天" if unit in DAY_UNITS else unit


def amount(value: float, unit: str) -> str:
    """How far over a limit, in the limit's unit: 3个工作日, 2天, 1.5个工作小时."""
    return f"{number(value)}{unit_word(unit)}"


def is_immediate(c: Commitment) -> bool:
    """即办: a time limit of zero (the same working day)."""
    return c.kind == "case_duration" and c.op in ("<=", "<") and c.value == 0


def limit_zh(c: Commitment) -> str:
    """A per-case time limit as the plan says it: 13个工作日内办结, 即时办结."""
    if is_immediate(c):
        return "即时办结"
    if c.op == "range":
        return f"{number(c.value)}—{number(c.value_max)}{unit_word(c.unit)}内办结"
    shorter = "不足" if c.op == "<" else ""
    return f"{shorter}{number(c.value)}{unit_word(c.unit)}内办结"


def _share_of_cases(c: Commitment) -> str:
    share = c.measure.min_share
    return "全部按时" if share >= 100 else f"不低于{number(share)}%按时"


def promise_zh(c: Commitment) -> str:
    """What was promised, in its own terms (without the deadline)."""
    if c.kind == "case_duration":
        aggregate = c.measure.aggregate
        if aggregate == "share_within":
            which = "全部案件" if c.measure.min_share >= 100 else f"不低于{number(c.measure.min_share)}%的案件"
            return f"{which}{limit_zh(c) if is_immediate(c) else '在' + limit_zh(c)}"
        which = PERCENTILE_ZH.get(aggregate) or (f"{aggregate[1:]}%的案件" if aggregate.startswith("p") else aggregate)
        return f"{which}办理时长{promise_text(c.op, c.value, c.value_max, unit_word(c.unit))}"
    if c.kind == "cumulative":
        return f"累计{promise_text(c.op, c.value, c.value_max, c.unit)}"
    if c.kind == "reduction":
        return f"{'降幅' if c.unit == '%' else '减少'}{promise_text(c.op, c.value, c.value_max, c.unit)}"
    throughout = "始终保持" if c.throughout else ""
    return throughout + promise_text(c.op, c.value, c.value_max, c.unit)


# an on-track verdict is not yet kept: said in the status word, so page, mail and colour agree
NOT_YET_KEPT = f"{vocabulary.STATUS_ZH['on_track']}，尚未兑现"


def _not_yet_kept(ev: Evaluation) -> str:
    """What an on-track verdict (before its deadline, on pace) adds to its gap: that it is not yet kept."""
    return f"，{NOT_YET_KEPT}" if ev.status == "on_track" else ""


def _gap(c: Commitment, ev: Evaluation) -> str:
    """The distance to the promise in its unit (还差23项, 差2.5个百分点, 超出3天) and, for an on-track
    verdict, that it is not yet kept."""
    unit = ev.unit or c.unit
    if ev.margin is None or ev.margin >= 0:
        if ev.status == "on_track":   # before its deadline: in line so far, kept only when the period ends
            return "迄今符合要求，须保持至期限方为兑现" if c.throughout else NOT_YET_KEPT
        if ev.status == "at_risk" and ev.margin is not None:   # kept, by less than the editor's warn margin
            room = f"{number(ev.margin)}个百分点" if unit == "%" else amount(ev.margin, unit)
            return f"已达到，但余量仅{room}"
        return "已达到"
    return _shortfall(ev.op, -ev.margin, unit) + _not_yet_kept(ev)


def _shortfall(op: str | None, missing: float, unit: str) -> str:
    """How far a broken promise is from its bound, in its unit: 还差23项, 差2.5个百分点, 超出3天."""
    if unit == "%":
        return f"差{number(missing)}个百分点"
    if op in ("<=", "<"):
        return f"超出{amount(missing, unit)}"
    if unit.endswith(CASE_WORDS):
        return f"还差{number(math.ceil(missing - 1e-9))}{unit}"
    return f"还差{number(missing)}{unit}"


def _cases_sentence(c: Commitment, ev: Evaluation, counts: CaseCounts) -> str:
    window = f"近{counts.window_days}天"
    late = counts.completed_late + counts.open_overdue
    done = f"{window}办结{counts.completed_in_window}件"
    if counts.completed_in_window:
        done += f"，其中{counts.on_time}件{limit_zh(c) if is_immediate(c) else '在' + limit_zh(c)}"
        if counts.completed_late:
            done += f"、{counts.completed_late}件超期办结"
    if counts.open_overdue:
        done += f"，另有{counts.open_overdue}件超期未办结"
    if c.measure.aggregate == "share_within":
        n = counts.counted
        share = counts.on_time * 100 / n if n else 0.0
        promise = f"承诺为{_share_of_cases(c)}"
        if ev.margin is not None and ev.margin >= 0:
            gap = "已达到"
        elif c.measure.min_share >= 100:
            gap = f"{late}件未按时"
        else:
            needed = math.ceil(c.measure.min_share * n / 100 - 1e-9) - counts.on_time
            gap = f"还差{needed}件按时办结"
        return f"{done}；按时率{share:.1f}%（{counts.on_time}/{n}件），{promise}，{gap}{_not_yet_kept(ev)}"
    which = PERCENTILE_ZH.get(c.measure.aggregate) or f"{c.measure.aggregate[1:]}%的案件"
    open_note = f"（超期未办结的{counts.open_overdue}件按已用时长计）" if counts.open_overdue else ""
    return (f"{done}；{which}办理时长为{amount(ev.actual or 0.0, c.unit)}{open_note}，"
            f"承诺为{promise_text(c.op, c.value, c.value_max, unit_word(c.unit))}，{_gap(c, ev)}")


def _no_data(c: Commitment, ev: Evaluation) -> str:
    if ev.data_time is None:
        if ev.settled_on or (c.deadline is not None and ev.evaluated_at.date() > c.deadline):
            return f"期限{c.deadline.isoformat() if c.deadline else ''}当日及之前没有数据，无法判断是否兑现"
        return "数据源尚未提供数据，暂不能判断是否兑现"
    if ev.evaluated_at - ev.data_time > c.max_age:
        return (f"最新数据为{ev.data_time.date().isoformat()}的数据，已超过{_age(c.max_age)}的时效，"
                "暂不能判断是否兑现；请及时报送")
    if c.kind == "case_duration":
        return f"近{c.measure.window.days}天没有办结的案件，也没有超期未办结的案件，暂不能判断"
    return "所需时段内没有可用数值，暂不能判断是否兑现"


def _age(age: timedelta) -> str:
    return f"{age.days}天" if age.days and not age.seconds else f"{number(age.total_seconds() / 3600)}小时"


def sentence(c: Commitment, ev: Evaluation | None) -> str:
    """The verdict in one Chinese sentence (ending with 。)."""
    if not c.evaluated:
        why = display_text.editor_reason(c.reason) if c.reason else None
        return "本项未纳入监测" + (f"：{why}" if why else "（草稿）" if c.draft else "") + "。"
    if ev is None or ev.status == "no_data":
        return (_no_data(c, ev) if ev is not None else "尚未评估，暂不能判断是否兑现") + "。"
    if ev.status == "error":
        return "评估出错（多为日历或单位设置问题），暂不能判断；运维人员已收到技术说明。"
    unit = ev.unit or c.unit
    if c.kind == "case_duration" and ev.case_counts is not None:
        text = _cases_sentence(c, ev, ev.case_counts)
    elif c.kind == "case_duration":    # a verdict stored before the counts were kept
        actual = f"按时率{number(ev.actual)}%" if unit == "%" else f"办理时长{amount(ev.actual or 0.0, unit)}"
        text = f"统计{ev.cases}件，{actual}，承诺为{promise_zh(c)}，{_gap(c, ev)}"
        if ev.overdue_open:
            text += f"；其中{ev.overdue_open}件超期未办结"
    elif c.kind == "cumulative":
        as_of = f"截至{ev.data_time.date().isoformat()}" if ev.data_time else "目前"
        text = f"{as_of}累计{number(ev.actual)}{unit}，承诺为"
        text += f"{c.deadline.isoformat()}前" if c.deadline else ""
        text += f"{promise_text(c.op, c.value, c.value_max, unit)}"
        if ev.expected is not None and not ev.settled_on:
            text += f"，按进度此时应达{number(ev.expected)}{unit}"
            behind = ev.expected - (ev.actual or 0.0)
            text += f"，{'已达进度' if behind <= 0 else '落后' + number(behind) + unit}{_not_yet_kept(ev)}"
        else:
            text += f"，{_gap(c, ev)}"
    elif c.kind == "reduction":
        now = f"目前降幅为{number(ev.actual)}%" if unit == "%" else f"目前已减少{number(ev.actual)}{unit}"
        text = f"{now}，承诺为{promise_zh(c)}，{_gap(c, ev)}"
    else:
        if c.throughout and ev.margin is not None and ev.margin < 0:
            text = f"出现{number(ev.actual)}{unit}的数值，承诺为{promise_zh(c)}，{_gap(c, ev)}"
        else:
            as_of = f"（{ev.data_time.date().isoformat()}）" if ev.data_time else ""
            text = f"最新数值为{number(ev.actual)}{unit}{as_of}，承诺为{promise_zh(c)}，{_gap(c, ev)}"
    if ev.settled_on:
        text += f"；已于{ev.settled_on.isoformat()}定论"
    elif c.deadline is not None:
        text += f"；期限{c.deadline.isoformat()}"
    if ev.status == "missed" and (late := late_note(ev.reason)):
        text += f"；{late}"
    return text + "。"


def counts_zh(counts: CaseCounts, reason_words: Mapping[str, str] | None = None) -> str:
    """How the cases received add up: received = counted + each reason the rest are not counted; and
    the rows rejected before that, by reason (`reason_words` names the collectors' reason codes)."""
    parts = [f"收到{counts.received}件，统计{counts.counted}件（近{counts.window_days}天内办结{counts.completed_in_window}件"
             + (f"、超期未办结{counts.open_overdue}件" if counts.open_overdue else "") + "）"]
    rest = [(counts.open_not_due, "件尚未办结、也未到期"),
            (counts.completed_before_window, f"件在近{counts.window_days}天之前办结，不在统计期内"),
            (counts.submitted_after, "件在评定时点之后受理")]
    left = [f"{n}{why}" for n, why in rest if n]
    if left:
        parts.append("未统计" + str(counts.received - counts.counted) + "件：" + "，".join(left))
    if counts.rejected:
        words = reason_words or {}
        why = "、".join(f"{words.get(reason, '其他原因')}{n}行" for reason, n in counts.rejected)
        parts.append(f"另有{sum(n for _, n in counts.rejected)}行数据被拒收、未计入（{why}）")
    return "；".join(parts) + "。"


def share_text(counts: CaseCounts) -> str:
    """The share of counted cases on time, one decimal: 66.7%."""
    return f"{counts.on_time * 100 / counts.counted:.1f}%" if counts.counted else "—"


def on_time_text(c: Commitment, ev: Evaluation) -> str | None:
    """A share-of-cases verdict's actual as what it is, cases on time (6/9件按时（66.7%））; None for
    any other verdict, whose actual is shown with its unit."""
    if c.kind != "case_duration" or c.measure.aggregate != "share_within" or ev.actual is None:
        return None
    if ev.case_counts is not None:
        counts = ev.case_counts
        return f"{counts.on_time}/{counts.counted}件按时（{share_text(counts)}）"
    return f"按时率{number(ev.actual)}%" + (f"（共{ev.cases}件）" if ev.cases is not None else "")


# The columns of a late case, the same in the mail, on the page and in the .xlsx/.csv downloads.
CASE_COLUMNS = (("id", "办件编号"), ("item", "事项"), ("submitted", "受理时间"), ("due", "应办结时间"),
                ("completed", "办结时间"), ("over", "超出时限"))


def _by_date(c: Commitment) -> bool:
    """Whether a limit's due time is a day (working days, calendar days) rather than a moment."""
    return not c.unit.endswith(("小时", "分钟", "秒"))


def case_row(c: Commitment, case: OffendingCase) -> dict[str, str]:
    """One late case as shown: times in local time (days for day limits), how far over in the limit's unit."""
    return {
        "id": case.id or "（未提供编号）",
        "item": display_text.shown(case.item) if case.item else display_text.shown(c.measured_zh),
        "submitted": case.submitted.strftime("%Y-%m-%d %H:%M"),
        "due": case.due.strftime("%Y-%m-%d") if _by_date(c) else case.due.strftime("%Y-%m-%d %H:%M"),
        "completed": case.completed.strftime("%Y-%m-%d %H:%M") if case.completed else "未办结",
        "over": amount(case.over, c.unit),
    }
