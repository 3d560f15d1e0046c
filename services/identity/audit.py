"""The audit log: who read or changed personal data, when and why (ids only)."""
from __future__ import annotations

from sqlalchemy import select

from involve.kernel.db import now

from .models import AuditEntry


def actor_of(principal: dict | None) -> str:
    if not principal:
        return "anonymous"
    if principal.get("token_id"):
        return f"token:{principal['token_id']}"
    return f"person:{principal.get('person_id')}"


def record(session, principal, action: str, reason: str, subject_person_id=None,
           organisation_id=None) -> None:
    session.add(AuditEntry(at=now(), actor=actor_of(principal), action=action,
                           subject_person_id=subject_person_id, organisation_id=organisation_id,
                           reason=reason))


def entries(session, organisation_id: str, limit: int = 200) -> list[dict]:
    rows = session.scalars(select(AuditEntry).where(AuditEntry.organisation_id == organisation_id)
                           .order_by(AuditEntry.id.desc()).limit(limit))
    return [{"at": r.at.isoformat(), "actor": r.actor, "action": r.action,
             "subject_person_id": r.subject_person_id, "reason": r.reason} for r in rows]
