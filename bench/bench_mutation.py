"""The kill rate the last `make mutate` saved (bench/mutation-score.json), as one JSON line. A mutation
run takes from minutes (a subset) to hours (everything, on a loaded machine): bench only reads it."""

from __future__ import annotations

import json
from pathlib import Path

SAVED = Path(__file__).resolve().parent / "mutation-score.json"


def main() -> None:
    if not SAVED.is_file():
        print(json.dumps({"bench": "mutation", "kill_rate": None, "note": "no saved run: make mutate"}))
        return
    print(SAVED.read_text(encoding="utf-8").strip())


if __name__ == "__main__":
    main()
