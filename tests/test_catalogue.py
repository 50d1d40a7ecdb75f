"""The shipped catalogue: quotes exact, ids unique, every number of every seed accounted for."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from collections import Counter
from datetime import datetime, timezone

import pytest

from collectors.records import build_case_records
from monitor.calendar import WorkCalendar
from monitor.demo.generate import demo_payload
from monitor.evaluate import evaluate
from monitor.observations import MeasureData, ValuePoint
from monitor.textnum import find_numbers


def seed_text(repo_root, document) -> str:
    return (repo_root / "seeds" / document.source).read_text(encoding="utf-8-sig")


def spans_of(text: str, quote: str) -> list[tuple[int, int]]:
    return [(m.start(), m.start() + len(quote)) for m in re.finditer(re.escape(quote), text)]


def test_every_quote_is_an_exact_substring_of_its_seed(shipped_catalogue, repo_root):
    for c in shipped_catalogue.commitments.values():
        assert c.quote in seed_text(repo_root, c.document), c.id


def test_ids_are_unique_in_the_file(repo_root):
    ids = re.findall(r"^  - id: (\S+)", (repo_root / "targets.yaml").read_text(encoding="utf-8"), flags=re.M)
    duplicates = [i for i, n in Counter(ids).items() if n > 1]
    assert not duplicates


def test_every_document_has_commitments_and_every_evaluated_one_a_lead_agency(shipped_catalogue):
    per_document = Counter(c.document.id for c in shipped_catalogue.commitments.values())
    assert set(per_document) == set(shipped_catalogue.documents)
    assert all(c.agency is not None for c in shipped_catalogue.evaluated_commitments())


def test_every_number_in_every_seed_is_a_commitment_or_excluded_with_a_reason(shipped_catalogue, repo_root):
    """Completeness by construction: nothing in a plan is left out by accident."""
    patterns = [re.compile(e.pattern) for e in shipped_catalogue.excluded if e.pattern]
    missing: list[str] = []
    for document in shipped_catalogue.documents.values():
        text = seed_text(repo_root, document)
        covered: list[tuple[int, int]] = []
        for c in shipped_catalogue.commitments.values():
            if c.document.id == document.id:
                covered += spans_of(text, c.quote)
        for e in shipped_catalogue.excluded:
            if e.quote and e.document == document.id:
                covered += spans_of(text, e.quote)
        for pattern in patterns:
            covered += [m.span() for m in pattern.finditer(text)]
        for number in find_numbers(text):
            if not any(a <= number.start and number.end <= b for a, b in covered):
                context = text[max(0, number.start - 15):number.end + 15].replace("\n", " ")
                missing.append(f"{document.source}: {number.text!r} in …{context}…")
    assert not missing, f"{len(missing)} numbers neither committed nor excluded:\n" + "\n".join(missing)


def test_every_exclusion_says_why(shipped_catalogue):
    assert all(e.reason.strip() for e in shipped_catalogue.excluded)


def test_every_evaluated_commitment_evaluates_on_demo_data(shipped_catalogue):
    now = datetime(2026, 11, 20, 6, 0, tzinfo=timezone.utc)
    calendar = WorkCalendar.from_spec(shipped_catalogue.calendar)
    payload = demo_payload(shipped_catalogue, now, calendar, seed=42)
    by_name = {s["name"]: s for s in payload["series"]}
    statuses = Counter()
    for c in shipped_catalogue.evaluated_commitments():
        series = by_name[c.measure.series]
        if series["type"] == "cases":
            records, rejected = build_case_records(
                series["name"], now, [r["submitted"] for r in series["records"]],
                [r["completed"] for r in series["records"]], calendar.timezone)
            assert not rejected, c.id
            data = MeasureData(cases=records)
        else:
            data = MeasureData(values=tuple(ValuePoint(series["name"], datetime.fromisoformat(p["time"]), p["value"])
                                            for p in series["points"]))
        evaluation = evaluate(c, data, now, calendar)
        assert evaluation.status in ("met", "at_risk", "missed"), (c.id, evaluation.reason)
        assert evaluation.actual is not None and evaluation.reason
        statuses[evaluation.status] += 1
    assert min(statuses.values()) >= 10, statuses


def test_list_json_has_the_documented_fields(repo_root):
    run = subprocess.run([sys.executable, "-m", "monitor", "list", "--json"], capture_output=True, text=True,
                         cwd=repo_root, check=True)
    rows = json.loads(run.stdout)
    assert len(rows) >= 200
    required = {"id", "document", "clause", "quote", "kind", "op", "value", "value_max", "unit", "deadline",
                "agency", "monitorable"}
    assert all(required <= set(row) for row in rows)
    assert {row["op"] for row in rows} <= {"<=", "<", ">=", ">", "==", "range"}
    assert all(row["document"].endswith(".txt") for row in rows)


@pytest.mark.parametrize("quote_fragment, value, unit", [
    ("9个工作日", 9, "个工作日"),      # 渝中: water connection
    ("60%", 60, "%"),
])
def test_numbers_are_kept_in_the_unit_as_written(shipped_catalogue, quote_fragment, value, unit):
    matches = [c for c in shipped_catalogue.commitments.values()
               if quote_fragment in c.quote and c.value == value]
    assert matches and all(c.unit.replace("个", "") == unit.replace("个", "") for c in matches)
