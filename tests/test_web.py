"""The HTTP listener: admin auth, bounded connections, half-open and dripping clients dropped,
every request answered, concurrent scrapes sharing one rendering; and uvicorn still offering what
web_bounds' protocol subclass builds on."""

from __future__ import annotations

import asyncio
import contextlib
import socket
import threading
import time
from collections.abc import Callable
from typing import Any
from unittest.mock import Mock

import httpx
import uvicorn
from prometheus_client import CollectorRegistry, Counter
from uvicorn.protocols.http.h11_impl import H11Protocol
from uvicorn.server import ServerState

from monitor.service.web import WebServer
from monitor.service.web_bounds import SharedCall, timed_protocol
from tests.needs import missing


class Backend:
    def __init__(self):
        self.registry = CollectorRegistry()
        Counter("probe", "a counter", registry=self.registry).inc()
        self.reloads = 0
        self.fail_status = False

    def health(self):
        return True, {"status": "ok"}

    def status(self, commitment):
        if self.fail_status:
            raise RuntimeError("database down")
        return {"commitments": []}

    async def reload(self):
        self.reloads += 1
        return True, []


@contextlib.contextmanager
def serving(backend: Backend, host: str = "127.0.0.1", **options):
    """The real WebServer (uvicorn) on its own event loop in a thread, as the daemon runs it."""
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()
    web = WebServer(backend, host, 0, **options)  # type: ignore[arg-type]   # a stub: what these endpoints call
    server = asyncio.run_coroutine_threadsafe(web.start(), loop).result(10)
    try:
        yield server, server.address[1]
    finally:
        asyncio.run_coroutine_threadsafe(server.stop(), loop).result(15)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(5)
        loop.close()


def test_without_a_token_admin_endpoints_are_closed_even_to_loopback_callers():
    backend, rejected = Backend(), list[str]()
    with serving(backend, on_rejected=rejected.append) as (_, port):
        reply = httpx.post(f"http://127.0.0.1:{port}/-/reload", timeout=10)
        assert reply.status_code == 403 and "SIGHUP" in reply.json()["error"]
        assert backend.reloads == 0 and rejected == ["forbidden"]


def test_reload_from_another_host_is_forbidden_without_a_token():
    address, backend, rejected = _non_loopback_address(), Backend(), list[str]()
    with serving(backend, "0.0.0.0", on_rejected=rejected.append) as (_, port):
        reply = httpx.post(f"http://{address}:{port}/-/reload", timeout=10)
        assert reply.status_code == 403 and "no admin token" in reply.json()["error"]
        assert backend.reloads == 0 and rejected == ["forbidden"]
        assert httpx.get(f"http://{address}:{port}/healthz", timeout=10).status_code == 200   # reads stay open


def test_with_a_token_set_every_caller_needs_it():
    backend, rejected = Backend(), list[str]()
    with serving(backend, admin_token="s3cret", on_rejected=rejected.append) as (_, port):
        url = f"http://127.0.0.1:{port}/-/reload"
        assert httpx.post(url, timeout=10).status_code == 401
        assert httpx.post(url, headers={"Authorization": "Bearer wrong"}, timeout=10).status_code == 401
        assert backend.reloads == 0 and rejected == ["unauthorized", "unauthorized"]
        assert httpx.post(url, headers={"Authorization": "Bearer s3cret"}, timeout=10).status_code == 200
        assert backend.reloads == 1


def test_a_half_open_client_is_dropped_and_the_listener_keeps_answering():
    with serving(Backend(), request_timeout=0.5) as (_, port):
        silent = socket.create_connection(("127.0.0.1", port))   # connects, never sends a request
        try:
            silent.settimeout(10)
            assert silent.recv(1) == b""                           # the server hung up on it
            assert httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=10).status_code == 200
        finally:
            silent.close()


def dripped_until_dropped(drip: socket.socket) -> bool:
    """Send a request's headers one line every 0.1 s, never the blank line that ends them: whether
    the server hangs up (within 5 s of the last line)."""
    drip.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n")
    for i in range(50):
        try:
            drip.sendall(b"X-Slow-%d: 1\r\n" % i)
        except OSError:
            return True
        time.sleep(0.1)
    drip.settimeout(5)
    try:
        while drip.recv(4096):   # what is left of an earlier response, then the end
            pass
    except TimeoutError:
        return False   # still open 5 s after the last line
    except OSError:
        return True    # reset
    return True


def test_a_client_dripping_its_headers_is_dropped():
    with serving(Backend(), request_timeout=0.5) as (_, port):
        with socket.create_connection(("127.0.0.1", port)) as drip:
            assert dripped_until_dropped(drip)


def test_a_kept_alive_client_dripping_its_next_request_is_dropped():
    """The deadline starts again after each response (uvicorn's keep-alive timer stops at the
    next request's first byte)."""
    with serving(Backend(), request_timeout=0.5) as (_, port):
        with socket.create_connection(("127.0.0.1", port)) as client:
            client.settimeout(5)
            client.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
            assert client.recv(4096).startswith(b"HTTP/1.1 200")
            assert dripped_until_dropped(client)


async def _answer_ok(scope: dict, receive: Callable, send: Callable) -> None:
    await send({"type": "http.response.start", "status": 200, "headers": []})
    await send({"type": "http.response.body", "body": b"ok"})


def test_uvicorn_h11_protocol_still_has_what_web_bounds_builds_on():
    """web_bounds.timed_protocol subclasses uvicorn's private H11Protocol: an upgrade that renames
    what the subclass overrides or reads fails here, with what changed, and not in production."""
    upgrade = (f"uvicorn {uvicorn.__version__} changed its private H11Protocol, which web_bounds.timed_protocol "
               "subclasses (adapt it, then the uvicorn bound in pyproject.toml):")
    gone = [name for name in ("connection_made", "on_response_complete") if name not in vars(H11Protocol)]
    assert not gone, f"{upgrade} it no longer defines {gone}, which the subclass overrides"
    loop = asyncio.new_event_loop()
    try:
        transport = Mock(spec=asyncio.Transport, **{"get_extra_info.return_value": None,
                                                    "is_closing.return_value": False})
        protocol: Any = timed_protocol(60)(uvicorn.Config(_answer_ok, log_config=None), ServerState(), {}, _loop=loop)
        protocol.connection_made(transport)
        unread = [name for name in ("loop", "transport", "cycle") if not hasattr(protocol, name)]
        assert not unread, f"{upgrade} a connection no longer has {unread}, which the subclass reads"
        protocol.data_received(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")

        async def answered() -> None:
            while not protocol.answered:
                await asyncio.sleep(0.01)

        with contextlib.suppress(TimeoutError):
            loop.run_until_complete(asyncio.wait_for(answered(), 5))
        assert protocol.answered == 1, f"{upgrade} on_response_complete is no longer called after a response"
        assert getattr(protocol.cycle, "response_complete", None) is True, \
            f"{upgrade} a request's cycle no longer says response_complete once answered"
        protocol._drop_if_idle(protocol.answered)   # its deadline, come with no new request
        transport.close.assert_called_once()
    finally:
        loop.close()


def until(condition: Callable[[], bool], timeout: float = 10) -> bool:
    """Poll `condition` until it holds or `timeout` seconds pass; whether it held."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.005)
    return True


def held_connections(server: WebServer) -> int:
    """The connections uvicorn counts against its limit (the set limit_concurrency is checked on)."""
    return len(server._server.server_state.connections)


def test_connections_beyond_the_limit_get_503_at_once():
    with serving(Backend(), connection_limit=2, request_timeout=30) as (server, port):
        holders = [socket.create_connection(("127.0.0.1", port)) for _ in range(2)]
        try:
            assert until(lambda: held_connections(server) == 2), "the listener never accepted both holders"
            assert httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=5).status_code == 503
        finally:
            for holder in holders:
                holder.close()


def test_a_failing_handler_still_answers():
    backend = Backend()
    backend.fail_status = True
    with serving(backend) as (_, port):
        assert httpx.get(f"http://127.0.0.1:{port}/status", timeout=10).status_code == 500


class WaitCounter(threading.Condition):
    """A condition that sets `all_waiting` once `expected` threads wait on it."""

    def __init__(self, expected: int):
        super().__init__()
        self.expected, self.waiting = expected, 0
        self.all_waiting = threading.Event()

    def wait(self, timeout: float | None = None) -> bool:
        self.waiting += 1       # under the condition's lock: counted before it is released
        if self.waiting >= self.expected:
            self.all_waiting.set()
        return super().wait(timeout)


def test_concurrent_callers_share_one_run():
    runs, started, release = [], threading.Event(), threading.Event()

    def work():
        runs.append(1)
        started.set()
        release.wait(5)
        return len(runs)

    shared = SharedCall(work)
    waiting = WaitCounter(20)
    shared._cond = waiting   # counts the callers that wait for the running call
    results: list[int] = []
    first = threading.Thread(target=lambda: results.append(shared()))
    first.start()
    started.wait(5)
    others = [threading.Thread(target=lambda: results.append(shared())) for _ in range(20)]
    for thread in others:
        thread.start()
    assert waiting.all_waiting.wait(10), "the 20 callers never all waited for the first run"
    release.set()
    for thread in [first, *others]:
        thread.join(5)
    assert len(runs) == 1 and results == [1] * 21
    assert shared() == 2   # a caller after the run gets a fresh one


def _non_loopback_address() -> str:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        try:
            probe.connect(("192.0.2.1", 9))   # no packet is sent; this only picks the outgoing interface
            address = probe.getsockname()[0]
        except OSError:
            address = "127.0.0.1"
    if address.startswith("127."):
        missing("this machine has no non-loopback IPv4 address")
    return address
