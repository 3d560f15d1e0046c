"""Selection jobs: starting, status, cancelling, recovery, report, public record, replacement.

The solve itself runs in a separate OS process (see :mod:`.worker`); these functions only read
and write the job rows and never solve on the caller's thread, except small checks (pool
validation, feasibility, replacement) that the service runs in a real thread (eventlet.tpool).
"""
from __future__ import annotations

import secrets
import uuid
from datetime import timedelta

from sqlalchemy import select

from involve.kernel.db import now
from involve.kernel.errors import Conflict, InvalidInput, NotFound
from involve.kernel.schemas import validate

from . import campaigns, registrations
from .contract import PanelReplacementCreate, PanelSelectionStart
from .models import Replacement, SelectionJob
from .selection import PoolError, Quota, make_pool, replacement, verify

ACTIVE = ("queued", "running")
FINISHED = ("done", "failed", "cancelled")


# --------------------------------------------------------------------------- pools

def pool_input(session, campaign) -> dict:
    """The selection's input snapshot: quotas and the consenting registrations (ids, answers,
    household hashes). Nothing else about a person is in it."""
    people = []
    for r in registrations.pool_registrations(session, campaign.id):
        people.append({"id": r.id,
                       "features": campaigns.feature_answers(campaign.categories, r.answers),
                       "household": r.household_key if campaign.household_rule else None})
    return {"panel_size": campaign.panel_size,
            "quotas": [q.as_dict() for q in campaigns.quotas(campaign)], "people": people}


def make_pool_from(data: dict):
    """Build (and validate) the selection core's pool from an input snapshot."""
    quotas = [Quota(**q) for q in data["quotas"]]
    if not data["people"]:
        raise InvalidInput("Nobody has registered for this campaign yet, so there is nobody to "
                           "select from.", {"campaign_id": ["The pool is empty."]})
    try:
        return make_pool(quotas, data["people"], panel_size=data["panel_size"])
    except PoolError as exc:
        raise InvalidInput(f"The pool cannot be used: {exc}", {"pool": [str(exc)]}) from None


def feasibility(data: dict) -> dict:
    """Can the quotas be met? With a plain-English explanation and a suggested relaxation."""
    from .selection import check_feasibility

    pool = make_pool_from(data)
    result = check_feasibility(pool, data["panel_size"])
    out = result.as_dict()
    out["pool_size"] = len(pool.people)
    if result.feasible:
        out["message"] = (f"The quotas can be met: a panel of {data['panel_size']} can be chosen "
                          f"from the {len(pool.people)} people who registered.")
    out["suggested_changes_text"] = [c.describe() for c in result.changes]
    return out


# --------------------------------------------------------------------------- jobs

def create(session, campaign, data: dict, leximin_seconds: float) -> SelectionJob:
    values = validate(PanelSelectionStart(), data)
    seed = values["seed"] if values["seed"] is not None else secrets.randbits(63)
    snapshot = pool_input(session, campaign)
    make_pool_from(snapshot)  # refuse an unusable pool now, with a plain message
    snapshot.update(algorithm=values["algorithm"], seed=seed, leximin_seconds=leximin_seconds,
                    household_rule=bool(campaign.household_rule), accuracy=values["accuracy"],
                    lottery_panels=values["lottery_panels"])
    job = SelectionJob(
        id=str(uuid.uuid4()), campaign_id=campaign.id, organisation_id=campaign.organisation_id,
        algorithm=values["algorithm"], seed=str(seed), status="queued", progress=0.0,
        message="Waiting for a worker to start.", cancel_requested=False, created_at=now(),
        input=snapshot)
    session.add(job)
    session.flush()
    return job


def load(session, organisation_id: str | None, job_id: str) -> SelectionJob:
    job = session.get(SelectionJob, job_id) if isinstance(job_id, str) else None
    if job is None or (organisation_id is not None and job.organisation_id != organisation_id):
        raise NotFound("We could not find that selection.", {"selection_id": ["Unknown id."]})
    return job


def status(job: SelectionJob) -> dict:
    result = job.result or {}
    return {
        "id": job.id, "campaign_id": job.campaign_id, "organisation_id": job.organisation_id,
        "algorithm": job.algorithm, "seed": int(job.seed), "status": job.status,
        "progress": round(float(job.progress or 0.0), 4), "message": job.message,
        "cancel_requested": bool(job.cancel_requested),
        "created_at": job.created_at.isoformat(),
        "started_at": job.started_at.isoformat() if job.started_at else None,
        "finished_at": job.finished_at.isoformat() if job.finished_at else None,
        "pool_size": len(job.input.get("people", [])), "panel_size": job.input["panel_size"],
        "panel": result.get("panel"), "algorithm_used": result.get("algorithm_used"),
        "fallback": result.get("fallback"), "error": job.error,
        "accuracy": result.get("accuracy"), "lottery": result.get("lottery"),
    }


def list_for(session, campaign) -> list[dict]:
    return [status(j) for j in session.scalars(
        select(SelectionJob).where(SelectionJob.campaign_id == campaign.id)
        .order_by(SelectionJob.created_at.desc()))]


def request_cancel(job: SelectionJob) -> dict:
    if job.status in FINISHED:
        raise Conflict(f"This selection has already finished ({job.status}), so it cannot be "
                       "cancelled.")
    if job.status == "queued" and job.worker_pid is None:
        finish(job, "cancelled", "Cancelled at your request before it started.")
    elif not job.cancel_requested:
        job.cancel_requested = True
        job.cancel_requested_at = now()
        job.message = "Stopping at your request..."
    return status(job)


def finish(job: SelectionJob, state: str, message: str, error: dict | None = None) -> None:
    job.status = state
    job.message = message[:500]
    job.finished_at = now()
    if error is not None:
        job.error = error


def recover(session, host: str, alive, stale_after: float = 60.0) -> list[str]:
    """At start-up (and periodically): jobs left queued/running with no live worker fail (or,
    if a cancel was asked for, are cancelled: the watcher may have just terminated the worker).

    ``alive(pid)`` says whether a process on this host is still running. Jobs of other hosts
    (another instance of the service) are failed only once their heartbeat is ``stale_after``
    seconds old; so are this host's if the pid was reused by another process.
    """
    failed = []
    cutoff = now() - timedelta(seconds=stale_after)
    # Rows another replica is recovering right now are skipped (PostgreSQL), so each abandoned
    # job is failed, and logged, once across replicas.
    for job in session.scalars(select(SelectionJob).where(SelectionJob.status.in_(ACTIVE))
                               .with_for_update(skip_locked=True)):
        beat = job.heartbeat_at or job.started_at or job.created_at
        if job.worker_host == host:
            dead = job.worker_pid is None or not alive(job.worker_pid) or beat < cutoff
        else:
            dead = beat < cutoff
        if dead and job.cancel_requested:
            # its worker was stopped because someone cancelled it: that is what happened
            finish(job, "cancelled", "Cancelled at your request. Nothing was chosen.")
        elif dead:
            finish(job, "failed", "This selection stopped because the panels service restarted "
                                  "or its worker ended unexpectedly. Nothing was chosen; please "
                                  "start the selection again.")
            failed.append(job.id)
    return failed


# --------------------------------------------------------------------------- results

def _done(job: SelectionJob) -> None:
    if job.status != "done":
        raise Conflict(f"This selection is {job.status}, so it has no result yet."
                       if job.status in ACTIVE else
                       f"This selection is {job.status}, so it has no result.")


def report(job: SelectionJob) -> dict:
    _done(job)
    return dict(job.report, selection_id=job.id, campaign_id=job.campaign_id,
                panel=job.result["panel"], seed=int(job.seed),
                algorithm_requested=job.algorithm, algorithm_used=job.result["algorithm_used"],
                fallback=job.result.get("fallback"))


def public_record(job: SelectionJob, campaign) -> dict:
    """The draw record anyone may read and re-check: ids, counts, probabilities, quotas, seed."""
    _done(job)
    return {
        "selection_id": job.id, "campaign": {"id": campaign.id, "purpose": campaign.purpose,
                                             "panel_size": job.input["panel_size"]},
        "finished_at": job.finished_at.isoformat() if job.finished_at else None,
        "how_to_verify": "involve.panels.selection.verify(record) repeats the lottery with "
                         "Python's random.Random(seed) and checks every hash; see "
                         "docs/panel-selection.md.",
        "accuracy": (job.audit or {}).get("accuracy"),
        "lottery": lottery_summary(job.audit),
        "record": job.audit,
    }


def lottery_summary(audit: dict | None) -> dict | None:
    """A transparent lottery in a few words: m panels listed, the number drawn, the loss."""
    lottery = (audit or {}).get("lottery")
    if not lottery:
        return None
    return {"panels": lottery["panels"], "number": lottery["number"],
            "number_from": lottery["number_from"], "list_sha256": lottery["list_sha256"],
            "minimum_probability": lottery["minimum_probability"],
            "exact_minimum_probability": lottery["exact_minimum_probability"],
            "loss": lottery["loss"],
            "how_to_check": f"Panel number {lottery['number']} of the {lottery['panels']} listed "
                            "in record.lottery.list (numbered from 1) must be record.panel. With "
                            "number_from 'seed', the number is random.Random(record.seed)"
                            f".randrange({lottery['panels']}) + 1 in Python. The list's SHA-256 "
                            "(compact JSON) is list_sha256."}


def verify_job(job: SelectionJob) -> dict:
    _done(job)
    pool = make_pool_from(job.input) if not job.input.get("erased") else None
    checked = verify(job.audit, pool)
    return {"ok": checked.ok, "problems": checked.problems, "checked_against_pool": pool is not None}


def current_panel(session, job: SelectionJob) -> list[str]:
    last = session.scalars(select(Replacement).where(Replacement.job_id == job.id)
                           .order_by(Replacement.id.desc()).limit(1)).first()
    return list(last.panel) if last else list(job.result["panel"])


def replace(session, job: SelectionJob, data: dict) -> dict:
    _done(job)
    values = validate(PanelReplacementCreate(), data)
    panel = current_panel(session, job)
    dropped = values["dropped_id"]
    if dropped not in panel:
        raise InvalidInput("That person is not on the panel.",
                           {"dropped_id": ["Not a member of this panel."]})
    earlier = [r.dropped_id for r in session.scalars(
        select(Replacement).where(Replacement.job_id == job.id))]
    pool = make_pool_from(job.input)
    known = {p.id for p in pool.people}
    missing = [i for i in panel if i not in known]
    if missing:
        raise Conflict("A member of this panel has since had their data erased, so a "
                       "replacement can no longer be checked against the quotas. Please run "
                       "the selection again.")
    seed = values["seed"] if values["seed"] is not None else secrets.randbits(63)
    chosen = replacement(pool, panel, dropped, seed=seed, exclude=earlier + [dropped])
    row = Replacement(job_id=job.id, dropped_id=dropped, replacement_id=chosen.person,
                      seed=str(seed), candidates=len(chosen.candidates),
                      panel=chosen.panel, message=chosen.message, created_at=now())
    session.add(row)
    session.flush()
    counts = _quota_counts(pool, chosen.panel)
    return {"dropped_id": dropped, "replacement_id": chosen.person, "seed": seed,
            "candidates": len(chosen.candidates), "panel": chosen.panel,
            "message": chosen.message, "quotas": counts,
            "quotas_met": all(q["met"] for q in counts)}


def _quota_counts(pool, panel):
    from .selection.report import quota_counts

    return quota_counts(pool, panel)
