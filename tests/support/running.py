"""Start real Nameko services inside the test process, each on its own web port."""
from __future__ import annotations

import json
import time
import urllib.error
import urllib.request

from involve.cli.rabbit import free_port


def wait_until_consumed(amqp_uri: str, queue_names, timeout: float = 60) -> None:
    """Until every one of these queues has a consumer. A queue that merely exists may not be
    bound yet (a service declares its queue, then binds it), and an event published in between
    goes nowhere; a consumer starts only after the binding."""
    from kombu import Connection, Queue

    waiting, deadline = set(queue_names), time.monotonic() + timeout
    while waiting:
        try:
            with Connection(amqp_uri) as connection:
                for name in list(waiting):  # a channel each: a missing queue closes its channel
                    try:
                        if Queue(name, channel=connection.channel()).queue_declare(
                                passive=True).consumer_count:
                            waiting.discard(name)
                    except connection.channel_errors:  # not declared yet
                        pass
        except Exception:  # noqa: BLE001 - the broker is still starting
            pass
        assert not waiting or time.monotonic() < deadline, f"nobody consumes {sorted(waiting)}"
        if waiting:
            time.sleep(0.2)


def event_queues(container) -> list[str]:
    """The queues a running container's event handlers consume."""
    from nameko.events import EventHandler

    return [e.queue.name for e in container.extensions if isinstance(e, EventHandler)]


def start_container(container_factory, service_cls):
    """Start ``service_cls`` in a container of its own; returns it and the port its HTTP side
    uses."""
    from nameko import config

    port = free_port()
    with config.patch({"WEB_SERVER_ADDRESS": f"127.0.0.1:{port}"}):
        container = container_factory(service_cls)
        container.start()
    return container, port


def start_service(container_factory, service_cls) -> int:
    """Start ``service_cls`` in a container of its own; returns the port its HTTP side uses."""
    return start_container(container_factory, service_cls)[1]


def _build(method, url, body, raw, headers) -> urllib.request.Request:
    data = raw if raw is not None else (json.dumps(body).encode() if body is not None else None)
    request = urllib.request.Request(url, data=data, method=method)
    if data is not None and raw is None:
        request.add_header("Content-Type", "application/json")
    for name, value in (headers or {}).items():
        request.add_header(name, value)
    return request


def _send(open_url, request):
    """Send; returns (status, parsed JSON or text, headers), 4xx and 5xx included."""
    try:
        with open_url(request, timeout=30) as response:
            status, payload, response_headers = response.status, response.read(), response.headers
    except urllib.error.HTTPError as exc:
        status, payload, response_headers = exc.code, exc.read(), exc.headers
    if response_headers.get_content_type() == "application/json":
        return status, json.loads(payload), response_headers
    return status, payload.decode(), response_headers


def http(method: str, url: str, body=None, *, raw: bytes | None = None, headers=None):
    """A tiny HTTP client returning (status, parsed JSON or text, headers)."""
    return _send(urllib.request.urlopen, _build(method, url, body, raw, headers))


class Client:
    """A browser-like API client: keeps the session cookie and sends the CSRF token."""

    def __init__(self, base: str, token: str | None = None):
        import http.cookiejar

        self.base = base
        self.token = token
        self.csrf = None
        self.person_id = None
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar))

    def request(self, method, path, body=None, *, raw=None, headers=None, csrf=True):
        headers = dict(headers or {})
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        if self.csrf and csrf and method != "GET":
            headers["X-CSRF-Token"] = self.csrf
        status, payload, _ = _send(self.opener.open,
                                   _build(method, self.base + path, body, raw, headers))
        return status, payload

    def get(self, path, **kw):
        return self.request("GET", path, **kw)

    def post(self, path, body=None, **kw):
        return self.request("POST", path, body, **kw)

    def put(self, path, body=None, **kw):
        return self.request("PUT", path, body, **kw)

    def patch(self, path, body=None, **kw):
        return self.request("PATCH", path, body, **kw)

    def delete(self, path, **kw):
        return self.request("DELETE", path, **kw)

    def sign_in(self, email, password):
        status, body = self.post("/api/v1/auth/sign-in", {"email": email, "password": password})
        assert status == 200, body
        self.csrf = body["csrf_token"]
        self.person_id = body["person_id"]
        return self
