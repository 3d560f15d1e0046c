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
    assert services["gateway"]["ports"] == ["${INVOLVE_PORT:-8000}:8000"]


def test_each_service_gets_its_own_postgres_database():
    init = (ROOT / "deploy/postgres-init.sh").read_text()
    listed = re.search(r"for service in ([a-z_ ]+); do", init).group(1).split()
    assert listed == BACKEND
    url = compose()["x-involve-service"]["environment"]["DATABASE_URL"]
    assert url.endswith("/involve_{service}")


def test_prometheus_scrapes_every_service():
    prometheus = yaml.safe_load((ROOT / "deploy/prometheus.yml").read_text())
    targets = prometheus["scrape_configs"][0]["static_configs"][0]["targets"]
    assert sorted(targets) == sorted(f"{name}:8000" for name in SERVICES)


def test_the_built_package_carries_migrations_templates_and_styles(tmp_path):
    subprocess.run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "--no-build-isolation",
                    "-w", str(tmp_path), str(ROOT)], check=True, capture_output=True)
    wheel = next(tmp_path.glob("involve-*.whl"))
    names = set(zipfile.ZipFile(wheel).namelist())
    expected = {str(p.relative_to(ROOT / "services")) for p in (ROOT / "services").rglob("*")
                if p.is_file() and p.suffix in {".py", ".html", ".css", ".mako"}
                and "__pycache__" not in p.parts}
    missing = {name for name in expected if f"involve/{name}" not in names}
    assert missing == set()


def test_the_image_installs_every_plugin_in_plugins():
    """The Makefile installs plugins/* by wildcard; the Dockerfile lists them, so check it."""
    dockerfile = (ROOT / "deploy/Dockerfile").read_text()
    shipped = sorted(p.parent.name for p in (ROOT / "plugins").glob("*/pyproject.toml"))
    assert shipped and [name for name in shipped if f"./plugins/{name}" not in dockerfile] == []
