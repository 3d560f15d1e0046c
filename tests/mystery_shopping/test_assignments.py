"""Fair assignment: never a conflicted service, even loads, personas rotated, reproducible."""
import random
from collections import Counter

import pytest

from involve.mystery_shopping.assignments import Infeasible, assign, pick_replacement

PERSONAS = ["potential_client", "family_member", "referrer"]


def roster(n, used=None, personas=None):
    used = used or {}
    return [{"id": f"p{i:02d}", "services_used": used.get(i, []),
             "personas": (personas or {}).get(i, PERSONAS)} for i in range(n)]


def loads(slots, people):
    counts = Counter(s.shopper_id for s in slots)
    return [counts.get(p["id"], 0) for p in people]


@pytest.mark.parametrize("seed", range(8))
def test_random_rosters_never_conflict_and_loads_differ_by_at_most_one(seed):
    rng = random.Random(seed)
    services = [f"cs{i}" for i in range(rng.randint(3, 9))]
    n = rng.randint(3, 10)
    # each shopper uses one or two services (seed 000: council members are current and former
    # clients), never so many that a service has nobody
    used = {i: rng.sample(services, rng.randint(0, 2)) for i in range(n)}
    people = roster(n, used)
    cps = rng.randint(1, 3)
    slots = assign(services, cps, PERSONAS, people, seed)
    assert Counter(s.care_service_id for s in slots) == dict.fromkeys(services, cps)
    by_id = {p["id"]: p for p in people}
    for s in slots:
        assert s.care_service_id not in by_id[s.shopper_id]["services_used"]
    counts = loads(slots, people)
    assert max(counts) - min(counts) <= 1, counts
    # personas rotated: each service and each shopper plays them evenly (give or take one)
    for key in ("care_service_id", "shopper_id"):
        groups = {}
        for s in slots:
            groups.setdefault(getattr(s, key), Counter())[s.persona] += 1
        for played in groups.values():
            assert max(played.values()) - min(played.get(p, 0) for p in PERSONAS) <= 1


def test_the_same_seed_gives_the_same_assignment_and_another_seed_may_not():
    people = roster(6, {0: ["a"], 1: ["b"]})
    one = assign(["a", "b", "c", "d"], 2, PERSONAS, people, seed=42)
    assert one == assign(["a", "b", "c", "d"], 2, PERSONAS, list(reversed(people)), seed=42)
    others = {tuple(assign(["a", "b", "c", "d"], 2, PERSONAS, people, seed=s)) for s in range(10)}
    assert len(others) > 1


@pytest.mark.parametrize("seed", range(5))
def test_personas_are_rotated_per_service_and_per_shopper(seed):
    people = roster(6)
    slots = assign(["a", "b", "c", "d", "e", "f"], 3, PERSONAS, people, seed=seed)
    for service in "abcdef":
        assert sorted(s.persona for s in slots if s.care_service_id == service) == sorted(PERSONAS)
    for p in people:
        mine = Counter(s.persona for s in slots if s.shopper_id == p["id"])
        assert sorted(mine.values()) == [1, 1, 1], mine


def test_shoppers_only_play_personas_they_chose():
    people = roster(3, personas={0: ["referrer"], 1: ["family_member"]})
    slots = assign(["a", "b", "c"], 3, PERSONAS, people, seed=9)
    for s in slots:
        if s.shopper_id == "p00":
            assert s.persona == "referrer"
        if s.shopper_id == "p01":
            assert s.persona == "family_member"


def test_conflicts_are_respected_even_when_they_unbalance_the_loads():
    # p00 may call only service a; p01 and p02 may call anything
    people = roster(3, {0: ["b", "c", "d"]})
    slots = assign(["a", "b", "c", "d"], 1, PERSONAS, people, seed=1)
    assert [s.care_service_id for s in slots if s.shopper_id == "p00"] == ["a"]
    assert sorted(loads(slots, people)) == [1, 1, 2]


def test_a_service_nobody_may_call_is_named():
    people = roster(2, {0: ["a", "b"], 1: ["b"]})
    with pytest.raises(Infeasible) as caught:
        assign(["a", "b", "c"], 1, PERSONAS, people, seed=1)
    assert caught.value.services == ["b"]
    # nor one whose only eligible shoppers will not play any persona of the round
    with pytest.raises(Infeasible) as caught:
        assign(["a"], 1, ["referrer"], roster(1, personas={0: ["family_member"]}), seed=1)
    assert caught.value.services == ["a"]


def test_nobody_calls_a_service_twice_when_the_roster_allows_it():
    people = roster(5, {0: ["a"], 1: ["b"]})
    slots = assign(["a", "b", "c", "d", "e"], 3, PERSONAS, people, seed=4)
    pairs = Counter((s.shopper_id, s.care_service_id) for s in slots)
    assert set(pairs.values()) == {1}
    assert sorted(loads(slots, people)) == [3, 3, 3, 3, 3]


def test_few_eligible_shoppers_call_a_service_more_than_once_rather_than_not_at_all():
    people = roster(4, {0: ["a"], 1: ["a"], 2: ["a"]})
    slots = assign(["a", "b"], 3, PERSONAS, people, seed=2)
    assert [s.shopper_id for s in slots if s.care_service_id == "a"] == ["p03"] * 3


def test_a_replacement_is_the_least_loaded_other_eligible_shopper():
    people = roster(4, {1: ["a"]})
    picked = pick_replacement("a", "referrer", PERSONAS, people,
                              loads={"p00": 3, "p02": 1, "p03": 2}, at_service={"p00"},
                              excluded={"p00"}, seed=1)
    assert picked == ("p02", "referrer")
    # someone not willing to play the persona gets one they will play
    people[2]["personas"] = ["family_member"]
    assert pick_replacement("a", "referrer", PERSONAS, people, loads={"p03": 5},
                            at_service=set(), excluded={"p00"}, seed=1) == ("p02", "family_member")
    assert pick_replacement("a", "referrer", PERSONAS, people[:2], loads={}, at_service=set(),
                            excluded={"p00"}, seed=1) is None
