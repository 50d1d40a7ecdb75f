"""The fault suite replays, against the real daemon, real servers and real files, every attempt
that once broke it (issue 11). Each test names the attempt it replays."""

from __future__ import annotations

import pytest

from tests.collectors.feed_server import FeedServer


def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/faults/" in str(item.fspath):
            item.add_marker(pytest.mark.faults)


@pytest.fixture
def feeds():
    with FeedServer() as server:
        yield server
