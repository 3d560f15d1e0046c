"""A webhook receiver for Involve: what an integrator's system does with each delivery.

    pip install standardwebhooks jsonschema
    python examples/webhook_receiver.py --secret whsec_... --port 8080 --log events.jsonl

For every POST it:

1. verifies the signature with the ``standardwebhooks`` library (the secret shown when the
   webhook was created; the ``webhook-id``, ``webhook-timestamp`` and ``webhook-signature``
   headers; a timestamp more than five minutes away is refused) and answers 401 if it fails;
2. ignores a delivery whose ``webhook-id`` it has already handled (Involve delivers at least
   once: a retry after a lost answer, or a manual replay, carries the same id), answering 200;
3. fetches the JSON Schema named by the envelope's ``dataschema`` (once per type) and checks
   ``data`` against it;
4. handles the event (here: appends it to the log file, one JSON object per line) and answers
   204 quickly. Slow work belongs in a queue of your own: Involve waits 15 seconds at most.

``--fail-first N`` answers 500 to the first N deliveries (to watch the retries) and ``--gone``
answers 410 Gone (which makes Involve turn the webhook off). The tests run this file.
"""
from __future__ import annotations

import argparse
import json
import sys
import threading
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from jsonschema import Draft7Validator
from standardwebhooks import Webhook, WebhookVerificationError


class Receiver:
    def __init__(self, secret: str, log_path: str, fail_first: int = 0, gone: bool = False):
        self.webhook = Webhook(secret)
        self.log_path = log_path
        self.fail_first = fail_first
        self.gone = gone
        self.seen: set[str] = set()     # in a real system: a table with a unique key
        self.schemas: dict[str, Draft7Validator] = {}
        self.requests = 0
        self.lock = threading.Lock()

    def schema_for(self, url: str) -> Draft7Validator:
        if url not in self.schemas:
            with urllib.request.urlopen(url, timeout=10) as response:
                self.schemas[url] = Draft7Validator(json.loads(response.read()))
        return self.schemas[url]

    def handle(self, headers: dict, body: bytes) -> int:
        with self.lock:
            self.requests += 1
            number = self.requests
        record = {"webhook_id": headers.get("webhook-id"), "request": number}
        try:
            envelope = self.webhook.verify(body, headers)
        except WebhookVerificationError as exc:
            return self._log(record, 401, verified=False, problem=str(exc))
        if self.gone:
            return self._log(record, 410, verified=True)
        if number <= self.fail_first:
            return self._log(record, 500, verified=True)
        with self.lock:
            duplicate = record["webhook_id"] in self.seen
            self.seen.add(record["webhook_id"])
        if duplicate:
            return self._log(record, 200, verified=True, duplicate=True)
        try:
            schema = self.schema_for(envelope["dataschema"])
        except OSError as exc:  # cannot check it now: ask Involve to try again later
            with self.lock:
                self.seen.discard(record["webhook_id"])
            return self._log(record, 503, verified=True, problem=f"schema: {exc}")
        errors = [e.message for e in schema.iter_errors(envelope["data"])]
        return self._log(record, 204, verified=True, duplicate=False, data_valid=not errors,
                         envelope=envelope, body=body.decode("utf-8"), headers={
                             k: v for k, v in headers.items() if k.startswith("webhook-")})

    def _log(self, record: dict, status: int, **facts) -> int:
        with self.lock, open(self.log_path, "a", encoding="utf-8") as log:
            log.write(json.dumps({**record, "answered": status, **facts}) + "\n")
        return status


def serve(receiver: Receiver, port: int) -> ThreadingHTTPServer:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802 - the name http.server expects
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length)
            status = receiver.handle({k.lower(): v for k, v in self.headers.items()}, body)
            self.send_response(status)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args):  # keep the console quiet
            pass

    return ThreadingHTTPServer(("127.0.0.1", port), Handler)


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--secret", required=True, help="the webhook's secret (whsec_...)")
    parser.add_argument("--port", type=int, default=8080)
    parser.add_argument("--log", default="events.jsonl", help="where received events go")
    parser.add_argument("--fail-first", type=int, default=0)
    parser.add_argument("--gone", action="store_true")
    args = parser.parse_args(argv)
    server = serve(Receiver(args.secret, args.log, args.fail_first, args.gone), args.port)
    print(f"listening on http://127.0.0.1:{args.port}/", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    server.server_close()


if __name__ == "__main__":
    sys.exit(main())
