"""The fairness algorithms: valid panels, correct probabilities, the paper's numbers."""

import numpy as np
import pytest

from involve.panels.selection import (
    InfeasibleQuotasError,
    SelectionCancelled,
    find_distribution,
    gini,
)
from involve.panels.selection.model import build_model

from .helpers import toy_pool


def assert_valid(dist):
    model = dist.model
    k = dist.panel_size
    assert dist.panels, "empty distribution"
    assert sum(p for _, p in dist.panels) == pytest.approx(1.0, abs=1e-9)
    for y, p in dist.panels:
        assert p > 0
        assert model.panel_meets_quotas(y)
    assert dist.probabilities.sum() == pytest.approx(k, abs=1e-6)
    assert (dist.probabilities >= -1e-9).all() and (dist.probabilities <= 1 + 1e-9).all()


def assert_person_support_valid(dist):
    """Expand to person-level panels and check every one and the marginals."""
    pool = dist.model.pool
    support = dist.support()
    fidx = {f: i for i, f in enumerate(pool.features)}
    marg = np.zeros(len(pool.people))
    for panel, p in support:
        assert len(panel) == dist.panel_size
        for q in pool.quota_list():
            c = sum(1 for i in panel if pool.people[i].values[fidx[q.feature]] == q.value)
            assert q.min <= c <= q.max, (q, c)
        hh = [pool.people[i].household for i in panel if pool.people[i].household]
        assert len(hh) == len(set(hh))
        for i in panel:
            marg[i] += p
    assert np.abs(marg - dist.probabilities).max() < 1e-9


@pytest.mark.parametrize("fixture", ["small_pool", "large_pool"])
def test_leximin_on_flanigan_examples_gives_everyone_k_over_n(fixture, request):
    pool = request.getfixturevalue(fixture)
    k = 20 if fixture == "small_pool" else 200
    dist = find_distribution(pool, k, "leximin", seed=1)
    assert_valid(dist)
    assert dist.minimum_probability == pytest.approx(0.10, abs=1e-6)
    assert dist.probabilities.max() == pytest.approx(0.10, abs=1e-6)
    assert gini(dist.probabilities) < 1e-6
    assert dist.seconds < 30


def test_small_example_person_level_support(small_pool):
    dist = find_distribution(small_pool, 20, "maximin", seed=3)
    assert_person_support_valid(dist)


@pytest.fixture(scope="module")
def sf_results(sf_pool):
    return {alg: find_distribution(sf_pool, 22, alg, seed=7, legacy_runs=400)
            for alg in ("leximin", "maximin", "legacy")}


def test_sf_fixture_every_panel_meets_quotas(sf_results):
    for dist in sf_results.values():
        assert_valid(dist)
    assert_person_support_valid(sf_results["leximin"])


def test_sf_fixture_leximin_beats_maximin_beats_legacy(sf_results):
    lex = sf_results["leximin"].minimum_probability
    mx = sf_results["maximin"].minimum_probability
    leg = sf_results["legacy"].minimum_probability
    assert lex >= mx - 1e-6
    assert mx - 1e-6 >= leg
    assert mx == pytest.approx(1 / 11, abs=1e-6)


def test_leximin_is_lexicographically_at_least_maximin(sf_results):
    lex = np.sort(sf_results["leximin"].probabilities)
    mx = np.sort(sf_results["maximin"].probabilities)
    diff = lex - mx
    first = np.nonzero(np.abs(diff) > 1e-7)[0]
    assert len(first) == 0 or diff[first[0]] > 0


def test_merging_types_does_not_change_leximin(sf_pool):
    from involve.panels.selection.colgen import find_distribution_colgen
    merged = find_distribution(sf_pool, 22, "leximin", seed=2).probabilities
    plain = find_distribution_colgen(build_model(sf_pool, 22, merge=False), "leximin",
                                     seed=2).probabilities
    assert np.abs(merged - plain).max() < 1e-6


def test_household_rule_respected():
    pool = toy_pool(households=True)
    for alg in ("leximin", "maximin", "nash", "legacy"):
        dist = find_distribution(pool, 5, alg, seed=4, legacy_runs=200)
        assert_valid(dist)
        assert_person_support_valid(dist)
        # t0/t1 share an address, so together they are on a panel at most once
        by_id = dist.probability_by_id()
        assert by_id["t0"] + by_id["t1"] <= 1 + 1e-9


def test_household_members_never_together_in_any_panel():
    pool = toy_pool(households=True)
    dist = find_distribution(pool, 6, "leximin", seed=1)
    idx = pool.index_of()
    for panel, _ in dist.support():
        assert not {idx["t0"], idx["t1"]} <= panel
        assert not {idx["t2"], idx["t3"]} <= panel


def test_nash_maximises_geometric_mean(sf_pool):
    pool = toy_pool(households=False)
    nash = find_distribution(pool, 5, "nash", seed=1)
    lex = find_distribution(pool, 5, "leximin", seed=1)
    assert_valid(nash)
    ln = np.log(nash.probabilities).sum()
    ll = np.log(lex.probabilities).sum()
    assert ln >= ll - 1e-6 * abs(ll)  # Nash stops at a relative gap of 1e-6
    assert nash.info["gap"] <= 1e-6


def test_same_seed_same_distribution(sf_pool):
    a = find_distribution(sf_pool, 22, "maximin", seed=11)
    b = find_distribution(sf_pool, 22, "maximin", seed=11)
    assert [(y.tolist(), p) for y, p in a.panels] == [(y.tolist(), p) for y, p in b.panels]


def test_progress_and_cancellation(sf_pool):
    calls = []
    find_distribution(sf_pool, 22, "leximin", seed=1,
                      progress=lambda f, m: calls.append((f, m)))
    assert calls and all(f is None or 0 <= f <= 1 for f, _ in calls)
    assert calls[-1][0] == pytest.approx(1.0)
    for alg in ("leximin", "maximin", "nash", "legacy"):
        count = {"n": 0}

        def stop(count=count):
            count["n"] += 1
            return count["n"] > 3
        with pytest.raises(SelectionCancelled):
            find_distribution(sf_pool, 22, alg, seed=1, should_stop=stop)


def test_infeasible_quotas_raise_with_explanation(sf_pool):
    pool = toy_pool(households=False)
    from involve.panels.selection import Quota, make_pool
    quotas = [Quota("gender", "f", 4, 5), Quota("gender", "m", 4, 5),
              Quota("age", "young", 0, 9), Quota("age", "old", 0, 9)]
    bad = make_pool(quotas, [{"id": p.id, "features": dict(zip(pool.features, p.values, strict=True))}
                             for p in pool.people])
    for alg in ("leximin", "legacy"):
        with pytest.raises(InfeasibleQuotasError) as info:
            find_distribution(bad, 6, alg)
        assert info.value.feasibility is not None
        assert "gender" in info.value.feasibility.message
