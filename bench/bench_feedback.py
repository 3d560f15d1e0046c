"""Feedback routing: published story -> alert recorded, beside the raw broker rate, in one run.

Runs the identity and feedback services as separate processes on a real RabbitMQ (RABBIT_URL, or
a private local node). Before they start it seeds, straight into their databases, one
organisation with --services care services and --subscriptions subscriptions (each to 1-3
services or, for a few, every service; 0-2 tags; a minimum criticality; half immediate, half
digest). It submits and moderates --stories stories over RPC (not timed), then publishes them
--concurrency at a time and measures, per story, the time from the publish_story call to its
alerts being recorded by the routing handler (story.published event -> index lookup -> alerts),
and the throughput. With POSTGRES_URL set, both services use fresh PostgreSQL databases on that
server instead of SQLite. In the same run it measures the raw broker: plain kombu publish -> consume
of small JSON messages through a topic exchange. Prints numbers and the ratio, not pass/fail.

Unless --no-compare, the first --stories are published with the feedback service sending alert
emails the old way (FEEDBACK_EMAIL_BATCH=1: one notify_person call each) and, after a restart,
the rest batched (the default), so both figures come from the same run under the same load.
"""
import warnings

warnings.filterwarnings("ignore", message=r"(?s).*Eventlet is deprecated")

import eventlet

eventlet.monkey_patch()

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

from eventlet.greenpool import GreenPool
from eventlet.queue import LightQueue

from involve.cli.rabbit import LocalRabbit, free_port

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
import pg

ADMIN = {"person_id": None, "platform_admin": True}
TEXT = ("We waited three hours in reception and nobody told us why. The nurse was kind when we "
        "were seen. Please tell people how long the wait is.")


def percentile(values, share):
    values = sorted(values)
    return values[int(share * (len(values) - 1))]


def database_url(service, data_dir):
    from involve.kernel import settings

    return settings.database_url(service, os.environ.get("INVOLVE_DATABASE_URL", ""), data_dir)


def seed(data_dir, n_services, n_subscriptions, rng, immediate_share):
    """An organisation, its care services (identity) and subscriptions (feedback)."""
    import involve.feedback
    import involve.identity
    from involve.feedback import subscriptions, tags
    from involve.identity import care_services, organisations
    from involve.kernel import outbox
    from involve.kernel.db import make_engine, migrate, now, session_factory, transaction

    def recorder(service):
        return lambda session, kind, data, **kw: outbox.record(session, service, kind, data, **kw)

    engine = make_engine(database_url("identity", data_dir))
    migrate(engine, Path(involve.identity.__file__).parent / "migrations")
    with transaction(session_factory(engine)) as session:
        org = organisations.create(session, recorder("identity"), {"name": "Bench Trust"})["id"]
        services = [care_services.create(session, recorder("identity"), org, {
            "name": f"Service {i:04d}", "kind": "addiction"})["id"] for i in range(n_services)]
    engine.dispose()

    engine = make_engine(database_url("feedback", data_dir))
    migrate(engine, Path(involve.feedback.__file__).parent / "migrations")
    sessions = session_factory(engine)
    with transaction(sessions) as session:
        tags.ensure_defaults(session, org)
        tag_ids = [t["id"] for t in tags.list_for(session, org)]
        for _ in range(n_subscriptions):
            chosen = [] if rng.random() < 0.02 else rng.sample(services, rng.randint(1, 3))
            values = subscriptions.check({
                "person_id": str(uuid.uuid4()), "care_service_ids": chosen,
                "tag_ids": rng.sample(tag_ids, rng.choice([0, 1, 1, 2])),
                "min_criticality": rng.randint(0, 3),
                "delivery": "immediate" if rng.random() < immediate_share else "digest"})
            subscriptions.create(session, org, values, None, now())
    return org, services, tag_ids, sessions, engine


def raw_broker(amqp, count, concurrency):
    """Plain kombu: publish small JSON messages to a topic exchange, consume them, and time it."""
    from kombu import Connection, Exchange, Queue

    exchange = Exchange("bench-raw.events", type="topic", durable=False, auto_delete=True)
    queue = Queue(f"bench-raw-{uuid.uuid4().hex[:6]}", exchange, routing_key="#",
                  exclusive=True)
    latencies, done = [], eventlet.event.Event()
    received = [0]

    def consume():
        with Connection(amqp) as conn:
            def on_message(body, message):
                latencies.append(time.time() - body["sent"])
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

    ready = eventlet.event.Event()
    eventlet.spawn(consume)
    ready.wait()
    started = time.perf_counter()

    def publisher(share):
        with Connection(amqp) as conn:
            producer = conn.Producer(serializer="json")
            for _ in range(share):
                producer.publish({"sent": time.time(), "story_id": str(uuid.uuid4())},
                                 exchange=exchange, routing_key="story.published",
                                 declare=[exchange])

    pool = GreenPool(concurrency)
    shares = [count // concurrency + (1 if i < count % concurrency else 0)
              for i in range(concurrency)]
    for share in shares:
        pool.spawn(publisher, share)
    pool.waitall()
    done.wait()
    elapsed = time.perf_counter() - started
    return {"label": "raw broker", "count": count, "per_second": count / elapsed,
            "p50_ms": 1000 * statistics.median(latencies),
            "p99_ms": 1000 * percentile(latencies, 0.99)}


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--subscriptions", type=int, default=10000)
    parser.add_argument("--services", type=int, default=1000)
    parser.add_argument("--stories", type=int, default=200,
                        help="stories published --concurrency at a time (throughput), in each "
                             "phase")
    parser.add_argument("--no-compare", dest="compare", action="store_false",
                        help="skip the first phase, the old way (one identity call an email)")
    parser.add_argument("--latency-stories", type=int, default=30,
                        help="stories published one at a time first (latency)")
    parser.add_argument("--concurrency", type=int, default=10)
    parser.add_argument("--raw-messages", type=int, default=5000)
    parser.add_argument("--email-wait", type=float, default=60,
                        help="seconds to wait, after the last story is routed, for its emails")
    parser.add_argument("--immediate-share", type=float, default=0.5,
                        help="share of subscriptions emailed at once (the rest: digests)")
    parser.add_argument("--feedback-replicas", type=int, default=1,
                        help="feedback processes sharing the work (PostgreSQL only: SQLite is "
                             "for one instance of a service)")
    parser.add_argument("--seed", type=int, default=2)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    if args.feedback_replicas < 1:
        parser.error("--feedback-replicas must be 1 or more")
    if args.feedback_replicas > 1 and not os.environ.get("POSTGRES_URL"):
        parser.error("--feedback-replicas above 1 needs POSTGRES_URL: several processes of "
                     "one service need PostgreSQL (docs/operations.md)")
    with pg.databases(["identity", "feedback"]) as url:
        if url:
            os.environ["INVOLVE_DATABASE_URL"] = url
        run(args)


def run(args):
    rng = random.Random(args.seed)
    work = Path(tempfile.mkdtemp(prefix="involve-bench-feedback-"))
    work.chmod(0o755)  # the broker runs as the rabbitmq user when started by root
    data_dir = work / "data"
    rabbit = None
    amqp = os.environ.get("RABBIT_URL")
    if not amqp:
        rabbit = LocalRabbit(work / "rabbit", port=free_port(), management_port=free_port(),
                             nodename=f"involvebenchfb{os.getpid()}@localhost")
        print("starting a private RabbitMQ...", file=sys.stderr)
        rabbit.start()
        amqp = rabbit.amqp_uri
    env = {**os.environ, "INVOLVE_AMQP_URI": amqp, "INVOLVE_DATA_DIR": str(data_dir),
           "INVOLVE_LOG_LEVEL": "WARNING", "INVOLVE_FEEDBACK_TIMER_SECONDS": "3600"}
    procs = []
    engine = None
    try:
        print(f"seeding {args.services} care services and {args.subscriptions} "
              "subscriptions...", file=sys.stderr)
        started = time.perf_counter()
        org, services, tag_ids, sessions, engine = seed(data_dir, args.services,
                                                        args.subscriptions, rng,
                                                        args.immediate_share)
        seed_seconds = time.perf_counter() - started
        def start(name, **extra):
            proc = subprocess.Popen(
                [sys.executable, "-m", "involve.cli.main", "service", name],
                env={**env, **extra, "INVOLVE_WEB_SERVER_ADDRESS": f"127.0.0.1:{free_port()}"})
            procs.append(proc)
            return proc

        def start_feedback(**extra):
            for _ in range(args.feedback_replicas):
                start("feedback", **extra)

        def restart_feedback(meanwhile, **extra):
            old = [procs.pop() for _ in range(args.feedback_replicas)]
            for proc in old:
                proc.terminate()
            for proc in old:
                proc.wait(30)
            meanwhile()
            start_feedback(**extra)

        start("identity")
        # first the old way (one notify_person call an email), if compared, then batched
        start_feedback(**({"INVOLVE_FEEDBACK_EMAIL_BATCH": "1"} if args.compare else {}))
        result = measure(args, amqp, org, services, tag_ids, sessions, rng, restart_feedback)
        result["seed_seconds"] = seed_seconds
        result["raw"] = raw_broker(amqp, args.raw_messages, args.concurrency)
    finally:
        for proc in procs:
            proc.terminate()
        for proc in procs:
            proc.wait(30)
        if engine is not None:
            engine.dispose()
        if rabbit:
            rabbit.stop()
    report(args, result)


def routed_count(sessions):
    from sqlalchemy import text

    with sessions() as session:
        return session.scalar(text("SELECT count(*) FROM handled_events "
                                   "WHERE handler = 'feedback.route_story'"))


def wait_routed(sessions, count, poll=0.002, timeout=300):
    """Wait until ``count`` stories have been routed (their alerts committed); returns when."""
    deadline = time.monotonic() + timeout
    while routed_count(sessions) < count:
        if time.monotonic() > deadline:
            raise SystemExit("stories were not routed in time")
        time.sleep(poll)
    return time.time()


def emails_waiting(sessions):
    from sqlalchemy import text

    with sessions() as session:
        return session.scalar(text("SELECT count(*) FROM alerts WHERE email_due = :yes "
                                   "AND email_sent_at IS NULL"), {"yes": True})


def emails_due(sessions):
    from sqlalchemy import text

    with sessions() as session:
        return session.scalar(text("SELECT count(*) FROM alerts WHERE email_due = :yes"),
                              {"yes": True})


def wait_emails_sent(sessions, timeout):
    """Waits until every due alert email is sent, or ``timeout``; returns (when, how many are
    still unsent)."""
    deadline = time.monotonic() + timeout
    while (waiting := emails_waiting(sessions)) and time.monotonic() < deadline:
        time.sleep(0.2)
    return time.time(), waiting


def forget_unsent_emails(sessions):
    """Between phases, with the feedback service stopped: what the first phase left unsent is
    marked sent, so that the second phase's postman does not send (and get timed on) it."""
    from sqlalchemy import text

    with sessions.begin() as session:
        session.execute(text("UPDATE alerts SET email_sent_at = created_at "
                             "WHERE email_due = :yes AND email_sent_at IS NULL"), {"yes": True})


def wait_healthy(rpc, amqp, feedback_replicas):
    deadline = time.monotonic() + 90
    while True:  # the services may still be starting
        try:
            rpc.feedback.health()
            rpc.identity.health()
            break
        except Exception:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.5)
    wait_consumers(amqp, "rpc-feedback", feedback_replicas)  # every replica answers


def wait_consumers(amqp, queue, count, timeout=90):
    """Wait until ``queue`` has ``count`` consumers (every feedback replica started)."""
    from kombu import Connection

    deadline = time.monotonic() + timeout
    with Connection(amqp) as conn:
        while True:
            _, _, consumers = conn.default_channel.queue_declare(queue=queue, passive=True)
            if consumers >= count:
                return
            if time.monotonic() > deadline:
                raise SystemExit(f"only {consumers} of {count} feedback processes started")
            time.sleep(0.2)


def measure(args, amqp, org, services, tag_ids, sessions, rng, restart_feedback):
    from nameko.standalone.rpc import ClusterRpcClient
    from sqlalchemy import func, select

    from involve.feedback.models import Alert

    with ClusterRpcClient(uri=amqp, timeout=60) as rpc:
        wait_healthy(rpc, amqp, args.feedback_replicas)
        phases = 2 if args.compare else 1
        total = args.latency_stories + phases * args.stories
        print(f"submitting and moderating {total} stories...", file=sys.stderr)
        story_ids = []
        for _ in range(total):
            chosen = rng.sample(services, rng.randint(1, 2))
            sent = rpc.feedback.submit_story(org, {
                "care_service_ids": chosen, "title": "A long wait", "text": TEXT,
                "relationship": "service_user"})
            rpc.feedback.moderate_story(ADMIN, org, sent["story_id"], {
                "title": "A long wait", "text": TEXT, "criticality": rng.randint(0, 5),
                "tag_ids": rng.sample(tag_ids, rng.randint(1, 2))})
            story_ids.append(sent["story_id"])
        paced = story_ids[:args.latency_stories]
        rest = story_ids[args.latency_stories:]
        unbatched, loaded = (rest[:args.stories], rest[args.stories:]) if args.compare else (
            [], rest)

        def publish(client, story_id):
            client.feedback.publish_story(ADMIN, org, story_id,
                                          {"identifying_details_checked": True})

        def throughput(stories, routed_before):
            """--concurrency publishers at a time; (stories per second, publish times, seconds
            until the emails were sent (or --email-wait ran out), alert emails sent a second)."""
            print(f"publishing {len(stories)} stories, {args.concurrency} at a time...",
                  file=sys.stderr)
            clients = LightQueue()
            opened = [ClusterRpcClient(uri=amqp, timeout=60) for _ in range(args.concurrency)]
            for client in opened:
                clients.put(client.start())
            publish_at = {}

            def publish_one(story_id):
                client = clients.get()
                try:
                    publish_at[story_id] = time.time()
                    publish(client, story_id)
                finally:
                    clients.put(client)

            due_before, waiting_before = emails_due(sessions), emails_waiting(sessions)
            started = time.time()
            pool = GreenPool(args.concurrency)
            for story_id in stories:
                pool.spawn(publish_one, story_id)
            pool.waitall()
            finished = wait_routed(sessions, routed_before + len(stories), poll=0.01)
            for client in opened:
                client.stop()
            emailed, unsent = wait_emails_sent(sessions, args.email_wait)
            sent = emails_due(sessions) - due_before + waiting_before - unsent
            return (len(stories) / (finished - started), publish_at, emailed - started,
                    sent / (emailed - started), unsent)

        phase = {}
        if args.compare:  # 0. the old way: one notify_person call for each alert email
            phase["unbatched"] = throughput(unbatched, 0)
            restart_feedback(lambda: forget_unsent_emails(sessions))
            wait_healthy(rpc, amqp, args.feedback_replicas)

        # 1. latency: one story at a time, each routed before the next is published
        print(f"publishing {len(paced)} stories one at a time...", file=sys.stderr)
        routed_before = len(unbatched)
        latencies = []
        for done, story_id in enumerate(paced, start=1):
            started = time.time()
            publish(rpc, story_id)
            latencies.append(wait_routed(sessions, routed_before + done) - started)

        # 2. throughput: the rest, --concurrency publishers at a time
        phase["batched"] = throughput(loaded, routed_before + len(paced))
        with sessions() as session:
            rows = session.execute(select(Alert.story_id, func.max(Alert.created_at), func.count())
                                   .where(Alert.story_id.in_(story_ids))
                                   .group_by(Alert.story_id)).all()
    created_at = {story_id: created for story_id, created, _ in rows}
    alert_counts = [n for _, _, n in rows]

    def summary(name):
        per_second, publish_at, emailed_after, emailed_per_second, unsent = phase[name]
        waited = [created_at[s].timestamp() - publish_at[s] for s in publish_at
                  if s in created_at]
        return {"stories": len(publish_at), "concurrency": args.concurrency,
                "per_second": per_second, "p50_ms": 1000 * statistics.median(waited),
                "p99_ms": 1000 * percentile(waited, 0.99),
                "emails_sent_seconds": emailed_after, "emails_per_second": emailed_per_second,
                "emails_unsent": unsent}

    return {
        "stories": total, "stories_with_alerts": len(rows), "alerts": sum(alert_counts),
        "alerts_per_story_mean": statistics.mean(alert_counts) if alert_counts else 0,
        "latency": {"stories": len(paced), "p50_ms": 1000 * statistics.median(latencies),
                    "p99_ms": 1000 * percentile(latencies, 0.99)},
        "throughput": summary("batched"),
        "unbatched": summary("unbatched") if args.compare else None,
    }


def report(args, result):
    raw = result["raw"]
    loaded, paced = result["throughput"], result["latency"]
    result["ratio"] = loaded["per_second"] / raw["per_second"]
    if args.json:
        print(json.dumps(result, indent=2, default=str))
        return
    print(f"\n{args.subscriptions} subscriptions over {args.services} care services, "
          f"{os.cpu_count()} cores, {pg.label()}, {args.feedback_replicas} feedback "
          f"process{'es' if args.feedback_replicas > 1 else ''}; seeding took {result['seed_seconds']:.1f}s; "
          f"load average at the end: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    print(f"alerts recorded: {result['alerts']} for {result['stories_with_alerts']} of "
          f"{result['stories']} stories (mean {result['alerts_per_story_mean']:.1f} a story)")
    print(f"{'what':<46}{'per s':>9}{'p50 ms':>10}{'p99 ms':>10}")
    print(f"{'story published -> alerts, one at a time':<46}{'':>9}"
          f"{paced['p50_ms']:>10.1f}{paced['p99_ms']:>10.1f}   ({paced['stories']} stories)")
    rows = [("", loaded)]
    if result["unbatched"]:
        rows.insert(0, (" (old way)", result["unbatched"]))
    for how, row in rows:
        label = f"story published -> alerts, {row['concurrency']} at a time{how}"
        print(f"{label:<46}{row['per_second']:>9.1f}{row['p50_ms']:>10.1f}"
              f"{row['p99_ms']:>10.1f}   ({row['stories']} stories; alert emails sent "
              f"{row['emails_per_second']:.0f}/s, {row['emails_unsent']} still unsent after "
              f"{row['emails_sent_seconds']:.0f}s)")
    print(f"{'raw broker publish -> consume (kombu)':<46}{raw['per_second']:>9.0f}"
          f"{raw['p50_ms']:>10.1f}{raw['p99_ms']:>10.1f}   ({raw['count']} messages)")
    print(f"routed stories per second / raw broker messages per second: {result['ratio']:.4f}")
    if result["unbatched"]:
        print(f"routed stories per second, batched / old way (same run): "
              f"{loaded['per_second'] / result['unbatched']['per_second']:.2f}x; "
              f"alert emails sent a second, batched / old way: "
              f"{loaded['emails_per_second'] / result['unbatched']['emails_per_second']:.2f}x")
    print(f"p99 publish -> alerts recorded {loaded['p99_ms']:.1f} ms beside raw broker "
          f"publish -> consume p99 {raw['p99_ms']:.1f} ms")
    print(f"one-at-a-time p50 latency / raw broker p50 latency: "
          f"{paced['p50_ms'] / raw['p50_ms']:.1f}")


if __name__ == "__main__":
    main()
