"""The access log keeps paths, never query strings (single-use links, search words)."""
import logging

from involve.gateway.web.accesslog import DropQueryStrings


def line(message):
    record = logging.LogRecord("nameko.web.server", logging.INFO, __file__, 1, message, None, None)
    DropQueryStrings().filter(record)
    return record.getMessage()


def test_query_strings_leave_the_access_log():
    assert line('127.0.0.1 - - [1/Dec/2026] "GET /register?invitation=s3cr3t-T0ken HTTP/1.1" '
                '200 512 0.01') == ('127.0.0.1 - - [1/Dec/2026] "GET /register?… HTTP/1.1" '
                                    '200 512 0.01')
    assert "Cara" not in line('1.2.3.4 - - [x] "GET /admin/x/people/add-role?person_ids_q=Cara '
                              'HTTP/1.1" 200 1 0.1')
    assert line('1.2.3.4 - - [x] "POST /sign-in HTTP/1.1" 303 0 0.1') == (
        '1.2.3.4 - - [x] "POST /sign-in HTTP/1.1" 303 0 0.1')
