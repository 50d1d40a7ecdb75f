"""Read a dashboard through Grafana's own model (grafana-foundation-sdk) and say what it would lose.

The SDK's types are generated from Grafana's dashboard schema. A dashboard decoded into them and
encoded again keeps every field Grafana knows and drops the rest; a field that comes back missing
or different is one Grafana would drop or read otherwise. Fields the model adds are its defaults.
"""

from __future__ import annotations

import json
from typing import Any

from grafana_foundation_sdk.cog.encoder import JSONEncoder
from grafana_foundation_sdk.cog.plugins import register_default_plugins
from grafana_foundation_sdk.models.dashboard import Dashboard

register_default_plugins()   # panel options and field config decoded per panel type (stat, table, …)


def round_trip(dashboard: dict[str, Any]) -> dict[str, Any]:
    return json.loads(json.dumps(Dashboard.from_json(dashboard), cls=JSONEncoder))


def lost(original: Any, back: Any, path: str = "") -> list[str]:
    """Where `back` lacks or changes what `original` says (additions are ignored)."""
    if isinstance(original, dict) and isinstance(back, dict):
        problems = []
        for key, value in original.items():
            if key not in back:
                problems.append(f"{path}.{key}: dropped")
            else:
                problems += lost(value, back[key], f"{path}.{key}")
        return problems
    if isinstance(original, list) and isinstance(back, list):
        if len(original) != len(back):
            return [f"{path}: {len(original)} items became {len(back)}"]
        return [p for i, (a, b) in enumerate(zip(original, back)) for p in lost(a, b, f"{path}[{i}]")]
    return [] if original == back else [f"{path}: {original!r} read as {back!r}"]


def problems(dashboard: dict[str, Any]) -> list[str]:
    return lost(dashboard, round_trip(dashboard))
