"""`involve up`: the whole platform on one machine, in one command.

Starts a private RabbitMQ if none answers at the configured URL, runs every service as its own
process (SQLite files under the data folder), waits until the gateway says all are healthy,
prints the address, and on Ctrl-C (or SIGTERM) stops every process it started.

Once up, it supervises as compose's ``restart: unless-stopped`` does: a service process (or the
private broker) that stops is started again after a pause that doubles with each restart in a
row (1 s up to 30 s, back to 1 s once it has run for a minute), and each stop and restart is
said on the terminal.

To use less memory it loads every service's code once, in its own process, and forks each
service from there (``UP_FORK``, on by default): the children share the loaded code's pages with
it and each other until one writes to them, so an idle platform holds far less than a fresh
interpreter per service (docs/performance.md).
"""
from __future__ import annotations

import gc
import json
import os
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from urllib.parse import urlparse

import click

from .rabbit import LocalRabbit, port_open
from .services import SERVICES, local_metrics_port, run_service, service_class


class Forked:
    """A service process forked from this one, with the part of Popen's interface that
    `involve up` uses (pid, returncode, poll, wait, terminate, kill)."""

    def __init__(self, pid: int, name: str):
        self.pid, self.args, self.returncode = pid, name, None

    def poll(self) -> int | None:
        if self.returncode is None:
            pid, status = os.waitpid(self.pid, os.WNOHANG)
            if pid:
                self.returncode = os.waitstatus_to_exitcode(status)
        return self.returncode

    def wait(self, timeout: float | None = None) -> int:
        deadline = None if timeout is None else time.monotonic() + timeout
        while self.poll() is None:
            if deadline is not None and time.monotonic() >= deadline:
                raise subprocess.TimeoutExpired(self.args, timeout)
            time.sleep(0.05)
        return self.returncode

    def send_signal(self, signum: int) -> None:
        if self.poll() is None:
            os.kill(self.pid, signum)

    def terminate(self) -> None:
        self.send_signal(signal.SIGTERM)

    def kill(self) -> None:
        self.send_signal(signal.SIGKILL)


def fork_service(name: str, env: dict) -> Forked:
    """Runs the service in a child of this process, configured from ``env`` exactly as
    ``involve service NAME`` would be, and never returns in the child."""
    from eventlet import hubs
    from setproctitle import setproctitle

    from involve.kernel import settings

    gc.freeze()  # what is loaded now stays shared: the collector does not write to its pages
    sys.stdout.flush()
    sys.stderr.flush()
    pid = os.fork()
    if pid:
        return Forked(pid, name)
    code = 1
    try:
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        signal.signal(signal.SIGINT, signal.default_int_handler)
        hubs.use_hub()  # an event loop of its own; this process's timers stay behind
        # what ps, top and the tests show; first, since it moves the environment to reuse
        # the memory it was in
        setproctitle(f"involve service {name}")
        os.environ.clear()
        os.environ.update(env)
        run_service(name, settings.load())
        code = 0
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    except KeyboardInterrupt:
        code = 0
    except BaseException:  # noqa: BLE001 - said on the terminal, then the supervisor restarts it
        import traceback

        traceback.print_exc()
    finally:
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)


def preload() -> None:
    """Every forked service's code, loaded once here before the first fork."""
    for name in SERVICES:
        service_class(name)
    gc.collect()


def _wait_healthy(url: str, processes: dict, timeout: float) -> dict | None:
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        for name, proc in processes.items():
            if proc.poll() is not None:
                raise click.ClickException(
                    f"The {name} service stopped while starting (exit code {proc.returncode}). "
                    "Its messages are above."
                )
        try:
            with urllib.request.urlopen(url + "/health", timeout=5) as response:
                return json.loads(response.read())
        except urllib.error.HTTPError as exc:
            last = json.loads(exc.read() or b"{}")
        except OSError:
            pass
        time.sleep(0.5)
    down = [n for n, s in (last or {}).get("services", {}).items() if s.get("status") != "up"]
    raise click.ClickException(
        "Involve did not become healthy in time" + (f"; still down: {', '.join(down)}" if down else "")
    )


FIRST_PAUSE = 1.0
LONGEST_PAUSE = 30.0
STEADY_SECONDS = 60.0


def say(message: str) -> None:
    click.echo(f"{time.strftime('%H:%M:%S')} involve up: {message}")


class Restarts:
    """When to start a stopped process again: 1 s, 2 s, 4 s ... 30 s; reset after a steady run."""

    def __init__(self):
        self.count = 0
        self.pause = FIRST_PAUSE
        self.started_at = time.monotonic()
        self.due: float | None = None

    def stopped(self) -> float:
        if time.monotonic() - self.started_at >= STEADY_SECONDS:
            self.pause = FIRST_PAUSE
        wait = self.pause
        self.pause = min(self.pause * 2, LONGEST_PAUSE)
        self.count += 1
        self.due = time.monotonic() + wait
        return wait

    def started(self) -> None:
        self.started_at = time.monotonic()
        self.due = None


def _supervise(processes: dict, start, rabbit) -> None:
    """Runs until interrupted: restarts whatever stops, saying so."""
    restarts = {name: Restarts() for name in processes}
    broker = Restarts()
    while True:
        time.sleep(0.5)
        moment = time.monotonic()
        for name, proc in processes.items():
            plan = restarts[name]
            if plan.due is None and proc.poll() is not None:
                wait = plan.stopped()
                say(f"the {name} service stopped unexpectedly (exit code {proc.returncode}); "
                    f"starting it again in {wait:g} s (restart {plan.count})")
            elif plan.due is not None and moment >= plan.due:
                processes[name] = start(name)
                plan.started()
                say(f"the {name} service started again (pid {processes[name].pid})")
        if rabbit is None:
            continue
        if broker.due is None and not rabbit.running() and not port_open("127.0.0.1",
                                                                          rabbit.port):
            wait = broker.stopped()
            say(f"the local RabbitMQ stopped unexpectedly; starting it again in {wait:g} s "
                f"(restart {broker.count})")
        elif broker.due is not None and moment >= broker.due:
            if port_open("127.0.0.1", rabbit.port):
                say("a RabbitMQ answers on its port again; using it")
                broker.started()
                continue
            try:
                rabbit.start()
            except Exception as exc:  # noqa: BLE001 - try again after the next pause
                wait = broker.stopped()
                say(f"the local RabbitMQ did not start ({str(exc).splitlines()[0]}); "
                    f"trying again in {wait:g} s")
            else:
                broker.started()
                say("the local RabbitMQ started again on the same data")


def run_platform(config: dict, host: str, port: int, timeout: float = 120) -> None:
    data_dir = Path(config["DATA_DIR"]).resolve()
    data_dir.mkdir(parents=True, exist_ok=True)
    amqp = urlparse(config["AMQP_URI"])
    rabbit = None
    env = dict(os.environ)
    if not port_open(amqp.hostname or "localhost", amqp.port or 5672):
        if amqp.hostname not in ("localhost", "127.0.0.1", None):
            raise click.ClickException(
                f"RabbitMQ does not answer at {amqp.hostname}:{amqp.port or 5672}. "
                "Start it, or point AMQP_URI at one that runs."
            )
        click.echo(f"Starting a local RabbitMQ on port {amqp.port or 5672} (data in {data_dir}/rabbitmq)...")
        rabbit = LocalRabbit(data_dir / "rabbitmq", port=amqp.port or 5672)
        rabbit.start()
        env["INVOLVE_AMQP_URI"] = rabbit.amqp_uri
    env["INVOLVE_DATA_DIR"] = str(data_dir)
    url = f"http://{'localhost' if host in ('0.0.0.0', '127.0.0.1') else host}:{port}"
    env.setdefault("INVOLVE_GATEWAY_URL", url)  # links in emails point here
    # a local run may send webhooks to systems on this machine or network (never in production)
    env.setdefault("INVOLVE_WEBHOOKS_ALLOW_PRIVATE", "true")
    processes: dict[str, subprocess.Popen | Forked] = {}

    def stop_all(*_):
        for proc in processes.values():
            if proc.poll() is None:
                proc.terminate()
        deadline = time.monotonic() + 20
        for proc in processes.values():
            try:
                proc.wait(max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        if rabbit is not None:
            click.echo("Stopping the local RabbitMQ...")
            rabbit.stop()

    def interrupt(*_):
        raise KeyboardInterrupt

    forking = bool(config.get("UP_FORK", True))

    def start(name: str) -> subprocess.Popen | Forked:
        address = (f"{host}:{port}" if name == "gateway"
                   else f"127.0.0.1:{local_metrics_port(name, port)}")
        service_env = {**env, "INVOLVE_WEB_SERVER_ADDRESS": address}
        if forking:
            return fork_service(name, service_env)
        return subprocess.Popen([sys.executable, "-m", "involve.cli.main", "service", name],
                                env=service_env)

    previous = signal.signal(signal.SIGTERM, interrupt)
    try:
        if forking:
            preload()
        for name in SERVICES:
            processes[name] = start(name)
        health = _wait_healthy(url, processes, timeout)
        click.echo(f"\nInvolve is running at {url}  ({len(health['services'])} services healthy)")
        click.echo(f"Emails are written to {data_dir / 'mail'} unless SMTP_URL is set.")
        click.echo("First time? Create an administrator in another terminal:\n"
                   "  .venv/bin/involve identity create-admin --email you@example.org --name \"Your Name\"")
        click.echo("Press Ctrl-C to stop. A service that stops is started again.")
        _supervise(processes, start, rabbit)
    except KeyboardInterrupt:
        click.echo("\nStopping Involve...")
    finally:
        signal.signal(signal.SIGTERM, previous)
        stop_all()
    click.echo("Stopped. Nothing is left running.")

