"""A per-client limit on anonymous writes (registrations, password-reset emails, sign-ins),
so one client cannot flood people's inboxes or fill the database.

Kept in the gateway process's memory: each gateway instance counts on its own, which is enough
to stop a single noisy client; identity's own sign-in throttling still applies behind it.
"""
from __future__ import annotations

import time
from collections import defaultdict, deque

from involve.kernel import settings
from involve.kernel.errors import TooManyRequests

WINDOW_SECONDS = 60.0
_seen: dict[tuple[str, str], deque] = defaultdict(deque)


def check(route: str, client: str, now: float | None = None) -> None:
    """Count one request; raise TooManyRequests once the client is over the limit."""
    limit = int(settings.get("ANONYMOUS_WRITES_PER_MINUTE"))
    now = time.monotonic() if now is None else now
    hits = _seen[(route, client)]
    while hits and now - hits[0] >= WINDOW_SECONDS:
        hits.popleft()
    if len(hits) >= limit:
        wait = int(WINDOW_SECONDS - (now - hits[0])) + 1
        raise TooManyRequests(f"Too many requests from your connection. Please wait {wait} "
                              "seconds and try again.", {"_retry_after": [str(wait)]})
    hits.append(now)
    if len(_seen) > 100_000:  # forget idle clients so memory stays bounded
        for key in [k for k, v in _seen.items() if not v or now - v[-1] >= WINDOW_SECONDS]:
            del _seen[key]
