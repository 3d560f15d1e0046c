"""Panel volunteers (register_panel_volunteer, for the panels service): a volunteer's name and
email or phone kept encrypted here, never in panels; they become a member of the organisation
(so those allowed see them by name, audited) agreeing to be contacted; a signed-in person is
linked instead of copied."""
from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from sqlalchemy import select

import involve.identity
from involve.identity import organisations, people, volunteers
from involve.identity.crypto import Keys
from involve.identity.models import AuditEntry, Person, Role
from involve.kernel import outbox
from involve.kernel.db import make_engine, migrate, session_factory, transaction
from involve.kernel.errors import InvalidInput, NotFound

KEYS = Keys([Fernet.generate_key().decode()], "lookup-key-for-volunteer-tests")
LEAD = {"person_id": "lead-1", "platform_admin": False, "roles": {}}


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
        return organisations.create(session, record, {"name": "LSE Student Wellbeing"})["id"]


def test_a_volunteer_is_a_pseudonymous_member_who_agreed_to_be_contacted(sessions, org):
    with transaction(sessions) as session:
        out = volunteers.register(session, KEYS, record, org, {
            "name": "Ann  Student", "email": "ann@example.org", "phone": None})
        phone_only = volunteers.register(session, KEYS, record, org, {
            "name": "Bo", "phone": "020 7946 0000"})
    assert out == {"person_id": out["person_id"], "email": True, "phone": False,
                   "account": False}
    assert phone_only["email"] is False and phone_only["phone"] is True
    with sessions() as session:
        person = session.get(Person, out["person_id"])
        assert "ann@example.org" not in person.contact and "Ann" not in person.contact
        assert person.email_lookup is None  # registering never reveals an account's address
        roles = list(session.scalars(select(Role.role).where(Role.person_id == person.id,
                                                             Role.organisation_id == org)))
        assert roles == ["service_user"]
        assert people.has_consent(session, person.id, "being_contacted")
        entries = list(session.scalars(select(AuditEntry).where(
            AuditEntry.subject_person_id == person.id)))
        assert [(e.action, e.reason) for e in entries] == [
            ("person.created", "registered interest in a panel")]
        events = [r.envelope for r in session.execute(select(outbox.outbox.c.envelope))]
    registered = [e for e in events if e["type"].endswith("person.registered.v1")]
    assert len(registered) == 2 and "Ann" not in str(registered)
    # a coordinator allowed to read contact details can, and it is audited
    with transaction(sessions) as session:
        read = people.read_contact(session, KEYS, LEAD, org, out["person_id"],
                                   "phoning a chosen panel member")
    assert read["contact"]["name"] == "Ann Student" and read["contact"]["email"] == "ann@example.org"
    with sessions() as session:
        assert session.scalar(select(AuditEntry.action).where(
            AuditEntry.subject_person_id == out["person_id"],
            AuditEntry.action == "contact.read")) == "contact.read"


def test_a_signed_in_person_is_linked_not_copied(sessions, org):
    with transaction(sessions) as session:
        other = organisations.create(session, record, {"name": "Another organisation"})["id"]
        member = people.create(session, KEYS, record, LEAD, org, {
            "name": "Cara", "email": "cara@example.org", "roles": ["volunteer"]})["id"]
    with transaction(sessions) as session:  # not ticking "you may contact me" records nothing
        same = volunteers.register(session, KEYS, record, org, {"person_id": member,
                                                                "consent_to_contact": False})
    with sessions() as session:
        assert not people.has_consent(session, member, "being_contacted")
    with transaction(sessions) as session:
        elsewhere = volunteers.register(session, KEYS, record, other, {"person_id": member})
    with sessions() as session:
        assert people.has_consent(session, member, "being_contacted")
    assert same["person_id"] == elsewhere["person_id"] == member and same["email"] is True
    with sessions() as session:
        roles = sorted(session.execute(select(Role.organisation_id, Role.role).where(
            Role.person_id == member)).all())
        assert session.query(Person).count() == 1
    assert sorted(roles) == sorted([(org, "volunteer"), (other, "service_user")])


def test_bad_volunteers_are_refused_naming_the_field(sessions, org):
    for data, field in (({"name": "Ann"}, "email"), ({"email": "a@example.org"}, "name"),
                        ({"person_id": "x", "name": "Ann"}, "person_id"),
                        ({"name": "Ann", "email": "not-an-address"}, "email")):
        with pytest.raises(InvalidInput) as caught, transaction(sessions) as session:
            volunteers.register(session, KEYS, record, org, data)
        assert field in caught.value.fields, (data, caught.value.fields)
    with pytest.raises(InvalidInput), transaction(sessions) as session:
        volunteers.register(session, KEYS, record, org, {"person_id": "nobody"})
    with pytest.raises(NotFound), transaction(sessions) as session:
        volunteers.register(session, KEYS, record, "no-such-org", {"name": "A", "phone":
                                                                   "020 7946 0000"})
    with sessions() as session:
        assert session.query(Person).count() == 0
