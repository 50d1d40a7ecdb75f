"""`monitor health` (and `python -m monitor.service.health`, the container's HEALTHCHECK): ask the
running daemon's /healthz at the address the settings name (MONITOR_LISTEN), print its status and
exit 0 when it serves, 1 when it does not.

Unhealthy (1): no answer, an answer other than 200 (the store cannot take writes), or every feed the
daemon collects failing its last collection (it runs but watches nothing). A rejected reload is
`degraded` and still healthy (0): the previous catalogue keeps running, and restarting would load
the rejected file. Kept light (the settings and the standard library only) since it runs every
half minute beside the daemon.
"""

from __future__ import annotations

import argparse
import json
import sys
import urllib.error
import urllib.request
from typing import Any

from monitor.service.settings import Settings, split_address

TIMEOUT_SECONDS = 4.0
_ANY = {"0.0.0.0": "127.0.0.1", "": "127.0.0.1", "::": "::1"}


def health_url(listen: str) -> str:
    """/healthz of a daemon listening on `listen` (HOST:PORT), reached from the same host: a
    wildcard address is asked on loopback."""
    host, port = split_address(listen)
    host = _ANY.get(host, host)
    return f"http://{f'[{host}]' if ':' in host else host}:{port}/healthz"


def verdict(status_code: int, body: dict[str, Any]) -> tuple[bool, str]:
    """Healthy or not, and a line saying why, from an answer of /healthz."""
    status = body.get("status", "?")
    collected, failing = body.get("feeds_collected", 0), body.get("feeds_failing", 0)
    if status_code != 200:
        return False, f"{status}: HTTP {status_code}"
    if collected and failing >= collected:
        return False, f"{status}: every feed failing ({failing} of {collected}); see the daemon's log"
    if not body.get("last_reload_ok", True):
        return True, f"{status}: the last reload was rejected; the previous catalogue keeps running"
    return True, status


def check(listen: str, timeout: float = TIMEOUT_SECONDS) -> tuple[bool, str]:
    url = health_url(listen)
    try:
        with urllib.request.urlopen(url, timeout=timeout) as answer:
            code, text = answer.status, answer.read()
    except urllib.error.HTTPError as error:
        code, text = error.code, error.read()
    except (OSError, ValueError) as error:   # refused, timed out, unreachable
        return False, f"unreachable: {url}: {getattr(error, 'reason', error)}"
    try:
        body = json.loads(text)
    except ValueError:
        return False, f"not the monitor's /healthz at {url} (HTTP {code})"
    return verdict(code, body if isinstance(body, dict) else {})


def run_health(args: argparse.Namespace) -> int:
    healthy, line = check(args.listen or Settings().listen, args.timeout)
    print(line, file=sys.stdout if healthy else sys.stderr)
    return 0 if healthy else 1


def add_arguments(parser: argparse.ArgumentParser) -> argparse.ArgumentParser:
    parser.add_argument("--listen", help="HOST:PORT of the daemon (default: MONITOR_LISTEN)")
    parser.add_argument("--timeout", type=float, default=TIMEOUT_SECONDS, help="seconds to wait for the answer")
    parser.set_defaults(func=run_health)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = add_arguments(argparse.ArgumentParser(prog="monitor health", description=__doc__.split("\n\n")[0]))
    args = parser.parse_args(argv)
    status: int = args.func(args)
    return status


if __name__ == "__main__":
    raise SystemExit(main())
