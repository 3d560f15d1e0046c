"""The integer model of "a panel that meets the quotas", over *types* of people.

People with exactly the same feature values, and no household shared with anyone else in the
pool, are interchangeable: any fair algorithm can give them the same selection probability.
We therefore merge them into one *type* of size ``s`` and describe a panel by how many people
``y[t]`` it takes from each type (``0 <= y[t] <= s[t]``).  People who share a household with
someone else in the pool stay types of size one, and each household gets a row
``sum(y[t] for t in household) <= 1``.

On the Flanigan examples this turns 2,000 people into 4 types, which is why they solve in
well under a second.

All HiGHS output is switched off; the one-off licence banner that HiGHS prints when the first
solver object is created is swallowed too (it would otherwise pollute ``--json`` output).
"""

from __future__ import annotations

import os
import sys
import threading
from dataclasses import dataclass

import highspy
import numpy as np

from .pool import Pool

INF = highspy.kHighsInf


class SelectionCancelled(Exception):
    """Raised when ``should_stop()`` returned true during a solve."""


class InfeasibleQuotasError(ValueError):
    """No panel of the requested size meets all quotas.

    ``feasibility`` holds a :class:`.feasibility.FeasibilityResult` explaining why, when
    raised by :func:`.algorithms.find_distribution`.
    """

    def __init__(self, message: str, feasibility=None):
        super().__init__(message)
        self.feasibility = feasibility


_banner_done = False
_banner_lock = threading.Lock()


def new_highs(**options) -> highspy.Highs:
    """A silent HiGHS instance."""
    global _banner_done
    if not _banner_done:
        with _banner_lock:
            if not _banner_done:
                h = _construct_quietly()
                _banner_done = True
            else:
                h = highspy.Highs()
    else:
        h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    h.setOptionValue("log_to_console", False)
    for name, value in options.items():
        h.setOptionValue(name, value)
    return h


def _construct_quietly() -> highspy.Highs:
    try:
        sys.stdout.flush()
        fd = sys.__stdout__.fileno() if sys.__stdout__ is not None else 1
        saved = os.dup(fd)
    except (OSError, ValueError, AttributeError):
        return highspy.Highs()
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        try:
            os.dup2(devnull, fd)
            return highspy.Highs()
        finally:
            os.dup2(saved, fd)
            os.close(devnull)
    finally:
        os.close(saved)


@dataclass
class TypeModel:
    """Types of interchangeable people and the quota/household structure over them."""

    pool: Pool
    panel_size: int
    members: list[list[int]]  # person indices per type, in pool order
    sizes: np.ndarray  # int, people per type
    type_of: np.ndarray  # person index -> type index
    quota_keys: list[tuple[str, str]]
    quota_types: list[np.ndarray]  # per quota: the type indices having that value
    qmin: np.ndarray
    qmax: np.ndarray
    households: list[list[int]]  # type indices that share an address (each list >= 2)

    @property
    def n_types(self) -> int:
        return len(self.members)

    def person_probabilities(self, type_probs: np.ndarray) -> np.ndarray:
        return np.asarray(type_probs, dtype=float)[self.type_of]

    def counts_of_people(self, people) -> np.ndarray:
        y = np.zeros(self.n_types, dtype=np.int64)
        for i in people:
            y[self.type_of[i]] += 1
        return y

    def panel_meets_quotas(self, y: np.ndarray) -> bool:
        y = np.asarray(y)
        if int(y.sum()) != self.panel_size or (y < 0).any() or (y > self.sizes).any():
            return False
        for types, lo, hi in zip(self.quota_types, self.qmin, self.qmax, strict=True):
            c = int(y[types].sum())
            if c < lo or c > hi:
                return False
        return all(int(y[h].sum()) <= 1 for h in self.households)


def build_model(pool: Pool, panel_size: int, merge: bool = True,
                quotas: dict | None = None) -> TypeModel:
    """Group the pool into types.  ``quotas`` optionally overrides ``{(f, v): (min, max)}``."""
    pool.check_panel_size(panel_size)
    hh_count: dict[str, int] = {}
    for p in pool.people:
        if p.household is not None:
            hh_count[p.household] = hh_count.get(p.household, 0) + 1
    members: list[list[int]] = []
    by_values: dict[tuple, int] = {}
    hh_types: dict[str, list[int]] = {}
    for i, p in enumerate(pool.people):
        shared = p.household is not None and hh_count[p.household] > 1
        if merge and not shared:
            t = by_values.get(p.values)
            if t is None:
                t = by_values[p.values] = len(members)
                members.append([])
            members[t].append(i)
        else:
            t = len(members)
            members.append([i])
        if shared:
            hh_types.setdefault(p.household, []).append(t)
    type_of = np.empty(len(pool.people), dtype=np.int64)
    for t, ms in enumerate(members):
        type_of[ms] = t
    sizes = np.array([len(m) for m in members], dtype=np.int64)
    type_values = [pool.people[m[0]].values for m in members]
    quota_keys, quota_types, qmin, qmax = [], [], [], []
    for fi, f in enumerate(pool.features):
        for v in pool.values[f]:
            q = pool.quotas[(f, v)]
            lo, hi = (quotas or {}).get((f, v), (q.min, q.max))
            quota_keys.append((f, v))
            quota_types.append(np.array([t for t, vals in enumerate(type_values)
                                         if vals[fi] == v], dtype=np.int64))
            qmin.append(lo)
            qmax.append(hi)
    households = [sorted(ts) for _, ts in sorted(hh_types.items())]
    return TypeModel(pool, panel_size, members, sizes, type_of, quota_keys, quota_types,
                     np.array(qmin, dtype=float), np.array(qmax, dtype=float), households)


class PanelMIP:
    """``max c . y`` over panels meeting the quotas (the pricing problem).

    The model is built once; each call only changes the objective.
    """

    def __init__(self, model: TypeModel, rel_gap: float = 1e-9, seed: int = 0):
        self.model = model
        T = model.n_types
        h = new_highs(mip_rel_gap=rel_gap, mip_abs_gap=1e-10, random_seed=int(seed) % 2**31,
                      mip_feasibility_tolerance=1e-9)
        h.addVars(T, np.zeros(T), model.sizes.astype(float))
        h.changeColsIntegrality(T, np.arange(T, dtype=np.int32),
                                np.array([highspy.HighsVarType.kInteger] * T))
        rows_lo, rows_hi, starts, idx = [], [], [], []
        nnz = 0

        def add(types, lo, hi):
            nonlocal nnz
            rows_lo.append(lo)
            rows_hi.append(hi)
            starts.append(nnz)
            idx.extend(int(t) for t in types)
            nnz += len(types)

        add(range(T), model.panel_size, model.panel_size)
        for types, lo, hi in zip(model.quota_types, model.qmin, model.qmax, strict=True):
            add(types, lo, hi)
        for hh in model.households:
            add(hh, -INF, 1)
        h.addRows(len(rows_lo), np.array(rows_lo, dtype=float), np.array(rows_hi, dtype=float),
                  nnz, np.array(starts, dtype=np.int32), np.array(idx, dtype=np.int32),
                  np.ones(nnz))
        h.changeObjectiveSense(highspy.ObjSense.kMaximize)
        self.h = h
        self.T = T
        self.solves = 0

    def solve(self, costs: np.ndarray) -> tuple[float, np.ndarray] | None:
        """Best panel for ``costs``; ``None`` if no panel meets the quotas."""
        h = self.h
        h.changeColsCost(self.T, np.arange(self.T, dtype=np.int32),
                         np.asarray(costs, dtype=float))
        h.run()
        self.solves += 1
        status = h.getModelStatus()
        if status == highspy.HighsModelStatus.kInfeasible:
            return None
        if status not in (highspy.HighsModelStatus.kOptimal,
                          highspy.HighsModelStatus.kSolutionLimit) \
                or h.getInfo().primal_solution_status != 2:
            raise RuntimeError(f"HiGHS could not solve the panel problem: {status}")
        y = np.rint(np.array(h.getSolution().col_value)).astype(np.int64)
        return float(np.dot(costs, y)), y

    def set_quota_bounds(self, q: int, lo: float, hi: float) -> None:
        """Change quota ``q``'s bounds (row 0 is the panel size, quota rows follow)."""
        self.h.changeRowBounds(1 + int(q), float(lo), float(hi))

    def find_panel(self) -> np.ndarray | None:
        """Any panel meeting the current rows, or ``None``."""
        res = self.solve(np.zeros(self.T))
        return None if res is None else res[1]


class SwapSearch:
    """Fast pricing heuristic: steepest-ascent one-for-one swaps from a starting panel.

    Swapping one member of type ``a`` for one of type ``b`` keeps the panel size; it is
    allowed if every quota it touches stays within bounds and ``b``'s household has nobody
    else on the panel.  Much cheaper than a MIP, but only a heuristic: the column generation
    always confirms "no better panel" with the exact MIP.
    """

    def __init__(self, model: TypeModel):
        self.model = model
        T = model.n_types
        F = len(model.pool.features)
        qindex = {key: q for q, key in enumerate(model.quota_keys)}
        V = np.empty((T, F), dtype=np.int64)
        for t, ms in enumerate(model.members):
            vals = model.pool.people[ms[0]].values
            for f, feature in enumerate(model.pool.features):
                V[t, f] = qindex[(feature, vals[f])]
        self.V = V
        self.hh = np.full(T, -1, dtype=np.int64)
        for h, types in enumerate(model.households):
            self.hh[types] = h
        self.n_households = len(model.households)

    def improve(self, y: np.ndarray, costs: np.ndarray, max_steps: int = 200) -> np.ndarray:
        model = self.model
        V, hh = self.V, self.hh
        y = y.copy()
        cnt = np.zeros(len(model.quota_keys), dtype=np.int64)
        for f in range(V.shape[1]):
            np.add.at(cnt, V[:, f], y)
        occ = np.zeros(self.n_households + 1, dtype=np.int64)
        np.add.at(occ, hh, y)  # index -1 collects people without a shared household
        for _ in range(max_steps):
            A = np.nonzero(y > 0)[0]
            cmin = costs[A].min()
            B = np.nonzero((y < model.sizes) & (costs > cmin + 1e-12))[0]
            if len(B) == 0:
                break
            gain = costs[B][None, :] - costs[A][:, None]
            ok = gain > 1e-12
            can_dec = cnt - 1 >= model.qmin
            can_inc = cnt + 1 <= model.qmax
            for f in range(V.shape[1]):
                va, vb = V[A, f], V[B, f]
                ok &= (va[:, None] == vb[None, :]) | (can_dec[va][:, None] & can_inc[vb][None, :])
            hb = hh[B]
            if self.n_households:
                free = (hb < 0) | (occ[hb] == 0)
                same = (hb[None, :] >= 0) & (hh[A][:, None] == hb[None, :])
                ok &= free[None, :] | same
            if not ok.any():
                break
            gain = np.where(ok, gain, -np.inf)
            i, j = np.unravel_index(int(np.argmax(gain)), gain.shape)
            a, b = A[i], B[j]
            y[a] -= 1
            y[b] += 1
            cnt[V[a]] -= 1
            cnt[V[b]] += 1
            occ[hh[a]] -= 1
            occ[hh[b]] += 1
        return y
