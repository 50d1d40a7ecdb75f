"""The numbers left out of a plan, explained in Chinese for the document page.

targets.yaml's `excluded` entries give a quote or a pattern and an editor's reason, often written in
English. A reader is shown neither a regular expression nor English: a pattern is shown by an
example it matches in the plan's own text, and the reason as the kind of number it is (a date, a
document number, a slogan, a name ...). A reason the editor wrote in Chinese is shown as written.
"""

from __future__ import annotations

import re
from typing import Any

from monitor.display_text import editor_reason, shown
from monitor.spec import ExclusionSpec

_NOT_PART = " \t\u3000?？•·"     # spaces and the seeds' stray marks around a matched number


def example(pattern: str, text: str | None) -> str | None:
    """The first text a pattern matches in the plan (stripped), or None: how a rule is shown."""
    if not text:
        return None
    try:
        found = re.search(pattern, text)
    except re.error:
        return None
    sample = found.group(0).strip(_NOT_PART) if found else ""
    return sample or None


def shown_exclusion(e: ExclusionSpec, text: str | None) -> dict[str, Any]:
    """One left-out number as the page shows it; `quote`/`pattern` stay exact for the API."""
    sample = example(e.pattern, text) if e.pattern else None
    return {"quote": e.quote, "pattern": e.pattern, "reason": editor_reason(e.reason), "reason_en": e.reason,
            "whole_catalogue": e.document is None,
            "shown": shown(e.quote) if e.quote else None, "example": shown(sample) if sample else None}
