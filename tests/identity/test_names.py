"""People by name for the roles allowed to see them, each read in the audit log (once per
call, ids only, with what it was for); erased people are "Erased person"; others stay ids."""
import pytest

from involve.identity import accounts, audit, names, people, privacy
from involve.kernel.db import transaction
from involve.kernel.errors import InvalidInput
from involve.kernel.policy import TOKEN_PERMISSIONS, allowed
from tests.support.identity import member

LEAD = {"person_id": "lead-id", "token_id": None, "platform_admin": False, "roles": {}}


def test_only_administrators_leads_and_commissioners_may_see_names():
    org = "org-1"
    for role, may in (("admin", True), ("involvement_lead", True), ("commissioner", True),
                      ("staff", False), ("moderator", False), ("responder", False),
                      ("volunteer", False), ("council_member", False), ("service_user", False)):
        principal = {"person_id": "p", "roles": {org: [role]}}
        assert allowed(principal, "people.names", org) is may, role
        assert not allowed(principal, "people.names", "org-2")  # never in another organisation
    assert allowed({"person_id": "p", "platform_admin": True, "roles": {}}, "people.names", org)
    assert "people.names" not in TOKEN_PERMISSIONS  # an API token can never be given names


def test_names_of_members_are_given_and_each_call_is_audited_once(identity_db, keys, record,
                                                                  organisation):
    cara = member(identity_db, keys, record, organisation, "Cara Council", ["council_member"])
    sam = member(identity_db, keys, record, organisation, "Sam Shopper", ["volunteer"])
    gone = member(identity_db, keys, record, organisation, "Gail Gone", ["volunteer"],
                  account=True)
    with transaction(identity_db) as session:
        outsider = people.create(session, keys, record, {"person_id": None}, organisation,
                                 {"name": "Olga Outsider", "roles": []})["id"]
        people.set_roles(session, record, {"person_id": None}, organisation, outsider,
                         {"roles": []})  # no longer a member
        privacy.erase(session, record, {"person_id": gone}, gone, {"confirm": True})
    with transaction(identity_db) as session:
        found = names.names_of(session, keys, LEAD, organisation,
                               [sam, cara, gone, outsider, "unknown", cara],
                               "the round's assignments")
    assert found == {sam: "Sam Shopper", cara: "Cara Council", gone: "Erased person"}
    with identity_db() as session:
        [entry] = [e for e in audit.entries(session, organisation) if e["action"] == "names.read"]
    assert entry["actor"] == "person:lead-id" and entry["people_count"] == 2
    assert entry["reason"] == "the round's assignments (2 people)"
    assert "Cara" not in entry["reason"] and entry["subject_person_id"] is None
    with transaction(identity_db) as session:  # Cara finds the read in her own download
        seen = privacy.export(session, keys, cara)["who_accessed_your_details"]
        assert [a["action"] for a in seen if a["action"] == "names.read"] == ["names.read"]
        assert names.names_of(session, keys, LEAD, organisation, [], "nothing") == {}
        assert names.names_of(session, keys, LEAD, organisation, [outsider], "someone") == {}
    with identity_db() as session:  # asking for nobody (or only outsiders) reads no name
        assert len([e for e in audit.entries(session, organisation)
                    if e["action"] == "names.read"]) == 1
    with transaction(identity_db) as session, pytest.raises(InvalidInput) as bad:
        names.names_of(session, keys, LEAD, organisation, [cara], "")
    assert set(bad.value.fields) == {"reason"}
    with transaction(identity_db) as session, pytest.raises(InvalidInput) as bad:
        names.names_of(session, keys, LEAD, organisation, "not a list", "checking")
    assert set(bad.value.fields) == {"person_ids"}


def test_platform_administrators_are_named_everywhere_they_act(identity_db, keys, record,
                                                              organisation):
    """They act in every organisation without a role there: the audit log of the organisation
    they looked after shows who they are, not an id nobody can place."""
    with transaction(identity_db) as session:
        ada = accounts.make_platform_admin(session, keys, "Ada Admin", "ada@example.org",
                                           "a long admin password")
    with transaction(identity_db) as session:
        assert names.names_of(session, keys, LEAD, organisation, [ada], "the audit log") == {
            ada: "Ada Admin"}
        assert names.directory_of(session, keys, LEAD, organisation, {}, "a picker") == []


def test_the_directory_searches_by_name_role_and_says_who_agreed(identity_db, keys, record,
                                                                 organisation):
    ann = member(identity_db, keys, record, organisation, "Ann Agrees", ["volunteer"],
                 account=True, consents=["mystery_shopping"])
    bob = member(identity_db, keys, record, organisation, "bob Declines", ["volunteer"],
                 account=True)
    cy = member(identity_db, keys, record, organisation, "Cy Changes", ["council_member"],
                account=True, consents=["mystery_shopping"])
    member(identity_db, keys, record, organisation, "Dee Lead", ["involvement_lead"])
    with transaction(identity_db) as session:
        people.record_consent(session, record, {"person_id": cy}, cy,
                              {"purpose": "mystery_shopping", "given": False})  # withdrew

    def search(**query):
        with transaction(identity_db) as session:
            return names.directory_of(session, keys, LEAD, organisation, query,
                                      "choosing mystery shoppers")

    shoppers = search(roles=["volunteer", "council_member"], purpose="mystery_shopping")
    assert [(p["name"], p["agreed"]) for p in shoppers] == [
        ("Ann Agrees", True), ("bob Declines", False), ("Cy Changes", False)]  # by name, any case
    assert shoppers[2]["roles"] == ["council_member"] and shoppers[0]["id"] == ann
    assert [p["name"] for p in search(q="  AN  ")] == ["Ann Agrees", "Cy Changes"]
    assert [p["agreed"] for p in search(q="dee")] == [None]  # no purpose asked
    assert [p["id"] for p in search(ids=[bob, "unknown"])] == [bob]
    assert search(q="nobody like this") == []
    with identity_db() as session:
        reads = [e for e in audit.entries(session, organisation) if e["action"] == "names.read"]
    assert [e["people_count"] for e in reads] == [1, 1, 2, 3]  # newest first, one per call
    for query, field in (({"roles": ["wizard"]}, "roles"), ({"purpose": "selling"}, "purpose"),
                         ({"q": "x" * 101}, "q"), ({"sort": "name"}, "sort")):
        with transaction(identity_db) as session, pytest.raises(InvalidInput) as bad:
            names.directory_of(session, keys, LEAD, organisation, query, "checking")
        assert field in bad.value.fields
