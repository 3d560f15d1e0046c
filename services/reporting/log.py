"""The event log: every event reporting receives, once, and the read models projected from it.

``ingest`` is what the event handlers call, in one transaction per event: a duplicate (same id)
changes nothing; an event of a type or version reporting does not know, or whose data it cannot
read, is recorded with status ``skipped`` and a note, and never fails (a later version of
reporting that knows it picks it up on ``rebuild``); anything else is recorded ``applied`` and
its writes merged into the read models.

``rebuild`` empties the read models and replays the log a chunk at a time. The writes merge the
same way whatever their order (projections.py), so events arriving while it runs are safe, and
the result is what the handlers built one event at a time.

Erasure: when identity says a person was erased, their pseudonymous id is replaced everywhere
here (log and read models) by a random stand-in, so counts of distinct people stay right and
nothing links back. ``erasures`` keeps only the SHA-256 of the id, so an event with the old id
arriving later (a backfill) is rewritten before it is stored.
"""
from __future__ import annotations

import hashlib
import logging
import re
import uuid
from collections.abc import Callable

from sqlalchemy import Text, cast, func, select, update

from involve.kernel.db import now

from . import models as m
from . import projections as p

log = logging.getLogger(__name__)
TYPE = re.compile(r"^involve\.(?P<source>[a-z_]+)\.(?P<name>[a-z_.]+)\.v(?P<version>\d+)$")
UUID_LIKE = re.compile(r"^[0-9a-fA-F-]{32,40}$")
CHUNK = 5000


def parse_type(full_type) -> tuple[str, str, int] | None:
    match = TYPE.match(full_type) if isinstance(full_type, str) else None
    if not match:
        return None
    return match["source"], match["name"], int(match["version"])


def as_event(envelope: dict) -> p.Event:
    source, name, version = parse_type(envelope.get("type"))
    data = envelope.get("data")
    if not isinstance(data, dict):
        raise ValueError("the event has no data")
    return p.Event(id=envelope["id"], source=source, name=name, version=version,
                   organisation_id=envelope.get("organisation"),
                   time=p.when(envelope.get("time")), data=data)


def _occurred(envelope: dict):
    try:
        return p.when(envelope.get("time")) or now()
    except (TypeError, ValueError):
        return now()


def project_into(writes: p.Writes, envelope: dict) -> tuple[str, str | None]:
    """Project one logged event into ``writes``; (status, note)."""
    parsed = parse_type(envelope.get("type"))
    if parsed is None:
        return "skipped", "not an Involve event type"
    if not p.known(*parsed):
        return "skipped", "a type or version reporting does not know"
    scratch = p.Writes()
    try:
        p.project(as_event(envelope), scratch)
    except (KeyError, TypeError, ValueError, AttributeError, IndexError) as exc:
        return "skipped", f"its data could not be read ({type(exc).__name__}: {str(exc)[:120]})"
    for view_name, rows in scratch.rows.items():
        for values in rows.values():
            writes.add(view_name, values)
    return "applied", None


# --- erasure ------------------------------------------------------------------------------------
def person_hash(person_id: str) -> str:
    return hashlib.sha256(person_id.encode()).hexdigest()


def _replace(value, mapping: dict[str, str]):
    if isinstance(value, str):
        return mapping.get(value, value)
    if isinstance(value, list):
        return [_replace(v, mapping) for v in value]
    if isinstance(value, dict):
        return {k: _replace(v, mapping) for k, v in value.items()}
    return value


def _strings(value, found: set):
    if isinstance(value, str):
        if UUID_LIKE.match(value):
            found.add(value)
    elif isinstance(value, list):
        for v in value:
            _strings(v, found)
    elif isinstance(value, dict):
        for v in value.values():
            _strings(v, found)
    return found


def rewrite_erased(session, envelope: dict) -> dict:
    """The envelope with any erased person's id replaced by their stand-in."""
    candidates = _strings(envelope.get("data"), set())
    if not candidates:
        return envelope
    hashes = {person_hash(c): c for c in candidates}
    rows = session.execute(select(m.erasures.c.person_hash, m.erasures.c.replacement)
                           .where(m.erasures.c.person_hash.in_(list(hashes)))).all()
    if not rows:
        return envelope
    mapping = {hashes[h]: replacement for h, replacement in rows}
    return {**envelope, "data": _replace(envelope["data"], mapping)}


def erase(session, person_id: str) -> str:
    """Replace ``person_id`` everywhere in the log and the read models; returns the stand-in."""
    hashed = person_hash(person_id)
    replacement = session.scalar(select(m.erasures.c.replacement)
                                 .where(m.erasures.c.person_hash == hashed))
    if replacement is None:
        replacement = f"erased-{uuid.uuid4().hex[:24]}"
        session.execute(m.erasures.insert().values(person_hash=hashed, replacement=replacement,
                                                   erased_at=now()))
    mapping = {person_id: replacement}
    holding = session.execute(select(m.event_log.c.seq, m.event_log.c.envelope).where(
        cast(m.event_log.c.envelope, Text).like(f"%{person_id}%"))).all()
    for seq, envelope in holding:
        session.execute(update(m.event_log).where(m.event_log.c.seq == seq)
                        .values(envelope=_replace(envelope, mapping)))
    for table, column in p.PERSON_COLUMNS:
        session.execute(update(table).where(table.c[column] == person_id)
                        .values({column: replacement}))
    return replacement


# --- ingest --------------------------------------------------------------------------------------
def ingest(session, envelope) -> str:
    """Record one event and project it: "applied", "skipped" or "duplicate"."""
    if not isinstance(envelope, dict) or not isinstance(envelope.get("id"), str) \
            or not envelope["id"] or len(envelope["id"]) > 200:
        log.warning("a message that is not an Involve event was ignored")
        return "refused"
    exists = session.scalar(select(m.event_log.c.seq)
                            .where(m.event_log.c.event_id == envelope["id"]))
    if exists is not None:
        return "duplicate"
    envelope = rewrite_erased(session, envelope)
    writes = p.Writes()
    status, note = project_into(writes, envelope)
    parsed = parse_type(envelope.get("type")) or ("unknown", "unknown", 0)
    organisation = envelope.get("organisation")
    session.execute(m.event_log.insert().values(
        event_id=envelope["id"], source=parsed[0][:64], type=str(envelope.get("type"))[:200],
        name=parsed[1][:100], version=parsed[2],
        organisation_id=organisation[:64] if isinstance(organisation, str) else None,
        occurred_at=_occurred(envelope), received_at=now(), status=status, note=note,
        envelope=envelope))
    if writes:
        p.apply(session, writes)
    if parsed[:2] == ("identity", "person.erased") and status == "applied":
        person_id = (envelope.get("data") or {}).get("person_id")
        if isinstance(person_id, str) and person_id:
            erase(session, person_id)
    if status == "skipped":
        log.info("event %s recorded and skipped: %s", envelope["id"], note)
    return status


# --- rebuild -------------------------------------------------------------------------------------
def set_state(session, key: str, value) -> None:
    if session.execute(update(m.state).where(m.state.c.key == key).values(value=value)).rowcount:
        return
    session.execute(m.state.insert().values(key=key, value=value))


def get_state(session, key: str):
    return session.scalar(select(m.state.c.value).where(m.state.c.key == key))


def rebuild(transaction: Callable, progress: Callable[[int], None] | None = None,
            chunk: int = CHUNK, started: Callable[[int], None] | None = None) -> dict:
    """Empty every read model and project the whole log again. ``transaction`` opens a unit of
    work (a context manager giving a session). Returns counts."""
    with transaction() as session:
        p.clear(session)
        # read after emptying: every event whose effect was emptied has a seq up to this
        last = session.scalar(select(func.max(m.event_log.c.seq))) or 0
        total = session.scalar(select(func.count()).select_from(m.event_log)
                               .where(m.event_log.c.seq <= last))
        started_at = now().isoformat()
        set_state(session, "rebuild", {"running": True, "started_at": started_at,
                                       "events": total, "done": 0})
    if started:
        started(total)
    after, counts = 0, {"events": 0, "applied": 0, "skipped": 0, "changed_status": 0}
    while after < last:
        with transaction() as session:
            rows = session.execute(
                select(m.event_log.c.seq, m.event_log.c.status, m.event_log.c.envelope)
                .where(m.event_log.c.seq > after, m.event_log.c.seq <= last)
                .order_by(m.event_log.c.seq).limit(chunk)).all()
            if not rows:
                break
            writes = p.Writes()
            changed = []
            for seq, old_status, envelope in rows:
                status, note = project_into(writes, envelope)
                counts[status] += 1
                if status != old_status:
                    changed.append({"k": seq, "s": status, "n": note})
            p.apply(session, writes)
            set_state(session, "rebuild", {"running": True, "started_at": started_at,
                                           "events": total,
                                           "done": counts["events"] + len(rows)})
            if changed:
                from sqlalchemy import bindparam

                session.connection().execute(
                    update(m.event_log).where(m.event_log.c.seq == bindparam("k"))
                    .values(status=bindparam("s"), note=bindparam("n")), changed)
                counts["changed_status"] += len(changed)
        after = rows[-1][0]
        counts["events"] += len(rows)
        if progress:
            progress(len(rows))
    with transaction() as session:
        set_state(session, "rebuild", {"running": False, "started_at": started_at,
                                       "finished_at": now().isoformat(),
                                       "events": counts["events"], "done": counts["events"]})
    return counts


def note_backfill(session, source: str, sent: int, remaining: int, finished: bool) -> dict:
    """What ``involve reporting backfill`` has asked a service to send again so far (the pages
    show it with a progress bar)."""
    found = dict(get_state(session, "backfill") or {})
    found[source] = {"sent": sent, "total": sent + remaining, "finished": finished,
                     "updated_at": now().isoformat()}
    set_state(session, "backfill", found)
    return found


def jobs(session) -> dict:
    """The rebuild's and the backfill's progress, as the pages and the API show them."""
    rebuild = get_state(session, "rebuild")
    backfill = get_state(session, "backfill") or {}
    return {"rebuild": None if not rebuild else {
                "running": bool(rebuild.get("running")), "events": rebuild.get("events", 0),
                "done": rebuild.get("done", 0), "started_at": rebuild.get("started_at"),
                "finished_at": rebuild.get("finished_at")},
            "backfill": [{"service": name, **backfill[name]} for name in sorted(backfill)]}


def summary(session) -> dict:
    """How many events the log holds, by status, and the newest."""
    rows = session.execute(select(m.event_log.c.status, func.count())
                           .group_by(m.event_log.c.status)).all()
    by_status = {status: n for status, n in rows}  # noqa: C416 - rows are Row objects
    latest = session.scalar(select(func.max(m.event_log.c.received_at)))
    skipped_types = session.execute(
        select(m.event_log.c.type, func.count()).where(m.event_log.c.status == "skipped")
        .group_by(m.event_log.c.type).order_by(m.event_log.c.type)).all()
    return {"events": sum(by_status.values()), "applied": by_status.get("applied", 0),
            "skipped": by_status.get("skipped", 0),
            "skipped_types": [{"type": t, "events": n} for t, n in skipped_types],
            "latest_received_at": latest.isoformat() if latest else None,
            "rebuild": get_state(session, "rebuild")}
