"""`monitor evaluate` on a drop folder of case events: one series, read by a 工作日 promise and a 日
promise, each leaving out the suspended time in its own unit (国庆 2024 in the middle)."""

from __future__ import annotations

import json
import os
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from tests.test_evaluate_cli import run_evaluate, write_seed

EVENTS = """办件编号,环节名称,发生时间
X-1,收件受理,2024-09-27 10:00
X-1,挂起,2024-09-30 10:00
X-1,解挂,2024-10-08 10:00
X-1,办结,2024-10-10 10:00
Y-2,收件受理,2024-10-14 10:00
Y-2,挂起,2024-10-15 10:00
"""

CATALOGUE = """\
version: 1
documents:
  - id: plan
    source: seed.txt
    title: 某区2024年优化营商环境实施方案
    jurisdiction: 某市某区
    issuer: 某区人民政府
    period: {{start: 2024-01-01, end: 2024-12-31}}
agencies:
  - {{id: plan.bureau, name: 区行政审批局}}
feeds:
  - id: drop
    kind: file
    path: {folder}
    max_age: 400d
    series:
      - name: licences
        type: cases
        id_field: 办件编号
        events:
          kind: 环节名称
          time: 发生时间
          words: {{收件受理: 受理, 挂起: 特别程序开始, 解挂: 特别程序结束, 办结: 审批结果}}
commitments:
  - id: plan.licence_days
    document: plan
    clause: 一、1
    quote: 受理之日起5个工作日内办结
    measured: {{zh: 许可办理时间}}
    kind: case_duration
    op: "<="
    value: 5
    unit: 个工作日
    agency: plan.bureau
    measure: {{feed: drop, series: licences}}
  - id: plan.licence_calendar_days
    document: plan
    clause: 一、2
    quote: 自受理之日起10日内作出决定
    measured: {{zh: 许可决定时间}}
    kind: case_duration
    op: "<="
    value: 10
    unit: 日
    agency: plan.bureau
    measure: {{feed: drop, series: licences}}
"""


def test_one_events_series_serves_a_working_day_and_a_calendar_day_promise(tmp_path: Path) -> None:
    folder = tmp_path / "drop"
    folder.mkdir()
    events = folder / "licences.csv"
    events.write_text(EVENTS, encoding="utf-8")
    written = datetime(2024, 10, 30, 12, tzinfo=ZoneInfo("Asia/Shanghai")).timestamp()
    os.utime(events, (written, written))
    config = tmp_path / "targets.yaml"
    config.write_text(CATALOGUE.format(folder=folder), encoding="utf-8")
    write_seed(config)
    done = run_evaluate(config, "--at", "2024-10-31T12:00:00+08:00", "--json")
    assert done.returncode == 0, done.stderr
    verdicts = {v["commitment"]: v for v in json.loads(done.stdout)}
    # 5 working days after Sep 27 to Oct 10 (Sep 29 is a 调休 working day), 1 of them suspended;
    # Y-2 has been suspended since Oct 15: 13 working days open, 12 suspended, not late
    working = verdicts["plan.licence_days"]
    assert (working["status"], working["actual"], working["overdue_open"]) == ("met", 100, 0), working["reason"]
    assert (working["paused_cases"], working["paused_total"]) == (1, 1)
    # X-1 again: 13 calendar days, 8 of them suspended
    calendar = verdicts["plan.licence_calendar_days"]
    assert (calendar["status"], calendar["paused_cases"], calendar["paused_total"]) == ("met", 1, 8), calendar["reason"]
    assert events.exists()          # read-only: the file stays where it was
