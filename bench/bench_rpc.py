"""Gateway -> service throughput beside a bare Nameko echo RPC, measured in the same run.

Runs the identity service, the gateway and a bare echo service as separate processes on a real
RabbitMQ (RABBIT_URL, or a private local node), then measures:
  * bare echo: HTTP GET /echo/<v> on a bare Nameko service that calls another over RPC
    (one HTTP hop and one RPC: the floor cost of any gateway read), and
  * gateway: HTTP GET /api/v1/organisations/<id> with an API token (HTTP -> gateway -> RPC to
    identity to check the token (a small write: last used) -> RPC to identity for the
    organisation -> SQLite): an authenticated read, as integrators make it.
The two are measured in alternating rounds (--rounds) in the same run, so both see the same load
on a shared machine; the load average is printed beside the figures. Then (unless
--no-footprint) it starts an idle `involve up` on the same broker, forked and as fresh
interpreters, and prints the memory of each of its processes and the totals
(bench/footprint.py). With POSTGRES_URL set, every
service uses fresh PostgreSQL databases on that server instead of SQLite.
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
from involve.kernel.registry import BACKEND

sys.path.insert(0, str(Path(__file__).resolve().parent))
import footprint
import pg

HERE = Path(__file__).resolve().parent


def load_average() -> str:
    return " ".join(open("/proc/loadavg").read().split()[:3])


def timed(call, count, concurrency):
    """(seconds, latencies) of ``count`` calls, ``concurrency`` at a time."""
    latencies = []

    def one(_):
        started = time.perf_counter()
        call()
        latencies.append(time.perf_counter() - started)

    pool = GreenPool(concurrency)
    started = time.perf_counter()
    for _ in pool.imap(one, range(count)):
        pass
    return time.perf_counter() - started, latencies


def measure_alternately(calls: dict, count, concurrency, rounds):
    """Each of ``calls`` ({label: call}) ``count`` times, in ``rounds`` alternating rounds."""
    seconds = dict.fromkeys(calls, 0.0)
    latencies = {label: [] for label in calls}
    share = max(1, count // rounds)
    loads = []
    for number in range(rounds):
        for label, call in calls.items():
            took, waited = timed(call, share, concurrency)
            seconds[label] += took
            latencies[label] += waited
        loads.append(load_average())
        print(f"round {number + 1}/{rounds} done (load {loads[-1]})", file=sys.stderr)
    rows = {}
    for label in calls:
        waited = sorted(latencies[label])
        rows[label] = {"label": label, "requests": len(waited), "concurrency": concurrency,
                       "per_second": len(waited) / seconds[label],
                       "p50_ms": 1000 * statistics.median(waited),
                       "p99_ms": 1000 * waited[int(0.99 * (len(waited) - 1))]}
    return rows, loads


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
    parser.add_argument("--rounds", type=int, default=4,
                        help="alternating rounds of echo and gateway requests")
    parser.add_argument("--profile", action="store_true",
                        help="sample the gateway with py-spy during its rounds and print the "
                             "top functions (the profile kept in docs/performance.md)")
    parser.add_argument("--no-footprint", dest="footprint", action="store_false",
                        help="skip the resident memory of an idle `involve up`")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()

    with pg.databases(BACKEND) as database_url:
        run(args, database_url)


def run(args, database_url):
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
           "INVOLVE_LOG_LEVEL": "WARNING", "PYTHONPATH": str(HERE),
           "INVOLVE_DATABASE_URL": database_url}
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

        def through_gateway():
            read = urllib.request.Request(f"{base}/api/v1/organisations/{org['id']}",
                                          headers={"Authorization": f"Bearer {token}"})
            with urllib.request.urlopen(read, timeout=30) as r:
                r.read()

        through_gateway()  # warm up
        if args.profile:
            profile_lines = profile(procs[1].pid, through_gateway, args, work)
        rows, loads = measure_alternately({"bare echo": bare, "gateway": through_gateway},
                                          args.requests, args.concurrency, args.rounds)
        echo, gateway = rows["bare echo"], rows["gateway"]
    finally:
        for proc in procs:
            proc.terminate()
        for proc in procs:
            proc.wait(30)
    try:
        memory = footprint.both(amqp, env) if args.footprint else None
    finally:
        if rabbit:
            rabbit.stop()
    ratio = gateway["per_second"] / echo["per_second"]
    if args.json:
        print(json.dumps({"echo": echo, "gateway": gateway, "ratio": ratio, "load": loads,
                          "database": pg.label(),
                          "footprint_mib": memory and {
                              way: {f"{n} ({p})": {"rss": r, "pss": s} for n, p, r, s in rows}
                              for way, rows in memory.items()}},
                         indent=2))
        return
    print(f"\n{'what':<12}{'req/s':>10}{'p50 ms':>10}{'p99 ms':>10}   ({echo['requests']} requests "
          f"each, {args.concurrency} at a time, {args.rounds} alternating rounds, "
          f"{os.cpu_count()} cores, {pg.label()})")
    for row in (echo, gateway):
        print(f"{row['label']:<12}{row['per_second']:>10.0f}{row['p50_ms']:>10.1f}{row['p99_ms']:>10.1f}")
    print(f"gateway (authenticated read) / bare echo throughput ratio: {ratio:.2f}   "
          f"(target >= 0.7; load average after each round: {'; '.join(loads)})")
    if args.profile:
        print("\n" + "\n".join(profile_lines))
    if memory is not None:
        footprint.report(memory)


def profile(pid, call, args, work, top=15):
    """py-spy samples the gateway process while it answers ``args.requests`` reads; returns the
    report lines: the functions most often on the stack (total) and running (self)."""
    import collections

    out = work / "gateway.pyspy"
    sampler = subprocess.Popen([str(Path(sys.executable).parent / "py-spy"), "record", "-p",
                                str(pid), "-r", "250", "-f", "raw", "-o", str(out)],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    time.sleep(1.0)
    timed(call, args.requests, args.concurrency)
    sampler.send_signal(2)
    sampler.wait(60)
    total, own = collections.Counter(), collections.Counter()
    samples = 0
    for line in out.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        frames = [f.split(" (")[0] + " (" + f.split(" (")[1].split(":")[0].rsplit("/", 1)[-1]
                  + ")" if " (" in f else f for f in stack.split(";")]
        n = int(count)
        # an idle hub (waiting for the network) is not work: count only samples doing something
        if frames and ("wait (eventlet" in frames[-1] or "poll (" in frames[-1]
                       or "epoll" in frames[-1] or "select (" in frames[-1]):
            continue
        samples += n
        own[frames[-1]] += n
        for frame in set(frames):
            total[frame] += n
    lines = [f"py-spy, gateway process, {samples} busy samples during {args.requests} "
             f"authenticated reads (load {load_average()})", f"{'total %':>8} {'self %':>7}  function"]
    for frame, n in total.most_common(top):
        lines.append(f"{100 * n / samples:>8.1f} {100 * own[frame] / samples:>7.1f}  {frame}")
    lines.append("most time running (self):")
    for frame, n in own.most_common(8):
        lines.append(f"{100 * total[frame] / samples:>8.1f} {100 * n / samples:>7.1f}  {frame}")
    return lines


if __name__ == "__main__":
    main()
