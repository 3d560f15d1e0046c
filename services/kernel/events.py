"""The event envelope (CloudEvents 1.0, structured JSON; see docs/events.md).

``dataschema`` is the address where the gateway serves the type's JSON Schema:
``GATEWAY_URL/schemas/events/<type>.json``. An attribute with no value (an event of no single
organisation, no subject) is left out rather than sent as null, as CloudEvents asks.

People appear in events only by pseudonymous id: never a name, an email, a phone number or free
text that has not been moderated for publication.
"""
from __future__ import annotations

import uuid
from datetime import UTC, datetime

from . import settings

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
    message = {
        "specversion": SPEC_VERSION,
        "id": event_id or str(uuid.uuid4()),
        "source": f"involve/{service}",
        "type": full_type,
        "subject": subject,
        "time": (time or datetime.now(UTC)).isoformat(),
        "datacontenttype": "application/json",
        "dataschema": schema_address(full_type),
        "organisation": organisation,
        "dataclassification": classification,
        "data": data,
    }
    return {key: value for key, value in message.items() if value is not None or key == "data"}


def schema_url(base_url: str, full_type: str) -> str:
    return f"{base_url.rstrip('/')}/schemas/events/{full_type}.json"


def schema_address(full_type: str) -> str:
    """Where the gateway serves the JSON Schema of a type's data (GATEWAY_URL is public)."""
    return schema_url(str(settings.get("GATEWAY_URL")), full_type)
