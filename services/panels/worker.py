"""The selection worker: one OS process per selection job, never the service's eventlet hub.

Started by the panels service as ``python -m involve.panels.worker JOB_ID`` with the database
URL in the environment variable ``INVOLVE_PANELS_WORKER_DATABASE_URL``. It reads the job's input
snapshot, runs ``find_distribution`` with a progress callback (written into the job row, at
most twice a second) and ``should_stop`` (which polls the job's cancel flag), draws the panel
with the job's seed and writes the result, the audit record, the report and the
``selection.completed`` event (through the outbox, in the same transaction).

LEXIMIN gets ``leximin_seconds`` (PANELS_LEXIMIN_SECONDS); if it has not finished by then it
stops and the job falls back to MAXIMIN, which the result and the audit record say.
"""
from __future__ import annotations

import logging
import os
import socket
import sys
import time

from involve.kernel import outbox
from involve.kernel.db import make_engine, now, session_factory, transaction

from . import jobs, report_chart
from .models import SelectionJob
from .selection import (
    InfeasibleQuotasError,
    PoolError,
    SelectionCancelled,
    draw,
    find_distribution,
    make_report,
)
from .selection.draw import record_hash
from .selection.report import quota_counts

log = logging.getLogger("involve.panels.worker")
DATABASE_ENV = "INVOLVE_PANELS_WORKER_DATABASE_URL"


class JobMonitor:
    """Progress writes and cancel checks, throttled so the database is not hammered."""

    def __init__(self, sessions, job_id: str, every: float = 0.3):
        self.sessions = sessions
        self.job_id = job_id
        self.every = every
        self.cancelled = False
        self._last_write = 0.0
        self._last_check = 0.0
        self._fraction = 0.0
        self.deadline: float | None = None
        self.timed_out = False
        self.offset, self.scale = 0.0, 1.0  # for a fallback run after LEXIMIN

    def progress(self, fraction, message: str, force: bool = False) -> None:
        if fraction is not None:
            self._fraction = self.offset + self.scale * float(fraction)
        t = time.monotonic()
        if not force and t - self._last_write < self.every:
            return
        self._last_write = t
        with transaction(self.sessions) as session:
            job = session.get(SelectionJob, self.job_id)
            if job.status == "running":
                job.progress = max(0.0, min(0.99, self._fraction))
                job.message = message[:500]
                job.heartbeat_at = now()

    def should_stop(self) -> bool:
        t = time.monotonic()
        if self.deadline is not None and t > self.deadline:
            self.timed_out = True
            return True
        if t - self._last_check < self.every:
            return self.cancelled
        self._last_check = t
        with transaction(self.sessions) as session:
            job = session.get(SelectionJob, self.job_id)
            self.cancelled = bool(job.cancel_requested) or job.status != "running"
            job.heartbeat_at = now()
        return self.cancelled


def _solve(pool, data: dict, monitor: JobMonitor):
    k, seed, algorithm = data["panel_size"], int(data["seed"]), data["algorithm"]
    accuracy = float(data.get("accuracy") or 1e-5)
    if algorithm != "leximin":
        return find_distribution(pool, k, algorithm, seed=seed, progress=monitor.progress,
                                 should_stop=monitor.should_stop), None
    limit = float(data.get("leximin_seconds") or 120)
    monitor.deadline = time.monotonic() + limit
    try:
        return find_distribution(pool, k, "leximin", seed=seed, progress=monitor.progress,
                                 should_stop=monitor.should_stop, accuracy=accuracy), None
    except SelectionCancelled:
        if monitor.cancelled or not monitor.timed_out:
            raise
    monitor.deadline = None
    fallback = {"requested": "leximin", "used": "maximin", "after_seconds": limit,
                "reason": f"LEXIMIN did not finish within {limit:g} seconds "
                          "(PANELS_LEXIMIN_SECONDS), so MAXIMIN was used: it gives the same "
                          "lowest chance, but may spread the other chances less evenly."}
    monitor.offset, monitor.scale = monitor._fraction, 1.0 - monitor._fraction
    monitor.progress(None, "LEXIMIN took too long; finishing with MAXIMIN", force=True)
    return find_distribution(pool, k, "maximin", seed=seed, progress=monitor.progress,
                             should_stop=monitor.should_stop), fallback


def build_report(rep, panel_size: int) -> dict:
    probabilities = list(rep.probabilities.values())
    out = rep.as_dict()
    out.update(
        fair_share=panel_size / len(probabilities) if probabilities else 0.0,
        chart_svg=report_chart.svg(probabilities, panel_size),
        chart_table=report_chart.bands(probabilities),
        chart_table_html=report_chart.table_html(probabilities),
        text=rep.text())
    return out


def run_job(sessions, job_id: str, *, pid: int | None = None, host: str | None = None) -> str:
    """Run one job to its end; returns its final status. Usable in-process (tests, CLI)."""
    with transaction(sessions) as session:
        job = session.get(SelectionJob, job_id)
        if job is None or job.status != "queued":
            return job.status if job else "missing"
        job.status = "running"
        job.started_at = job.heartbeat_at = now()
        job.worker_pid = pid if pid is not None else job.worker_pid
        job.worker_host = host or job.worker_host
        job.message = "Starting."
        data = dict(job.input)
    monitor = JobMonitor(sessions, job_id)
    started = time.monotonic()
    outcome: tuple[str, str, dict | None] | None = None
    result = audit = report = None
    try:
        pool = jobs.make_pool_from(data)
        dist, fallback = _solve(pool, data, monitor)
        lottery = data.get("lottery_panels")
        if lottery:
            monitor.progress(None, f"Rounding to a lottery over {lottery} panels.", force=True)
        selection = draw(dist, int(data["seed"]), lottery=lottery)
        audit = selection.audit
        if fallback:
            audit["fallback"] = fallback
            audit["record_sha256"] = record_hash(audit)
        rep = make_report(dist, selection.panel)
        composition = panel_composition(pool, data, selection.panel)
        report = build_report(rep, data["panel_size"])
        result = {"panel": selection.panel, "algorithm_used": dist.algorithm,
                  "fallback": fallback, "seconds": round(time.monotonic() - started, 3),
                  "minimum_probability": rep.minimum, "gini": rep.gini,
                  "probabilities": rep.probabilities, "accuracy": audit.get("accuracy"),
                  "lottery": jobs.lottery_summary(audit)}
        message = (f"Done: {len(selection.panel)} people chosen from {len(pool.people)} "
                   f"with {dist.algorithm.upper()}"
                   + (" (LEXIMIN ran out of time)." if fallback else "."))
        outcome = ("done", message, None)
    except SelectionCancelled:
        outcome = ("cancelled", "Cancelled at your request. Nothing was chosen.", None)
    except InfeasibleQuotasError as exc:
        feas = exc.feasibility.as_dict() if exc.feasibility is not None else None
        outcome = ("failed", "The quotas cannot all be met. " + (
            exc.feasibility.message if exc.feasibility is not None else str(exc)),
            {"code": "infeasible", "feasibility": feas})
    except (PoolError, jobs.InvalidInput) as exc:
        outcome = ("failed", f"The pool cannot be used: {exc}", {"code": "bad_input"})
    except Exception as exc:  # never leave a job "running" because of a bug
        log.exception("selection job %s failed", job_id)
        outcome = ("failed", "Something went wrong while selecting. Nothing was chosen; please "
                             "try again.", {"code": "internal", "detail": type(exc).__name__})
    state, message, error = outcome
    with transaction(sessions) as session:
        job = session.get(SelectionJob, job_id)
        if job.status != "running":
            return job.status  # e.g. cancelled and stopped by the service meanwhile
        if state == "done" and job.cancel_requested:
            state, message = "cancelled", "Cancelled at your request. Nothing was chosen."
        jobs.finish(job, state, message, error)
        if state == "done":
            job.progress = 1.0
            job.result, job.audit, job.report = result, audit, report
            outbox.record(session, "panels", "selection.completed",
                          {"selection_id": job.id, "campaign_id": job.campaign_id,
                           "organisation_id": job.organisation_id,
                           "algorithm": result["algorithm_used"],
                           "panel_size": data["panel_size"], "pool_size": len(data["people"]),
                           "quotas": composition},
                          subject=job.id, organisation=job.organisation_id,
                          classification="internal", version=2)
        elif state == "failed":
            record_failed(session, job)
    return state


def record_failed(session, job: SelectionJob) -> None:
    """``selection.failed``, so the coordinator who started it is told (ids only)."""
    outbox.record(session, "panels", "selection.failed",
                  {"selection_id": job.id, "campaign_id": job.campaign_id,
                   "organisation_id": job.organisation_id},
                  subject=job.id, organisation=job.organisation_id, classification="internal")


def panel_composition(pool, data: dict, panel) -> list[dict]:
    """Per category value: the quota, how many of the panel and of the pool have it. Counts only,
    never who (v2 of selection.completed, for reporting's panel diversity)."""
    pooled = {}
    for person in data["people"]:
        for feature, value in (person.get("features") or {}).items():
            pooled[(feature, value)] = pooled.get((feature, value), 0) + 1
    return [{"feature": q["feature"], "value": q["value"], "min": q["min"], "max": q["max"],
             "selected": q["selected"], "pool": pooled.get((q["feature"], q["value"]), 0)}
            for q in quota_counts(pool, panel)]


def main(argv=None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if len(argv) != 1:
        print("usage: python -m involve.panels.worker JOB_ID", file=sys.stderr)
        return 2
    logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(name)s %(message)s")
    url = os.environ.get(DATABASE_ENV)
    if not url:
        print(f"{DATABASE_ENV} is not set", file=sys.stderr)
        return 2
    engine = make_engine(url)
    try:
        state = run_job(session_factory(engine), argv[0], pid=os.getpid(),
                        host=socket.gethostname())
    finally:
        engine.dispose()
    return 0 if state in ("done", "cancelled", "failed") else 1


if __name__ == "__main__":
    sys.exit(main())
