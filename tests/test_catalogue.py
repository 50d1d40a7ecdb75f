"""The shipped catalogue: quotes exact, ids unique, every number of every seed accounted for."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from collections import Counter
from datetime import UTC, datetime

import pytest

from collectors.records import build_case_records
from monitor.calendar import WorkCalendar
from monitor.comparators import compare
from monitor.evaluate import evaluate
from monitor.observations import MeasureData, ValuePoint
from monitor.service.demo.generate import demo_payload, intended_outcomes, possible_outcomes
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


def demo_verdicts(catalogue, now, seed=42):
    """The real demo payload at `now`, read as the demo collector reads it, through the real evaluator:
    (commitment, evaluation, intended outcome) for every evaluated commitment."""
    calendar = WorkCalendar.from_spec(catalogue.calendar)
    payload = demo_payload(catalogue, now, calendar, seed=seed)
    intents = intended_outcomes(catalogue, now, calendar, seed=seed)
    by_name = {s["name"]: s for s in payload["series"]}
    out = []
    for c in catalogue.evaluated_commitments():
        series = by_name[c.measure.series]
        assert series["intent"] == intents[c.id]
        if series["type"] == "cases":
            records, rejected = build_case_records(
                series["name"], datetime.fromisoformat(series["data_time"]),
                [r["submitted"] for r in series["records"]], [r["completed"] for r in series["records"]],
                calendar.timezone)
            assert not rejected, c.id
            data = MeasureData(cases=records)
        else:
            data = MeasureData(values=tuple(ValuePoint(series["name"], datetime.fromisoformat(p["time"]), p["value"])
                                            for p in series["points"]))
        out.append((c, evaluate(c, data, now, calendar), intents[c.id]))
    return out


DEMO_INSTANTS = {
    "2026-11 (every dated target settled)": datetime(2026, 11, 20, 6, 0, tzinfo=UTC),
    "2023-06 (xihaian and jiading mid-year)": datetime(2023, 6, 15, 4, 0, tzinfo=UTC),
    "2021-09 (yuzhong mid-year)": datetime(2021, 9, 1, 2, 0, tzinfo=UTC),
    "2027-03 (a year with no published holiday notice)": datetime(2027, 3, 15, 2, 0, tzinfo=UTC),
}


@pytest.mark.parametrize("now", DEMO_INSTANTS.values(), ids=DEMO_INSTANTS.keys())
def test_every_commitment_lands_on_its_intended_demo_verdict(shipped_on_demo, now):
    wrong = [f"{c.id}: intended {intent}, got {e.status} ({e.reason})"
             for c, e, intent in demo_verdicts(shipped_on_demo, now) if e.status != intent]
    assert not wrong, f"{len(wrong)} commitments off their intended verdict:\n" + "\n".join(wrong)


@pytest.mark.parametrize("now", DEMO_INSTANTS.values(), ids=DEMO_INSTANTS.keys())
def test_demo_shows_no_at_risk_for_a_kept_or_settled_target(shipped_on_demo, now):
    calendar = WorkCalendar.from_spec(shipped_on_demo.calendar)
    today = calendar.local(now).date()
    for c, e, _ in demo_verdicts(shipped_on_demo, now):
        assert e.actual is not None and e.reason, c.id
        if c.deadline is not None and today > c.deadline:
            assert e.status in ("met", "missed") and e.settled_on == c.deadline, (c.id, e.status, e.reason)
        if e.status == "at_risk":
            assert c.deadline is not None and today <= c.deadline, (c.id, e.reason)
            kept = compare(e.op, e.actual, e.target, e.target_max)
            assert not kept or c.measure.warn_margin is not None, (c.id, e.reason)
            if c.kind == "cumulative":
                assert e.actual < e.expected, (c.id, e.reason)


def test_demo_intents_mix_every_status_and_only_possible_ones(shipped_on_demo):
    calendar = WorkCalendar.from_spec(shipped_on_demo.calendar)
    mixes = {}
    for label, now in DEMO_INSTANTS.items():
        intents = intended_outcomes(shipped_on_demo, now, calendar, seed=42)
        for c in shipped_on_demo.evaluated_commitments():
            assert intents[c.id] in possible_outcomes(c, now, calendar), c.id
        mixes[label] = Counter(intents.values())
    settled_year = mixes["2026-11 (every dated target settled)"]
    assert settled_year["at_risk"] == 0 and settled_year["met"] >= 10 and settled_year["missed"] >= 10, settled_year
    mid_year = mixes["2023-06 (xihaian and jiading mid-year)"]
    assert min(mid_year[s] for s in ("met", "at_risk", "missed")) >= 10, mid_year


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
