"""A feed kind is two things side by side: a spec class (monitor/spec/feeds.py) and a collector."""

from __future__ import annotations

from collectors.registry import COLLECTORS, close_all, collector_for
from collectors.sql import SqlCollector
from monitor.spec.feeds import FEED_SPECS, kind_of


def test_every_feed_kind_the_schema_accepts_has_exactly_one_collector_and_no_collector_is_orphaned():
    spec_kinds = sorted(kind_of(spec) for spec in FEED_SPECS)
    collector_kinds = sorted(c.kind for c in COLLECTORS)
    assert collector_kinds == spec_kinds, (
        "a feed kind needs its spec class in monitor.spec.feeds.FEED_SPECS and its collector in "
        "collectors.registry.COLLECTORS")


def test_every_collector_is_found_by_its_kind():
    for collector in COLLECTORS:
        assert collector_for(collector.kind) is collector


def test_closing_the_collectors_releases_the_sql_pools_and_leaves_them_usable(tmp_path):
    sql = collector_for("sql")
    assert isinstance(sql, SqlCollector)
    url = f"sqlite:///{tmp_path / 'feed.db'}"
    first = sql.engines.get(url)
    assert sql.engines.get(url) is first           # one pool per URL between fetches
    close_all()
    assert sql.engines.get(url) is not first       # a fresh pool after release
    close_all()
