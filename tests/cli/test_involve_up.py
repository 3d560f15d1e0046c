"""`involve up` brings the whole platform up in one command, starts again a service that dies,
and Ctrl-C leaves nothing behind."""
import json
import os
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from involve.cli.rabbit import free_port, port_open


def children_of(pid):
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            found.append(int(stat.parent.name))
    return found


def alive(pid):
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def wait_for_line(path, text, timeout):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        lines = path.read_text().splitlines() if path.exists() else []
        found = [line for line in lines if text in line]
        if found:
            return found
        time.sleep(0.2)
    raise AssertionError(f"no line with {text!r} in:\n{path.read_text()}")


def health(port):
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=10) as response:
            return json.loads(response.read())
    except urllib.error.HTTPError as exc:
        return json.loads(exc.read())


def admin_then_up(env, port, out):
    """The first administrator made with `involve identity create-admin`, then `involve up`
    started (its output and errors in ``out``, so a failure shows why); returns the running
    `involve up`."""
    from tests.support.faults import ADMIN_EMAIL, ADMIN_PASSWORD

    made = subprocess.run([sys.executable, "-m", "involve.cli.main", "identity", "create-admin",
                           "--email", ADMIN_EMAIL, "--name", "Ada Admin"],
                          env={**env, "INVOLVE_ADMIN_PASSWORD": ADMIN_PASSWORD},
                          capture_output=True, text=True, timeout=120)
    assert made.returncode == 0, made.stderr
    with open(out, "w") as handle:
        return subprocess.Popen([sys.executable, "-m", "involve.cli.main", "up", "--port",
                                 str(port)], env=env, stdout=handle, stderr=subprocess.STDOUT,
                                text=True)


@pytest.mark.parametrize("fork", ["true", "false"], ids=["forked", "fresh-interpreters"])
def test_up_runs_every_service_restarts_one_that_dies_and_ctrl_c_stops_them_all(
        amqp_uri_for_clients, tmp_path, fork):
    """Forked from one process that loaded every service's code (the default), and each a
    fresh interpreter (UP_FORK=false)."""
    port = free_port()
    env = {**os.environ, "INVOLVE_AMQP_URI": amqp_uri_for_clients,
           "INVOLVE_DATA_DIR": str(tmp_path / "data"), "INVOLVE_UP_FORK": fork}
    out = tmp_path / "up.out"
    with open(out, "w") as handle:
        up = subprocess.Popen([sys.executable, "-m", "involve.cli.main", "up", "--port", str(port)],
                              env=env, stdout=handle, stderr=subprocess.DEVNULL, text=True)
    seen = set()
    try:
        lines = wait_for_line(out, "Involve is running at", 120)
        assert any(f"http://localhost:{port}" in line for line in lines), lines
        report = health(port)
        assert report["status"] == "ok"
        assert set(report["services"]) == {"identity", "panels", "mystery_shopping", "feedback",
                                           "commissioning", "reporting", "webhooks"}
        services = children_of(up.pid)
        seen.update(services)
        assert len(services) == 8  # seven back-end services and the gateway
        # each one says which it is in ps and top; forked ones are not fresh interpreters
        cmdlines = [Path(f"/proc/{pid}/cmdline").read_text().replace("\0", " ").split()
                    for pid in services]
        assert {args[-1] for args in cmdlines} == set(report["services"]) | {"gateway"}
        assert all((args[:2] == ["involve", "service"]) == (fork == "true") for args in cmdlines)
        assert sorted(p.name for p in (tmp_path / "data").glob("*.db")) == [
            "commissioning.db", "feedback.db", "identity.db", "mystery_shopping.db", "panels.db",
            "reporting.db", "webhooks.db"]

        # The kernel's OOM killer takes one service: it is started again, and said so.
        victim = next(pid for pid in services
                      if "panels" in Path(f"/proc/{pid}/cmdline").read_text())
        os.kill(victim, signal.SIGKILL)
        stopped = wait_for_line(out, "the panels service stopped unexpectedly", 10)
        assert "exit code -9" in stopped[0] and "starting it again in 1 s" in stopped[0]
        wait_for_line(out, "the panels service started again", 10)
        deadline = time.monotonic() + 60
        while health(port)["services"]["panels"]["status"] != "up":
            assert time.monotonic() < deadline, health(port)
            time.sleep(0.5)
        services = children_of(up.pid)
        seen.update(services)
        assert len(services) == 8 and victim not in services
        assert up.poll() is None  # the rest kept running throughout
    finally:
        up.send_signal(signal.SIGINT)
        up.wait(timeout=60)
    rest = out.read_text()
    assert up.returncode == 0, rest
    assert "Nothing is left running" in rest
    assert not [pid for pid in seen if alive(pid)]
    assert not port_open("127.0.0.1", port)


def test_up_starts_its_broker_again_when_it_is_killed_and_no_service_stops(tmp_path):
    """What `make run` gives an operator: the private RabbitMQ killed with SIGKILL comes back
    on the same data, every service rides it out, and writes are accepted again."""
    import shutil
    import tempfile

    from tests.support.faults import ADMIN_EMAIL, ADMIN_PASSWORD
    from tests.support.running import Client

    data = Path(tempfile.mkdtemp(prefix="involve-up-"))
    data.chmod(0o755)  # the rabbitmq user must reach the broker's folder inside it
    port, amqp = free_port(), free_port()
    env = {**os.environ, "INVOLVE_AMQP_URI": f"pyamqp://guest:guest@127.0.0.1:{amqp}/",
           "INVOLVE_DATA_DIR": str(data), "INVOLVE_RPC_TIMEOUT_SECONDS": "10"}
    out = tmp_path / "up.out"
    up = admin_then_up(env, port, out)
    try:
        wait_for_line(out, "Involve is running at", 180)
        services = children_of(up.pid)
        admin = Client(f"http://127.0.0.1:{port}").sign_in(ADMIN_EMAIL, ADMIN_PASSWORD)
        assert admin.post("/api/v1/organisations", {"name": "Before The Blip"})[0] == 201
        broker = int((data / "rabbitmq" / "rabbit.pid").read_text())
        os.kill(broker, signal.SIGKILL)
        wait_for_line(out, "the local RabbitMQ stopped unexpectedly", 10)
        wait_for_line(out, "the local RabbitMQ started again on the same data", 120)
        deadline = time.monotonic() + 60
        while admin.post("/api/v1/organisations", {"name": "After The Blip"})[0] != 201:
            assert time.monotonic() < deadline, out.read_text()
            time.sleep(0.5)
        names = {o["name"] for o in admin.get("/api/v1/organisations")[1]}
        assert {"Before The Blip", "After The Blip"} <= names
        assert children_of(up.pid) == services  # not one service stopped or was restarted
        assert "service stopped unexpectedly" not in out.read_text()
        new_broker = int((data / "rabbitmq" / "rabbit.pid").read_text())
    finally:
        up.send_signal(signal.SIGINT)
        up.wait(timeout=90)
        shutil.rmtree(data, ignore_errors=True)
    assert up.returncode == 0 and "Nothing is left running" in out.read_text()
    assert not alive(new_broker) and not [pid for pid in services if alive(pid)]


def test_a_story_told_on_the_forked_platform_is_moderated_published_and_counted(
        amqp_uri_for_clients, tmp_path):
    """The forked services (the default) carry a journey across four of them: the gateway,
    identity (accounts), feedback (the story) and reporting (the event that counts it)."""
    from tests.gateway.reporting.helpers import figures, wait_for
    from tests.support.faults import ADMIN_EMAIL, ADMIN_PASSWORD
    from tests.support.feedback import make_setting, moderate_and_publish, submit
    from tests.support.running import Client

    port, data = free_port(), tmp_path / "data"
    env = {**os.environ, "INVOLVE_AMQP_URI": amqp_uri_for_clients, "INVOLVE_DATA_DIR": str(data),
           "INVOLVE_RPC_TIMEOUT_SECONDS": "10"}
    out = tmp_path / "up.out"
    up = admin_then_up(env, port, out)
    try:
        wait_for_line(out, "Involve is running at", 120)
        platform = f"http://127.0.0.1:{port}"
        admin = Client(platform).sign_in(ADMIN_EMAIL, ADMIN_PASSWORD)
        setting = make_setting(platform, admin, str(data))
        story = submit(setting)
        moderate_and_publish(setting, story["story_id"], checked=True)
        status, public = Client(platform).get(f"{setting.api}/stories/{story['story_id']}")
        assert status == 200 and public["title"] == "Waiting in reception", public
        dashboard = f"/api/v1/organisations/{setting.org}/reporting/dashboard"
        wait_for(lambda: figures(admin.get(dashboard)[1])["stories_published"] == 1,
                 what="reporting to count the published story")
        assert "service stopped unexpectedly" not in out.read_text()
    finally:
        up.send_signal(signal.SIGINT)
        up.wait(timeout=60)
    assert up.returncode == 0, out.read_text()[-3000:]
