"""The dispute form's fields, checked: what the agency chose and wrote, or the problems in Chinese."""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import urlsplit

from monitor.disputes import FIGURES

REASON_MAX = 4000
LINK_MAX = 1000


@dataclass
class FormInput:
    """The fields as sent (kept to fill the form again when it is refused)."""
    figure: str = ""
    reason: str = ""
    evidence_link: str = ""
    problems: list[str] = field(default_factory=list)


def check_fields(figure: str, reason: str, evidence_link: str) -> FormInput:
    """Trimmed fields and every problem with them (an empty list: the fields are valid)."""
    given = FormInput(figure.strip(), reason.strip(), evidence_link.strip())
    if given.figure not in FIGURES:
        given.problems.append("请选择有异议的数字：" + "、".join(FIGURES.values()) + "。")
    if not given.reason:
        given.problems.append("请填写异议理由：哪一个数字不对，贵单位掌握的数字是多少，依据是什么。")
    elif len(given.reason) > REASON_MAX:
        given.problems.append(f"异议理由最多 {REASON_MAX} 字（现为 {len(given.reason)} 字），请精简；详细材料可作为附件提交。")
    if given.evidence_link and not _is_web_link(given.evidence_link):
        given.problems.append(f"证明材料链接须是以 http:// 或 https:// 开头的完整网址（最多 {LINK_MAX} 个字符）。")
    return given


def _is_web_link(text: str) -> bool:
    if len(text) > LINK_MAX or any(ch.isspace() for ch in text):
        return False
    parts = urlsplit(text)
    return parts.scheme in ("http", "https") and bool(parts.netloc)
