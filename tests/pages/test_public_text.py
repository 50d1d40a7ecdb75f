"""Reasons as public pages show them: no path, URL or address of the machine (issue 20, point 8)."""

from __future__ import annotations

import pytest

from monitor.service.public_text import public


@pytest.mark.parametrize("text, hidden", [
    ("the last collection failed (config: drop folder /srv/monitor/drop/town does not exist)", "/srv/monitor"),
    ("the last collection failed (http_status: HTTP 502 from http://10.1.2.3:8080/api?key=x)", "10.1.2.3"),
    ("cannot write to the database: connection to server at \"192.168.7.9\", port 5432 failed", "192.168.7.9"),
    ("unreadable: C:\\monitor\\drop\\town.xlsx", "C:\\monitor"),
])
def test_paths_urls_and_addresses_are_replaced(text, hidden):
    shown = public(text)
    assert hidden not in shown and shown.split(" ")[0] == text.split(" ")[0]


@pytest.mark.parametrize("text", [
    "the mean of 12 cases, 3.5 个工作日, breaks the promise (<= 5 个工作日)",
    "95.0% of 40 cases took <= 5 个工作日; 2 case(s) still open past the limit (BDC-0001, BDC-0017)",
    "newest data is from 2024-06-05T09:00:00+08:00, older than the feed's max_age of 2 days",
    "ratio 3/4 of 件/日",
])
def test_the_evaluators_own_words_are_left_alone(text):
    assert public(text) == text
