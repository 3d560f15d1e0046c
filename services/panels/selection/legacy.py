"""LEGACY: the greedy one-person-at-a-time draw, for comparison only.

This follows the Sortition Foundation's older method as described by Flanigan et al.: while the
panel is not full, look at every feature value whose quota still needs people and pick the most
constrained one (largest ratio of places still needed to volunteers still available), then
pick a volunteer with that value uniformly at random.  After each pick, volunteers who would
break a maximum, and the rest of the new member's household, are removed.  If the draw gets
stuck (a minimum can no longer be met) it starts again.

It meets the quotas but does not try to be fair: some people's chances are far below ``k/n``.
Its selection probabilities have no closed form, so they are estimated from ``runs``
independent seeded draws; the resulting :class:`Distribution` is the empirical one (each run's
panel with weight ``1/runs``).
"""

from __future__ import annotations

import random
import time

import numpy as np

from .distribution import Distribution, Monitor
from .model import InfeasibleQuotasError, TypeModel


def legacy_panel(model: TypeModel, rng: random.Random, max_attempts: int = 1000) -> list[int]:
    """One greedy draw: a list of person indices, or raises InfeasibleQuotasError."""
    pool = model.pool
    people = pool.people
    n = len(people)
    Q = len(model.quota_keys)
    fidx = {f: i for i, f in enumerate(pool.features)}
    # person -> quota indices
    qindex = {key: q for q, key in enumerate(model.quota_keys)}
    person_quotas = [[qindex[(f, p.values[fidx[f]])] for f in pool.features] for p in people]
    households: dict[str, list[int]] = {}
    for i, p in enumerate(people):
        if p.household is not None:
            households.setdefault(p.household, []).append(i)
    k = model.panel_size
    for _ in range(max_attempts):
        available = set(range(n))
        by_quota: list[set[int]] = [set() for _ in range(Q)]
        for i in range(n):
            for q in person_quotas[i]:
                by_quota[q].add(i)
        count = [0] * Q
        chosen: list[int] = []
        stuck = False
        while len(chosen) < k:
            best, best_ratio = None, -1.0
            for q in range(Q):
                need = model.qmin[q] - count[q]
                avail = len(by_quota[q])
                if need > 0:
                    if avail < need:
                        stuck = True
                        break
                    ratio = need / avail
                    if ratio > best_ratio:
                        best, best_ratio = q, ratio
            if stuck:
                break
            if best is None:  # every minimum met: fill from anyone still available
                if not available:
                    stuck = True
                    break
                person = rng.choice(sorted(available))
            else:
                person = rng.choice(sorted(by_quota[best]))
            chosen.append(person)
            drop = {person}
            hh = people[person].household
            if hh is not None:
                drop.update(households[hh])
            for q in person_quotas[person]:
                count[q] += 1
                if count[q] >= model.qmax[q]:
                    drop.update(by_quota[q])
            for i in drop:
                if i in available:
                    available.discard(i)
                    for q in person_quotas[i]:
                        by_quota[q].discard(i)
        if not stuck and len(chosen) == k and model.panel_meets_quotas(
                model.counts_of_people(chosen)):
            return chosen
    raise InfeasibleQuotasError(
        f"the greedy (legacy) method found no panel meeting the quotas in {max_attempts} tries")


def find_distribution_legacy(model: TypeModel, seed: int = 0, runs: int = 1000,
                             monitor: Monitor | None = None) -> Distribution:
    monitor = monitor or Monitor()
    start = time.perf_counter()
    rng = random.Random(seed)
    counts: dict[bytes, list] = {}
    for r in range(runs):
        if r % 25 == 0:
            monitor.check()
            monitor.report(r / runs, f"legacy draw {r}/{runs}")
        y = model.counts_of_people(legacy_panel(model, rng))
        entry = counts.setdefault(y.tobytes(), [y, 0])
        entry[1] += 1
    monitor.report(1.0, f"legacy: {runs} draws done")
    panels = sorted(((y, c / runs) for y, c in counts.values()),
                    key=lambda yp: tuple(yp[0].tolist()))
    return Distribution("legacy", model, panels, time.perf_counter() - start,
                        {"runs": runs, "distinct_panels": len(panels)})


def legacy_person_estimates(model: TypeModel, seed: int = 0, runs: int = 1000) -> np.ndarray:
    """Per-person selection frequency over ``runs`` draws (not averaged within types)."""
    rng = random.Random(seed)
    hits = np.zeros(len(model.pool.people))
    for _ in range(runs):
        hits[legacy_panel(model, rng)] += 1
    return hits / runs
