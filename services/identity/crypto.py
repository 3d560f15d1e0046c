"""Keeping contact details secret at rest, and finding accounts without storing emails in clear.

Contact details (name, email, phone, address) are encrypted together with Fernet (AES-128-CBC
with HMAC-SHA256). CONTACT_KEYS is a list: the first key encrypts, every key decrypts, so keys
can be rotated: add a new key first, run ``involve identity rotate-keys`` (re-encrypts every
person with the new key), then remove the old one. Emails are found through a keyed HMAC
(LOOKUP_KEY), never stored in clear.
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


class Keys:
    def __init__(self, contact_keys: list[str], lookup_key: str):
        if not contact_keys:
            raise ValueError("at least one contact key is needed")
        self.fernet = MultiFernet([Fernet(k.encode() if isinstance(k, str) else k)
                                   for k in contact_keys])
        self.lookup_key = lookup_key.encode()

    def encrypt(self, contact: dict) -> str:
        return self.fernet.encrypt(json.dumps(contact, sort_keys=True).encode()).decode()

    def decrypt(self, token: str | None) -> dict:
        if not token:
            return {}
        try:
            return json.loads(self.fernet.decrypt(token.encode()))
        except InvalidToken:
            raise RuntimeError("contact details cannot be decrypted with the configured keys") from None

    def rotate(self, token: str) -> str:
        return self.fernet.rotate(token.encode()).decode()

    def email_lookup(self, email: str) -> str:
        normalised = email.strip().lower().encode()
        return hmac.new(self.lookup_key, normalised, hashlib.sha256).hexdigest()


def _as_list(value) -> list[str]:
    if not value:
        return []
    if isinstance(value, str):
        return [v.strip() for v in value.split(",") if v.strip()]
    return list(value)


def load_keys() -> Keys:
    contact_keys = _as_list(settings.get("CONTACT_KEYS"))
    lookup_key = settings.get("LOOKUP_KEY")
    if contact_keys and lookup_key:
        return Keys(contact_keys, lookup_key)
    path = Path(settings.get("DATA_DIR")).resolve() / "identity-keys.json"
    if path.exists():
        stored = json.loads(path.read_text())
    else:
        path.parent.mkdir(parents=True, exist_ok=True)
        stored = {"contact_keys": [Fernet.generate_key().decode()],
                  "lookup_key": base64.urlsafe_b64encode(os.urandom(32)).decode()}
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as handle:
            json.dump(stored, handle)
        log.warning("generated identity keys for local use in %s; configure CONTACT_KEYS and "
                    "LOOKUP_KEY in production", path)
    return Keys(contact_keys or stored["contact_keys"], lookup_key or stored["lookup_key"])
