"""What the fault suite's modules share: the platform it breaks (a World: its own RabbitMQ
node or cluster, its own PostgreSQL cluster, every service as a real process, the people and
settings the journeys need, an integrator's durable queue on each exchange), the write load
that runs while a fault is injected, and the checks made afterwards.

Test modules import this (a test module never imports another test module or a conftest).
"""
from __future__ import annotations

import collections
import itertools
import json
import time
import urllib.error
import urllib.request

import eventlet
from kombu import Connection, Exchange, Queue

from involve.kernel.registry import BACKEND as REGISTRY_BACKEND
from tests.support.accounts import PASSWORD, invite_and_register
from tests.support.faults import ADMIN_EMAIL, ADMIN_PASSWORD, OwnPostgres, Services, create_admin
from tests.support.running import Client

from .journeys import HOUSEHOLD_KEY, JOURNEYS

# every back-end service in the registry, so a new one is killed and restarted too
BACKEND = tuple(REGISTRY_BACKEND)
PUBLISHERS = ("identity", "panels", "mystery_shopping", "feedback")
RPC_TIMEOUT = 15
FIGURES: list[str] = []  # one line per fault, printed at the end of the run (conftest.py)
PACE = 0.3  # seconds between one writer's requests
STEADY = 2.0  # seconds of load before the fault
AFTER = 3  # accepted writes per journey after the restart before the load stops
HEALTHY = {}  # fault -> seconds from restart until /health said the service was up


def watch_health(world, fault, name, restarted):
    """In the background: when /health first says ``name`` is up again."""
    def watch():
        while True:
            try:
                with urllib.request.urlopen(world.url + "/health", timeout=5) as response:
                    report = json.loads(response.read())
            except urllib.error.HTTPError as exc:
                report = json.loads(exc.read() or b"{}")
            except OSError:
                report = {}
            if report.get("services", {}).get(name, {}).get("status") == "up":
                HEALTHY[fault] = time.monotonic() - restarted
                return
            eventlet.sleep(0.1)
    return eventlet.spawn(watch)


class World:
    """Everything the journeys and checks share."""

    def __init__(self, broker, services, postgres=None, engines=None):
        self.broker = broker
        self.services = services
        self.postgres = postgres
        self.engines = engines or {}
        self.url = services.url
        self.events: dict[str, dict] = {}
        self.deliveries = collections.Counter()
        self.to_moderate = collections.deque()
        self.campaigns: dict[str, str] = {}
        self.rounds: dict[str, str] = {}
        self.watchers: list = []

    # --- an integrator's durable queues ------------------------------------------------------
    def declare_integrator_queues(self, queue_arguments=None):
        self.integrator = [Queue(f"integrator-{s}", Exchange(f"{s}.events", type="topic",
                                                              durable=True),
                                 routing_key="#", durable=True, queue_arguments=queue_arguments)
                           for s in PUBLISHERS]
        with Connection(self.broker.amqp_uri) as connection:
            for queue in self.integrator:
                queue(connection.default_channel).declare()

    def drain(self, uri=None) -> int:
        """Take everything waiting in the integrator's queues; returns how many messages."""
        got = 0
        with Connection(uri or self.broker.amqp_uri) as connection:
            channel = connection.channel()
            for queue in self.integrator:
                while True:
                    message = channel.basic_get(queue.name, no_ack=False)
                    if message is None:
                        break
                    body = json.loads(message.body)
                    self.events[body["id"]] = body
                    self.deliveries[body["id"]] += 1
                    channel.basic_ack(message.delivery_tag)
                    got += 1
            channel.close()
        return got

    def outbox_pending(self) -> int:
        from sqlalchemy import text

        total = 0
        for engine in self.engines.values():
            with engine.connect() as connection:
                total += connection.execute(
                    text("SELECT count(*) FROM outbox WHERE sent_at IS NULL")).scalar()
        return total

    def settle(self, timeout=60.0):
        """Until every outbox is empty and the integrator's queues hold nothing more."""
        deadline = time.monotonic() + timeout
        while True:
            try:
                pending = self.outbox_pending()
            except Exception:  # noqa: BLE001 - the database may still be coming back
                pending = -1
            self.drain()
            if pending == 0:
                time.sleep(0.5)
                if self.drain() == 0:
                    return
            assert time.monotonic() < deadline, f"outboxes never emptied ({pending} pending)"
            time.sleep(0.3)

    # --- set-up --------------------------------------------------------------------------------
    def people(self):
        data_dir = self.services.env["INVOLVE_DATA_DIR"]
        self.admin = Client(self.url).sign_in(ADMIN_EMAIL, ADMIN_PASSWORD)
        self.public = Client(self.url)
        status, org = self.admin.post("/api/v1/organisations", {"name": "Faults Trust"})
        assert status == 201, org
        self.org = self.feedback_org = org["id"]
        care = []
        for n in range(7):
            status, body = self.admin.post(f"/api/v1/organisations/{self.org}/care-services",
                                           {"name": f"Fixed service {n}", "kind": "addiction",
                                            "public_phone": "0114 000 0000"})
            assert status == 201, body
            care.append(body["id"])
        self.followed_service, self.mystery_services = care[0], care[1:]

        def member(name, role):
            email = f"{name}@faults.example"
            invite_and_register(self.admin, self.url, data_dir, self.org, email, role,
                                name=name.title())
            return Client(self.url).sign_in(email, PASSWORD)

        self.moderator = member("mo", "moderator")
        follower = member("sam", "staff")
        status, sub = follower.post(f"/api/v1/organisations/{self.org}/feedback/subscriptions",
                                    {"care_service_ids": [self.followed_service],
                                     "delivery": "digest"})
        assert status == 201, sub
        self.lead = member("lee", "involvement_lead")
        self.mystery_base = f"/api/v1/organisations/{self.org}/mystery-shopping"
        self.shoppers = []
        for name in ("ann", "bob", "cat"):
            shopper = member(name, "council_member")
            status, consent = shopper.put("/api/v1/me/consents",
                                          {"purpose": "mystery_shopping", "given": True})
            assert status == 200, consent
            status, body = self.lead.post(f"{self.mystery_base}/shoppers",
                                          {"person_id": shopper.person_id, "services_used": []})
            assert status == 201, body
            self.shoppers.append(shopper)
        status, sets = self.lead.get(f"{self.mystery_base}/question-sets")
        assert status == 200, sets
        self.question_set = next(s["id"] for s in sets if s["key"] == "involve.first-contact"
                                 and not s.get("superseded"))
        for journey in JOURNEYS:
            journey.prepare(self)


def start_world(tmp_path, *, broker, services_env=None, integrator_arguments=None,
                backend=BACKEND):
    """A broker (already started), PostgreSQL, every service, the people: a World."""
    from involve.kernel.db import make_engine

    postgres = OwnPostgres()
    postgres.start()
    postgres.create_databases([f"faults_{s}" for s in BACKEND])
    services = Services(tmp_path, broker.amqp_uri, {
        "INVOLVE_DATABASE_URL": postgres.url("faults_{service}"),
        "INVOLVE_RPC_TIMEOUT_SECONDS": str(RPC_TIMEOUT),
        "INVOLVE_PANELS_HOUSEHOLD_KEY": HOUSEHOLD_KEY,
        "INVOLVE_OUTBOX_POLL_SECONDS": "0.2",
        "INVOLVE_LOG_LEVEL": "WARNING",
        **(services_env or {})})
    world = World(broker, services, postgres,
                  {s: make_engine(postgres.url(f"faults_{s}")) for s in PUBLISHERS})
    try:
        world.declare_integrator_queues(integrator_arguments)
        create_admin(services)
        for name in (*backend, "gateway"):
            services.start(name)
        services.wait_healthy(backend)
        world.people()
    except BaseException:
        stop_world(world)
        raise
    return world


def stop_world(world):
    world.services.stop()
    for engine in world.engines.values():
        engine.dispose()
    if world.postgres is not None:
        world.postgres.remove()


def run_phase(world, phase, inject, journeys=JOURNEYS):
    """Load, fault, load until every journey writes again; returns (writes, restarted_at)."""
    for journey in journeys:
        journey.begin(world, phase)
    writes, state = [], {"stop": False, "restarted": None}

    def writer(journey, numbers):
        while not state["stop"]:
            write = journey.write(world, phase, next(numbers))
            if write is not None:
                writes.append(write)
            eventlet.sleep(PACE)

    threads = []
    for journey in journeys:
        numbers = itertools.count()
        threads += [eventlet.spawn(writer, journey, numbers) for _ in range(journey.writers)]
    try:
        eventlet.sleep(STEADY)
        state["restarted"] = restarted = inject(world)
        deadline = restarted + 90
        while time.monotonic() < deadline:
            gone = world.services.exited()
            assert not gone, f"a service stopped: {gone}\n{world.services.tails()}"
            after = {j.name: sum(1 for w in writes if w.journey == j.name
                                 and w.outcome == "accepted" and w.started >= restarted)
                     for j in journeys}
            if min(after.values()) >= AFTER:
                break
            eventlet.sleep(0.2)
        else:
            raise AssertionError(f"writes were not accepted again within 90 s: {after}\n"
                                 f"{world.services.tails()}")
    finally:
        state["stop"] = True
        for thread in threads:
            thread.wait()
    return writes, restarted


def verify(world, phase, writes, restarted, affected, journeys=JOURNEYS, recovery=None):
    """Checks every journey; returns the figures line. Raises on anything wrong."""
    world.settle()
    checks = {}
    deadline = time.monotonic() + 30
    while True:  # effects of events (alerts) follow their events by a moment
        checks = {j.name: j.check(world, phase, [w for w in writes if w.journey == j.name])
                  for j in journeys}
        if not any(c.pending for c in checks.values()) or time.monotonic() > deadline:
            break
        time.sleep(0.5)
        world.drain()
    time.sleep(1.0)  # give a wrong second alert or duplicate time to show up
    world.drain()
    checks = {j.name: j.check(world, phase, [w for w in writes if w.journey == j.name])
              for j in journeys}
    problems = [p for c in checks.values() for p in c.lost + c.twice + c.half + c.pending]
    wrong = [(w.journey, w.step, w.status) for w in writes if w.outcome == "wrong"]
    outcomes = {o: sum(1 for w in writes if w.outcome == o)
                for o in ("accepted", "refused", "unanswered", "retried")}
    slowest = max(w.seconds for w in writes)
    first = {j.name: min((w.finished - restarted for w in writes if w.journey == j.name
                          and w.outcome == "accepted" and w.started >= restarted), default=None)
             for j in journeys}
    spread = {}
    for journey in journeys:
        if affected is not None and not (journey.needs & affected):
            failed = sum(1 for w in writes if w.journey == journey.name
                         and w.outcome in ("refused", "unanswered"))
            if failed:
                spread[journey.name] = failed
    firsts = [v for j in journeys if affected is None or j.needs & affected
              for v in [first[j.name]] if v is not None]
    if recovery is None:
        recovery = (min(firsts), max(firsts))
    line = (f"{phase:17} accepted {outcomes['accepted']:4}  refused {outcomes['refused']:3}  "
            f"unanswered {outcomes['unanswered']:2}  lost {sum(len(c.lost) for c in checks.values())}"
            f"  applied twice {sum(len(c.twice) for c in checks.values())}  half-stored "
            f"{sum(len(c.half) for c in checks.values())}  refused-but-applied "
            f"{sum(len(c.refused_but_applied) for c in checks.values())}  recovery "
            f"{recovery[0]:5.1f} s (every journey {recovery[1]:5.1f} s)  slowest {slowest:4.1f} s"
            + (f"  healthy after {HEALTHY[phase]:.1f} s" if phase in HEALTHY else ""))
    FIGURES.append(line)
    print(line)
    assert not wrong, f"answers that were neither 2xx nor a clear 503/429: {wrong[:10]}"
    assert not problems, problems[:20]
    assert not spread, f"journeys that do not use the killed service were refused: {spread}"
    # a route makes at most two RPC calls in a row (who is asking, then the work)
    assert slowest < 2 * RPC_TIMEOUT + 3, f"a request took {slowest:.1f} s"
    return line
