"""The operators' mail in Chinese: what is wrong with a commitment's data or a feed's collection.

Built from the facts (status, feed, series, times, error category), not by translating the
evaluator's English reason; the raw error of a failed collection stays as 错误信息（原文）, as the
system under the feed wrote it, because that is what an operator searches for.
"""

from __future__ import annotations

from datetime import tzinfo

from alerts.tables import AlertState
from monitor.model import Commitment

CATEGORY_ZH = {
    "timeout": "请求超时", "connect": "无法连接数据源", "http_status": "数据源返回错误状态码",
    "decode": "数据无法解析", "schema": "数据格式与配置不符", "too_large": "数据量超过上限",
    "config": "数据源配置有误", "internal": "监测系统内部错误",
}


def _duration_zh(seconds: float) -> str:
    for size, unit in ((86400, "天"), (3600, "小时"), (60, "分钟")):
        if seconds >= size and seconds % size == 0:
            return f"{int(seconds // size)}{unit}"
    return f"{int(seconds)}秒"


def data_problem_zh(c: Commitment, state: AlertState, zone: tzinfo) -> str:
    """Why a commitment has no verdict, in Chinese, and what to look at."""
    where = f"数据源 {c.measure.feed}（序列 {c.measure.series}）"
    if state.status == "error":
        return (f"无法按原文评估：单位或工作日历与数据不匹配（承诺单位“{c.unit}”）。请核对 targets.yaml 中该承诺的"
                f"单位、口径和日历设置。")
    if state.data_time is None:
        if state.settled_on is not None:
            return f"{where}没有期限 {state.settled_on.isoformat()} 当日及之前的数据，无法判定是否兑现。请补报该期间的数据。"
        return f"{where}尚未提供数据。请确认数据源已接入并包含该序列。"
    newest = state.data_time.astimezone(zone).strftime("%Y-%m-%d %H:%M")
    if state.settled_on is None and state.evaluated_at is not None \
            and (state.evaluated_at - state.data_time).total_seconds() > c.max_age.total_seconds():
        return (f"{where}最新数据时间为 {newest}，已超过有效期（{_duration_zh(c.max_age.total_seconds())}），"
                f"数据过期，无法判定。请检查数据源是否按时更新。")
    if c.kind == "case_duration":
        return (f"{where}在统计窗口（近{c.measure.window.days}天）内没有可评估的办件（没有办结的案件，也没有超期未办结的案件）。"
                f"请确认办件数据已完整报送。")
    return f"{where}在评估所需的时段内没有可用数值（最新数据 {newest}）。请确认数据已按期报送。"


def collection_problem_zh(reason: str) -> tuple[str, str]:
    """A failed collection's reason ("category: error") as (Chinese explanation, the raw error)."""
    category, _, raw = reason.partition(": ")
    if category not in CATEGORY_ZH:
        return "最近一次采集失败。", reason
    return f"最近一次采集失败：{CATEGORY_ZH[category]}。请检查数据源地址、网络和凭据。", raw
