"""Memory of every process of an idle `involve up` (the broker excluded), as it runs by default
(each service forked from one process that loaded their code, UP_FORK=true) and as it ran
before (a fresh interpreter per service, UP_FORK=false), in the same run.

Starts `involve up` on the given RabbitMQ (so it starts no broker of its own) with a fresh data
folder, waits until it is healthy and then a few seconds more (idle), and reads each process's
memory from /proc: RSS (resident pages, counting a page shared by several processes once in
each of them) and PSS (each shared page divided among the processes sharing it). The sum of PSS
is what the processes hold together, and the 600 MiB target is read against it; the sum of RSS
is printed beside it. Run on its own: `python bench/footprint.py` (a private RabbitMQ), or used
by bench_rpc.py.
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


def memory_kib(pid: int) -> tuple[int, int]:
    """(RSS, PSS) of a process in KiB."""
    found = {}
    with open(f"/proc/{pid}/smaps_rollup") as rollup:
        for line in rollup:
            key, _, rest = line.partition(":")
            if key in ("Rss", "Pss"):
                found[key] = int(rest.split()[0])
    return found.get("Rss", 0), found.get("Pss", 0)


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
        # a forked service has renamed itself "involve service NAME" (one string)
        args = cmdline.read().decode(errors="replace").replace("\0", " ").split()
    if "service" in args:
        return args[args.index("service") + 1]
    if "up" in args:
        return "involve up (supervisor)"
    return Path(args[0]).name


def idle_footprint(amqp: str, env: dict, settle_seconds: float = 5.0, timeout: float = 240.0,
                   fork: bool = True) -> list[tuple[str, int, float, float]]:
    """[(process, pid, RSS MiB, PSS MiB)] of an idle `involve up` on ``amqp``."""
    port = free_port()
    data = Path(tempfile.mkdtemp(prefix="involve-footprint-"))
    proc = subprocess.Popen(
        [sys.executable, "-m", "involve.cli.main", "up", "--port", str(port)],
        env={**env, "INVOLVE_AMQP_URI": amqp, "INVOLVE_DATA_DIR": str(data),
             "INVOLVE_LOG_LEVEL": "WARNING", "INVOLVE_UP_FORK": "true" if fork else "false"},
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
                rss, pss = memory_kib(pid)
                rows.append((label(pid), pid, rss / 1024, pss / 1024))
            except OSError:
                continue
        return [r for r in rows if not r[0].startswith(("beam", "epmd", "erl", "inet_gethost"))]
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(60)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)


def both(amqp: str, env: dict) -> dict[str, list]:
    """The idle footprint forked (as `involve up` runs) and as fresh interpreters, one after
    the other on the same broker."""
    return {"forked": idle_footprint(amqp, env, fork=True),
            "fresh interpreters": idle_footprint(amqp, env, fork=False)}


def totals(rows) -> tuple[float, float]:
    return sum(r[2] for r in rows), sum(r[3] for r in rows)


def report(runs: dict[str, list]) -> float:
    """Prints each process's RSS and PSS in each way of running; returns the forked PSS total."""
    names = list(runs)
    header = "".join(f"{n + ' RSS':>26}{'PSS':>8}" for n in names)
    print(f"\n{'idle involve up, process (MiB)':<30}{header}")
    by_name = [{r[0]: r for r in runs[n]} for n in names]
    for process in sorted(by_name[0], key=lambda p: -by_name[0][p][3]):
        cells = "".join(f"{t[process][2]:>26.1f}{t[process][3]:>8.1f}" if process in t
                        else f"{'-':>26}{'-':>8}" for t in by_name)
        print(f"{process:<30}{cells}")
    sums = [totals(runs[n]) for n in names]
    print(f"{'total (broker excluded)':<30}" + "".join(f"{r:>26.1f}{p:>8.1f}" for r, p in sums))
    forked = sums[0][1]
    if len(sums) > 1:
        print(f"together (PSS), forked / fresh interpreters: {forked / sums[1][1]:.2f}; "
              f"forked {forked:.0f} MiB (target <= 600 MiB: "
              f"{'met' if forked <= 600 else 'not met'})")
    return forked


if __name__ == "__main__":
    work = Path(tempfile.mkdtemp(prefix="involve-footprint-rabbit-"))
    work.chmod(0o755)
    rabbit = LocalRabbit(work / "rabbit", port=free_port(), management_port=free_port(),
                         nodename=f"involvefootprint{os.getpid()}@localhost")
    rabbit.start()
    try:
        report(both(rabbit.amqp_uri, dict(os.environ)))
    finally:
        rabbit.stop()
