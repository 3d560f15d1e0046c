"""Single-use, expiring links (invitations, password resets), stored only as SHA-256 hashes."""
from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from involve.kernel.db import now
from involve.kernel.errors import BadRequest

from .models import OneTimeLink


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def make(session, purpose: str, lifetime: timedelta, **fields) -> str:
    token = secrets.token_urlsafe(32)
    session.add(OneTimeLink(token_hash=token_hash(token), purpose=purpose,
                            expires_at=now() + lifetime, **fields))
    return token


def find(session, purpose: str, token) -> OneTimeLink:
    """The link if it can still be used, else BadRequest naming ``token``."""
    link = session.get(OneTimeLink, token_hash(token)) if isinstance(token, str) else None
    if link is None or link.purpose != purpose or link.used_at is not None or link.expires_at < now():
        raise BadRequest("This link has expired or has already been used. Please ask for a new one.",
                         {"token": ["Expired or already used."]})
    return link


def use(session, purpose: str, token: str) -> OneTimeLink:
    link = find(session, purpose, token)
    link.used_at = now()
    return link
