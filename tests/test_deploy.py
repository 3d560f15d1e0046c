"""docker-compose.yml, the Dockerfile and the package agree with the code (no Docker engine needed)."""
import re
import subprocess
import sys
import zipfile
from pathlib import Path

import yaml

from involve.cli.services import BACKEND, SERVICES

ROOT = Path(__file__).resolve().parent.parent


def compose():
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


def test_compose_runs_every_service_from_the_one_image():
    services = compose()["services"]
    for name in SERVICES:
        assert services[name]["command"] == ["service", name]
        assert services[name]["build"]["dockerfile"] == "deploy/Dockerfile"
    dockerfile = (ROOT / "deploy/Dockerfile").read_text()
    assert 'ENTRYPOINT ["involve"]' in dockerfile


def test_only_the_gateway_is_published():
    services = compose()["services"]
    published = sorted(name for name, spec in services.items() if spec.get("ports"))
    assert published == ["gateway"]
    assert services["gateway"]["ports"] == ["${INVOLVE_ADDRESS:-0.0.0.0}:${INVOLVE_PORT:-8000}:8000"]


def test_each_service_gets_its_own_postgres_database():
    init = (ROOT / "deploy/postgres-init.sh").read_text()
    listed = re.search(r"for service in ([a-z_ ]+); do", init).group(1).split()
    assert listed == BACKEND
    url = compose()["x-involve-service"]["environment"]["DATABASE_URL"]
    assert url.endswith("/involve_{service}")


def test_prometheus_scrapes_every_service():
    prometheus = yaml.safe_load((ROOT / "deploy/prometheus.yml").read_text())
    involve = prometheus["scrape_configs"][0]
    # every replica of every service: each name is looked up in Docker's DNS (all replicas)
    (lookup,) = involve["dns_sd_configs"]
    assert sorted(lookup["names"]) == sorted(SERVICES)
    assert lookup["type"] == "A" and lookup["port"] == 8000


def test_the_built_package_carries_migrations_templates_styles_and_event_schemas(tmp_path):
    subprocess.run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "--no-build-isolation",
                    "-w", str(tmp_path), str(ROOT)], check=True, capture_output=True)
    wheel = next(tmp_path.glob("involve-*.whl"))
    names = set(zipfile.ZipFile(wheel).namelist())
    expected = {str(p.relative_to(ROOT / "services")) for p in (ROOT / "services").rglob("*")
                if p.is_file() and p.suffix in {".py", ".html", ".css", ".mako", ".json"}
                and "__pycache__" not in p.parts}
    missing = {name for name in expected if f"involve/{name}" not in names}
    assert missing == set()


def test_the_image_installs_every_plugin_in_plugins():
    """The Makefile installs plugins/* by wildcard; the Dockerfile lists them, so check it."""
    dockerfile = (ROOT / "deploy/Dockerfile").read_text()
    shipped = sorted(p.parent.name for p in (ROOT / "plugins").glob("*/pyproject.toml"))
    assert shipped and [name for name in shipped if f"./plugins/{name}" not in dockerfile] == []


def test_the_compose_test_stands_in_for_exactly_the_images_users_run():
    """make compose-test runs the real compose file; its stand-ins must carry the very names the
    compose file and the Dockerfile use, or it would test something else (or pull)."""
    script = (ROOT / "deploy/testing/build-standins.sh").read_text()
    standins = re.search(r"^order=\(([^)]*)\)", script, re.M).group(1).split()
    used = {spec["image"] for name, spec in compose()["services"].items() if name not in SERVICES}
    used.add(re.search(r"^FROM (\S+)", (ROOT / "deploy/Dockerfile").read_text(), re.M).group(1))
    assert sorted(standins) == sorted(used)
    assert all(f"[{image}]=" in script for image in standins)  # each has its packages


def test_the_compose_test_runs_the_real_compose_file_and_only_adds_timers():
    script = (ROOT / "deploy/testing/compose-test.sh").read_text()
    assert "-f docker-compose.yml -f deploy/testing/compose.timers.yml" in script
    override = yaml.safe_load((ROOT / "deploy/testing/compose.timers.yml").read_text())
    assert list(override) == ["services"] and list(override["services"]) == ["feedback"]
    assert list(override["services"]["feedback"]) == ["environment"]
    assert all(key.startswith("INVOLVE_FEEDBACK_")
               for key in override["services"]["feedback"]["environment"])
