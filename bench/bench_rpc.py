"""Gateway -> service throughput beside a bare Nameko echo RPC, measured in the same run.

Runs the identity service, the gateway and a bare echo service as separate processes on a real
RabbitMQ (RABBIT_URL, or a private local node), then measures:
  * bare echo: HTTP GET /echo/<v> on a bare Nameko service that calls another over RPC
    (one HTTP hop and one RPC: the floor cost of any gateway read), and
  * gateway: HTTP GET /api/v1/organisations/<id> with an API token (HTTP -> gateway -> RPC to
    identity to check the token (a small write: last used) -> RPC to identity for the
    organisation -> SQLite): an authenticated read, as integrators make it.
Prints requests per second, latency percentiles and the ratio. Numbers, not pass/fail.
"""
import warnings

warnings.filterwarnings("ignore", message=r"(?s).*Eventlet is deprecated")

import eventlet

eventlet.monkey_patch()

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from eventlet.greenpool import GreenPool
from involve.cli.rabbit import LocalRabbit, free_port
from tqdm import tqdm

HERE = Path(__file__).resolve().parent


def measure(label, call, count, concurrency):
    latencies = []

    def one(_):
        started = time.perf_counter()
        call()
        latencies.append(time.perf_counter() - started)

    pool = GreenPool(concurrency)
    started = time.perf_counter()
    for _ in tqdm(pool.imap(one, range(count)), total=count, desc=label, file=sys.stderr,
                  leave=False):
        pass
    elapsed = time.perf_counter() - started
    latencies.sort()
    return {
        "label": label, "requests": count, "concurrency": concurrency,
        "per_second": count / elapsed,
        "p50_ms": 1000 * statistics.median(latencies),
        "p99_ms": 1000 * latencies[int(0.99 * (len(latencies) - 1))],
    }


def wait_for(url, timeout=90):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except OSError:
            time.sleep(0.3)
    raise SystemExit(f"{url} did not answer in {timeout}s")


def set_up_reader(base, env):
    """An administrator (made by the real CLI), an organisation, and an API token that may read
    it: the gateway read measured is an authenticated one, as integrators make it."""
    import http.cookiejar

    password = "bench admin password"
    subprocess.run([sys.executable, "-m", "involve.cli.main", "identity", "create-admin",
                    "--email", "bench@example.org", "--name", "Bench"],
                   env={**env, "INVOLVE_ADMIN_PASSWORD": password}, check=True,
                   stdout=subprocess.DEVNULL)
    opener = urllib.request.build_opener(
        urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))

    def post(path, body, csrf=None):
        request = urllib.request.Request(
            base + path, data=json.dumps(body).encode(), method="POST",
            headers={"Content-Type": "application/json", **({"X-CSRF-Token": csrf} if csrf else {})})
        with opener.open(request, timeout=30) as response:
            return json.loads(response.read())

    deadline = time.monotonic() + 60
    while True:  # identity may still be starting
        try:
            csrf = post("/api/v1/auth/sign-in", {"email": "bench@example.org",
                                                 "password": password})["csrf_token"]
            break
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.5)
    org = post("/api/v1/organisations", {"name": "Bench Org"}, csrf)
    token = post(f"/api/v1/organisations/{org['id']}/tokens",
                 {"name": "bench", "permissions": ["organisations.read"]}, csrf)["token"]
    return token, org


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--concurrency", type=int, default=10)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="involve-bench-"))
    work.chmod(0o755)  # the broker runs as the rabbitmq user when started by root
    rabbit = None
    amqp = os.environ.get("RABBIT_URL")
    if not amqp:
        rabbit = LocalRabbit(work / "rabbit", port=free_port(), management_port=free_port(),
                             nodename=f"involvebench{os.getpid()}@localhost")
        print("starting a private RabbitMQ...", file=sys.stderr)
        rabbit.start()
        amqp = rabbit.amqp_uri
    gateway_port = free_port()
    env = {**os.environ, "INVOLVE_AMQP_URI": amqp, "INVOLVE_DATA_DIR": str(work / "data"),
           "INVOLVE_LOG_LEVEL": "WARNING", "PYTHONPATH": str(HERE)}
    procs = []
    try:
        for name, address in (("identity", f"127.0.0.1:{free_port()}"),
                              ("gateway", f"127.0.0.1:{gateway_port}")):
            procs.append(subprocess.Popen(
                [sys.executable, "-m", "involve.cli.main", "service", name],
                env={**env, "INVOLVE_WEB_SERVER_ADDRESS": address}))
        echo_port = free_port()
        echo_base = f"http://127.0.0.1:{echo_port}"
        procs.append(subprocess.Popen(
            [sys.executable, "-m", "nameko", "run", "--define", f"AMQP_URI={amqp}",
             "--define", f"WEB_SERVER_ADDRESS=127.0.0.1:{echo_port}",
             "echo_service:EchoService", "echo_service:EchoCaller"],
            env=env, cwd=HERE, stderr=subprocess.DEVNULL))
        base = f"http://127.0.0.1:{gateway_port}"
        wait_for(base + "/")
        token, org = set_up_reader(base, env)

        def bare():
            with urllib.request.urlopen(f"{echo_base}/echo/{org['id']}", timeout=30) as r:
                r.read()

        wait_for(f"{echo_base}/echo/warm-up")
        echo = measure("bare echo", bare, args.requests, args.concurrency)

        def through_gateway():
            read = urllib.request.Request(f"{base}/api/v1/organisations/{org['id']}",
                                          headers={"Authorization": f"Bearer {token}"})
            with urllib.request.urlopen(read, timeout=30) as r:
                r.read()

        gateway = measure("gateway", through_gateway, args.requests, args.concurrency)
    finally:
        for proc in procs:
            proc.terminate()
        for proc in procs:
            proc.wait(30)
        if rabbit:
            rabbit.stop()
    ratio = gateway["per_second"] / echo["per_second"]
    if args.json:
        print(json.dumps({"echo": echo, "gateway": gateway, "ratio": ratio}, indent=2))
        return
    print(f"\n{'what':<12}{'req/s':>10}{'p50 ms':>10}{'p99 ms':>10}   ({args.requests} requests, "
          f"{args.concurrency} at a time, {os.cpu_count()} cores)")
    for row in (echo, gateway):
        print(f"{row['label']:<12}{row['per_second']:>10.0f}{row['p50_ms']:>10.1f}{row['p99_ms']:>10.1f}")
    print(f"gateway / bare echo throughput ratio: {ratio:.2f}")


if __name__ == "__main__":
    main()
