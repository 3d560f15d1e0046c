"""Real processes to break: a private RabbitMQ node, Involve services, a writer load.

Everything here is a real process started by the test (``involve service NAME`` as in
production, ``rabbitmq-server``), killed with real signals and restarted on the same data.
Each process writes its log to a file in the test's folder, shown when something fails.
"""
from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

from involve.cli.rabbit import LocalRabbit, free_port, port_open

ADMIN_EMAIL = "admin@faults.test"
ADMIN_PASSWORD = "a long admin password"


def alive(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


class BrokerNode:
    """One RabbitMQ node of our own, so the test may SIGKILL it and start it on the same data."""

    def __init__(self, nodename: str | None = None):
        # Its own folder under /tmp: the rabbitmq user cannot reach into pytest's (mode 700).
        self.base = Path(tempfile.mkdtemp(prefix="involve-faults-rabbit-"))
        self.port = free_port()
        self.node = LocalRabbit(self.base, port=self.port, management_port=free_port(),
                                nodename=nodename or f"faults{self.port}@localhost")

    @property
    def amqp_uri(self) -> str:
        return self.node.amqp_uri

    def start(self, timeout: int = 120) -> None:
        self.node.start(timeout=timeout)

    def kill(self) -> None:
        """SIGKILL, as the kernel's OOM killer would: no chance to flush or say goodbye."""
        pid = self.node.pid()
        assert pid, "the broker is not running"
        os.kill(pid, signal.SIGKILL)
        deadline = time.monotonic() + 10
        while alive(pid) and time.monotonic() < deadline:
            time.sleep(0.05)
        while port_open("127.0.0.1", self.port) and time.monotonic() < deadline:
            time.sleep(0.05)

    def stop(self) -> None:
        self.node.stop()

    def remove(self) -> None:
        """Gone for good: killed (its data is thrown away, so no need to wait for a clean
        stop), its folder removed, and Erlang's port mapper stopped if nothing else uses it."""
        pid = self.node.pid()
        if pid and alive(pid):
            self.kill()
        shutil.rmtree(self.base, ignore_errors=True)
        self.node._stop_epmd_if_idle()


class Services:
    """Involve services as real processes (``involve service NAME``), each with a log file."""

    def __init__(self, folder: Path, amqp_uri: str, extra_env: dict | None = None):
        self.folder = Path(folder)
        self.folder.mkdir(parents=True, exist_ok=True)
        self.gateway_port = free_port()
        self.url = f"http://127.0.0.1:{self.gateway_port}"
        self.env = {**os.environ, "INVOLVE_AMQP_URI": amqp_uri,
                    "INVOLVE_DATA_DIR": str(self.folder / "data"),
                    "INVOLVE_LOG_LEVEL": "INFO", "INVOLVE_LOG_FORMAT": "text",
                    "INVOLVE_ANONYMOUS_WRITES_PER_MINUTE": "100000",
                    **(extra_env or {})}
        self.processes: dict[str, subprocess.Popen] = {}
        self.ports: dict[str, int] = {}
        self._logs = {}

    def log_path(self, name: str) -> Path:
        return self.folder / f"{name}.log"

    def start(self, name: str) -> None:
        port = self.gateway_port if name == "gateway" else self.ports.setdefault(name, free_port())
        log = open(self.log_path(name), "a")  # noqa: SIM115 - kept open for the process, closed in stop()
        self._logs[name] = log
        log.write(f"\n===== started {time.strftime('%H:%M:%S')} =====\n")
        log.flush()
        self.processes[name] = subprocess.Popen(
            [sys.executable, "-m", "involve.cli.main", "service", name],
            env={**self.env, "INVOLVE_WEB_SERVER_ADDRESS": f"127.0.0.1:{port}"},
            stdout=log, stderr=subprocess.STDOUT)

    def kill(self, name: str) -> None:
        proc = self.processes[name]
        proc.send_signal(signal.SIGKILL)
        proc.wait(10)

    def running(self, name: str) -> bool:
        return self.processes[name].poll() is None

    def exited(self) -> dict[str, int]:
        return {n: p.returncode for n, p in self.processes.items() if p.poll() is not None}

    def wait_healthy(self, names, timeout: float = 90) -> None:
        """Until the gateway answers and /health says each of ``names`` is up."""
        deadline = time.monotonic() + timeout
        last = None
        while time.monotonic() < deadline:
            gone = self.exited()
            assert not gone, f"stopped while starting: {gone}\n{self.tails()}"
            try:
                with urllib.request.urlopen(self.url + "/health", timeout=5) as response:
                    last = json.loads(response.read())
            except urllib.error.HTTPError as exc:
                last = json.loads(exc.read() or b"{}")
            except OSError:
                last = None
            if last and all(last["services"].get(n, {}).get("status") == "up" for n in names):
                return
            time.sleep(0.3)
        raise AssertionError(f"not healthy in time: {last}\n{self.tails()}")

    def tails(self, lines: int = 40) -> str:
        out = []
        for name in self.processes:
            text = self.log_path(name).read_text(errors="replace").splitlines()[-lines:]
            out.append(f"--- {name} ---\n" + "\n".join(text))
        return "\n".join(out)

    def log_text(self, name: str) -> str:
        return self.log_path(name).read_text(errors="replace")

    def stop(self) -> None:
        for proc in self.processes.values():
            if proc.poll() is None:
                proc.terminate()
        for proc in self.processes.values():
            try:
                proc.wait(20)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        for log in self._logs.values():
            log.close()


def create_admin(services: Services) -> None:
    """The first administrator, as an operator makes one (`involve identity create-admin`)."""
    done = subprocess.run(
        [sys.executable, "-m", "involve.cli.main", "identity", "create-admin",
         "--email", ADMIN_EMAIL, "--name", "Ada Admin"],
        env={**services.env, "INVOLVE_ADMIN_PASSWORD": ADMIN_PASSWORD},
        capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr


class OwnPostgres:
    """A PostgreSQL cluster of our own, so the test may stop it with ``-m immediate`` (as a
    crash would: no checkpoint, crash recovery on the next start) and start it on the same data."""

    def __init__(self):
        from tests.support.servers import _pg_bin

        self._bin = _pg_bin
        self.base = Path(tempfile.mkdtemp(prefix="involve-faults-pg-"))
        self.data = self.base / "data"
        self.port = free_port()
        self.as_user: list[str] = []
        if os.geteuid() == 0:  # initdb refuses to run as root
            import pwd

            self.as_user = ["runuser", "-u", "postgres", "--"]
            uid, gid = pwd.getpwnam("postgres")[2:4]
            os.chown(self.base, uid, gid)
        subprocess.run(self.as_user + [self._bin("initdb"), "-D", str(self.data), "-U",
                                       "postgres", "--auth=trust", "-E", "UTF8", "--no-sync"],
                       check=True, stdout=subprocess.DEVNULL)

    def start(self) -> None:
        subprocess.run(
            self.as_user + [self._bin("pg_ctl"), "-D", str(self.data), "-l",
                            str(self.base / "log"), "-w", "-t", "60", "-o",
                            f"-p {self.port} -k {self.base} -c listen_addresses=127.0.0.1 "
                            "-c max_connections=300", "start"],
            check=True, stdout=subprocess.DEVNULL)

    def stop_immediate(self) -> None:
        subprocess.run(self.as_user + [self._bin("pg_ctl"), "-D", str(self.data), "-m",
                                       "immediate", "stop"],
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    def url(self, database: str) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/{database}"

    def create_databases(self, names) -> None:
        from tests.support.servers import Postgres

        Postgres(f"postgresql://postgres@127.0.0.1:{self.port}", lambda: None).create_databases(
            names)

    def remove(self) -> None:
        self.stop_immediate()
        shutil.rmtree(self.base, ignore_errors=True)


class BrokerCluster:
    """Three RabbitMQ nodes of our own on this machine, clustered (``join_cluster``), each with
    its own name, ports and data folder. ``amqp_uri`` lists all three, so clients fail over."""

    def __init__(self, size: int = 3):
        self.nodes = [BrokerNode() for _ in range(size)]

    @property
    def amqp_uri(self) -> str:
        return ";".join(node.amqp_uri for node in self.nodes)

    def ctl(self, node: BrokerNode, *args, check=True) -> subprocess.CompletedProcess:
        done = subprocess.run(node.node._command("rabbitmqctl") + ["-n", node.node.nodename, *args],
                              env=node.node._env(), capture_output=True, text=True, timeout=120)
        if check:
            assert done.returncode == 0, done.stdout + done.stderr
        return done

    def start(self) -> None:
        """All nodes boot at once and find each other (classic_config peer discovery)."""
        import eventlet

        peers = "cluster_formation.peer_discovery_backend = classic_config\n" + "".join(
            f"cluster_formation.classic_config.nodes.{i} = {node.node.nodename}\n"
            for i, node in enumerate(self.nodes, 1))
        for node in self.nodes:
            node.node.extra_config = peers
        starting = [eventlet.spawn(node.start) for node in self.nodes]
        for thread in starting:
            thread.wait()
        deadline = time.monotonic() + 120
        while True:  # the last to boot may still be joining
            status = self.ctl(self.nodes[0], "cluster_status", "--formatter", "json").stdout
            if len(json.loads(status)["running_nodes"]) == len(self.nodes):
                return
            assert time.monotonic() < deadline, status
            time.sleep(1)

    def kill(self, index: int) -> None:
        self.nodes[index].kill()

    def remove(self) -> None:
        for node in self.nodes:
            node.remove()
