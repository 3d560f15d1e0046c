"""The web server's access log without query strings.

Links in emails carry single-use secrets in their query (``/register?invitation=...``,
``/reset-password?token=...``) and searches carry what people typed (``?q=<a name>``); the
access log line of each request would otherwise keep them. The path, status and timing stay.
"""
from __future__ import annotations

import logging
import re

ACCESS_LOGGER = "nameko.web.server"
_QUERY = re.compile(r'("(?:[A-Z]+) [^"?\s]*)\?[^"\s]*')


class DropQueryStrings(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.msg, str) and "?" in record.msg:
            record.msg = _QUERY.sub(r"\1?…", record.msg)
        return True


def install() -> None:
    logger = logging.getLogger(ACCESS_LOGGER)
    if not any(isinstance(f, DropQueryStrings) for f in logger.filters):
        logger.addFilter(DropQueryStrings())
