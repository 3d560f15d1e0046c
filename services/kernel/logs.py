"""Structured logs: one JSON object per line, with the service's name on every line.

Never log personal data: people appear in logs only by pseudonymous id. The gateway logs
request paths and status codes, never bodies, cookies or tokens.
"""
from __future__ import annotations

import logging
import re
import sys

from pythonjsonlogger.json import JsonFormatter

# user:password@ in any URL (Nameko masks only the first host of a list of broker URLs)
_CREDENTIALS = re.compile(r"(\w+://[^:/@;\s]+):[^@;\s]+@")


class _ServiceField(logging.Filter):
    def __init__(self, service: str):
        super().__init__()
        self.service = service

    def filter(self, record):
        record.service = self.service
        if "://" in str(record.msg) or any("://" in str(a) for a in _args(record)):
            record.msg = _CREDENTIALS.sub(r"\1:********@", record.getMessage())
            record.args = ()
        return True


def _args(record) -> tuple:
    args = record.args
    if isinstance(args, dict):
        return tuple(args.values())
    return tuple(args or ())


def setup(service: str, level: str = "INFO", fmt: str = "json", stream=None) -> None:
    handler = logging.StreamHandler(stream or sys.stderr)
    if fmt == "json":
        handler.setFormatter(
            JsonFormatter(
                "%(asctime)s %(levelname)s %(name)s %(service)s %(message)s",
                rename_fields={"asctime": "time", "levelname": "level", "name": "logger"},
            )
        )
    else:
        handler.setFormatter(logging.Formatter("%(asctime)s %(service)s %(levelname)s %(message)s"))
    handler.addFilter(_ServiceField(service))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    # kombu and amqp are chatty at INFO about reconnects; keep their warnings.
    for noisy in ("amqp", "kombu", "alembic"):
        logging.getLogger(noisy).setLevel(max(logging.getLevelName(level), logging.WARNING))
