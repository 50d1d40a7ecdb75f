"""The `alerting:` section of targets.yaml: defaults, durations, strict keys with positions."""

from __future__ import annotations

from datetime import timedelta

import pytest

from monitor.loader import ConfigError, load_catalogue
from monitor.spec.alerting import AlertingSpec
from tests.alerts.alert_helpers import FIXTURES


def test_defaults_follow_alertmanager_with_a_daily_repeat():
    spec = AlertingSpec()
    assert (spec.group_wait, spec.group_interval, spec.repeat_interval) == (
        timedelta(seconds=30), timedelta(minutes=5), timedelta(days=1))
    assert spec.operators.mode == "copy" and spec.for_evaluations == 1


def test_for_is_read_from_its_yaml_name():
    assert AlertingSpec.model_validate({"for": "10m"}).for_ == timedelta(minutes=10)


def test_misspelt_alerting_key_is_an_error_with_its_line(tmp_path):
    text = (FIXTURES / "targets.yaml").read_text(encoding="utf-8").replace("repeat_interval: 1d", "repeat_intervall: 1d")
    path = tmp_path / "targets.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_catalogue(path, seeds_dirs=[FIXTURES])
    [problem] = caught.value.problems
    assert problem.path == "alerting.repeat_intervall" and "unknown key" in problem.message
    assert text.splitlines()[problem.line - 1].strip().startswith("repeat_intervall")


def test_maintenance_window_with_unknown_time_zone_is_rejected():
    with pytest.raises(ValueError, match="unknown time zone"):
        AlertingSpec.model_validate({"maintenance": [{"name": "x", "timezone": "Mars/Olympus"}]})


def test_catalogue_carries_the_alerting_section():
    catalogue = load_catalogue(FIXTURES / "targets.yaml", seeds_dirs=[FIXTURES])
    assert catalogue.alerting.operators.emails == ["ops@monitor.example"]
