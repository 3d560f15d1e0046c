"""A private RabbitMQ node from Debian's ``rabbitmq-server`` package, for local runs and tests.

Everything lives under one folder (data, logs, pid file, config) and it listens only on
127.0.0.1, so it never clashes with a system broker. Started with ``rabbitmq-server -detached``,
awaited with ``rabbitmqctl wait --timeout 60 <pidfile>``, stopped by its pid.
"""
from __future__ import annotations

import os
import pwd
import shutil
import signal
import socket
import subprocess
import time
from pathlib import Path

LIB_BIN = Path("/usr/lib/rabbitmq/bin")


class RabbitError(RuntimeError):
    pass


def port_open(host: str, port: int, timeout: float = 0.5) -> bool:
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _alive(pid: int) -> bool:
    """True while the process exists and is not a zombie waiting to be reaped."""
    try:
        with open(f"/proc/{pid}/stat") as handle:
            return handle.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


class LocalRabbit:
    def __init__(self, base: Path, port: int = 5672, management_port: int = 15672,
                 nodename: str | None = None):
        self.base = Path(base).resolve()
        self.port = port
        self.management_port = management_port
        self.nodename = nodename or f"involve{port}@localhost"
        self.pidfile = self.base / "rabbit.pid"
        self.extra_config = ""  # more rabbitmq.conf lines (the tests' clusters use it)

    @property
    def amqp_uri(self) -> str:
        return f"pyamqp://guest:guest@127.0.0.1:{self.port}/"

    @property
    def management_uri(self) -> str:
        return f"http://guest:guest@127.0.0.1:{self.management_port}"

    def _env(self) -> dict:
        env = dict(os.environ)
        env.update(
            RABBITMQ_NODENAME=self.nodename,
            RABBITMQ_BASE=str(self.base),
            RABBITMQ_MNESIA_BASE=str(self.base / "mnesia"),
            RABBITMQ_LOG_BASE=str(self.base / "log"),
            RABBITMQ_PID_FILE=str(self.pidfile),
            RABBITMQ_CONFIG_FILE=str(self.base / "rabbitmq"),
            RABBITMQ_ENABLED_PLUGINS_FILE=str(self.base / "enabled_plugins"),
            RABBITMQ_DIST_PORT=str(self.port + 20000 if self.port + 20000 < 65536 else free_port()),
        )
        return env

    def _command(self, name: str) -> list[str]:
        if os.geteuid() == 0:
            # Debian's wrapper switches to the rabbitmq user itself.
            exe = shutil.which(name) or f"/usr/sbin/{name}"
            return [exe]
        return [str(LIB_BIN / name)]

    def available(self) -> bool:
        return shutil.which("rabbitmq-server") is not None or (LIB_BIN / "rabbitmq-server").exists()

    def start(self, timeout: int = 60) -> None:
        if not self.available():
            raise RabbitError(
                "RabbitMQ is not installed. On Debian or Ubuntu: sudo apt-get install rabbitmq-server"
            )
        if port_open("127.0.0.1", self.port):
            raise RabbitError(f"Port {self.port} is already in use by another program.")
        for folder in (self.base, self.base / "mnesia", self.base / "log"):
            folder.mkdir(parents=True, exist_ok=True)
        (self.base / "rabbitmq.conf").write_text(
            f"listeners.tcp.default = 127.0.0.1:{self.port}\n"
            f"management.tcp.port = {self.management_port}\n"
            "management.tcp.ip = 127.0.0.1\n"
            "loopback_users.guest = true\n" + self.extra_config
        )
        (self.base / "enabled_plugins").write_text("[rabbitmq_management].\n")
        self.pidfile.unlink(missing_ok=True)
        if os.geteuid() == 0:
            uid, gid = pwd.getpwnam("rabbitmq")[2:4]
            for path in [self.base, *self.base.rglob("*")]:
                os.chown(path, uid, gid)
        env = self._env()
        subprocess.run(self._command("rabbitmq-server") + ["-detached"], env=env, check=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        waited = subprocess.run(
            self._command("rabbitmqctl") + ["wait", "--timeout", str(timeout), str(self.pidfile)],
            env=env, capture_output=True, text=True,
        )
        if waited.returncode != 0:
            self.stop()
            raise RabbitError(
                "RabbitMQ did not start. Its log is in " + str(self.base / "log") + ".\n"
                + waited.stdout[-2000:] + waited.stderr[-2000:]
            )

    def pid(self) -> int | None:
        try:
            return int(self.pidfile.read_text().strip())
        except (OSError, ValueError):
            return None

    def running(self) -> bool:
        pid = self.pid()
        return pid is not None and _alive(pid)

    def stop(self, timeout: float = 30) -> None:
        pid = self.pid()
        if pid is None:
            return
        try:
            os.kill(pid, signal.SIGTERM)
        except ProcessLookupError:
            return
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if not _alive(pid):
                break
            time.sleep(0.2)
        else:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        self.pidfile.unlink(missing_ok=True)
        self._stop_epmd_if_idle()

    @staticmethod
    def _stop_epmd_if_idle() -> None:
        """Erlang's port mapper outlives the node; stop it too unless other nodes use it."""
        epmd = shutil.which("epmd") or next(iter(Path("/usr/lib/erlang").glob("erts-*/bin/epmd")), None)
        if not epmd:
            return
        names = subprocess.run([str(epmd), "-names"], capture_output=True, text=True)
        if names.returncode == 0 and "name " not in names.stdout:
            subprocess.run([str(epmd), "-kill"], capture_output=True)
