"""The audit log: who read or changed personal data, when and why (ids only)."""
from __future__ import annotations

from sqlalchemy import func, select

from involve.kernel.db import now

from .models import AuditEntry, AuditSubject


def actor_of(principal: dict | None) -> str:
    if not principal:
        return "anonymous"
    if principal.get("token_id"):
        return f"token:{principal['token_id']}"
    return f"person:{principal.get('person_id')}"


def record(session, principal, action: str, reason: str, subject_person_id=None,
           organisation_id=None, subjects: list[str] | None = None) -> None:
    """One entry. ``subjects``: the several people it is about (a list of names read), kept
    beside the entry so that each of them finds it in their own download."""
    entry = AuditEntry(at=now(), actor=actor_of(principal), action=action,
                       subject_person_id=subject_person_id, organisation_id=organisation_id,
                       reason=reason[:300])
    session.add(entry)
    if subjects:
        session.flush()
        session.add_all(AuditSubject(entry_id=entry.id, person_id=person_id)
                        for person_id in dict.fromkeys(subjects))


def entries(session, organisation_id: str, limit: int = 200) -> list[dict]:
    rows = list(session.scalars(select(AuditEntry).where(AuditEntry.organisation_id == organisation_id)
                                .order_by(AuditEntry.id.desc()).limit(limit)))
    counts = dict(session.execute(
        select(AuditSubject.entry_id, func.count()).where(
            AuditSubject.entry_id.in_([r.id for r in rows])).group_by(AuditSubject.entry_id)).all()
    ) if rows else {}
    return [{"at": r.at.isoformat(), "actor": r.actor, "action": r.action,
             "subject_person_id": r.subject_person_id, "people_count": counts.get(r.id, 0),
             "reason": r.reason} for r in rows]


def about(session, person_id: str) -> list[AuditEntry]:
    """Every entry about a person: as its one subject, or among several."""
    among = select(AuditSubject.entry_id).where(AuditSubject.person_id == person_id)
    return list(session.scalars(select(AuditEntry).where(
        (AuditEntry.subject_person_id == person_id) | AuditEntry.id.in_(among))
        .order_by(AuditEntry.id)))
