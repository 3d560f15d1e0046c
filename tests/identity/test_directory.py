"""What identity tells other services: public care-service facts, role holders, and messages to
a person whose email never leaves identity."""
from pathlib import Path

import pytest
from cryptography.fernet import Fernet

import involve.identity
from involve.identity import care_services, directory, messages, organisations, people, privacy
from involve.identity.crypto import Keys
from involve.identity.models import Person
from involve.kernel import outbox
from involve.kernel.db import make_engine, migrate, session_factory, transaction
from involve.kernel.errors import InvalidInput, NotFound

KEYS = Keys([Fernet.generate_key().decode()], "lookup-key-for-directory-tests")
ADMIN = {"person_id": None, "platform_admin": True, "roles": {}}


def record(session, event_type, data, **kw):
    return outbox.record(session, "identity", event_type, data, **kw)


@pytest.fixture
def sessions(database_url):
    engine = make_engine(database_url.replace("{service}", "identity"))
    migrate(engine, Path(involve.identity.__file__).parent / "migrations")
    yield session_factory(engine)
    engine.dispose()


@pytest.fixture
def org(sessions):
    with transaction(sessions) as session:
        org_id = organisations.create(session, record, {"name": "Riverside Recovery"})["id"]
        care_services.create(session, record, org_id, {
            "name": "Riverside Drug and Alcohol Service", "kind": "addiction",
            "address": "1 River Street", "public_phone": "0161 496 0000",
            "website": "https://riverside.example"})
    return org_id


def test_public_care_services_give_only_what_the_service_publishes(sessions, org):
    with sessions() as session:
        listed = directory.public_care_services(session, org)
    assert [s["name"] for s in listed] == ["Riverside Drug and Alcohol Service"]
    assert listed[0]["website"] == "https://riverside.example"
    assert "address" not in listed[0] and "organisation_id" not in listed[0]
    with sessions() as session, pytest.raises(NotFound):
        directory.public_care_services(session, "no-such-organisation")


def test_story_author_email_is_encrypted_and_used_only_to_send(sessions, org):
    sent = []
    with transaction(sessions) as session:
        author = directory.create_author(session, KEYS, org, {"email": "sam@example.org"})
        silent = directory.create_author(session, KEYS, org, {})
    assert author["can_reply"] is True and silent["can_reply"] is False
    with sessions() as session:
        stored = session.get(Person, author["person_id"])
        assert "sam@example.org" not in (stored.contact or "")
        assert stored.email_lookup is None  # an author's address never collides with accounts
        assert people.has_consent(session, author["person_id"], "story_replies")
        # an author holds no role: they never appear among the organisation's people
        assert author["person_id"] not in [p["id"] for p in people.list_for(session, org)]
        reply = messages.notify(session, KEYS, lambda *a: sent.append(a), author["person_id"],
                                {"subject": "A reply to your story", "body": "Thank you."})
        nobody = messages.notify(session, KEYS, lambda *a: sent.append(a), silent["person_id"],
                                 {"subject": "A reply to your story", "body": "Thank you."})
    # an author has no account: emailed as before, nothing kept in an inbox
    assert reply == {"sent": True, "stored": False}
    assert nobody == {"sent": False, "stored": False}
    assert sent == [("sam@example.org", "A reply to your story", "Thank you.")]
    with sessions() as session, pytest.raises(InvalidInput) as bad:
        messages.notify(session, KEYS, sent.append, author["person_id"], {"subject": ""})
    assert set(bad.value.fields) == {"subject", "body"}


def test_role_holders_and_roles_leave_out_erased_people(sessions, org):
    with transaction(sessions) as session:
        lead = people.create(session, KEYS, record, ADMIN, org, {
            "name": "Lee Lead", "email": "lee@example.org", "roles": ["involvement_lead"]})["id"]
        shopper = people.create(session, KEYS, record, ADMIN, org, {
            "name": "Cat Council", "email": "cat@example.org",
            "roles": ["council_member", "volunteer"]})["id"]
    with sessions() as session:
        assert directory.holders_of(session, org, "involvement_lead") == [lead]
        assert directory.roles_in(session, org, [shopper, lead, "unknown"]) == {
            shopper: ["council_member", "volunteer"], lead: ["involvement_lead"], "unknown": []}
    with transaction(sessions) as session:
        privacy.erase(session, record, {"person_id": lead, "roles": {}}, lead, {"confirm": True})
    with sessions() as session:
        assert directory.holders_of(session, org, "involvement_lead") == []
        assert directory.roles_in(session, org, [lead]) == {lead: []}
        assert messages.notify(session, KEYS, lambda *a: None, lead,
                               {"subject": "s", "body": "b"}) == {"sent": False, "stored": False}


def test_consenting_follows_the_latest_consent_and_leaves_out_erased_people(sessions, org):
    with transaction(sessions) as session:
        ids = [people.create(session, KEYS, record, ADMIN, org, {
            "name": name, "email": f"{name.split()[0].lower()}@example.org",
            "roles": ["volunteer"]})["id"] for name in ("Ann Agrees", "Bob Declines", "Cy Changes")]
    ann, bob, cy = ids
    with transaction(sessions) as session:
        for person_id, given in ((ann, True), (bob, False), (cy, True)):
            people.record_consent(session, record, {"person_id": person_id, "roles": {}}, person_id,
                                  {"purpose": "mystery_shopping", "given": given})
        people.record_consent(session, record, {"person_id": bob, "roles": {}}, bob,
                              {"purpose": "panel_selection", "given": True})
    with sessions() as session:
        # the given order is kept; refusals, other purposes and unknown ids are left out
        assert directory.consenting(session, [cy, "unknown", bob, ann, cy], "mystery_shopping") == [cy, ann]
        assert directory.consenting(session, [ann, bob], "panel_selection") == [bob]
        assert directory.consenting(session, [], "mystery_shopping") == []
    with transaction(sessions) as session:  # a withdrawal counts from then on
        people.record_consent(session, record, {"person_id": cy, "roles": {}}, cy,
                              {"purpose": "mystery_shopping", "given": False})
    with transaction(sessions) as session:
        privacy.erase(session, record, {"person_id": ann, "roles": {}}, ann, {"confirm": True})
    with sessions() as session:
        assert directory.consenting(session, [ann, bob, cy], "mystery_shopping") == []
    with sessions() as session, pytest.raises(InvalidInput) as bad:
        directory.consenting(session, [bob], "selling_your_data")
    assert set(bad.value.fields) == {"purpose"}
