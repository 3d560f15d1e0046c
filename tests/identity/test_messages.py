"""Telling people things: a message in their Involve inbox, and an email unless they chose
"messages on Involve only"; people without an account are emailed as before."""
import pytest
from sqlalchemy import text

from involve.identity import directory, messages, privacy
from involve.kernel.db import transaction
from involve.kernel.errors import InvalidInput, NotFound
from tests.support.identity import member

BASE = "https://involve.example"


class Mailbox(list):
    def __call__(self, to, subject, body):
        self.append((to, subject, body))


def notify(sessions, keys, send, person_id, **data):
    with transaction(sessions) as session:
        return messages.notify(session, keys, send, person_id, data, base_url=BASE)


def test_an_account_holder_gets_the_message_in_their_inbox_and_by_email(
        identity_db, keys, record, organisation):
    cara = member(identity_db, keys, record, organisation, "Cara Council", ["council_member"],
                  account=True)
    sent = Mailbox()
    first = notify(identity_db, keys, sent, cara, subject="Welcome", body="Hello Cara.")
    second = notify(identity_db, keys, sent, cara, subject="You have calls to make",
                    body="Three calls are waiting for you.",
                    link="/organisations/x/mystery-shopping/my-calls",
                    organisation_id=organisation)
    assert first == second == {"sent": True, "stored": True}
    assert [s[1] for s in sent] == ["Welcome", "You have calls to make"]
    assert sent[1][0] == "cara.council@example.org"
    assert sent[1][2].endswith(f"See it on Involve: {BASE}/organisations/x/mystery-shopping/my-calls\n")
    with identity_db() as session:
        inbox = messages.list_for(session, keys, cara)
        assert messages.unread_count(session, cara) == 2
    assert [m["subject"] for m in inbox] == ["You have calls to make", "Welcome"]  # newest first
    assert inbox[0]["organisation_name"] == "Riverside Recovery" and inbox[1]["organisation_name"] is None
    assert inbox[0]["link"] == "/organisations/x/mystery-shopping/my-calls"
    assert inbox[0]["emailed"] is True and inbox[0]["read_at"] is None

    with transaction(identity_db) as session:
        opened = messages.read(session, keys, cara, inbox[0]["id"])
    assert opened["body"] == "Three calls are waiting for you." and opened["read_at"] is None
    with identity_db() as session:
        assert messages.unread_count(session, cara) == 1
        assert messages.list_for(session, keys, cara)[0]["read_at"] is not None
    with transaction(identity_db) as session:
        assert messages.mark_all_read(session, cara) == {"marked_read": 1}
    with identity_db() as session:
        assert messages.unread_count(session, cara) == 0


def test_inbox_only_is_never_emailed_and_people_without_accounts_are_emailed_as_before(
        identity_db, keys, record, organisation):
    cara = member(identity_db, keys, record, organisation, "Cara Council", ["council_member"],
                  account=True)
    pat = member(identity_db, keys, record, organisation, "Pat Added", ["volunteer"])
    with transaction(identity_db) as session:
        author = directory.create_author(session, keys, organisation, {"email": "sam@example.org"})
        silent = directory.create_author(session, keys, organisation, {})
        assert messages.set_choice(session, cara, {"notifications": "inbox_only"}) == {
            "notifications": "inbox_only"}
    sent = Mailbox()
    assert notify(identity_db, keys, sent, cara, subject="S", body="B") == {
        "sent": False, "stored": True}
    assert notify(identity_db, keys, sent, pat, subject="S", body="B") == {
        "sent": True, "stored": False}
    assert notify(identity_db, keys, sent, author["person_id"], subject="A reply",
                  body="Thank you.") == {"sent": True, "stored": False}
    assert notify(identity_db, keys, sent, silent["person_id"], subject="S", body="B") == {
        "sent": False, "stored": False}
    assert notify(identity_db, keys, sent, "no-such-person", subject="S", body="B") == {
        "sent": False, "stored": False}
    assert [s[0] for s in sent] == ["pat.added@example.org", "sam@example.org"]
    with identity_db() as session:
        assert [m["emailed"] for m in messages.list_for(session, keys, cara)] == [False]
    with transaction(identity_db) as session, pytest.raises(InvalidInput) as bad:
        messages.set_choice(session, cara, {"notifications": "carrier pigeon"})
    assert set(bad.value.fields) == {"notifications"}


@pytest.mark.parametrize("data, field", [
    ({"subject": "", "body": "b"}, "subject"),
    ({"subject": "s", "body": "b", "link": "https://elsewhere.example/phish"}, "link"),
    ({"subject": "s", "body": "b", "link": "//elsewhere.example/phish"}, "link"),
    ({"subject": "s", "body": "b", "link": "/a path with spaces"}, "link"),
    ({"subject": "s", "body": "b", "organisation_id": "no-such-organisation"}, "organisation_id"),
    ({"subject": "s", "body": "b", "colour": "red"}, "colour"),
])
def test_bad_notifications_are_refused_naming_the_field(identity_db, keys, record, organisation,
                                                        data, field):
    cara = member(identity_db, keys, record, organisation, "Cara Council", ["council_member"],
                  account=True)
    sent = Mailbox()
    with transaction(identity_db) as session, pytest.raises(InvalidInput) as bad:
        messages.notify(session, keys, sent, cara, data, base_url=BASE)
    assert field in bad.value.fields and sent == []


def test_a_failed_email_stores_nothing_so_the_caller_can_try_again(identity_db, keys, record,
                                                                   organisation):
    cara = member(identity_db, keys, record, organisation, "Cara Council", ["council_member"],
                  account=True)

    def broken(*args):
        raise OSError("the mail server is down")

    with pytest.raises(OSError):
        notify(identity_db, keys, broken, cara, subject="S", body="B")
    with identity_db() as session:
        assert messages.list_for(session, keys, cara) == []


def test_messages_are_private_encrypted_downloadable_and_erased(identity_db, keys, record,
                                                                organisation):
    cara = member(identity_db, keys, record, organisation, "Cara Council", ["council_member"],
                  account=True)
    other = member(identity_db, keys, record, organisation, "Oli Other", ["volunteer"],
                   account=True)
    notify(identity_db, keys, Mailbox(), cara, subject="Your Zanzibar appointment",
           body="Cara, your appointment at 12 Zanzibar Crescent is moved.")
    with identity_db() as session:
        stored = " ".join(str(v) for row in session.execute(text("SELECT * FROM messages"))
                          for v in row)
        [message] = messages.list_for(session, keys, cara)
    assert "Zanzibar" not in stored  # subject and body are encrypted at rest
    with transaction(identity_db) as session, pytest.raises(NotFound):
        messages.read(session, keys, other, message["id"])  # someone else's: not found
    with identity_db() as session:
        assert messages.unread_count(session, cara) == 1
    with transaction(identity_db) as session:
        exported = privacy.export(session, keys, cara)
    assert [m["subject"] for m in exported["messages"]] == ["Your Zanzibar appointment"]
    assert exported["notifications"] == "email_and_inbox"
    with transaction(identity_db) as session:
        privacy.erase(session, record, {"person_id": cara}, cara, {"confirm": True})
    with identity_db() as session:
        assert session.execute(text("SELECT count(*) FROM messages")).scalar() == 0


def test_a_batch_is_stored_in_one_statement_and_a_failed_email_is_reported(
        identity_db, keys, record, organisation):
    from tests.support.databases import statements_on

    people = [member(identity_db, keys, record, organisation, f"Cara Number{i}",
                     ["council_member"], account=True) for i in range(4)]
    pat = member(identity_db, keys, record, organisation, "Pat Added", ["volunteer"])
    sent = Mailbox()

    def send(to, subject, body):
        if to.startswith("cara.number2"):
            raise OSError("the mail server refused this one")
        sent(to, subject, body)

    items = [{"person_id": p, "subject": "A new story", "body": "Read it."}
             for p in [*people, pat, "no-such-person"]]
    with statements_on(identity_db, "messages") as inserts, transaction(identity_db) as session:
        results = messages.notify_many(session, keys, send, items, base_url=BASE)
    assert len(inserts) == 1  # one statement for the whole batch
    assert results == [{"sent": True, "stored": True}] * 2 + [{"failed": "OSError"}] + [
        {"sent": True, "stored": True}, {"sent": True, "stored": False},
        {"sent": False, "stored": False}]
    assert sorted(s[0] for s in sent) == ["cara.number0@example.org", "cara.number1@example.org",
                                          "cara.number3@example.org", "pat.added@example.org"]
    with identity_db() as session:
        assert [messages.unread_count(session, p) for p in people] == [1, 1, 0, 1]


def test_a_bad_item_in_a_batch_is_refused_naming_it(identity_db, keys, record, organisation):
    cara = member(identity_db, keys, record, organisation, "Cara Council", ["council_member"],
                  account=True)
    sent = Mailbox()
    with transaction(identity_db) as session, pytest.raises(InvalidInput) as bad:
        messages.notify_many(session, keys, sent, [
            {"person_id": cara, "subject": "S", "body": "B"},
            {"person_id": cara, "subject": "", "body": "B"}], base_url=BASE)
    assert list(bad.value.fields) == ["items.1.subject"] and sent == []
