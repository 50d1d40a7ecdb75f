"""The commitment page and the API say how much suspended time was left out, and for how many cases."""

from __future__ import annotations

from dataclasses import replace

import pytest

from tests.pages.test_pages import text_of

PROPERTY = "town2021.property_days"


@pytest.fixture
def board(board):
    return board | {PROPERTY: replace(board[PROPERTY], paused_cases=12, paused_total=37.0)}


def test_page_says_how_much_suspended_time_was_left_out_in_the_promises_unit(client):
    text = text_of(client.get(f"/commitments/{PROPERTY}").text)
    assert "已扣除暂停计时12件，共37个工作日" in text


def test_page_of_a_verdict_without_suspended_time_says_nothing_of_it(client):
    assert "暂停计时" not in text_of(client.get("/commitments/town2021.setup_days").text)


def test_api_gives_the_suspended_cases_and_total(client):
    verdict = client.get(f"/api/v1/commitments/{PROPERTY}").json()["verdict"]
    assert (verdict["paused_cases"], verdict["paused_total"]) == (12, 37.0)
