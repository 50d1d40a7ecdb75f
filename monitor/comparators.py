"""Comparators as the plans write them (民法典 第一千二百五十九条: 以上/以下/以内 include the bound,
超过/不满 do not), applied element-wise, and the margin by which a promise is kept."""

from __future__ import annotations

from typing import overload

import numpy as np

# The wordings of bounds and the comparator each is read as (民法典 第一千二百五十九条: 以上, 以下, 以内,
# 届满 include the number; 不满, 超过, 以外 do not). docs/targets-format.md shows this table; the
# extraction reads each wording so (monitor/extract/rules.py).
BOUND_WORDINGS: dict[str, str] = {
    "以上": ">=", "不低于": ">=", "不少于": ">=", "达到": ">=", "达": ">=",
    "以下": "<=", "以内": "<=", "不超过": "<=", "不高于": "<=", "控制在": "<=", "压缩至": "<=",
    "超过": ">", "超": ">", "突破": ">", "高于": ">", "多于": ">",
    "不满": "<", "未满": "<", "不足": "<", "低于": "<", "少于": "<",
}


@overload
def compare(op: str, actual: float, target: float, target_max: float | None = None) -> bool: ...
@overload
def compare(op: str, actual: np.ndarray, target: float | np.ndarray,
            target_max: float | np.ndarray | None = None) -> np.ndarray: ...


def compare(op: str, actual: float | np.ndarray, target: float | np.ndarray,
            target_max: float | np.ndarray | None = None) -> bool | np.ndarray:
    """Whether `actual` keeps `op target` (element-wise for arrays, with a limit per element when
    the limits are arrays too)."""
    if op == "<=":
        return actual <= target
    if op == "<":
        return actual < target
    if op == ">=":
        return actual >= target
    if op == ">":
        return actual > target
    if op == "==":
        if isinstance(actual, np.ndarray) or isinstance(target, np.ndarray):
            close: np.ndarray = np.isclose(actual, target)
            return close
        return abs(actual - target) < 1e-9
    if op == "range":
        if target_max is None:
            raise ValueError("op 'range' needs target_max")
        return (actual >= target) & (actual <= target_max)
    raise ValueError(f"unknown comparator {op!r}")


def margin_of(op: str, actual: float, target: float, target_max: float | None = None) -> float:
    """Distance from breaking the promise: positive when kept with room, negative when broken."""
    if op in ("<=", "<"):
        return target - actual
    if op in (">=", ">"):
        return actual - target
    if op == "range" and target_max is not None:
        return min(actual - target, target_max - actual)
    miss = abs(actual - target)
    return 0.0 if miss < 1e-9 else -miss   # the tolerance `compare` allows counts as exactly kept
