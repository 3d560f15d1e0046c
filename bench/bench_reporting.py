"""Reporting: dashboard query latency, rebuild throughput beside a bare insert, ingest lag.

With --events events (default 1,000,000) from the realistic generator across --organisations
organisations (tests/support/reporting_events.py, the same events the tests use, checked there
against the catalogue), on SQLite and on PostgreSQL (POSTGRES_URL, or a throwaway cluster), in
one run per database:

* bare insert: the same rows written straight into the event log, nothing projected (rows/s);
* rebuild: ``log.rebuild`` projecting the whole log into every read model (events/s), and the
  ratio of the two;
* dashboard: ``dashboard.build`` (every metric with its monthly series, what the page, the CSV
  and the API show) for random organisations, half filtered to one care service: p50 and p95;
* lag: one new event handed to the ingest (its own transaction, as the event handler does) until
  the metric read from the database includes it: p50 and p99. In process: the broker's own hop
  is measured by bench-feedback and bench-webhooks, not here.

Prints numbers and ratios; no pass/fail.
"""
import warnings

warnings.filterwarnings("ignore", message=r"(?s).*Eventlet is deprecated")

import argparse
import itertools
import random
import statistics
import sys
import tempfile
import time
import uuid
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import involve.reporting
from involve.kernel.db import make_engine, migrate, now, session_factory, transaction
from involve.kernel.events import envelope
from involve.reporting import dashboard, log
from involve.reporting import metrics as mt
from involve.reporting import models as m
from tests.support.reporting_events import generate

CHUNK = 5000


def percentile(values, share):
    values = sorted(values)
    return values[min(len(values) - 1, int(round(share * (len(values) - 1))))]  # noqa: RUF046


def bare_insert(sessions, events) -> tuple[int, float]:
    """The log's rows, as ingest would write them, without projecting anything."""
    total, spent = 0, 0.0
    stamp = now()
    it = iter(events)
    while True:
        batch = list(itertools.islice(it, CHUNK))
        if not batch:
            break
        rows = []
        for e in batch:
            parsed = log.parse_type(e["type"]) or ("unknown", "unknown", 0)
            rows.append({"event_id": e["id"], "source": parsed[0], "type": e["type"],
                         "name": parsed[1], "version": parsed[2],
                         "organisation_id": e.get("organisation"),
                         "occurred_at": log._occurred(e), "received_at": stamp,
                         "status": "applied", "note": None, "envelope": e})
        started = time.perf_counter()
        with transaction(sessions) as session:
            session.execute(m.event_log.insert(), rows)
        spent += time.perf_counter() - started
        total += len(rows)
    return total, spent


def dashboards(sessions, queries, rng) -> list[float]:
    with sessions() as session:
        orgs = session.execute(m.rp_care_services.select().with_only_columns(
            m.rp_care_services.c.organisation_id, m.rp_care_services.c.care_service_id)).all()
    by_org = {}
    for org, cs in orgs:
        by_org.setdefault(org, []).append(cs)
    timings = []
    for i in range(queries):
        org = rng.choice(sorted(by_org))
        filters = {"care_service_id": rng.choice(by_org[org])} if i % 2 else {}
        started = time.perf_counter()
        with sessions() as session:
            dashboard.build(session, dashboard.scope_from(session, org, filters))
        timings.append(time.perf_counter() - started)
    return timings


def lag(sessions, samples, rng) -> list[float]:
    with sessions() as session:
        pairs = session.execute(m.rp_care_services.select().with_only_columns(
            m.rp_care_services.c.organisation_id, m.rp_care_services.c.care_service_id)).all()
    timings = []
    for _ in range(samples):
        org, cs = rng.choice(pairs)
        scope = mt.Scope(org, (now() - timedelta(days=30)).date(), now().date(), cs)
        with sessions() as session:
            before = mt.Evaluator(session, scope).value("mystery_calls")
        event = envelope("mystery_shopping", "call.recorded", {
            "round_id": str(uuid.uuid4()), "call_id": str(uuid.uuid4()), "care_service_id": cs,
            "shopper_id": str(uuid.uuid4()), "persona": "potential_client",
            "efficiency": 75.0, "feeling": 4.0}, organisation=org,
            classification="pseudonymous")
        started = time.perf_counter()
        with transaction(sessions) as session:
            log.ingest(session, event)
        with sessions() as session:
            after = mt.Evaluator(session, scope).value("mystery_calls")
        timings.append(time.perf_counter() - started)
        assert after == before + 1, (before, after)
    return timings


def run(label, url, args):
    engine = make_engine(url)
    migrate(engine, Path(involve.reporting.__file__).parent / "migrations")
    sessions = session_factory(engine)
    rng = random.Random(7)
    events = generate(args.events, organisations=args.organisations, seed=13)
    rows, insert_s = bare_insert(sessions, events)
    started = time.perf_counter()
    counts = log.rebuild(lambda: transaction(sessions), chunk=CHUNK)
    rebuild_s = time.perf_counter() - started
    dash = dashboards(sessions, args.queries, rng)
    lags = lag(sessions, args.lag_samples, rng)
    engine.dispose()
    insert_rate, rebuild_rate = rows / insert_s, counts["events"] / rebuild_s
    print(f"\n{label}: {rows:,} events in the log across {args.organisations} organisations "
          f"({counts['applied']:,} applied, {counts['skipped']:,} skipped)")
    print(f"  bare insert of the log rows   {insert_rate:>10,.0f} rows/s   ({insert_s:.1f} s)")
    print(f"  rebuild (every read model)    {rebuild_rate:>10,.0f} events/s ({rebuild_s:.1f} s)")
    print(f"  rebuild / bare insert         {rebuild_rate / insert_rate:>10.2f}")
    print(f"  dashboard queries ({len(dash)})       p50 {statistics.median(dash) * 1000:7.1f} ms"
          f"   p95 {percentile(dash, 0.95) * 1000:7.1f} ms   (target p95 <= 200 ms)")
    print(f"  ingest -> metric updated ({len(lags)})  p50 {statistics.median(lags) * 1000:7.1f} ms"
          f"   p99 {percentile(lags, 0.99) * 1000:7.1f} ms")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--organisations", type=int, default=50)
    parser.add_argument("--queries", type=int, default=40)
    parser.add_argument("--lag-samples", type=int, default=200)
    parser.add_argument("--databases", default="sqlite,postgresql")
    args = parser.parse_args()
    chosen = args.databases.split(",")
    print(f"bench-reporting: {args.events:,} events, {args.organisations} organisations")
    if "sqlite" in chosen:
        folder = tempfile.mkdtemp(prefix="involve-bench-reporting-")
        run("SQLite", f"sqlite:///{folder}/reporting.db", args)
    if "postgresql" in chosen:
        from tests.support.servers import start_postgres

        pg = start_postgres()
        name = f"bench_reporting_{uuid.uuid4().hex[:8]}"
        try:
            pg.create_databases([name])
            run("PostgreSQL", pg.url(name), args)
            pg.drop_databases([name])
        finally:
            pg.stop()


if __name__ == "__main__":
    main()
