"""Resident memory of every process of an idle `involve up` (the broker excluded).

Starts `involve up` on the given RabbitMQ (so it starts no broker of its own) with a fresh data
folder, waits until it is healthy and then a few seconds more (idle), and reads VmRSS of the
`involve up` process and each of its children from /proc. Run on its own:
`python bench/footprint.py` (a private RabbitMQ), or used by bench_rpc.py.
"""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from involve.cli.rabbit import LocalRabbit, free_port


def rss_kib(pid: int) -> int:
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def children(pid: int) -> list[int]:
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as stat:
                parent = int(stat.read().rsplit(")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            continue
        if parent == pid:
            found.append(int(entry))
            found.extend(children(int(entry)))
    return found


def label(pid: int) -> str:
    with open(f"/proc/{pid}/cmdline", "rb") as cmdline:
        args = cmdline.read().decode(errors="replace").split("\0")
    if "service" in args:
        return args[args.index("service") + 1]
    if "up" in args:
        return "involve up (supervisor)"
    return Path(args[0]).name


def idle_footprint(amqp: str, env: dict, settle_seconds: float = 5.0,
                   timeout: float = 240.0) -> list[tuple[str, int, float]]:
    """[(process, pid, MiB)] of an idle `involve up` on ``amqp``."""
    port = free_port()
    data = Path(tempfile.mkdtemp(prefix="involve-footprint-"))
    proc = subprocess.Popen(
        [sys.executable, "-m", "involve.cli.main", "up", "--port", str(port)],
        env={**env, "INVOLVE_AMQP_URI": amqp, "INVOLVE_DATA_DIR": str(data),
             "INVOLVE_LOG_LEVEL": "WARNING"},
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        deadline = time.monotonic() + timeout
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=5) as r:
                    if r.status == 200:
                        break
            except OSError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                raise SystemExit("involve up did not become healthy")
            time.sleep(1)
        time.sleep(settle_seconds)
        rows = []
        for pid in [proc.pid, *children(proc.pid)]:
            try:
                rows.append((label(pid), pid, rss_kib(pid) / 1024))
            except OSError:
                continue
        return [r for r in rows if not r[0].startswith(("beam", "epmd", "erl", "inet_gethost"))]
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(60)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)


def report(rows) -> float:
    total = sum(mib for _, _, mib in rows)
    print(f"\n{'idle involve up, process':<34}{'RSS MiB':>10}")
    for name, _, mib in sorted(rows, key=lambda r: -r[2]):
        print(f"{name:<34}{mib:>10.1f}")
    print(f"{'total (' + str(len(rows)) + ' processes, broker excluded)':<34}{total:>10.1f}"
          f"   (target <= 600)")
    return total


if __name__ == "__main__":
    work = Path(tempfile.mkdtemp(prefix="involve-footprint-rabbit-"))
    work.chmod(0o755)
    rabbit = LocalRabbit(work / "rabbit", port=free_port(), management_port=free_port(),
                         nodename=f"involvefootprint{os.getpid()}@localhost")
    rabbit.start()
    try:
        report(idle_footprint(rabbit.amqp_uri, dict(os.environ)))
    finally:
        rabbit.stop()
