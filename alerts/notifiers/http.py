"""JSON POSTs for webhooks and Alertmanager, with failures sorted into transient and permanent."""

from __future__ import annotations

import json
import os

import httpx

from alerts.notifiers import DeliveryError


def target_of(url: str, headers_env: dict[str, str] | None = None, timeout: float = 10.0) -> str:
    """What a webhook/Alertmanager notification stores as its target: the URL and the names of secrets."""
    return json.dumps({"url": url, "headers_env": headers_env or {}, "timeout": timeout}, sort_keys=True)


async def post_json(client: httpx.AsyncClient, target: str, payload: str) -> None:
    spec = json.loads(target)
    headers = {"Content-Type": "application/json"}
    for header, variable in spec.get("headers_env", {}).items():
        value = os.environ.get(variable)
        if value is None:
            raise DeliveryError(f"environment variable {variable} for header {header} is not set", transient=True)
        headers[header] = value
    url = spec["url"]
    try:
        response = await client.post(url, content=payload.encode("utf-8"), headers=headers,
                                     timeout=spec.get("timeout", 10.0))
    except httpx.TransportError as exc:
        raise DeliveryError(f"POST {url}: {type(exc).__name__}: {exc}", transient=True) from exc
    if response.is_success:
        return
    transient = response.status_code >= 500 or response.status_code in (408, 425, 429)
    raise DeliveryError(f"POST {url}: HTTP {response.status_code}: {response.text[:200]}", transient=transient)
