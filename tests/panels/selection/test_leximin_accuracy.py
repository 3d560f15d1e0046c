"""LEXIMIN's stated accuracy, checked against an exact LEXIMIN on small pools.

The exact LEXIMIN here shares no code with the algorithm: it lists *every* quota-meeting panel
of a small pool (person by person, no types), and runs the leximin stages over all of them,
deciding which people are stuck at each level by maximising each one's probability in turn.
"""

import itertools
import random

import highspy
import numpy as np
import pytest

from involve.panels.selection import PoolError, Quota, draw, find_distribution, make_pool, verify

from .helpers import toy_pool


def all_panels(pool, k):
    fidx = {f: i for i, f in enumerate(pool.features)}
    quotas = pool.quota_list()
    people = pool.people
    out = []
    for panel in itertools.combinations(range(len(people)), k):
        households = [people[i].household for i in panel if people[i].household is not None]
        if len(households) != len(set(households)):
            continue
        if all(q.min <= sum(people[i].values[fidx[q.feature]] == q.value for i in panel) <= q.max
               for q in quotas):
            out.append(panel)
    return out


def exact_leximin(pool, k):
    """Per-person LEXIMIN probabilities over the full list of panels (plain LPs)."""
    panels = all_panels(pool, k)
    n, m = len(pool.people), len(panels)
    M = np.zeros((n, m))
    for j, panel in enumerate(panels):
        M[list(panel), j] = 1.0
    fixed = {}
    while len(fixed) < n:
        free = [i for i in range(n) if i not in fixed]
        z = _solve(M, fixed, free, objective=None)
        for i in free:  # stuck at z unless some optimal distribution gives i more
            if _solve(M, fixed, free, objective=i, floor=z) <= z + 1e-7:
                fixed[i] = z
        if not any(i in fixed for i in free):  # pragma: no cover - LP theory says otherwise
            raise AssertionError("no one was stuck at the level")
    return np.array([fixed[i] for i in range(n)])


def _solve(M, fixed, free, objective, floor=None):
    n, m = M.shape
    h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    h.setOptionValue("primal_feasibility_tolerance", 1e-10)
    h.setOptionValue("dual_feasibility_tolerance", 1e-10)
    inf = highspy.kHighsInf
    h.addVars(m, np.zeros(m), np.ones(m))
    h.addVar(-inf, inf)  # z
    h.addRow(1.0, 1.0, m, np.arange(m, dtype=np.int32), np.ones(m))
    for i in range(n):
        idx = np.nonzero(M[i])[0].astype(np.int32)
        if i in fixed:
            h.addRow(fixed[i] - 1e-10, inf, len(idx), idx, np.ones(len(idx)))
        elif floor is not None:
            h.addRow(floor - 1e-10, inf, len(idx), idx, np.ones(len(idx)))
        else:
            h.addRow(0.0, inf, len(idx) + 1, np.append(idx, m).astype(np.int32),
                     np.append(np.ones(len(idx)), -1.0))
    if objective is None:
        h.changeColCost(m, 1.0)
    else:
        h.changeColsCost(m, np.arange(m, dtype=np.int32), M[objective])
    h.changeObjectiveSense(highspy.ObjSense.kMaximize)
    h.run()
    assert h.getModelStatus() == highspy.HighsModelStatus.kOptimal
    return float(h.getInfo().objective_function_value)


def random_pool(seed, n=14, households=True):
    """A small pool with 3 features, skewed values and a few shared addresses."""
    rng = random.Random(seed)
    features = {"gender": ["f", "m"], "age": ["young", "mid", "old"], "area": ["n", "s"]}
    people = []
    for i in range(n):
        hh = f"h{i // 2}" if households and i < 6 else None
        people.append({"id": f"p{i:02d}", "household": hh,
                       "features": {f: rng.choice(v) for f, v in features.items()}})
    quotas = []
    for f, values in features.items():
        for v in values:
            c = sum(p["features"][f] == v for p in people)
            quotas.append(Quota(f, v, 1 if c else 0, max(1, min(c, 3))))
    return make_pool(quotas, people)


POOLS = [("toy, households", lambda: toy_pool(households=True), 5),
         ("toy, no households", lambda: toy_pool(households=False), 6),
         ("random 14, seed 1", lambda: random_pool(1), 5),
         ("random 14, seed 2", lambda: random_pool(2), 5),
         ("random 13, seed 5", lambda: random_pool(5, n=13), 4)]


@pytest.fixture(scope="module", params=POOLS, ids=[p[0] for p in POOLS])
def exact(request):
    _, make, k = request.param
    pool = make()
    return pool, k, exact_leximin(pool, k)


@pytest.mark.parametrize("method", ["auto", "columns"])
def test_every_probability_is_within_the_stated_accuracy_of_the_exact_leximin(exact, method):
    pool, k, exact_p = exact
    dist = find_distribution(pool, k, "leximin", seed=3, leximin_method=method)
    stated = dist.info["accuracy"]
    assert stated["tolerance"] == 1e-5 and 0 <= stated["reached"] <= 1e-5
    assert stated["method"] in (("relaxation", "columns") if method == "auto" else ("columns",))
    error = np.abs(dist.probabilities - exact_p).max()
    assert error <= stated["reached"] + 1e-9, (error, stated)


def test_where_the_relaxation_is_tight_it_is_used_and_exact(exact):
    """The LP relaxation's LEXIMIN is attainable on some pools (on others it is not, and
    column generation takes over): where it is, it must be the exact LEXIMIN."""
    from involve.panels.selection.model import build_model
    from involve.panels.selection.relaxation import relaxed_leximin
    pool, k, exact_p = exact
    model = build_model(pool, k)
    relaxed = model.person_probabilities(relaxed_leximin(model).probabilities)
    dist = find_distribution(pool, k, "leximin", seed=5)
    tight = np.abs(relaxed - exact_p).max() < 1e-7
    assert (dist.info["accuracy"]["method"] == "relaxation") == tight
    assert np.abs(dist.probabilities - exact_p).max() <= dist.info["accuracy"]["reached"] + 1e-9


def test_a_looser_accuracy_is_still_an_honest_bound(exact):
    pool, k, exact_p = exact
    dist = find_distribution(pool, k, "leximin", seed=1, leximin_method="columns",
                             accuracy=1e-2)
    stated = dist.info["accuracy"]
    assert stated["tolerance"] == 1e-2 and stated["reached"] <= 1e-2
    assert np.abs(dist.probabilities - exact_p).max() <= stated["reached"] + 1e-9


def test_leximin_minimum_is_never_below_maximin(exact):
    pool, k, _ = exact
    lex = find_distribution(pool, k, "leximin", seed=2)
    mx = find_distribution(pool, k, "maximin", seed=2)
    assert lex.minimum_probability >= mx.minimum_probability - 1e-9


def test_the_audit_record_states_the_accuracy(sf_pool):
    dist = find_distribution(sf_pool, 22, "leximin", seed=4, accuracy=1e-6)
    selection = draw(dist, 4)
    stated = selection.audit["accuracy"]
    assert stated["tolerance"] == 1e-6 and stated["reached"] <= 1e-6
    assert "exact LEXIMIN" in stated["meaning"]
    assert verify(selection.audit, sf_pool).ok
    changed = dict(selection.audit, accuracy=dict(stated, reached=0.0))
    assert not verify(changed).ok  # the statement is covered by the record's hash


@pytest.mark.parametrize("bad", [0, -1e-5, 0.5, float("nan"), "1e-5", True])
def test_a_bad_accuracy_is_refused_naming_it(bad):
    with pytest.raises(PoolError) as caught:
        find_distribution(toy_pool(), 5, "leximin", accuracy=bad)
    assert caught.value.column == "accuracy"
