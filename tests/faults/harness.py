"""What the fault suite shares: a small catalogue of HTTP feeds, the real daemon, /metrics samples,
and the rule that a missing server skips locally but fails under CI=true."""

from __future__ import annotations

from pathlib import Path
from typing import NoReturn

from prometheus_client.parser import text_string_to_metric_families

from tests.integration.daemon_process import DaemonProcess
from tests.needs import missing

DOCUMENT = "town2024"
QUOTE = "网上可办率达到90%以上"


def unavailable(reason: str) -> NoReturn:
    """Skip locally; under CI a missing server or privilege is a failure, not a silent skip."""
    missing(f"required for the fault suite: {reason}")


def feed_yaml(name: str, url: str, *, interval: str = "1s", extra: str = "", series: str | None = None) -> str:
    series = series or "      - {name: rate, type: share, path: stats.online_rate}\n"
    return (f"  - id: {name}\n    kind: http_json\n    url: {url}\n    schedule: {{interval: {interval}}}\n"
            f"{extra}    series:\n{series}")


def commitment_yaml(commitment: str, feed: str, clause: int) -> str:
    """A share commitment (>= 90 %) on `feed`'s series `rate`."""
    return (f"  - id: {DOCUMENT}.{commitment}\n    document: {DOCUMENT}\n    clause: \"（一）{clause}.\"\n"
            f"    quote: \"{QUOTE}\"\n    measured: {{zh: 网上可办率, en: online share}}\n    kind: share\n"
            f"    op: \">=\"\n    value: 90\n    unit: \"%\"\n    agency: {DOCUMENT}.gov\n"
            f"    measure: {{feed: {feed}, series: rate}}\n")


def catalogue_yaml(feeds: list[str], *, agency_emails: str = "[gov@town.agencies.example]",
                   extra_commitments: str = "") -> str:
    """A catalogue with one commitment on each feed's series `rate` (named like the feed)."""
    names = [text.split("\n", 1)[0].removeprefix("  - id: ") for text in feeds]
    commitments = "".join(commitment_yaml(name, name, i) for i, name in enumerate(names, start=1)) + extra_commitments
    return ("version: 1\n"
            f"documents:\n  - id: {DOCUMENT}\n    source: seed.txt\n    title: 某区方案\n    jurisdiction: 某区\n"
            "    issuer: 某区政府\n    issued: 2024-03-01\n    period: {start: 2024-01-01, end: 2030-12-31}\n"
            f"agencies:\n  - {{id: {DOCUMENT}.gov, name: 区政务服务中心, emails: {agency_emails}}}\n"
            f"feeds:\n{''.join(feeds)}commitments:\n{commitments}")


def write_targets(folder: Path, text: str) -> Path:
    (folder / "seeds").mkdir(exist_ok=True)
    (folder / "seeds" / "seed.txt").write_text(QUOTE, encoding="utf-8")
    path = folder / "targets.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def daemon_for(folder: Path, text: str, env: dict | None = None) -> DaemonProcess:
    return DaemonProcess(folder, targets=write_targets(folder, text), demo=False, env=env)


def samples(metrics_text: str, name: str) -> dict[tuple, float]:
    """Every sample of `name` as {sorted label items: value}."""
    found: dict[tuple, float] = {}
    for family in text_string_to_metric_families(metrics_text):
        for sample in family.samples:
            if sample.name == name:
                found[tuple(sorted(sample.labels.items()))] = sample.value
    return found


def sample(metrics_text: str, name: str, **labels: str) -> float | None:
    return samples(metrics_text, name).get(tuple(sorted(labels.items())))


def count(metrics_text: str, name: str, **labels: str) -> float:
    """A counter's value: 0 while it has no sample with these labels (nothing counted yet)."""
    return sample(metrics_text, name, **labels) or 0
