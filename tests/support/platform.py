"""Run Involve services as real processes for tests that need them out of the test process
(the browser tests: Playwright must not share the eventlet hub with the servers it drives)."""
from __future__ import annotations

import os
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from involve.cli.rabbit import free_port


class RunningPlatform:
    def __init__(self, amqp_uri: str, data_dir, services=("identity", "panels")):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        env = {**os.environ, "INVOLVE_AMQP_URI": amqp_uri, "INVOLVE_DATA_DIR": str(data_dir),
               "INVOLVE_LOG_LEVEL": "WARNING",
               # every test client is 127.0.0.1; the limit itself is tested in tests/gateway
               "INVOLVE_ANONYMOUS_WRITES_PER_MINUTE": "100000",
               # webhook receivers in the tests run on this machine
               "INVOLVE_WEBHOOKS_ALLOW_PRIVATE": "true"}
        self.processes = []
        # each service's warnings and errors, kept for a failing test to be explained
        self.logs = Path(data_dir) / "service-logs"
        self.logs.mkdir(parents=True, exist_ok=True)
        for name in (*services, "gateway"):
            address = f"127.0.0.1:{self.port if name == 'gateway' else free_port()}"
            self.processes.append(subprocess.Popen(
                [sys.executable, "-m", "involve.cli.main", "service", name],
                env={**env, "INVOLVE_WEB_SERVER_ADDRESS": address},
                stdout=subprocess.DEVNULL,
                stderr=(self.logs / f"{name}.log").open("ab")))
        deadline = time.monotonic() + 180  # a loaded machine (CI, shared cores) starts slowly
        while True:
            try:
                with urllib.request.urlopen(self.url + "/", timeout=2):
                    break
            except OSError:
                if time.monotonic() > deadline:
                    self.stop()
                    raise RuntimeError("the gateway did not start") from None
                time.sleep(0.3)

    def stop(self):
        for proc in self.processes:
            proc.terminate()
        for proc in self.processes:
            try:
                proc.wait(20)
            except subprocess.TimeoutExpired:
                proc.kill()
