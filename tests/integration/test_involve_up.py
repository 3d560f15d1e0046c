"""`involve up` brings the whole platform up in one command and Ctrl-C leaves nothing behind."""
import json
import os
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

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


def test_up_runs_every_service_and_ctrl_c_stops_them_all(amqp_uri_for_clients, tmp_path):
    port = free_port()
    env = {**os.environ, "INVOLVE_AMQP_URI": amqp_uri_for_clients,
           "INVOLVE_DATA_DIR": str(tmp_path / "data")}
    up = subprocess.Popen([sys.executable, "-m", "involve.cli.main", "up", "--port", str(port)],
                          env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    try:
        lines = []
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            line = up.stdout.readline()
            if not line:
                break
            lines.append(line)
            if "Involve is running at" in line:
                break
        assert any(f"http://localhost:{port}" in line for line in lines), lines
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=10) as response:
            health = json.loads(response.read())
        assert health["status"] == "ok"
        assert set(health["services"]) == {"identity", "panels", "mystery_shopping", "feedback",
                                           "commissioning", "reporting"}
        services = children_of(up.pid)
        assert len(services) == 7  # six back-end services and the gateway
        assert sorted(p.name for p in (tmp_path / "data").glob("*.db")) == [
            "commissioning.db", "feedback.db", "identity.db", "mystery_shopping.db", "panels.db",
            "reporting.db"]
    finally:
        up.send_signal(signal.SIGINT)
        rest, _ = up.communicate(timeout=60)
    assert up.returncode == 0
    assert "Nothing is left running" in rest
    assert not [pid for pid in services if alive(pid)]
    assert not port_open("127.0.0.1", port)
