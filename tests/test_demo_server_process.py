"""`monitor demo-server`: the demo feed as its own process, serving the catalogue's series."""

from __future__ import annotations

import json
import subprocess
import sys
import urllib.request


def test_demo_server_serves_a_series_for_every_evaluated_commitment(repo_root, shipped_catalogue):
    server = subprocess.Popen([sys.executable, "-m", "monitor", "demo-server", "--listen", "127.0.0.1:0",
                               "--config", str(repo_root / "targets.yaml")], stdout=subprocess.PIPE, text=True,
                              cwd=repo_root)
    assert server.stdout is not None
    try:
        line = server.stdout.readline()
        assert line.startswith("demo feed serving http://127.0.0.1:"), line
        missing = []
        for feed in shipped_catalogue.feeds:   # one feed's commitments at a time: ?feed=ID
            with urllib.request.urlopen(f"{line.split()[-1]}?feed={feed}", timeout=30) as response:
                text = json.dumps(json.loads(response.read()), ensure_ascii=False)
            missing += [c.id for c in shipped_catalogue.evaluated_commitments(feed) if c.measure.series not in text]
        assert not missing
    finally:
        server.terminate()
        assert server.wait(30) == 0
        server.stdout.close()


def test_each_demo_feed_gets_only_its_own_commitments_series(shipped_catalogue):
    from dataclasses import replace

    from monitor.calendar import WorkCalendar
    from monitor.service.demo.server import DemoServer
    first = shipped_catalogue.evaluated_commitments()[0]
    moved = replace(first, measure=replace(first.measure, feed="demo_2"))
    catalogue = replace(shipped_catalogue, commitments={**shipped_catalogue.commitments, first.id: moved})
    calendar = WorkCalendar.from_spec(catalogue.calendar)
    server = DemoServer(lambda: catalogue, lambda: calendar, 42).start()
    try:
        def series(query: str) -> set[str]:
            with urllib.request.urlopen(server.url + query, timeout=30) as response:
                return {s["name"] for s in json.loads(response.read())["series"]}
        assert series("?feed=demo_2") == {first.measure.series}
        assert first.measure.series not in series("") and series("") == series("?feed=demo")
    finally:
        server.stop()
