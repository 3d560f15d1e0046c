"""The worked example receiver (examples/webhook_receiver.py) run as an integrator would run it:
its own process, verifying with the standardwebhooks library. ``entries()`` reads its log."""
from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

from involve.cli.rabbit import free_port, port_open

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "webhook_receiver.py"


class ExampleReceiver:
    def __init__(self, folder: Path, port: int | None = None):
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}/involve/webhooks"
        self.log = Path(folder) / f"receiver-{self.port}.jsonl"
        self.process = None

    def start(self, secret: str, *options: str) -> ExampleReceiver:
        self.process = subprocess.Popen(
            [sys.executable, str(EXAMPLE), "--secret", secret, "--port", str(self.port),
             "--log", str(self.log), *options], stdout=subprocess.DEVNULL)
        deadline = time.monotonic() + 20
        while not port_open("127.0.0.1", self.port):
            assert self.process.poll() is None, "the example receiver stopped"
            assert time.monotonic() < deadline, "the example receiver did not start"
            time.sleep(0.05)
        return self

    def entries(self) -> list[dict]:
        if not self.log.exists():
            return []
        return [json.loads(line) for line in self.log.read_text().splitlines() if line.strip()]

    def wait_for(self, count: int, timeout: float = 15) -> list[dict]:
        import eventlet

        deadline = time.monotonic() + timeout
        while len(self.entries()) < count and time.monotonic() < deadline:
            eventlet.sleep(0.05)
        return self.entries()

    def stop(self):
        if self.process and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(10)
