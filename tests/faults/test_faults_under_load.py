"""Faults under a steady write load through the gateway: RabbitMQ, each service, PostgreSQL and
the gateway killed and restarted, each in turn, with every journey that writes running.

After each: every write answered 2xx is stored and its event reached an integrator's durable
queue; nothing was stored twice or alerted twice; nothing was done in part; refused writes got
a clear 503 (or 429); no request waited longer than its RPC calls' timeouts; the journeys that
do not go through a killed service were not refused at all. Figures per fault are printed at
the end of the run (``faults under load``).
"""
from __future__ import annotations

import time

import eventlet
import pytest

from .helpers import BACKEND, HEALTHY, JOURNEYS, run_phase, verify, watch_health


def restart_service(name, pause=1.0):
    def inject(world):
        world.services.kill(name)
        time.sleep(pause)
        world.services.start(name)
        restarted = time.monotonic()
        if name != "gateway":
            world.watchers.append(watch_health(world, name, name, restarted))
        return restarted
    return inject


def restart_broker(world):
    world.broker.kill()
    time.sleep(5)  # as an operator restarting it would
    world.broker.start()
    return time.monotonic()


def restart_postgres(world):
    world.postgres.stop_immediate()  # no checkpoint: crash recovery when it starts
    time.sleep(2)
    world.postgres.start()
    return time.monotonic()


FAULTS = {
    **{name: (restart_service(name), {name}) for name in BACKEND},
    "gateway": (restart_service("gateway"), None),
    "postgresql": (restart_postgres, None),
    "rabbitmq": (restart_broker, None),
}


@pytest.mark.parametrize("fault", list(FAULTS))
def test_nothing_accepted_is_lost_when(world, fault):
    inject, affected = FAULTS[fault]
    writes, restarted = run_phase(world, fault, inject)
    recovery = None
    for watcher in world.watchers:
        with eventlet.Timeout(60):
            watcher.wait()
    world.watchers.clear()
    if affected and not any(j.needs & affected for j in JOURNEYS):
        # no journey writes through it (yet): it must come back, and nothing else may notice
        recovery = (HEALTHY[fault], HEALTHY[fault])
    verify(world, fault, writes, restarted, affected, recovery=recovery)
    assert not world.services.exited()
