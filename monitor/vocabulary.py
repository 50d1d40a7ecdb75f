"""What every reader sees: the product's one name, and the one set of status words and colours.

Mails (alerts/), pages (monitor/service/pages/), dashboards and rules (monitor/generators/) take
their words and colours from here, so a reader who follows a mail's link finds the same word in the
same colour on the page and on the dashboard. Every status is shown as a word with its colour,
never as a colour alone.
"""

from __future__ import annotations

PRODUCT_NAME = "营商环境承诺监测"
SUBJECT_TAG = f"【{PRODUCT_NAME}】"

# status -> word; the order is best first. on_track (正常推进): before a deadline, behind the target
# but on pace; met (达标) means kept.
STATUS_ZH: dict[str, str] = {
    "met": "达标",
    "on_track": "正常推进",
    "at_risk": "有风险",
    "missed": "未达标",
    "no_data": "无数据",
    "error": "评估出错",
}

# status -> colour (red, amber, green; grey for no data; purple for an evaluation error)
STATUS_COLOUR: dict[str, str] = {
    "met": "#2e7d32",
    "on_track": "#1565c0",
    "at_risk": "#f9a825",
    "missed": "#c62828",
    "no_data": "#757575",
    "error": "#6a1b9a",
}
