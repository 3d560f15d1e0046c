"""Secrets and signatures, exactly as Standard Webhooks v1 says.

A secret is ``whsec_`` followed by the base64 of 32 random bytes (the spec asks for 24 to 64);
it is shown once, when made, and kept encrypted at rest (``SecretBox``: Fernet keys from
``WEBHOOKS_SECRET_KEYS``, the first encrypts, all decrypt, so keys can be rotated).

Each delivery carries ``webhook-id`` (the event's id, the same on every retry),
``webhook-timestamp`` (Unix seconds of this attempt) and ``webhook-signature``: ``v1,`` and the
base64 HMAC-SHA256, keyed with the secret's bytes, of ``<id>.<timestamp>.<body>``. While an old
secret is still valid after a rotation, both signatures are sent, separated by a space.
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import json
import logging
import os
from pathlib import Path

from cryptography.fernet import Fernet, InvalidToken, MultiFernet

from involve.kernel import settings

log = logging.getLogger(__name__)
PREFIX = "whsec_"
SECRET_BYTES = 32


def new_secret() -> str:
    return PREFIX + base64.b64encode(os.urandom(SECRET_BYTES)).decode()


def key_of(secret: str) -> bytes:
    if not secret.startswith(PREFIX):
        raise ValueError("not a webhook secret")
    return base64.b64decode(secret[len(PREFIX):])


def sign(secret: str, msg_id: str, timestamp: int, body: bytes) -> str:
    signed = f"{msg_id}.{timestamp}.".encode() + body
    digest = hmac.new(key_of(secret), signed, hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode()


def headers(secrets: list[str], msg_id: str, timestamp: int, body: bytes) -> dict:
    return {
        "webhook-id": msg_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": " ".join(sign(s, msg_id, timestamp, body) for s in secrets),
    }


class SecretBox:
    """Seals secrets for the database and opens them to sign."""

    def __init__(self, keys: list[str]):
        if not keys:
            raise ValueError("at least one key is needed for webhook secrets")
        self.fernet = MultiFernet([Fernet(k.encode() if isinstance(k, str) else k) for k in keys])

    def seal(self, secret: str) -> str:
        return self.fernet.encrypt(secret.encode()).decode()

    def open(self, sealed: str) -> str:
        try:
            return self.fernet.decrypt(sealed.encode()).decode()
        except InvalidToken:
            raise RuntimeError("a webhook secret cannot be opened with the configured "
                               "WEBHOOKS_SECRET_KEYS") from None


def _as_list(value) -> list[str]:
    if not value:
        return []
    if isinstance(value, str):
        return [v.strip() for v in value.split(",") if v.strip()]
    return list(value)


def load_box() -> SecretBox:
    keys = _as_list(settings.get("WEBHOOKS_SECRET_KEYS"))
    if keys:
        return SecretBox(keys)
    path = Path(settings.get("DATA_DIR")).resolve() / "webhooks-keys.json"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:  # another instance made it a moment ago
            pass
        else:
            with os.fdopen(fd, "w") as handle:
                json.dump({"keys": [Fernet.generate_key().decode()]}, handle)
            log.warning("generated a webhook secrets key for local use in %s; configure "
                        "WEBHOOKS_SECRET_KEYS in production", path)
    return SecretBox(json.loads(path.read_text())["keys"])
