"""The event contract, checked on every event the test suite publishes.

Installed once per test session (tests/conftest.py): the outbox calls ``check`` with each envelope
as it is recorded, by any service running in the test process. Each one is parsed with the
CloudEvents SDK and validated against the JSON Schema of its envelope and data from the
catalogue (the same schema the gateway serves at its ``dataschema``). A bad envelope is kept in
``PROBLEMS`` and fails the test that published it.
"""
from __future__ import annotations

import json
from collections import Counter

from cloudevents.core.formats.json import JSONFormat
from jsonschema import Draft7Validator

from involve.kernel import catalogue, outbox

SEEN: Counter = Counter()
PROBLEMS: list[str] = []
_validators: dict[str, Draft7Validator] = {}


def check(message: dict) -> None:
    try:
        _check(message)
    except Exception as exc:  # noqa: BLE001 - a problem to report, never a crash in a service
        PROBLEMS.append(f"{message.get('type')} {message.get('id')}: {type(exc).__name__}: {exc}")


def _check(message: dict) -> None:
    event = catalogue.by_type(message.get("type", ""))
    if event is None:
        raise AssertionError("no schema in the catalogue for this type")
    parsed = JSONFormat().read(None, json.dumps(message))  # raises if not valid CloudEvents
    assert parsed.get_id() == message["id"] and parsed.get_type() == event.type
    assert parsed.get_dataschema() == message["dataschema"]
    validator = _validators.get(event.type)
    if validator is None:
        validator = _validators[event.type] = Draft7Validator(catalogue.envelope_schema(event))
    errors = sorted(validator.iter_errors(message), key=lambda e: list(e.absolute_path))
    if errors:
        where = ".".join(str(p) for p in errors[0].absolute_path) or "(envelope)"
        raise AssertionError(f"{where}: {errors[0].message}")
    SEEN[event.type] += 1


def install() -> None:
    if check not in outbox.observers:
        outbox.observers.append(check)


def take_problems() -> list[str]:
    found = list(PROBLEMS)
    PROBLEMS.clear()
    return found
