"""The event catalogue: one JSON Schema per event type, declared by the service that publishes it.

Each service keeps the schema of every event it publishes as package data,
``services/<service>/events/<routing key>.json`` (for example
``services/identity/events/care_service.created.json``): a JSON Schema (draft 07, so it is also
an AsyncAPI Schema Object unchanged) of the envelope's ``data``, with three Involve keywords:

* ``x-involve-classification``: ``public``, ``internal`` or ``pseudonymous``: what the data is;
* ``x-involve-organisation``: ``true`` if every event of the type belongs to one organisation
  (the envelope's ``organisation``), ``false`` if none does (a person's own consent, say);
* ``x-involve-version`` (default 1): the version in the CloudEvents ``type``.

and ``examples``: at least one ``data`` the schema accepts (the tests check each).

The outbox calls ``check`` before it records anything, so an event whose data does not match,
whose type has no schema, or whose envelope disagrees with the schema (classification,
organisation) is refused with an exception naming the type and the field. The gateway serves the
same files at ``/schemas/events/<type>.json`` and builds ``/asyncapi.json`` from them.

Services listed in ``registry.SERVICES`` must use files; something outside the registry (a test
double, a benchmark) declares its schemas in code with ``declare``.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

from jsonschema import Draft7Validator

from . import registry
from .events import CLASSIFICATIONS, exchange_name, schema_url, type_name

PACKAGE = Path(__file__).resolve().parent.parent  # the involve package: one folder per service
DIALECT = "http://json-schema.org/draft-07/schema#"
GUIDE = "docs/events.md, 'Adding an event'"


class CatalogueError(ValueError):
    """A schema file is broken (unreadable, not a valid JSON Schema, an example it refuses)."""


class UnknownEventType(LookupError):
    """Something tried to publish an event type that has no schema."""


class EventRefused(ValueError):
    """The data (or envelope) of an event does not match its declared schema."""

    def __init__(self, event: str, where: str, problem: str):
        super().__init__(f"event {event} refused: {where}: {problem}")
        self.event, self.where, self.problem = event, where, problem


@dataclass(frozen=True)
class EventType:
    service: str
    name: str  # the routing key, e.g. "care_service.created"
    schema: dict = field(repr=False, compare=False)
    source: str = ""  # where it was declared (a file path, or "code")

    @property
    def version(self) -> int:
        return int(self.schema.get("x-involve-version", 1))

    @property
    def type(self) -> str:
        return type_name(self.service, self.name, self.version)

    @property
    def exchange(self) -> str:
        return exchange_name(self.service)

    @property
    def classification(self) -> str:
        return self.schema["x-involve-classification"]

    @property
    def organisation_scoped(self) -> bool:
        return bool(self.schema["x-involve-organisation"])

    @property
    def title(self) -> str:
        return self.schema.get("title", self.name)

    @property
    def description(self) -> str:
        return self.schema.get("description", "")

    @property
    def examples(self) -> list:
        return list(self.schema.get("examples", []))

    @cached_property
    def validator(self) -> Draft7Validator:
        return Draft7Validator(self.schema)

    def document(self, base_url: str) -> dict:
        """The schema as served at ``schema_url``: with its own ``$id``."""
        return {"$schema": DIALECT, "$id": schema_url(base_url, self.type),
                **{k: v for k, v in self.schema.items() if k != "$schema"}}


def _check_schema(event: EventType) -> None:
    schema = event.schema
    where = event.source or f"{event.service}/{event.name}"
    try:
        Draft7Validator.check_schema(schema)
    except Exception as exc:  # jsonschema.SchemaError
        raise CatalogueError(f"{where}: not a valid JSON Schema: {exc}") from None
    if schema.get("type") != "object":
        raise CatalogueError(f"{where}: the data of an event must be an object (\"type\": \"object\")")
    if schema.get("x-involve-classification") not in CLASSIFICATIONS:
        raise CatalogueError(f"{where}: x-involve-classification must be one of {CLASSIFICATIONS}")
    if not isinstance(schema.get("x-involve-organisation"), bool):
        raise CatalogueError(f"{where}: x-involve-organisation must be true or false")
    if not schema.get("examples"):
        raise CatalogueError(f"{where}: give at least one example of the data in \"examples\"")
    for number, example in enumerate(schema["examples"]):
        problem = _first_problem(event.validator, example)
        if problem:
            raise CatalogueError(f"{where}: example {number + 1} is refused: {problem[0]}: {problem[1]}")


def _first_problem(validator: Draft7Validator, data) -> tuple[str, str] | None:
    errors = sorted(validator.iter_errors(data), key=lambda e: list(e.absolute_path))
    if not errors:
        return None
    error = errors[0]
    path = "data" + "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in error.absolute_path)
    return path, error.message


# --- loading -----------------------------------------------------------------------------------
_declared: dict[tuple[str, str], EventType] = {}
_loaded: dict[tuple[str, str], EventType] | None = None


def _from_files() -> dict[tuple[str, str], EventType]:
    found = {}
    for service in registry.SERVICES:
        folder = PACKAGE / service / "events"
        for path in sorted(folder.glob("*.json")) if folder.is_dir() else ():
            try:
                schema = json.loads(path.read_text(encoding="utf-8"))
            except ValueError as exc:
                raise CatalogueError(f"{path}: not valid JSON: {exc}") from None
            event = EventType(service, path.stem, schema, str(path.relative_to(PACKAGE.parent)))
            _check_schema(event)
            found[(service, event.name)] = event
    return found


def load() -> dict[tuple[str, str], EventType]:
    """Every event type: (service, routing key) -> EventType. Read once, then cached."""
    global _loaded
    if _loaded is None:
        _loaded = _from_files()
    return {**_loaded, **_declared}


def declare(service: str, name: str, schema: dict) -> EventType:
    """Declare an event type in code, for a service outside the registry (a test, a benchmark).
    Registered services declare theirs in files, so they are published with the package."""
    if service in registry.SERVICES:
        raise CatalogueError(f"{service} is a registered service: put the schema in "
                             f"services/{service}/events/{name}.json")
    event = EventType(service, name, {"$schema": DIALECT, **schema}, "code")
    _check_schema(event)
    _declared[(service, name)] = event
    return event


def all_types() -> list[EventType]:
    return sorted(load().values(), key=lambda e: (e.service, e.name))


def published() -> list[EventType]:
    """The event types of registered services: what the catalogue documents."""
    return [e for e in all_types() if e.service in registry.SERVICES]


def get(service: str, name: str) -> EventType:
    if _loaded is None:
        load()
    event = _loaded.get((service, name)) or _declared.get((service, name))
    if event is None:
        raise UnknownEventType(
            f"event type {name!r} of {service} has no schema, so it cannot be published: add "
            f"services/{service}/events/{name}.json (see {GUIDE})")
    return event


def by_type(full_type: str) -> EventType | None:
    """The event type with this CloudEvents ``type`` (involve.identity.care_service.created.v1)."""
    return next((e for e in load().values() if e.type == full_type), None)


def find(name: str) -> EventType | None:
    """An event type named by its routing key (unique across the catalogue) or its full type."""
    matches = [e for e in published() if name in (e.name, e.type)]
    return matches[0] if len(matches) == 1 else None


def check(service: str, name: str, data, *, organisation, classification: str | None) -> EventType:
    """Refuse (``EventRefused``, ``UnknownEventType``) an event that does not match its schema."""
    event = get(service, name)
    label = f"{service}/{name}"
    problem = _first_problem(event.validator, data)
    if problem:
        raise EventRefused(label, *problem)
    if classification is not None and classification != event.classification:
        raise EventRefused(label, "classification", f"{classification!r} given but the schema "
                           f"({event.source}) says {event.classification!r}")
    if event.organisation_scoped and not organisation:
        raise EventRefused(label, "organisation", "missing: every event of this type belongs "
                           "to one organisation (x-involve-organisation is true)")
    if not event.organisation_scoped and organisation:
        raise EventRefused(label, "organisation", "given, but x-involve-organisation is false "
                           "for this type")
    return event


# --- the envelope ----------------------------------------------------------------------------------
ENVELOPE_FIELDS = {
    "specversion": "CloudEvents version: always 1.0.",
    "id": "Unique per event; the same on every redelivery (and the webhook-id header).",
    "source": "The service that published it: involve/<service>.",
    "type": "involve.<service>.<routing key>.v<version>.",
    "subject": "What the event is about (usually the id of the thing it names).",
    "time": "When the change was committed (RFC 3339).",
    "datacontenttype": "Always application/json.",
    "dataschema": "Where the JSON Schema of data is served.",
    "organisation": "The organisation (tenant) the event belongs to, when it belongs to one.",
    "dataclassification": "public, internal or pseudonymous.",
    "data": "The event's own fields (see dataschema).",
}


def data_schema(event: EventType) -> dict:
    """The data schema as embedded in another document (no $schema, no examples)."""
    return {k: v for k, v in event.schema.items() if k not in ("$schema", "examples")}


def envelope_schema(event: EventType, data: dict | None = None) -> dict:
    """A JSON Schema (draft 07) of a whole envelope of this type; ``data`` replaces the inline
    data schema (for example with a ``$ref``)."""
    text = {"type": "string", "minLength": 1}
    properties = {
        "specversion": {"const": "1.0"},
        "id": text,
        "source": {"const": f"involve/{event.service}"},
        "type": {"const": event.type},
        "subject": text,
        "time": {"type": "string", "format": "date-time"},
        "datacontenttype": {"const": "application/json"},
        "dataschema": {"type": "string", "format": "uri",
                       "pattern": f"/schemas/events/{event.type.replace('.', '[.]')}[.]json$"},
        "organisation": text,
        "dataclassification": {"const": event.classification},
        "data": data if data is not None else data_schema(event),
    }
    for name, description in ENVELOPE_FIELDS.items():
        if not (name == "data" and "$ref" in properties[name]):  # draft 07: $ref stands alone
            properties[name] = {**properties[name], "description": description}
    required = ["specversion", "id", "source", "type", "time", "datacontenttype", "dataschema",
                "dataclassification", "data"]
    if event.organisation_scoped:
        required.insert(-2, "organisation")
    else:
        del properties["organisation"]
    return {"type": "object", "additionalProperties": False, "required": required,
            "properties": properties}
