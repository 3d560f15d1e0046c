"""Webhook deliveries: event committed -> signed delivery received, beside the raw broker rate.

Runs the webhooks service as its own process on a real RabbitMQ (RABBIT_URL, or a private local
node) with --endpoints endpoints (one per organisation, each subscribed to care_service.created),
all on one local receiver process (bench/webhook_sink.py: a green HTTP server that records when
each webhook-id arrived). Events are recorded in an outbox --batch at a time, as identity records
them, and relayed to identity.events with publisher confirms, spread evenly over the
organisations, so each event is one delivery. Measured: deliveries per second from the first
commit to the last delivery received, and per event the time from its commit (the envelope's
``time``) to its delivery arriving (p50, p99). Then the webhooks service alone: as many events
again published straight to the exchange as fast as the broker takes them (no outbox), and the
deliveries per second that drain them. In the same run, the raw broker: plain kombu publish ->
consume of small JSON messages. Prints numbers and ratios, never pass/fail.
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
import uuid
from datetime import datetime
from pathlib import Path

from involve.cli.rabbit import LocalRabbit, free_port, port_open

HERE = Path(__file__).resolve().parent
QUEUE = "evt-identity-#--webhooks.on_identity_event"


def percentile(values, share):
    values = sorted(values)
    return values[int(share * (len(values) - 1))]


def seed(data_dir, endpoints_count, sink_port):
    """One organisation per endpoint, straight into the webhooks database (as the API would)."""
    from nameko import config

    import involve.webhooks
    from involve.kernel.db import make_engine, migrate, now, session_factory, transaction
    from involve.webhooks import endpoints, signing

    with config.patch({"DATA_DIR": str(data_dir), "WEBHOOKS_ALLOW_PRIVATE": True}):
        engine = make_engine(f"sqlite:///{data_dir}/webhooks.db")
        migrate(engine, Path(involve.webhooks.__file__).parent / "migrations")
        box = signing.load_box()
        organisations = [str(uuid.uuid4()) for _ in range(endpoints_count)]
        with transaction(session_factory(engine)) as session:
            for n, org in enumerate(organisations):
                endpoints.create(session, box, org, {
                    "url": f"http://127.0.0.1:{sink_port}/hooks/{n}",
                    "event_types": ["care_service.created"]}, None, now())
        engine.dispose()
    return organisations


def wait_for_queue(amqp, timeout=90):
    from kombu import Connection, Queue

    deadline = time.monotonic() + timeout
    while True:
        try:
            with Connection(amqp) as connection:
                Queue(QUEUE, channel=connection.channel()).queue_declare(passive=True)
                return
        except Exception:
            if time.monotonic() > deadline:
                raise SystemExit("the webhooks service did not bind its queue") from None
            time.sleep(0.2)


def sink_count(port):
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/count", timeout=10) as response:
        return int(response.read())


def produce(amqp, data_dir, organisations, events, batch):
    """Record events in an outbox (as identity does) and relay them with publisher confirms."""
    from nameko.amqp.publish import Publisher
    from nameko.standalone.events import get_event_exchange

    from involve.kernel import outbox
    from involve.kernel.db import make_engine, migrate, session_factory, transaction

    engine = make_engine(f"sqlite:///{data_dir}/bench-identity.db")
    migrate(engine, None)
    sessions = session_factory(engine)
    exchange = get_event_exchange("identity")
    publisher = Publisher(amqp, use_confirms=True, serializer="json", declare=[exchange])

    def publish(routing_key, message):
        publisher.publish(message, exchange=exchange, routing_key=routing_key,
                          message_id=message["id"], type=message["type"])

    committed = {}
    for start in range(0, events, batch):
        with transaction(sessions) as session:
            for n in range(start, min(events, start + batch)):
                org = organisations[n % len(organisations)]
                message = outbox.record(session, "identity", "care_service.created", {
                    "care_service_id": str(uuid.uuid4()), "name": f"Service {n}",
                    "kind": "housing", "region": None}, subject=str(n), organisation=org)
                committed[message["id"]] = datetime.fromisoformat(message["time"]).timestamp()
        while outbox.relay_pending(sessions, publish, batch_size=batch):
            pass
    engine.dispose()
    return committed


def publish_straight(amqp, organisations, events):
    """Envelopes published to identity.events directly, as fast as the broker takes them."""
    from kombu import Connection, Exchange

    from involve.kernel.events import envelope

    exchange = Exchange("identity.events", type="topic", durable=True)
    sent = {}
    with Connection(amqp) as connection:
        producer = connection.Producer(serializer="json")
        for n in range(events):
            message = envelope("identity", "care_service.created", {
                "care_service_id": str(uuid.uuid4()), "name": f"Straight {n}", "kind": "housing",
                "region": None}, organisation=organisations[n % len(organisations)],
                classification="public")
            sent[message["id"]] = time.time()
            producer.publish(message, exchange=exchange, routing_key="care_service.created",
                             delivery_mode=2, declare=[exchange] if n == 0 else [])
    return sent


def wait_count(port, count, timeout=1800):
    deadline = time.monotonic() + timeout
    while sink_count(port) < count:
        if time.monotonic() > deadline:
            raise SystemExit(f"only {sink_count(port)} deliveries arrived in time")
        time.sleep(0.1)


def raw_broker(amqp, count, concurrency=10):
    """Plain kombu: publish small JSON messages to a topic exchange, consume them, and time it."""
    from eventlet.greenpool import GreenPool
    from kombu import Connection, Exchange, Queue

    exchange = Exchange("bench-raw.events", type="topic", durable=False, auto_delete=True)
    queue = Queue(f"bench-raw-{uuid.uuid4().hex[:6]}", exchange, routing_key="#", exclusive=True)
    done, ready = eventlet.event.Event(), eventlet.event.Event()
    received = [0]

    def consume():
        with Connection(amqp) as conn:
            def on_message(body, message):
                message.ack()
                received[0] += 1
                if received[0] == count:
                    done.send(True)
            with conn.Consumer(queue, accept=["json"], callbacks=[on_message]):
                ready.send(True)
                while not done.ready():
                    try:
                        conn.drain_events(timeout=1)
                    except OSError:
                        pass

    eventlet.spawn(consume)
    ready.wait()
    started = time.perf_counter()

    def publisher(share):
        with Connection(amqp) as conn:
            producer = conn.Producer(serializer="json")
            for _ in range(share):
                producer.publish({"sent": time.time(), "id": str(uuid.uuid4())},
                                 exchange=exchange, routing_key="care_service.created",
                                 declare=[exchange])

    pool = GreenPool(concurrency)
    for i in range(concurrency):
        pool.spawn(publisher, count // concurrency + (1 if i < count % concurrency else 0))
    pool.waitall()
    done.wait()
    return {"count": count, "per_second": count / (time.perf_counter() - started)}


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--endpoints", type=int, default=100)
    parser.add_argument("--events", type=int, default=10000)
    parser.add_argument("--batch", type=int, default=100, help="events committed per transaction")
    parser.add_argument("--concurrency", type=int, default=20, help="WEBHOOKS_CONCURRENCY")
    parser.add_argument("--raw-messages", type=int, default=10000)
    parser.add_argument("--quick", action="store_true", help="1,000 events (a short run)")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    if args.quick:
        args.events, args.raw_messages = 1000, 2000

    work = Path(tempfile.mkdtemp(prefix="involve-bench-webhooks-"))
    work.chmod(0o755)  # the broker runs as the rabbitmq user when started by root
    data_dir = work / "data"
    data_dir.mkdir()
    rabbit = None
    amqp = os.environ.get("RABBIT_URL")
    if not amqp:
        rabbit = LocalRabbit(work / "rabbit", port=free_port(), management_port=free_port(),
                             nodename=f"involvebenchwh{os.getpid()}@localhost")
        print("starting a private RabbitMQ...", file=sys.stderr)
        rabbit.start()
        amqp = rabbit.amqp_uri
    sink_port = free_port()
    arrivals = work / "arrivals.json"
    procs = []
    try:
        organisations = seed(data_dir, args.endpoints, sink_port)
        procs.append(subprocess.Popen([sys.executable, str(HERE / "webhook_sink.py"),
                                       str(sink_port), str(arrivals)]))
        env = {**os.environ, "INVOLVE_AMQP_URI": amqp, "INVOLVE_DATA_DIR": str(data_dir),
               "INVOLVE_LOG_LEVEL": "WARNING", "INVOLVE_WEBHOOKS_ALLOW_PRIVATE": "true",
               "INVOLVE_WEBHOOKS_CONCURRENCY": str(args.concurrency),
               "INVOLVE_WEB_SERVER_ADDRESS": f"127.0.0.1:{free_port()}"}
        procs.append(subprocess.Popen([sys.executable, "-m", "involve.cli.main", "service",
                                       "webhooks"], env=env))
        while not port_open("127.0.0.1", sink_port):
            time.sleep(0.1)
        wait_for_queue(amqp)
        print(f"{args.events} events to {args.endpoints} endpoints...", file=sys.stderr)
        started = time.time()
        committed = produce(amqp, data_dir, organisations, args.events, args.batch)
        produced = time.time()
        wait_count(sink_port, args.events)
        print(f"{args.events} more events straight to the exchange...", file=sys.stderr)
        straight = publish_straight(amqp, organisations, args.events)
        wait_count(sink_port, 2 * args.events)
        procs[0].terminate()
        procs[0].wait(30)
        received = json.loads(arrivals.read_text())
        raw = raw_broker(amqp, args.raw_messages)
    finally:
        for proc in procs:
            if proc.poll() is None:
                proc.terminate()
        for proc in procs:
            proc.wait(30)
        if rabbit:
            rabbit.stop()
    first = min(committed.values())
    last = max(received[i] for i in committed if i in received)
    latencies = [received[i] - t for i, t in committed.items() if i in received]
    drained = [received[i] for i in straight if i in received]
    result = {
        "endpoints": args.endpoints, "events": args.events,
        "delivered": sum(1 for i in committed if i in received),
        "concurrency": args.concurrency, "cores": os.cpu_count(),
        "commit_and_relay_seconds": produced - started,
        "deliveries_per_second": args.events / (last - first),
        "p50_ms": 1000 * statistics.median(latencies), "p99_ms": 1000 * percentile(latencies, 0.99),
        "alone_per_second": len(drained) / (max(drained) - min(straight.values())),
        "raw_broker_per_second": raw["per_second"],
    }
    result["alone_ratio"] = result["alone_per_second"] / result["raw_broker_per_second"]
    result["ratio"] = result["deliveries_per_second"] / result["raw_broker_per_second"]
    if args.json:
        print(json.dumps(result, indent=2))
        return
    print(f"\n{args.events} events to {args.endpoints} webhook endpoints (one receiver process), "
          f"{args.concurrency} in flight, {os.cpu_count()} cores")
    print(f"committed and relayed in {result['commit_and_relay_seconds']:.1f}s "
          f"({args.events / result['commit_and_relay_seconds']:.0f} events/s)")
    print(f"{'what':<48}{'per s':>9}{'p50 ms':>10}{'p99 ms':>10}")
    print(f"{'event committed -> signed delivery received':<48}"
          f"{result['deliveries_per_second']:>9.0f}{result['p50_ms']:>10.0f}"
          f"{result['p99_ms']:>10.0f}   ({result['delivered']} delivered)")
    print(f"{'webhooks alone: queued event -> delivery received':<48}"
          f"{result['alone_per_second']:>9.0f}   ({len(drained)} delivered)")
    print(f"{'raw broker publish -> consume (kombu)':<48}{raw['per_second']:>9.0f}"
          f"   ({raw['count']} messages)")
    print(f"deliveries per second / raw broker messages per second: {result['ratio']:.3f} "
          f"(with the outbox relay), {result['alone_ratio']:.3f} (webhooks alone)")
    print("(all events are committed at full speed, so p50/p99 include the wait behind the "
          "backlog)")


if __name__ == "__main__":
    main()
