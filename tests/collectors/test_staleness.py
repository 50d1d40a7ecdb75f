"""A commitment fed by a real feed kind whose newest data is older than max_age becomes no_data."""

from __future__ import annotations

import os
from datetime import timedelta

import yaml

from monitor.calendar import WorkCalendar
from monitor.evaluate import evaluate
from monitor.loader import load_catalogue
from monitor.observations import MeasureData
from tests.collectors.helpers import NOW, collect_once

TARGETS = """\
version: 1
documents:
  - {id: doc2024, source: seed.txt, title: 方案, jurisdiction: 重庆市渝中区, issuer: 区政府办公室,
     issued: 2024-03-01, period: {start: 2024-01-01, end: 2024-12-31}}
agencies:
  - {id: doc2024.data, name: 区大数据局, jurisdiction: 重庆市渝中区}
"""


def catalogue(tmp_path, drop):
    feeds = {"feeds": [{"id": "drop", "kind": "file", "path": str(drop), "settle": "0s", "max_age": "2d",
                        "series": [{"name": "online_rate", "type": "share", "column": "rate"}]}],
             "commitments": [{"id": "doc2024.online", "document": "doc2024", "clause": "1.", "quote": "网办率",
                              "measured": {"zh": "网办率", "en": "online rate"}, "agency": "doc2024.data",
                              "kind": "share", "op": ">=", "value": 90, "unit": "%",
                              "measure": {"feed": "drop", "series": "online_rate"}}]}
    path = tmp_path / "targets.yaml"
    (tmp_path / "seeds").mkdir(exist_ok=True)
    (tmp_path / "seeds" / "seed.txt").write_text("网办率", encoding="utf-8")
    path.write_text(TARGETS + yaml.safe_dump(feeds, allow_unicode=True), encoding="utf-8")
    return load_catalogue(path)


def test_file_feed_data_older_than_max_age_is_no_data_with_the_reason(tmp_path):
    drop = tmp_path / "drop"
    drop.mkdir()
    (drop / "may.csv").write_text("rate\n95\n", encoding="utf-8")
    old = (NOW - timedelta(days=10)).timestamp()
    os.utime(drop / "may.csv", (old, old))
    cat = catalogue(tmp_path, drop)
    result = collect_once(cat.feeds["drop"])
    assert result.ok and result.values[0].value == 95
    data = MeasureData(values=tuple(result.values))
    commitment = cat.commitments["doc2024.online"]
    calendar = WorkCalendar.from_spec(cat.calendar)
    stale = evaluate(commitment, data, NOW, calendar)
    assert stale.status == "no_data" and "max_age" in stale.reason
    fresh = evaluate(commitment, data, NOW - timedelta(days=9), calendar)
    assert fresh.status == "met"
