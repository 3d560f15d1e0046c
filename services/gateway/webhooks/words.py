"""Words people read on the webhooks pages."""
from involve.kernel import catalogue

STATUS_NAMES = {"pending": "Waiting to be sent", "delivered": "Delivered", "failed": "Failed",
                "cancelled": "Not sent"}
REASON_NAMES = {"by_admin": "Turned off by an administrator",
                "gone": "Turned off: the receiving system said it is gone (410)",
                "failing": "Turned off: every retry of a delivery failed"}
MISSING = {"url": "Enter the web address to send events to",
           "event_types": "Choose at least one kind of event"}


def event_options() -> list[tuple[str, str, str]]:
    """(routing key, title, what it is) of every event type a webhook may receive."""
    return [(e.name, f"{e.title} ({e.name})", e.description)
            for e in catalogue.published() if e.organisation_scoped]
