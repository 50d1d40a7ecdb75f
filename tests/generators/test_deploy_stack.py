"""The deployment files, checked statically (Docker does not run here): compose, Dockerfile, configs."""

from __future__ import annotations

import fnmatch
import re
import shlex
import subprocess
from pathlib import Path

import yaml

from tests.needs import tool

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
COMPOSE = yaml.safe_load((DEPLOY / "docker-compose.yml").read_text(encoding="utf-8"))
DOCKERFILE = (ROOT / "Dockerfile").read_text(encoding="utf-8")
PROVIDER = yaml.safe_load((ROOT / "grafana/provisioning/dashboards/commitment-monitor.yaml").read_text())
REPLICAS = yaml.safe_load((DEPLOY / "docker-compose.replicas.yml").read_text(encoding="utf-8"))
PROMETHEUS = yaml.safe_load((DEPLOY / "prometheus.yml").read_text(encoding="utf-8"))


def instructions() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) of the Dockerfile, continuation lines joined."""
    joined = re.sub(r"\\\n\s*", " ", DOCKERFILE)
    result = []
    for line in joined.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            word, _, rest = line.partition(" ")
            result.append((word.upper(), rest.strip()))
    return result


def with_defaults(text: str) -> str:
    """Compose's `${NAME:-default}` and `${NAME}` with every variable unset (the defaults)."""
    return re.sub(r"\$\{(\w+)(?::?-([^}]*))?\}", lambda m: m.group(2) or "", text)


def volumes(service: str, compose: dict = COMPOSE) -> list[tuple[str, str]]:
    """(source, target) of a service's volumes, variables at their defaults."""
    return [(with_defaults(volume).split(":")[0], with_defaults(volume).split(":")[1]) for volume in compose["services"][service].get("volumes", [])]


def bind_mounts(service: str) -> list[tuple[Path, str]]:
    mounts = []
    for source, target in volumes(service):
        if source.startswith((".", "/")):
            mounts.append(((DEPLOY / source).resolve(), target))
    return mounts


def test_compose_has_the_whole_stack():
    assert set(COMPOSE["services"]) == {"monitor", "prometheus", "alertmanager", "grafana", "mailpit"}
    for name, service in COMPOSE["services"].items():
        assert "image" in service or "build" in service, name
        assert ":latest" not in service.get("image", ":pinned"), f"{name}: pin the image tag"


def test_every_bind_mount_source_exists():
    for service in COMPOSE["services"]:
        for source, _ in bind_mounts(service):
            assert source.exists(), f"{service}: {source} does not exist"


def test_named_volumes_are_declared():
    declared = set(COMPOSE.get("volumes") or {})
    for name in COMPOSE["services"]:
        for source, _ in volumes(name):
            if not source.startswith((".", "/")):
                assert source in declared, f"{name}: volume {source} not declared"


def test_depends_on_names_services():
    for name, service in COMPOSE["services"].items():
        assert set(service.get("depends_on", [])) <= set(COMPOSE["services"]), name


def test_build_context_holds_the_dockerfile():
    build = COMPOSE["services"]["monitor"]["build"]
    assert (DEPLOY / build["context"] / build["dockerfile"]).resolve() == ROOT / "Dockerfile"


def test_grafana_gets_provisioning_and_the_dashboards_where_the_provider_looks():
    targets = {target: source for source, target in bind_mounts("grafana")}
    assert targets["/etc/grafana/provisioning"] == ROOT / "grafana" / "provisioning"
    assert targets[PROVIDER["providers"][0]["options"]["path"]] == ROOT / "grafana" / "dashboards"


def test_prometheus_scrapes_the_monitor_on_the_port_it_listens_on():
    listen = COMPOSE["services"]["monitor"]["environment"]["MONITOR_LISTEN"]
    port = listen.rsplit(":", 1)[1]
    job = next(j for j in PROMETHEUS["scrape_configs"] if j["job_name"] == "commitment-monitor")
    assert job["static_configs"][0]["targets"] == [f"monitor:{port}"]
    assert f"EXPOSE {port}" in DOCKERFILE and f"MONITOR_LISTEN=0.0.0.0:{port}" in DOCKERFILE


def test_prometheus_loads_the_generated_rules_from_its_mount():
    mounts = {target: source for source, target in bind_mounts("prometheus")}
    config_dir = Path("/etc/prometheus")
    for pattern in PROMETHEUS["rule_files"]:
        mounted = mounts[str(config_dir / Path(pattern).parent)]
        assert list(mounted.glob(Path(pattern).name)), pattern


def test_alertmanager_mails_through_the_catcher():
    config = yaml.safe_load((DEPLOY / "alertmanager.yml").read_text(encoding="utf-8"))
    host, port = config["global"]["smtp_smarthost"].split(":")
    assert host in COMPOSE["services"] and f"{port}:{port}" in COMPOSE["services"][host]["ports"]


def test_dockerfile_is_multi_stage_non_root_with_a_healthcheck():
    ins = instructions()
    stages = [args for word, args in ins if word == "FROM"]
    assert len(stages) >= 2 and all(":" in s.split()[0] and ":latest" not in s for s in stages)
    users = [args for word, args in ins if word == "USER"]
    assert users and users[-1].split(":")[0] not in ("root", "0")
    last_user = max(i for i, (word, _) in enumerate(ins) if word == "USER")
    assert last_user < next(i for i, (word, _) in enumerate(ins) if word == "ENTRYPOINT")
    assert any(word == "HEALTHCHECK" and "CMD" in args for word, args in ins)
    assert all(args.startswith("[") for word, args in ins if word in ("ENTRYPOINT", "CMD"))


def test_dockerfile_copies_only_what_exists_and_is_not_ignored():
    ignored = [line.strip() for line in (ROOT / ".dockerignore").read_text().splitlines()
               if line.strip() and not line.startswith("#")]
    for word, args in instructions():
        if word != "COPY" or "--from=" in args:
            continue
        sources = [s for s in shlex.split(args) if not s.startswith("--")][:-1]
        for source in sources:
            assert (ROOT / source).exists(), f"COPY {source}: missing"
            assert not any(fnmatch.fnmatch(source, pattern) for pattern in ignored), f"COPY {source}: in .dockerignore"


def test_promtool_accepts_prometheus_yml():
    result = subprocess.run([tool("promtool", "prometheus"), "check", "config", "prometheus.yml"], cwd=DEPLOY,
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_amtool_accepts_alertmanager_yml():
    result = subprocess.run([tool("amtool", "prometheus-alertmanager"), "check-config", "alertmanager.yml"], cwd=DEPLOY,
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_replicas_override_runs_two_leasing_replicas_on_one_postgresql_and_prometheus_scrapes_both():
    override = yaml.safe_load((DEPLOY / "docker-compose.replicas.yml").read_text(encoding="utf-8"))
    services = override["services"]
    envs = [services[name]["environment"] for name in ("monitor", "monitor-2")]
    assert all(env["MONITOR_FEED_LEASES"] == "true" for env in envs)
    assert envs[0]["MONITOR_DATABASE_URL"] == envs[1]["MONITOR_DATABASE_URL"]
    assert "@postgres:5432/" in envs[0]["MONITOR_DATABASE_URL"] and "postgres" in services
    prometheus = yaml.safe_load((DEPLOY / "prometheus-replicas.yml").read_text(encoding="utf-8"))
    targets = prometheus["scrape_configs"][0]["static_configs"][0]["targets"]
    assert targets == ["monitor:9464", "monitor-2:9464"]
    mounted = [v.split(":")[0] for v in services["prometheus"]["volumes"]]
    assert "./prometheus-replicas.yml" in mounted and all((DEPLOY / m).exists() for m in mounted if m.startswith("."))
    result = subprocess.run([tool("promtool", "prometheus"), "check", "config", "prometheus-replicas.yml"],
                            cwd=DEPLOY, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_healthcheck_asks_where_the_settings_say_the_daemon_listens():
    [check] = [args for word, args in instructions() if word == "HEALTHCHECK"]
    assert '"monitor.service.health"' in check and "9464" not in check


def test_compose_mounts_the_catalogue_folder_whole_and_a_drop_folder_volume():
    """A folder, not targets.yaml alone: seeds/ and targets.d/ come with it (a merged document's seed
    text is there without a rebuild) and a file an editor replaces is seen (no stale inode)."""
    for compose, service in ((COMPOSE, "monitor"), (REPLICAS, "monitor-2")):
        environment = {**COMPOSE["services"]["monitor"]["environment"], **(compose["services"][service].get("environment") or {})}
        catalogue = Path(environment["MONITOR_TARGETS"]).parent
        mounts = dict((target, source) for source, target in volumes(service, compose))
        source = (DEPLOY / mounts[str(catalogue)]).resolve()
        assert source.is_dir() and (source / "targets.yaml").is_file() and (source / "seeds").is_dir()
        assert "MONITOR_CATALOGUE_DIR" in str(compose["services"][service]["volumes"])
        drops = mounts["/drops"]
        assert drops in COMPOSE["volumes"], "the drop folders are a named volume"
    assert '"/drops"' in next(args for word, args in instructions() if word == "VOLUME")


def test_the_public_url_comes_from_one_variable_in_every_compose_file():
    for compose, service in ((COMPOSE, "monitor"), (REPLICAS, "monitor")):
        assert compose["services"][service]["environment"]["MONITOR_PUBLIC_URL"].startswith("${MONITOR_PUBLIC_URL:-")
