"""Real servers for the tests: RabbitMQ and PostgreSQL, never mocks.

RabbitMQ: ``RABBIT_URL`` (and ``RABBIT_MANAGEMENT_URL``) if given; else a container through the
Docker SDK when a Docker engine answers and already has a RabbitMQ image (the tests never pull:
there may be no registry); else a private node of Debian's ``rabbitmq-server``.
PostgreSQL: ``POSTGRES_URL`` if given; else a throwaway cluster made with ``initdb``.
"""
from __future__ import annotations

import os
import pwd
import shutil
import subprocess
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlparse

from involve.cli.rabbit import LocalRabbit, free_port, port_open


@dataclass
class Rabbit:
    amqp_uri: str
    management_uri: str
    stop: Callable[[], None]


# Used only if already present: the tests never pull (there may be no registry to pull from).
DOCKER_RABBIT_IMAGES = ("rabbitmq:3-management", "rabbitmq:3.13-management")


def _docker_rabbit() -> Rabbit | None:
    """A RabbitMQ container, if a Docker engine answers and has a RabbitMQ image already;
    None (so the local binary is used) on anything else: no engine, no image, a failed start."""
    try:
        import docker
    except ImportError:
        return None
    try:
        client = docker.from_env(timeout=3)
        client.ping()
        image = next((name for name in DOCKER_RABBIT_IMAGES if _has_image(client, name)), None)
        if image is None:
            return None
        amqp, management = free_port(), free_port()
        container = client.containers.run(
            image, detach=True, remove=True,
            ports={"5672/tcp": ("127.0.0.1", amqp), "15672/tcp": ("127.0.0.1", management)},
        )
    except Exception:  # noqa: BLE001 - any trouble with Docker: use the local binary instead
        return None
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        try:
            if container.exec_run("rabbitmq-diagnostics -q check_port_connectivity").exit_code == 0:
                return Rabbit(f"pyamqp://guest:guest@127.0.0.1:{amqp}/",
                              f"http://guest:guest@127.0.0.1:{management}", container.stop)
        except Exception:  # noqa: BLE001 - the container died: fall back below
            break
        time.sleep(1)
    try:
        container.stop()
    except Exception:  # noqa: BLE001
        pass
    return None


def _has_image(client, name: str) -> bool:
    try:
        client.images.get(name)
        return True
    except Exception:  # noqa: BLE001 - not there (or the engine cannot say): do not pull
        return False


def start_rabbit(tmp_path_factory) -> Rabbit:
    url = os.environ.get("RABBIT_URL")
    if url:
        parts = urlparse(url)
        management = os.environ.get("RABBIT_MANAGEMENT_URL") or (
            f"http://{parts.username or 'guest'}:{parts.password or 'guest'}@"
            f"{parts.hostname}:15672"
        )
        return Rabbit(url, management, lambda: None)
    docker_rabbit = _docker_rabbit()
    if docker_rabbit is not None:
        return docker_rabbit
    base = Path(tempfile.mkdtemp(prefix="involve-rabbit-"))
    node = LocalRabbit(base, port=free_port(), management_port=free_port(),
                       nodename=f"involvetest{os.getpid()}@localhost")
    node.start()

    def stop():
        node.stop()
        shutil.rmtree(base, ignore_errors=True)

    return Rabbit(node.amqp_uri, node.management_uri, stop)


class Postgres:
    def __init__(self, base_url: str, stop: Callable[[], None]):
        self.base_url = base_url.rstrip("/")
        self.stop = stop

    def url(self, database: str) -> str:
        return f"{self.base_url}/{database}"

    def _admin(self):
        import psycopg2

        connection = psycopg2.connect(self.url("postgres"))
        connection.autocommit = True
        return connection

    def create_databases(self, names):
        self._run([f'CREATE DATABASE "{name}"' for name in names])

    def drop_databases(self, names):
        self._run([f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)' for name in names])

    def _run(self, statements):
        connection = self._admin()
        try:
            with connection.cursor() as cursor:
                for statement in statements:
                    cursor.execute(statement)
        finally:
            connection.close()


def _pg_bin(name: str) -> str:
    found = shutil.which(name)
    if found:
        return found
    candidates = sorted(Path("/usr/lib/postgresql").glob(f"*/bin/{name}"))
    if not candidates:
        raise RuntimeError(f"PostgreSQL's {name} is not installed (apt-get install postgresql)")
    return str(candidates[-1])


def start_postgres() -> Postgres:
    url = os.environ.get("POSTGRES_URL")
    if url:
        return Postgres(url, lambda: None)
    base = Path(tempfile.mkdtemp(prefix="involve-pg-"))
    data = base / "data"
    as_user: list[str] = []
    if os.geteuid() == 0:  # initdb refuses to run as root
        as_user = ["runuser", "-u", "postgres", "--"]
        uid, gid = pwd.getpwnam("postgres")[2:4]
        os.chown(base, uid, gid)
    port = free_port()
    subprocess.run(as_user + [_pg_bin("initdb"), "-D", str(data), "-U", "postgres",
                              "--auth=trust", "-E", "UTF8", "--no-sync"],
                   check=True, stdout=subprocess.DEVNULL)
    subprocess.run(
        as_user + [_pg_bin("pg_ctl"), "-D", str(data), "-l", str(base / "log"), "-w", "-t", "60",
                   "-o", f"-p {port} -k {base} -c listen_addresses=127.0.0.1 -c fsync=off "
                         "-c max_connections=200", "start"],
        check=True, stdout=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 30
    while not port_open("127.0.0.1", port) and time.monotonic() < deadline:
        time.sleep(0.2)

    def stop():
        subprocess.run(as_user + [_pg_bin("pg_ctl"), "-D", str(data), "-m", "immediate", "stop"],
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        shutil.rmtree(base, ignore_errors=True)

    return Postgres(f"postgresql://postgres@127.0.0.1:{port}", stop)
