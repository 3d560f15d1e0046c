"""A three-node RabbitMQ cluster with every platform queue a quorum queue: one node killed
under load loses nothing accepted, consumers move to the nodes left, writes go on."""
from __future__ import annotations

import json
import time

import pytest

from tests.support.faults import BrokerCluster

from .helpers import FIGURES, PUBLISHERS, run_phase, start_world, stop_world, verify

QUORUM = {"INVOLVE_EVENT_QUEUE_TYPE": "quorum", "INVOLVE_RPC_QUEUE_TYPE": "quorum"}


@pytest.fixture(scope="module")
def cluster_world(tmp_path_factory):
    cluster = BrokerCluster(3)
    cluster.start()
    try:
        world = start_world(tmp_path_factory.mktemp("cluster"), broker=cluster,
                            services_env=QUORUM,
                            integrator_arguments={"x-queue-type": "quorum"},
                            backend=PUBLISHERS)  # the services the journeys write through
        yield world
        stop_world(world)
    finally:
        cluster.remove()


def queues(cluster, node):
    out = cluster.ctl(node, "list_queues", "name", "type", "leader", "consumers", "--formatter",
                      "json").stdout
    return json.loads(out[out.index("["):])


def consumed(queues_found):
    """The queues the services consume from (not the retry and parked ones, nor integrators')."""
    return [q for q in queues_found if q["name"].startswith(("evt-", "rpc-"))
            and not q["name"].endswith((".retry", ".parked"))]


def wait_until_consumed_on(cluster, node, lost_node, timeout=60.0):
    """The queues once every consumed queue shows consumers and none is led from the lost node.

    ``list_queues``' consumer count is a figure each quorum queue's leader refreshes on its tick
    (every 5 s), not a live count: just after a new leader is elected it says 0 although the
    consumers are already attached there (they reconnect within a second or two). So look
    again until it is refreshed, for at most ``timeout`` seconds, and if it never is, show what
    the remaining nodes' channels (a live count) say.
    """
    deadline = time.monotonic() + timeout
    while True:
        found = queues(cluster, node)
        idle = [(q["name"], q["consumers"]) for q in consumed(found) if not q["consumers"]]
        on_lost = [q["name"] for q in found if q["leader"] == lost_node]
        if consumed(found) and not idle and not on_lost:
            return found
        if time.monotonic() > deadline:
            channels = cluster.ctl(node, "list_channels", "connection", "consumer_count",
                                   check=False).stdout
            raise AssertionError(f"after {timeout:.0f} s: consumed queues with no consumer "
                                 f"{idle}; led from the lost node {on_lost}; channels on "
                                 f"{node.node.nodename}:\n{channels}")
        time.sleep(1)


def test_losing_one_node_of_three_loses_nothing(cluster_world):
    world = cluster_world
    cluster = world.broker
    first, rest = cluster.nodes[0], cluster.nodes[1:]
    before = queues(cluster, rest[0])
    platform = [q for q in before if q["name"].startswith(("evt-", "rpc-", "rpc.reply-",
                                                            "integrator-"))]
    assert len([q for q in platform if q["name"].startswith("evt-")]) >= 12  # 4 handlers x 3
    assert {q["type"] for q in platform} == {"quorum"}, [
        (q["name"], q["type"]) for q in platform if q["type"] != "quorum"]
    # every client connected to the first node listed: kill that one
    lost_node = first.node.nodename

    def kill_first(world):
        cluster.kill(0)
        return time.monotonic()

    writes, killed = run_phase(world, "cluster", kill_first)
    line = verify(world, "cluster", writes, killed, None)
    # consumers moved to the nodes left (and the writes after the loss were answered by them)
    wait_until_consumed_on(cluster, rest[0], lost_node)
    FIGURES[-1] = line.replace("cluster          ", "1 of 3 nodes lost", 1)
