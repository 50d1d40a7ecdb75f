"""A bound on an alert mail's size, so that an agency is always told.

A mail the SMTP server refuses as too large (552) used to be marked failed for good, and the
agency never heard that its promise was missed. Rendered mails are kept within MAX_MAIL_BYTES
(subject, text and HTML, UTF-8; transfer encoding adds about a third, still far under the 10 MB
servers commonly take): first every item's long texts are cut, each pointing to its commitment's
page ("详情" in every item); if the mail is still too long, each section lists its first items and
its title says how many more there are and where to see them (the agency's page).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from alerts.render import Rendered, listed_ids

MAX_MAIL_BYTES = 1_000_000
CUT = "…（内容过长，已截断，完整内容见承诺详情页）"
BRIEF_CHARS = {"reason": 300, "quote": 300, "measured": 100, "document_title": 100, "clause": 60, "lead": 60}
BRIEF_IDS_CHARS = 200
BRIEF_TREND = 3


def mail_bytes(rendered: Rendered) -> int:
    return sum(len(part.encode("utf-8")) for part in (rendered.subject, rendered.text, rendered.html))


def fit_alert(render: Callable[[dict[str, Any]], Rendered], context: dict[str, Any],
              budget: int | None = None) -> Rendered:
    """The alert mail for `context` within `budget` bytes: as it is, with long items cut, or with the
    first items of each section and a title saying where the rest are."""
    budget = MAX_MAIL_BYTES if budget is None else budget
    rendered = render(context)
    if mail_bytes(rendered) <= budget:
        return rendered
    brief = {**context, "sections": [{**section, "alerts": [_brief(item) for item in section["alerts"]]}
                                     for section in context["sections"]]}
    rendered = render(brief)
    total = sum(len(section["alerts"]) for section in brief["sections"])
    keep = total
    while mail_bytes(rendered) > budget and keep > 1:
        keep = max(1, min(keep - 1, int(keep * budget * 0.9 / mail_bytes(rendered))))
        rendered = render(_first(brief, keep))
    return rendered


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[:limit] + CUT


def _brief(item: dict[str, Any]) -> dict[str, Any]:
    brief = dict(item)
    for key, limit in BRIEF_CHARS.items():
        if isinstance(brief.get(key), str):
            brief[key] = _cut(brief[key], limit)
    if "overdue_case_ids" in brief:
        brief["overdue_case_ids"] = listed_ids(brief["overdue_case_ids"], BRIEF_IDS_CHARS)
    if "trend" in brief:
        brief["trend"] = brief["trend"][-BRIEF_TREND:]
    if "co" in brief:
        brief["co"] = [_cut(name, BRIEF_CHARS["lead"]) for name in brief["co"][:5]]
    return brief


def _first(context: dict[str, Any], keep: int) -> dict[str, Any]:
    """The first `keep` items (spread over the sections in order); each cut section says how many it left out."""
    sections = []
    for section in context["sections"]:
        items = section["alerts"]
        shown, keep = items[:keep], max(0, keep - len(items))
        if len(shown) < len(items):
            where = next((i["links"].get("agency") for i in items[len(shown):] if i.get("links", {}).get("agency")),
                         context.get("status_url", ""))
            title = f"{section['title']}：共 {len(items)} 项，因邮件篇幅所限列出前 {len(shown)} 项，全部见 {where}"
            section = {**section, "title": title}
        sections.append({**section, "alerts": shown})
    return {**context, "sections": sections}
