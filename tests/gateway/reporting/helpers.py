"""Builders for the reporting area's tests: an organisation's activity as the services publish
it (the generator's realistic events, for this organisation's real ids), sent through RabbitMQ
to the services' exchanges; waiting until the dashboard shows it; downloading bytes."""
from __future__ import annotations

import time
import urllib.request

from tests.support.reporting_events import activity, publish  # noqa: F401 - the tests use them


def figures(dashboard: dict) -> dict:
    return {m["key"]: m["value"] for s in dashboard["sections"] for m in s["metrics"]}


def wait_for(check, timeout: float = 60.0, what: str = "the dashboard to move"):
    deadline = time.monotonic() + timeout
    while True:
        found = check()
        if found:
            return found
        if time.monotonic() > deadline:
            raise AssertionError(f"gave up waiting for {what}")
        time.sleep(0.2)


def download(client, path: str) -> tuple[int, bytes, str]:
    """Bytes of a download (PDFs are not text), with the client's session."""
    request = urllib.request.Request(client.base + path)
    try:
        with client.opener.open(request, timeout=30) as response:
            return response.status, response.read(), response.headers.get("Content-Type", "")
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read(), exc.headers.get("Content-Type", "")
