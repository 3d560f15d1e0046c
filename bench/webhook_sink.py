"""The benchmark's webhook receiver: a green HTTP server answering 204 at once and recording when
each webhook-id first arrived. GET /count says how many; on SIGTERM it writes them to a file.

Usage: python bench/webhook_sink.py PORT ARRIVALS.json
"""
import warnings

warnings.filterwarnings("ignore", message=r"(?s).*Eventlet is deprecated")

import eventlet

eventlet.monkey_patch()

import json
import signal
import sys
import time

from eventlet import wsgi

arrivals: dict[str, float] = {}


def app(environ, start_response):
    if environ["REQUEST_METHOD"] == "GET":
        body = str(len(arrivals)).encode()
        start_response("200 OK", [("Content-Length", str(len(body)))])
        return [body]
    environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0))
    arrivals.setdefault(environ.get("HTTP_WEBHOOK_ID", ""), time.time())
    start_response("204 No Content", [])
    return [b""]


def main(port: int, path: str):
    def finish(*_):
        with open(path, "w") as handle:
            json.dump(arrivals, handle)
        sys.exit(0)

    signal.signal(signal.SIGTERM, finish)
    wsgi.server(eventlet.listen(("127.0.0.1", port), backlog=1024), app, log_output=False,
                max_size=2000)


if __name__ == "__main__":
    main(int(sys.argv[1]), sys.argv[2])
