"""API tokens for integrators: shown once, stored hashed, scoped to one organisation and a list
of permissions, expiring, and revocable with immediate effect."""
from __future__ import annotations

import secrets
import uuid
from datetime import timedelta

from sqlalchemy import select

from involve.kernel.db import now
from involve.kernel.errors import NotAuthenticated, NotFound
from involve.kernel.schemas import validate

from . import audit
from .contract import TokenCreate
from .links import token_hash
from .models import ApiToken, Organisation

PREFIX = "inv_"


def _public(token: ApiToken) -> dict:
    return {"id": token.id, "name": token.name, "organisation_id": token.organisation_id,
            "permissions": list(token.permissions), "created_at": token.created_at.isoformat(),
            "expires_at": token.expires_at.isoformat(),
            "revoked_at": token.revoked_at.isoformat() if token.revoked_at else None,
            "last_used_at": token.last_used_at.isoformat() if token.last_used_at else None}


def create(session, principal, organisation_id: str, data: dict) -> dict:
    if session.get(Organisation, organisation_id) is None:
        raise NotFound("We could not find that organisation.", {"organisation_id": ["Unknown id."]})
    values = validate(TokenCreate(), data)
    secret = PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(id=str(uuid.uuid4()), token_hash=token_hash(secret),
                     organisation_id=organisation_id, name=values["name"],
                     permissions=sorted(set(values["permissions"])),
                     created_by=principal.get("person_id"), created_at=now(),
                     expires_at=now() + timedelta(days=values["expires_in_days"]))
    session.add(token)
    session.flush()
    audit.record(session, principal, "token.created", f"token '{token.name}'", None, organisation_id)
    return {**_public(token), "token": secret}  # the only time the secret is shown


def list_for(session, organisation_id: str) -> list[dict]:
    rows = session.scalars(select(ApiToken).where(ApiToken.organisation_id == organisation_id)
                           .order_by(ApiToken.created_at))
    return [_public(t) for t in rows]


def revoke(session, principal, organisation_id: str, token_id: str) -> dict:
    token = session.get(ApiToken, token_id)
    if token is None or token.organisation_id != organisation_id:
        raise NotFound("We could not find that token.", {"token_id": ["Unknown id."]})
    if token.revoked_at is None:
        token.revoked_at = now()
        audit.record(session, principal, "token.revoked", f"token '{token.name}'", None,
                     organisation_id)
    return _public(token)


def authenticate(session, secret: str) -> dict:
    token = session.scalar(select(ApiToken).where(ApiToken.token_hash == token_hash(secret or "")))
    if token is None or token.revoked_at is not None or token.expires_at < now():
        raise NotAuthenticated("This API token is not valid: it may have expired or been revoked.")
    # Recorded at most once a minute, so reads through a token do not each cost a write.
    if token.last_used_at is None or token.last_used_at < now() - timedelta(minutes=1):
        token.last_used_at = now()
    return {"person_id": None, "token_id": token.id, "platform_admin": False, "roles": {},
            "token_scope": {"organisation_id": token.organisation_id,
                            "permissions": list(token.permissions)},
            "valid_for_seconds": max(0.0, (token.expires_at - now()).total_seconds())}
