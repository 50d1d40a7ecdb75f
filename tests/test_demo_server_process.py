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
    try:
        line = server.stdout.readline()
        assert line.startswith("demo feed serving http://127.0.0.1:"), line
        with urllib.request.urlopen(line.split()[-1], timeout=30) as response:
            payload = json.loads(response.read())
        text = json.dumps(payload, ensure_ascii=False)
        missing = [c.id for c in shipped_catalogue.evaluated_commitments() if c.measure.series not in text]
        assert not missing
    finally:
        server.terminate()
        assert server.wait(30) == 0
        server.stdout.close()
