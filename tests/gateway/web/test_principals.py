"""The gateway's principal cache as a plain object: what an access.changed event drops, answers
overtaken by a change, and no trust while it is not listening to identity."""
from involve.gateway.web.principals import PrincipalCache, key_of

ANN = {"person_id": "ann", "token_id": None, "platform_admin": False,
       "roles": {"org-1": ["admin"]}, "csrf_token": "c"}
TOKEN = {"person_id": None, "token_id": "tok-1", "platform_admin": False, "roles": {},
         "token_scope": {"organisation_id": "org-2", "permissions": ["organisations.read"]}}


def listening_cache():
    cache = PrincipalCache()
    cache.connected = True
    for key, principal in (("s", ANN), ("t", TOKEN)):
        cache.put(key_of("x", key), principal, None, cache.mark())
    return cache


def test_an_event_drops_exactly_the_principals_it_names():
    cache = listening_cache()
    cache.drop({"reason": "token_revoked", "token_id": "tok-other"})
    assert cache.get(key_of("x", "s")) == ANN and cache.get(key_of("x", "t")) == TOKEN
    cache.drop({"reason": "token_revoked", "token_id": "tok-1"})
    assert cache.get(key_of("x", "t")) is None and cache.get(key_of("x", "s")) == ANN
    cache.drop({"reason": "roles_changed", "person_id": "ann"})
    assert cache.get(key_of("x", "s")) is None


def test_an_organisation_change_drops_its_members_and_its_tokens():
    cache = listening_cache()
    cache.drop({"reason": "organisation_access_changed", "organisation_id": "org-2"})
    assert cache.get(key_of("x", "t")) is None and cache.get(key_of("x", "s")) == ANN
    cache.drop({"reason": "organisation_access_changed", "organisation_id": "org-1"})
    assert cache.entries == {}


def test_an_answer_overtaken_by_a_change_is_not_kept():
    cache = listening_cache()
    mark = cache.mark()  # identity is asked ...
    cache.drop({"reason": "session_ended", "person_id": "bob"})  # ... a change arrives meanwhile
    cache.put(key_of("x", "late"), ANN, None, mark)
    assert cache.get(key_of("x", "late")) is None


def test_nothing_is_trusted_while_not_listening_and_expiry_is_kept():
    cache = listening_cache()
    cache.connected = False
    assert cache.get(key_of("x", "s")) is None
    cache.put(key_of("x", "new"), ANN, None, cache.mark())
    cache.connected = True
    assert cache.get(key_of("x", "new")) is None
    cache.put(key_of("x", "ending"), ANN, 0, cache.mark())  # a session that ends now
    assert cache.get(key_of("x", "ending")) is None


def test_a_caller_changing_its_principal_does_not_change_the_cached_one():
    cache = listening_cache()
    mine = cache.get(key_of("x", "s"))
    mine["roles"]["org-1"].append("moderator")
    assert cache.get(key_of("x", "s")) == ANN
