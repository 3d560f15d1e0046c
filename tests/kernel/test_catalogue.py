"""The event catalogue: every event type the code publishes has a JSON Schema, and the outbox
refuses data (or an envelope) that does not match it."""
import ast
import copy
from pathlib import Path

import pytest
from sqlalchemy import select

from involve.kernel import catalogue, outbox
from involve.kernel.db import make_engine, migrate, session_factory, transaction
from involve.kernel.registry import BACKEND

SERVICES = Path(catalogue.__file__).resolve().parent.parent
# Functions that pass an event type on to record_event: name -> index of the type argument.
PASSES_THE_TYPE_ON = {"_saved": 3}
TYPES = catalogue.published()


def _published_by_the_code() -> tuple[dict[str, set[str]], list[str]]:
    """(service -> routing keys found in record_event / outbox.record calls, unreadable calls)."""
    found: dict[str, set[str]] = {s: set() for s in BACKEND}
    unclear = []
    for service in BACKEND:
        for path in (SERVICES / service).rglob("*.py"):
            for node in ast.walk(ast.parse(path.read_text())):
                if not isinstance(node, ast.Call):
                    continue
                func = node.func
                name = func.id if isinstance(func, ast.Name) else (
                    func.attr if isinstance(func, ast.Attribute) else "")
                owner = func.value.id if isinstance(func, ast.Attribute) and isinstance(
                    func.value, ast.Name) else ""
                if name == "record_event" or (owner == "self" and name == "record_event"):
                    index = 1
                elif owner == "outbox" and name == "record":
                    index = 2
                elif name in PASSES_THE_TYPE_ON:
                    index = PASSES_THE_TYPE_ON[name]
                else:
                    continue
                if len(node.args) <= index:
                    continue
                arg = node.args[index]
                if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
                    found[service].add(arg.value)
                elif not (isinstance(arg, ast.Name) and arg.id == "event_type"):
                    unclear.append(f"{path.relative_to(SERVICES)}:{node.lineno}")
    return found, unclear


def test_every_event_type_the_code_publishes_has_a_schema_and_no_schema_is_stale():
    found, unclear = _published_by_the_code()
    assert unclear == [], "name the event type as a literal (or add the helper to PASSES_THE_TYPE_ON)"
    declared = {s: {e.name for e in TYPES if e.service == s} for s in BACKEND}
    assert found == declared
    assert sum(len(v) for v in found.values()) >= 19


def test_routing_keys_are_unique_across_services_so_webhooks_can_name_them():
    names = [e.name for e in TYPES]
    assert len(names) == len(set(names))
    assert catalogue.find("care_service.created").type == "involve.identity.care_service.created.v1"
    assert catalogue.find("involve.identity.care_service.created.v1").name == "care_service.created"
    assert catalogue.find("no.such") is None


def test_every_schema_is_closed_and_says_what_it_is():
    """No field can slip into an event unseen: every object in every schema lists its fields."""
    def objects(schema):
        if isinstance(schema, dict):
            if schema.get("type") == "object":
                yield schema
            for value in schema.values():
                yield from objects(value)
        elif isinstance(schema, list):
            for value in schema:
                yield from objects(value)

    for event in TYPES:
        assert event.title and event.description, event.source
        for obj in objects({k: v for k, v in event.schema.items() if k != "examples"}):
            assert obj.get("additionalProperties") is False, event.source


def test_enumerations_match_the_services_own_lists():
    from involve.feedback.contract import CHANGE_STATUSES, RELATIONSHIPS
    from involve.identity.contract import CARE_SERVICE_KINDS, CONSENT_PURPOSES, ORGANISATION_KINDS
    from involve.kernel.policy import ROLES
    from involve.mystery_shopping.contract import PERSONAS
    from involve.panels.contract import ALGORITHMS

    def enum(service, name, *path):
        node = catalogue.get(service, name).schema["properties"]
        for step in path:
            node = node[step]
        return [v for v in node["enum"] if v is not None]

    assert enum("identity", "organisation.created", "kind") == list(ORGANISATION_KINDS)
    assert enum("identity", "care_service.created", "kind") == list(CARE_SERVICE_KINDS)
    assert enum("identity", "consent.changed", "purpose") == list(CONSENT_PURPOSES)
    assert enum("identity", "person.registered", "roles", "items") == list(ROLES)
    assert enum("feedback", "story.submitted", "relationship") == list(RELATIONSHIPS)
    assert enum("feedback", "change.recorded", "change_status") == list(CHANGE_STATUSES)
    assert enum("mystery_shopping", "call.recorded", "persona") == list(PERSONAS)
    assert enum("panels", "selection.completed", "algorithm") == list(ALGORITHMS)


@pytest.fixture(scope="module")
def sessions(tmp_path_factory):
    engine = make_engine(f"sqlite:///{tmp_path_factory.mktemp('catalogue')}/outbox.db")
    migrate(engine, None)
    yield session_factory(engine)
    engine.dispose()


def _record(sessions, event, data, **kw):
    kw.setdefault("organisation", "org-1" if event.organisation_scoped else None)
    with transaction(sessions) as session:
        return outbox.record(session, event.service, event.name, data, **kw)


@pytest.mark.parametrize("event", TYPES, ids=lambda e: e.type)
def test_the_outbox_records_each_type_and_refuses_data_that_does_not_match(sessions, event):
    example = event.examples[0]
    message = _record(sessions, event, copy.deepcopy(example))
    assert message["type"] == event.type and message["dataclassification"] == event.classification
    with sessions() as session:
        stored = session.execute(select(outbox.outbox.c.envelope).where(
            outbox.outbox.c.event_id == message["id"])).scalar_one()
    assert stored["data"] == example

    required = event.schema["required"][0]
    missing = {k: v for k, v in example.items() if k != required}
    with pytest.raises(catalogue.EventRefused) as refused:
        _record(sessions, event, missing)
    assert event.name in str(refused.value) and required in str(refused.value)

    wrong = {**example, required: {"not": "what the schema says"}}
    with pytest.raises(catalogue.EventRefused, match=rf"{event.name}.*data\.{required}"):
        _record(sessions, event, wrong)

    extra = {**example, "email": "someone@example.org"}
    with pytest.raises(catalogue.EventRefused, match=rf"{event.name}.*'email'"):
        _record(sessions, event, extra)

    other = next(c for c in ("public", "internal", "pseudonymous") if c != event.classification)
    with pytest.raises(catalogue.EventRefused, match="classification"):
        _record(sessions, event, copy.deepcopy(example), classification=other)

    with pytest.raises(catalogue.EventRefused, match="organisation"):
        _record(sessions, event, copy.deepcopy(example),
                organisation=None if event.organisation_scoped else "org-1")


def test_an_unknown_type_is_refused_with_where_to_declare_it(sessions):
    with (pytest.raises(catalogue.UnknownEventType,
                       match=r"services/identity/events/thing\.made\.json"),
          transaction(sessions) as session):
        outbox.record(session, "identity", "thing.made", {"x": 1}, organisation="o")


def test_a_refused_event_rolls_back_the_change_with_it(sessions):
    event = catalogue.get("identity", "organisation.created")
    before = outbox.pending_count(sessions)
    with pytest.raises(catalogue.EventRefused):
        _record(sessions, event, {"organisation_id": "o", "name": "", "kind": "charity"})
    assert outbox.pending_count(sessions) == before


def test_registered_services_declare_in_files_not_code():
    with pytest.raises(catalogue.CatalogueError, match=r"services/feedback/events/story\.told\.json"):
        catalogue.declare("feedback", "story.told", {"type": "object"})


def test_a_broken_declaration_is_refused_at_once():
    base = {"type": "object", "x-involve-classification": "internal",
            "x-involve-organisation": False, "properties": {"n": {"type": "integer"}}}
    with pytest.raises(catalogue.CatalogueError, match="example"):
        catalogue.declare("testsvc", "broken.one", base)
    with pytest.raises(catalogue.CatalogueError, match="example 1 is refused"):
        catalogue.declare("testsvc", "broken.two", {**base, "examples": [{"n": "one"}]})
    with pytest.raises(catalogue.CatalogueError, match="classification"):
        catalogue.declare("testsvc", "broken.three", {**base, "examples": [{"n": 1}],
                                                      "x-involve-classification": "secret"})


def test_the_envelope_points_at_the_served_schema_and_leaves_out_empty_attributes(sessions):
    from nameko import config

    event = catalogue.get("identity", "consent.changed")
    with config.patch({"GATEWAY_URL": "https://involve.example.org/"}):
        message = _record(sessions, event, copy.deepcopy(event.examples[0]))
    assert message["dataschema"] == ("https://involve.example.org/schemas/events/"
                                     "involve.identity.consent.changed.v1.json")
    assert "organisation" not in message and "subject" not in message
