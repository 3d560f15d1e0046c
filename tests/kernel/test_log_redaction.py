"""Broker passwords never reach a log line, even in a list of cluster nodes' URLs (Nameko masks
only the first)."""
import io
import logging

from involve.kernel import logs


def test_every_password_in_a_list_of_broker_urls_is_masked():
    out = io.StringIO()
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    logs.setup("identity", "INFO", "json", stream=out)
    try:
        logging.getLogger("nameko.amqp.consume").warning(
            "Error connecting to broker at %s (%s).",
            "pyamqp://involve:********@rabbit-1:5672/;pyamqp://involve:s3cret@rabbit-2:5672/;"
            "pyamqp://involve:s3cret@rabbit-3:5672/", "ECONNREFUSED")
        logging.getLogger("x").info("nothing to hide in %d lines", 3)
    finally:
        root.handlers[:] = handlers
        root.setLevel(level)
    text = out.getvalue()
    assert "s3cret" not in text
    assert text.count("involve:********@rabbit-") == 3
    assert "nothing to hide in 3 lines" in text
