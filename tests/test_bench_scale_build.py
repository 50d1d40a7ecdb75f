"""bench/bench_scale.py --catalogue copies: the catalogue it builds is one `monitor validate` accepts,
with K times the shipped commitments, every id unique and every feed's interval the one asked for."""

from __future__ import annotations

import importlib.util
import re
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import yaml

ROOT = Path(__file__).resolve().parents[1]
COPIES = 2


def _bench_scale() -> ModuleType:
    spec = importlib.util.spec_from_file_location("bench_scale", ROOT / "bench" / "bench_scale.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _ids(folder: Path, key: str) -> list[str]:
    return [item["id"] for path in sorted((folder / "targets.d").glob("*.yaml"))
            for item in yaml.safe_load(path.read_text(encoding="utf-8"))[key]]


def test_copies_catalogue_validates_with_k_times_the_shipped_commitments(tmp_path: Path) -> None:
    total, evaluated = _bench_scale().build_copies(tmp_path, COPIES, "30s")

    validated = subprocess.run([str(Path(sys.executable).parent / "monitor"), "validate", "targets.yaml"],
                               cwd=tmp_path, capture_output=True, text=True, timeout=300)
    assert validated.returncode == 0, validated.stdout + validated.stderr

    shipped_yaml = yaml.safe_load((ROOT / "targets.yaml").read_text(encoding="utf-8"))
    commitment_ids, document_ids = _ids(tmp_path, "commitments"), _ids(tmp_path, "documents")
    assert total == len(commitment_ids) == COPIES * len(shipped_yaml["commitments"])
    assert len(set(commitment_ids)) == len(commitment_ids)
    assert len(set(document_ids)) == len(document_ids) == COPIES * len(shipped_yaml["documents"])
    assert any(i.endswith("_c1") for i in document_ids)

    # what the daemon loads: every copied commitment, and the bench waits for as many verdicts as it evaluates
    loaded = re.search(r"(\d+) feeds, (\d+) commitments \((\d+) evaluated", validated.stdout)
    assert loaded, validated.stdout
    assert (int(loaded[1]), int(loaded[2]), int(loaded[3])) == (len(shipped_yaml["feeds"]), total, evaluated)

    feeds = yaml.safe_load((tmp_path / "targets.yaml").read_text(encoding="utf-8"))["feeds"]
    assert [f["id"] for f in feeds] == [f["id"] for f in shipped_yaml["feeds"]]   # shared by every copy
    assert {f["schedule"]["interval"] for f in feeds} == {"30s"}
