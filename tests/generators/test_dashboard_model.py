"""The dashboards as Grafana reads them, and properties that hold for any catalogue and job name.

Every generated dashboard, and every checked-in file, passes through Grafana's dashboard model
(grafana_model.py) without losing a field. Property tests generate from random parts of the
shipped catalogue and random job names and check what must hold whatever the input.
"""

from __future__ import annotations

import copy
import dataclasses
import json
import re
import string
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from monitor import names
from monitor.generators import grafana, rules
from monitor.spec.alerting import ROUTES
from tests.generators import dashboard_queries
from tests.generators.grafana_model import problems

ROOT = Path(__file__).resolve().parents[2]
JOB_NAMES = st.text(alphabet=string.ascii_letters + string.digits + "-_.:/ ", min_size=1, max_size=40)
PROPERTY = settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


@pytest.mark.parametrize("path", sorted((ROOT / "grafana" / "dashboards").glob("*.json")), ids=lambda p: p.name)
def test_checked_in_dashboard_loses_nothing_in_grafanas_model(path):
    assert problems(json.loads(path.read_text(encoding="utf-8"))) == []


@pytest.mark.parametrize(("where", "field"), [("panel", "gridpos"), ("panel", "fieldconfig"),
                                              ("stat options", "colourMode"), ("dashboard", "templateing")])
def test_a_misspelt_field_is_caught(shipped_catalogue, where, field):
    """The check above can fail: a field Grafana does not know is reported, wherever it is."""
    dashboard = copy.deepcopy(grafana.build_dashboards(shipped_catalogue)["overview.json"])
    stat = next(p for p in dashboard_queries.iter_panels(dashboard) if p["type"] == "stat")
    {"panel": stat, "stat options": stat["options"], "dashboard": dashboard}[where][field] = 1
    assert any(f".{field}: dropped" in problem for problem in problems(dashboard))


def test_a_wrongly_typed_value_is_caught(shipped_catalogue):
    dashboard = copy.deepcopy(grafana.build_dashboards(shipped_catalogue)["overview.json"])
    dashboard["time"] = "now-6h"   # an object in Grafana's model
    try:
        found = problems(dashboard)
    except (AttributeError, TypeError, KeyError):
        return   # the model refuses it outright
    assert found


@st.composite
def catalogues(draw, shipped):
    """The shipped catalogue cut down to a random non-empty set of its documents."""
    chosen = draw(st.sets(st.sampled_from(sorted(shipped.documents)), min_size=1))
    return dataclasses.replace(
        shipped, documents={k: v for k, v in shipped.documents.items() if k in chosen},
        commitments={k: c for k, c in shipped.commitments.items() if c.document.id in chosen})


def test_generated_dashboards_hold_their_properties_for_any_catalogue_and_job(shipped_catalogue):
    @PROPERTY
    @given(catalogue=catalogues(shipped_catalogue), job=JOB_NAMES)
    def check(catalogue, job):
        dashboards = grafana.build_dashboards(catalogue, job)
        for name, dashboard in dashboards.items():
            assert problems(dashboard) == [], name
            panels = list(dashboard_queries.iter_panels(dashboard))
            assert len({p["id"] for p in panels}) == len(panels), name
            defined = {v["name"] for v in dashboard["templating"]["list"]}
            for _, expr in dashboard_queries.panel_queries(dashboard):
                assert set(re.findall(r"\$\{?([a-z]\w*)", expr)) <= defined | {"__range", "__rate_interval",
                                                                               "__interval"}, expr
        # one board per document that has evaluated commitments, and no other
        boards = {dashboard_queries.document_filter(expr)
                  for _, expr in dashboard_queries.panel_queries(dashboards["overview.json"]) if 'document="' in expr}
        assert boards == {c.document.id for c in catalogue.evaluated_commitments()}
        # the job: the variable's default, selected through $job, and no fixed name left anywhere
        feeds = dashboards["feeds-and-daemon.json"]
        job_variable = next(v for v in feeds["templating"]["list"] if v["name"] == "job")
        assert job_variable["current"]["value"] == job
        assert any('up{job="$job"}' in expr for _, expr in dashboard_queries.panel_queries(feeds))
        text = "".join(grafana.render(d) for d in dashboards.values())
        assert f'job=\\"{names.DEFAULT_JOB}\\"' not in text
    check()


def test_generated_rules_hold_their_properties_for_any_catalogue_and_job(shipped_catalogue):
    @PROPERTY
    @given(catalogue=catalogues(shipped_catalogue), job=JOB_NAMES, route=st.sampled_from(ROUTES))
    def check(catalogue, job, route):
        catalogue = dataclasses.replace(catalogue, alerting=catalogue.alerting.model_copy(update={"route": route}))
        generated = rules.build_rules(catalogue, job)
        groups = {g["name"]: g["rules"] for g in generated["groups"]}
        # commitment alerts only where Prometheus is the path to the agencies (alerting.route)
        documents = {c.document.id for c in catalogue.evaluated_commitments()} if route == "prometheus" else set()
        assert {n.removeprefix("commitments-") for n in groups if n.startswith("commitments-")} == documents
        down = [r["expr"] for g in groups.values() for r in g if r.get("alert") == "MonitorDown"]
        assert down == [f'up{{job="{job}"}} == 0']
        for document in documents:
            for rule in groups[f"commitments-{document}"]:
                assert f'document="{document}"' in rule["expr"] and rule["labels"]["severity"]
        assert rules.render(generated).startswith(rules.HEADER)
    check()
