"""Household keys: a keyed hash of the address, so the address itself is never stored.

The key is ``PANELS_HOUSEHOLD_KEY`` (any long random text) or, for local use, one generated
once into ``DATA_DIR/panels-household.key``. The campaign id is part of the hashed text, so
the same household cannot be linked across campaigns.
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import logging
import os
from pathlib import Path

from involve.kernel import settings

log = logging.getLogger(__name__)


def load_key() -> bytes:
    configured = settings.get("PANELS_HOUSEHOLD_KEY")
    if configured:
        return str(configured).encode()
    path = Path(settings.get("DATA_DIR")).resolve() / "panels-household.key"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "w") as handle:
                handle.write(base64.urlsafe_b64encode(os.urandom(32)).decode())
            log.warning("generated a household key for local use in %s; configure "
                        "PANELS_HOUSEHOLD_KEY in production", path)
        except FileExistsError:
            pass
    return path.read_text().strip().encode()


def normalise(address: str) -> str:
    return " ".join(str(address).replace(",", " ").split()).casefold()


def household_key(key: bytes, campaign_id: str, address: str | None) -> str | None:
    if address is None or not normalise(address):
        return None
    text = f"{campaign_id}|{normalise(address)}".encode()
    return hmac.new(key, text, hashlib.sha256).hexdigest()
