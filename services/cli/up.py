"""`involve up`: the whole platform on one machine, in one command.

Starts a private RabbitMQ if none answers at the configured URL, runs every service as its own
process (SQLite files under the data folder), waits until the gateway says all are healthy,
prints the address, and on Ctrl-C (or SIGTERM) stops every process it started.
"""
from __future__ import annotations

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
from .services import SERVICES, local_metrics_port


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
    processes: dict[str, subprocess.Popen] = {}

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

    previous = signal.signal(signal.SIGTERM, interrupt)
    try:
        for name in SERVICES:
            address = (f"{host}:{port}" if name == "gateway"
                       else f"127.0.0.1:{local_metrics_port(name, port)}")
            processes[name] = subprocess.Popen(
                [sys.executable, "-m", "involve.cli.main", "service", name],
                env={**env, "INVOLVE_WEB_SERVER_ADDRESS": address},
            )
        health = _wait_healthy(url, processes, timeout)
        click.echo(f"\nInvolve is running at {url}  ({len(health['services'])} services healthy)")
        click.echo(f"Emails are written to {data_dir / 'mail'} unless SMTP_URL is set.")
        click.echo("First time? Create an administrator in another terminal:\n"
                   "  .venv/bin/involve identity create-admin --email you@example.org --name \"Your Name\"")
        click.echo("Press Ctrl-C to stop.")
        while all(proc.poll() is None for proc in processes.values()):
            time.sleep(0.5)
        stopped = [n for n, p in processes.items() if p.poll() is not None]
        raise click.ClickException(f"The {', '.join(stopped)} service stopped unexpectedly.")
    except KeyboardInterrupt:
        click.echo("\nStopping Involve...")
    finally:
        signal.signal(signal.SIGTERM, previous)
        stop_all()
    click.echo("Stopped. Nothing is left running.")

