"""The committed Prometheus rules and Grafana dashboards are what `make generate` makes of targets.yaml.

Regenerated into a temporary folder with the commands `make generate` runs, then compared with the
committed files' content: a file made from an older catalogue fails, not only a missing one.
"""

from __future__ import annotations

import difflib
import shutil
from pathlib import Path

from tests.generators.test_grafana_dashboards import run_cli

ROOT = Path(__file__).resolve().parents[2]
RULES = Path("deploy/rules/commitments.yml")
DASHBOARDS = Path("grafana/dashboards")


def generate(targets: Path, out: Path) -> None:
    """What `make generate` runs (`monitor grafana`, `monitor rules`), written under `out`."""
    assert run_cli("grafana", "--config", str(targets), "--out", str(out / DASHBOARDS)) == 0
    assert run_cli("rules", "--config", str(targets), "--out", str(out / RULES)) == 0


def differences(generated: Path, committed: Path) -> list[str]:
    """Each file under `generated` whose content differs from (or is missing in) `committed`, with the
    start of its diff; committed dashboards that the generator no longer makes count too."""
    found = []
    names = {path.relative_to(generated) for path in generated.rglob("*") if path.is_file()}
    names |= {path.relative_to(committed) for path in (committed / DASHBOARDS).glob("*.json")}
    for name in sorted(names):
        new, old = generated / name, committed / name
        if not new.is_file() or not old.is_file():
            found.append(f"{name}: {'not generated any more' if old.is_file() else 'not committed'}")
            continue
        old_text, new_text = old.read_text(encoding="utf-8"), new.read_text(encoding="utf-8")
        if old_text != new_text:
            diff = difflib.unified_diff(old_text.splitlines(), new_text.splitlines(), "committed", "generated",
                                        lineterm="", n=0)
            found.append(f"{name}:\n" + "\n".join(list(diff)[:12]))
    return found


def test_committed_rules_and_dashboards_are_what_make_generate_writes(tmp_path: Path):
    generate(ROOT / "targets.yaml", tmp_path)
    stale = differences(tmp_path, ROOT)
    assert not stale, "run `make generate` and commit the result; these differ:\n" + "\n".join(stale)


def test_files_generated_from_an_edited_catalogue_are_reported(tmp_path: Path):
    """A feed's max_age (the staleness threshold of its alert and dashboard panel) edited in a copy of
    targets.yaml: what that copy generates differs from the committed rules and feeds dashboard."""
    catalogue = tmp_path / "catalogue"
    catalogue.mkdir()
    text = (ROOT / "targets.yaml").read_text(encoding="utf-8")
    assert "max_age: 7d" in text
    (catalogue / "targets.yaml").write_text(text.replace("max_age: 7d", "max_age: 8d", 1), encoding="utf-8")
    shutil.copytree(ROOT / "seeds", catalogue / "seeds")
    generate(catalogue / "targets.yaml", tmp_path / "out")
    stale = differences(tmp_path / "out", ROOT)
    assert [entry.split(":", 1)[0] for entry in stale] == [str(RULES), str(DASHBOARDS / "feeds-and-daemon.json")]
    assert any("691200" in entry for entry in stale)      # 8 days in seconds, in the shown diff


def test_a_dashboard_the_generator_no_longer_makes_is_reported(tmp_path: Path):
    generated, committed = tmp_path / "generated", tmp_path / "committed"
    generate(ROOT / "targets.yaml", generated)
    shutil.copytree(generated, committed)
    (committed / DASHBOARDS / "retired.json").write_text("{}\n", encoding="utf-8")
    assert differences(generated, committed) == [f"{DASHBOARDS / 'retired.json'}: not generated any more"]
