"""The event envelope (CloudEvents 1.0 style, see docs/events.md).

People appear in events only by pseudonymous id: never a name, an email, a phone number or free
text that has not been moderated for publication.
"""
from __future__ import annotations

import uuid
from datetime import datetime, timezone

SPEC_VERSION = "1.0"
CLASSIFICATIONS = ("public", "internal", "pseudonymous")


def exchange_name(service: str) -> str:
    """Nameko's event exchange for a service (a durable topic exchange)."""
    return f"{service}.events"


def type_name(service: str, event_type: str, version: int = 1) -> str:
    """``organisation.created`` from identity -> ``involve.identity.organisation.created.v1``."""
    return f"involve.{service}.{event_type}.v{version}"


def envelope(
    service: str,
    event_type: str,
    data: dict,
    *,
    subject: str | None = None,
    organisation: str | None = None,
    classification: str = "internal",
    version: int = 1,
    event_id: str | None = None,
    time: datetime | None = None,
) -> dict:
    if classification not in CLASSIFICATIONS:
        raise ValueError(f"unknown data classification {classification!r}")
    full_type = type_name(service, event_type, version)
    return {
        "specversion": SPEC_VERSION,
        "id": event_id or str(uuid.uuid4()),
        "source": f"involve/{service}",
        "type": full_type,
        "subject": subject,
        "time": (time or datetime.now(timezone.utc)).isoformat(),
        "datacontenttype": "application/json",
        "dataschema": f"https://involve.example/schemas/events/{full_type}.json",
        "organisation": organisation,
        "dataclassification": classification,
        "data": data,
    }
