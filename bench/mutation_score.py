"""The kill rate of the last `make mutate` as one JSON line, saved to bench/mutation-score.json for
`make bench` (bench/bench_mutation.py prints that file: a mutation run takes too long for bench).

Reads mutmut's counts (mutants/mutmut-cicd-stats.json, written by `mutmut export-cicd-stats`).
kill_rate = (killed + timeout) / checked, where checked is every mutant given a verdict; a mutant no
selected test reaches ("no_tests") counts as a survivor. `not_checked` > 0 means the run was partial
(a subset named with MUTANTS=..., or interrupted)."""

from __future__ import annotations

import json
import sys
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
STATS = ROOT / "mutants" / "mutmut-cicd-stats.json"
SAVED = ROOT / "bench" / "mutation-score.json"


def score(stats: dict[str, int], subset: str) -> dict[str, object]:
    killed = stats["killed"] + stats.get("timeout", 0)
    survived = stats["survived"] + stats.get("no_tests", 0) + stats.get("suspicious", 0)
    checked = killed + survived + stats.get("segfault", 0)
    return {"bench": "mutation", "files": "monitor/{evaluate,cases,calendar}.py collectors/records.py alerts/grouping.py",
            "subset": subset or "all", "killed": killed, "survived": survived, "checked": checked,
            "not_checked": stats["total"] - checked - stats.get("skipped", 0),
            "kill_rate": round(killed / checked, 3) if checked else None,
            "measured_at": datetime.now(UTC).strftime("%Y-%m-%dT%H:%MZ")}


def main() -> None:
    line = json.dumps(score(json.loads(STATS.read_text(encoding="utf-8")), " ".join(sys.argv[1:])),
                      ensure_ascii=False)
    SAVED.write_text(line + "\n", encoding="utf-8")
    print(line)


if __name__ == "__main__":
    main()
