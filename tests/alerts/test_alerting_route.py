"""`alerting.route`: one path tells an agency about a commitment, whatever the configuration.

Three paths could: the daemon's own e-mail, the daemon forwarding to Alertmanager, and the
Prometheus rules `monitor rules` generates. Every configuration of targets.yaml is tried: each is
either rejected, saying why, or leaves exactly one path to the agencies.
"""

from __future__ import annotations

import dataclasses
import itertools
import json

import pytest
from pydantic import ValidationError
from sqlmodel import Session, select

from alerts.pipeline import AlertPipeline
from alerts.tables import Notification
from monitor import names
from monitor.generators import rules
from monitor.loader import ConfigError, load_catalogue
from monitor.spec.alerting import ROUTES, AlertingSpec
from tests.alerts.alert_helpers import FIRMS, FIXTURES, SETUP, T0, Cycle, load_fixture_catalogue

AGENCY = "market@town.agencies.example"
RECEIVERS = {"none": [], "one": [{"url": "http://alertmanager.test:9093"}]}
HOOKS = {"none": [], "one": [{"id": "chat", "url": "http://chat.test/hook"}]}
CONFIGURATIONS = list(itertools.product(ROUTES, RECEIVERS, HOOKS))


def spec_of(route: str, receivers: str, hooks: str) -> AlertingSpec:
    base = load_fixture_catalogue().alerting.model_dump(by_alias=True)
    return AlertingSpec.model_validate({**base, "route": route, "alertmanager": RECEIVERS[receivers],
                                        "webhooks": HOOKS[hooks]})


def paths_to_the_agency(engine, store, settings, spec: AlertingSpec) -> dict[str, int]:
    """How many times the agency hears of one missed commitment, by path, within one cycle and group wait."""
    catalogue = dataclasses.replace(load_fixture_catalogue(), alerting=spec)
    pipeline = AlertPipeline(engine, settings)
    Cycle(store, pipeline, catalogue)(T0, (SETUP, "missed", 2.5), (FIRMS, "at_risk", 500))
    pipeline.flush(T0)
    with Session(engine) as session:
        rows = session.exec(select(Notification)).all()
    forwarded = [a for n in rows if n.channel == "alertmanager" for a in json.loads(n.payload)
                 if a["labels"]["alertname"] in names.AGENCY_ALERTS and a["labels"]["agency"] == "town.market"]
    generated = [r for g in rules.build_rules(catalogue)["groups"] for r in g["rules"]
                 if r["alert"] in names.AGENCY_ALERTS]
    return {"daemon e-mail": sum(1 for n in rows if n.channel == "email" and AGENCY in n.to_addrs),
            "daemon forwards to Alertmanager": len(forwarded),
            "Prometheus rules": len(generated)}


@pytest.mark.parametrize(("route", "receivers", "hooks"), CONFIGURATIONS)
def test_no_configuration_tells_an_agency_twice(route, receivers, hooks, engine, store, settings):
    try:
        spec = spec_of(route, receivers, hooks)
    except ValidationError as exc:
        assert "route" in str(exc)    # a rejected configuration says which route to set
        return
    paths = {path: n for path, n in paths_to_the_agency(engine, store, settings, spec).items() if n}
    assert len(paths) == 1, paths
    expected = {"daemon": "daemon e-mail", "alertmanager": "daemon forwards to Alertmanager",
                "prometheus": "Prometheus rules"}[route]
    assert list(paths) == [expected]


def test_the_accepted_configurations_cover_every_route():
    accepted = set()
    for configuration in CONFIGURATIONS:
        try:
            spec_of(*configuration)
        except ValidationError:
            continue
        accepted.add(configuration[0])
    assert accepted == set(ROUTES)


def test_the_default_route_is_the_daemon_and_the_shipped_rules_hold_no_agency_alerts(shipped_catalogue):
    assert AlertingSpec().route == "daemon" == shipped_catalogue.alerting.route
    generated = rules.build_rules(shipped_catalogue)
    assert not [r for g in generated["groups"] for r in g["rules"] if r["alert"].startswith("Commitment")]
    assert any(r["alert"] == "MonitorDown" for g in generated["groups"] for r in g["rules"])


def test_alertmanager_receivers_under_the_daemon_route_are_a_located_error(tmp_path):
    text = (FIXTURES / "targets.yaml").read_text(encoding="utf-8").replace(
        "  repeat_interval: 1d\n", "  repeat_interval: 1d\n  alertmanager: [{url: 'http://am.test:9093'}]\n", 1)
    path = tmp_path / "targets.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_catalogue(path, seeds_dirs=[FIXTURES])
    [problem] = caught.value.problems
    assert problem.path == "alerting" and "tell them twice" in problem.message and problem.line > 1
