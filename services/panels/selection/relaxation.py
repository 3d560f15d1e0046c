"""LEXIMIN through the LP relaxation of the panel polytope, then one decomposition into panels.

A distribution over panels gives type ``t`` the probability ``p_t = E[y_t] / s_t``, so the
vector ``s * p`` of expected counts lies in the convex hull ``H`` of the integer panels. ``H``
sits inside the *relaxed* polytope ``P``: the same rows (panel size, quotas, one per
household) with ``0 <= y_t <= s_t`` real instead of whole.

1. **LEXIMIN over P** (:func:`relaxed_leximin`) is a short sequence of small LPs over ``T``
   variables, with no columns to generate: stage ``j`` maximises the lowest probability ``z``
   of the types not yet fixed and fixes every type whose dual weight is positive (complementary
   slackness: in every optimum it sits at ``z``). It takes about a second on 1,000 types.
2. Since ``H`` is inside ``P``, this vector ``x`` is at least as good as the exact LEXIMIN in
   the leximin order, and if ``x`` lies in ``H`` it *is* the exact LEXIMIN (the leximin point
   of a convex set is unique). :func:`decompose` writes ``x`` as a mixture of integer panels
   (constructive Caratheodory): keep a residual point ``r`` of ``P`` with mass ``mu``
   (starting at ``x``, 1); find integer panels on the smallest face of ``P`` containing ``r``
   (vertices of an LP over that face that happen to be integral, else a few feasible points of
   the pricing MIP restricted to that face); an LP (*peeling*) takes as much mass as it can
   from those panels while the rest stays in ``P``, which puts the rest on a smaller face.
   Repeat until the mass left is below ``mass_tol``. The mass falls geometrically (about
   10% a round), so a few hundred panels and a few dozen MIPs suffice on 2,000-person pools.
3. If the relaxation is not tight (some face holds no integer panel, so the mass stops
   falling), the caller falls back to column generation (:mod:`.colgen`), starting from the
   panels found.

The result's probabilities are within ``max|p - x| + mu`` of ``x``; with ``mu`` at the solver
tolerance, ``x`` lies in ``H`` (up to that tolerance), so that is also the distance to the
exact LEXIMIN.
"""

from __future__ import annotations

import math
import random
import time
from dataclasses import dataclass

import highspy
import numpy as np

from .distribution import Monitor
from .model import INF, InfeasibleQuotasError, PanelMIP, TypeModel, new_highs

LEVEL_TOL = 1e-11 # a fixed type's row is relaxed by this much, so the next stage stays feasible
DUAL_TOL = 1e-9  # dual weight above which a type is stuck at its stage's level
MASS_TOL = 1e-10  # stop decomposing when the mass left is below this
MIP_SOLUTIONS = 2  # stop the face MIP after this many improving panels
ACCEPT_TOL = 1e-7  # a decomposition with at most this much mass left is accepted (the
# relaxation is solved to 1e-10, and the residual r = R / mu magnifies that error by 1 / mu)


@dataclass
class Polytope:
    """The rows of "a panel" over types: size, quotas, households (``lo <= A y <= hi``)."""

    model: TypeModel
    A: np.ndarray  # rows x types, 0/1
    lo: np.ndarray  # -inf where there is no lower bound
    hi: np.ndarray
    sizes: np.ndarray  # float

    @classmethod
    def of(cls, model: TypeModel) -> Polytope:
        T = model.n_types
        rows = [np.arange(T)] + list(model.quota_types) + [np.array(h) for h in model.households]
        A = np.zeros((len(rows), T))
        for i, r in enumerate(rows):
            A[i, r] = 1.0
        k = float(model.panel_size)
        lo = np.concatenate([[k], model.qmin, np.full(len(model.households), -np.inf)])
        hi = np.concatenate([[k], model.qmax, np.ones(len(model.households))])
        return cls(model, A, lo, hi, model.sizes.astype(float))

    def sparse_rows(self):
        starts, idx = [], []
        for row in self.A:
            starts.append(len(idx))
            idx.extend(np.nonzero(row)[0].tolist())
        return np.array(starts, dtype=np.int32), np.array(idx, dtype=np.int32)


@dataclass
class RelaxedLeximin:
    probabilities: np.ndarray  # per type
    levels: list[tuple[float, np.ndarray]]  # (value, types fixed at it), in order
    stages: int


def relaxed_leximin(model: TypeModel, poly: Polytope | None = None,
                    monitor: Monitor | None = None) -> RelaxedLeximin:
    """LEXIMIN of the LP relaxation: probabilities per type, and the levels found."""
    monitor = monitor or Monitor()
    poly = poly or Polytope.of(model)
    T = model.n_types
    s = poly.sizes
    h = new_highs(primal_feasibility_tolerance=1e-10, dual_feasibility_tolerance=1e-10)
    h.addVars(T, np.zeros(T), np.ones(T))  # p_t
    h.addVar(-INF, INF)  # z
    h.changeColCost(T, 1.0)
    h.changeObjectiveSense(highspy.ObjSense.kMaximize)
    starts, idx = poly.sparse_rows()
    # the polytope's rows in probabilities: A (s * p)
    h.addRows(len(poly.lo), np.where(np.isinf(poly.lo), -INF, poly.lo), poly.hi, len(idx),
              starts, idx, s[idx])
    first = h.getNumRow()
    for t in range(T):  # p_t - z >= 0
        h.addRow(0.0, INF, 2, np.array([t, T], dtype=np.int32), np.array([1.0, -1.0]))
    fixed = np.zeros(T, dtype=bool)
    levels: list[tuple[float, np.ndarray]] = []
    stages = 0
    while not fixed.all():
        monitor.check()
        h.run()
        if h.getModelStatus() == highspy.HighsModelStatus.kInfeasible and not fixed.any():
            raise InfeasibleQuotasError("no panel of this size meets all the quotas")
        if h.getModelStatus() != highspy.HighsModelStatus.kOptimal:
            raise RuntimeError(f"HiGHS could not solve the relaxed LEXIMIN: {h.getModelStatus()}")
        sol = h.getSolution()
        z = float(sol.col_value[T])
        weights = np.abs(np.array(sol.row_dual[first:first + T]))
        weights[fixed] = 0.0
        newly = np.nonzero(weights > DUAL_TOL)[0]
        if len(newly) == 0:
            newly = np.array([int(np.argmax(np.where(fixed, -np.inf, weights)))])
        for t in newly:
            h.changeCoeff(first + int(t), T, 0.0)
            h.changeRowBounds(first + int(t), max(0.0, z - LEVEL_TOL), INF)
        fixed[newly] = True
        levels.append((z, newly))
        stages += 1
    h.run()
    x = np.clip(np.array(h.getSolution().col_value[:T]), 0.0, 1.0)
    return RelaxedLeximin(x, levels, stages)


@dataclass
class Decomposition:
    columns: list[np.ndarray]  # integer panels (counts per type)
    weights: np.ndarray  # their probabilities; they add up to 1 - mass_left
    mass_left: float
    rounds: int
    mip_solves: int
    lp_solves: int
    timings: dict


def decompose(model: TypeModel, x: np.ndarray, seed: int = 0, monitor: Monitor | None = None,
              poly: Polytope | None = None, mass_tol: float = MASS_TOL,
              lp_tries: int = 30, enough: int = 8, max_rounds: int = 2000,
              pool_size: int = 2000, noise: float = 0.01) -> Decomposition:
    """Write the probabilities ``x`` as a mixture of panels, as far as it goes (see above)."""
    monitor = monitor or Monitor()
    poly = poly or Polytope.of(model)
    T = model.n_types
    s = poly.sizes
    A, lo, hi = poly.A, poly.lo, poly.hi
    NR = len(lo)
    all_t = np.arange(T, dtype=np.int32)
    all_r = np.arange(NR, dtype=np.int32)
    starts, idx = poly.sparse_rows()
    lp = new_highs()
    lp.addVars(T, np.zeros(T), s)
    lp.changeObjectiveSense(highspy.ObjSense.kMaximize)
    lp.addRows(NR, np.where(np.isinf(lo), -INF, lo), hi, len(idx), starts, idx, np.ones(len(idx)))
    mip = PanelMIP(model, seed=seed)
    mip.h.setOptionValue("mip_improving_solution_save", True)
    mip.h.setOptionValue("mip_max_improving_sols", MIP_SOLUTIONS)  # any panel on the face will do
    rng = np.random.default_rng(random.Random(seed).getrandbits(64))
    R = s * np.clip(x, 0.0, 1.0)  # residual expected counts, mass mu
    mu = 1.0
    found: dict[bytes, int] = {}
    pool: dict[bytes, np.ndarray] = {}  # every panel found, most recent last
    timings = {"lp": 0.0, "mip": 0.0, "peel": 0.0}
    columns: list[np.ndarray] = []
    weights: list[float] = []
    lp_solves = mip_solves = 0
    rounds = 0
    while rounds < max_rounds:
        rounds += 1
        monitor.check()
        r = R / mu
        near = np.rint(r)
        if np.abs(r - near).max() <= 1e-9 and model.panel_meets_quotas(near.astype(np.int64)):
            _add(found, columns, weights, near, mu)  # what is left is itself a panel
            mu = 0.0
            break
        Ar = A @ r
        zero = r <= 1e-9
        full = r >= s - 1e-9
        at_lo = (Ar - lo) <= 1e-7
        at_hi = (hi - Ar) <= 1e-7
        cl = np.where(full, s, 0.0)
        cu = np.where(zero, 0.0, s)
        rl = np.where(at_lo, lo, np.where(at_hi, hi, np.where(np.isinf(lo), -INF, lo)))
        ru = np.where(at_lo, lo, hi)
        lp.changeColsBounds(T, all_t, cl, cu)
        lp.changeRowsBounds(NR, all_r, rl, ru)
        candidates: dict[bytes, np.ndarray] = {}
        if pool:  # panels found before that still lie on this face
            P = np.array(list(pool.values()))
            on = (P[:, zero] == 0).all(axis=1) & (P[:, full] == s[full]).all(axis=1)
            tight = at_lo | at_hi
            if tight.any():
                AP = P @ A[tight].T
                bound = np.where(at_lo, lo, hi)[tight]
                on &= (np.abs(AP - bound) < 0.5).all(axis=1)
            for v in P[on]:
                candidates[v.tobytes()] = v
        reused = len(candidates)
        wanted = max(2, enough - reused)
        clock = time.perf_counter()
        for _ in range(lp_tries):
            lp.changeColsCost(T, all_t, r / s + noise * rng.random(T))
            lp.run()
            lp_solves += 1
            if lp.getModelStatus() != highspy.HighsModelStatus.kOptimal:
                break
            v = np.array(lp.getSolution().col_value)
            if np.abs(v - np.rint(v)).max() <= 1e-7:
                v = np.rint(v)
                candidates[v.tobytes()] = v
                if len(candidates) - reused >= wanted:
                    break
        timings["lp"] += time.perf_counter() - clock
        clock = time.perf_counter()
        if len(candidates) < 3:
            mip.h.changeColsBounds(T, all_t, cl, cu)
            mip.h.changeRowsBounds(NR, all_r, rl, ru)
            res = mip.solve(r / s + 1e-2 * rng.random(T))
            mip_solves += 1
            if res is not None:
                for sol in mip.h.getSavedMipSolutions():
                    v = np.rint(np.array(sol.col_value))
                    candidates[v.tobytes()] = v
                v = res[1].astype(float)
                candidates[v.tobytes()] = v
        timings["mip"] += time.perf_counter() - clock
        if not candidates:
            break  # no whole panel on this face: the relaxation is not tight here
        for key, v in candidates.items():
            pool[key] = v
        while len(pool) > pool_size:
            pool.pop(next(iter(pool)))
        V = np.array(list(candidates.values()))
        clock = time.perf_counter()
        lam = _peel(V, r, s, A, lo, hi, zero | full, at_lo | at_hi)
        timings["peel"] += time.perf_counter() - clock
        taken = float(lam.sum())
        if taken <= 1e-12:
            break
        for j in np.nonzero(lam > 0)[0]:
            _add(found, columns, weights, V[j], mu * float(lam[j]))
        R = R - mu * (lam @ V)
        mu *= 1.0 - taken
        R = np.clip(R, 0.0, mu * s)
        monitor.report(min(0.99, math.log10(1.0 / max(mu, 1e-300)) / -math.log10(mass_tol)),
                       f"writing the fairest chances as a mix of panels: {len(columns)} panels, "
                       f"{mu:.1e} of the probability left")
        if mu <= mass_tol:
            break
    return Decomposition(columns, np.array(weights), mu, rounds, mip_solves, lp_solves,
                         {k: round(v, 2) for k, v in timings.items()})


def _add(found, columns, weights, v, w) -> None:
    v = np.asarray(v, dtype=np.int64)
    key = v.tobytes()
    if key in found:
        weights[found[key]] += w
    else:
        found[key] = len(columns)
        columns.append(v)
        weights.append(w)


def _peel(V, r, s, A, lo, hi, bound_tight, row_tight) -> np.ndarray:
    """Largest ``sum(lam)`` with ``(r - lam @ V) / (1 - sum(lam))`` still in the polytope.

    Scaled so the residual has mass 1; the rows and bounds tight at ``r`` stay tight for any
    ``lam`` (every candidate lies on that face), so only the others are written down.
    """
    m = len(V)
    free = ~bound_tight
    Vf = V[:, free].T
    loose = ~row_tight
    AV = A[loose] @ V.T
    has_lo = ~np.isinf(lo[loose])
    Ar = A[loose] @ r
    M = np.vstack([Vf,                                   # lam V_t <= r_t
                   s[free][:, None] - Vf,                # lam (s - V_t) <= s - r_t
                   hi[loose][:, None] - AV,              # stays under each maximum
                   (AV - lo[loose][:, None])[has_lo],    # stays over each minimum
                   np.ones((1, m))])                     # sum lam <= 1
    rhs = np.concatenate([r[free], (s - r)[free], hi[loose] - Ar, (Ar - lo[loose])[has_lo],
                          [1.0]])
    rhs = np.maximum(rhs, 0.0)
    M[np.abs(M) < 1e-12] = 0.0
    h = new_highs(primal_feasibility_tolerance=1e-10, dual_feasibility_tolerance=1e-10)
    h.changeObjectiveSense(highspy.ObjSense.kMaximize)
    h.addRows(M.shape[0], np.full(M.shape[0], -INF), rhs, 0, np.zeros(0, dtype=np.int32),
              np.zeros(0, dtype=np.int32), np.zeros(0))
    for j in range(m):
        nz = np.nonzero(M[:, j])[0].astype(np.int32)
        h.addCol(1.0, 0.0, INF, len(nz), nz, M[nz, j])
    h.run()
    if h.getModelStatus() != highspy.HighsModelStatus.kOptimal:
        return np.zeros(m)
    lam = np.maximum(np.array(h.getSolution().col_value), 0.0)
    total = lam.sum()
    if total > 1.0:
        lam /= total
    return lam


def polish(model: TypeModel, columns: list[np.ndarray], weights: np.ndarray,
           x: np.ndarray) -> np.ndarray:
    """Re-weight the panels to minimise the largest ``|p_t - x_t|`` (never worse than given).

    The decomposition leaves a little mass (at most ACCEPT_TOL) undistributed; spreading it by
    rescaling would lower everyone a little. This LP (``min e`` with ``|p_t - x_t| <= e``) finds
    the best weights over the same panels instead.
    """
    T = model.n_types
    s = model.sizes.astype(float)
    m = len(columns)
    given = np.asarray(weights, dtype=float) / max(float(np.sum(weights)), 1e-300)
    h = new_highs(primal_feasibility_tolerance=1e-10, dual_feasibility_tolerance=1e-10)
    h.addVar(0.0, INF)  # e
    h.changeColCost(0, 1.0)
    # rows t: sum_P lam_P y_Pt / s_t + e >= x_t ;  sum_P lam_P y_Pt / s_t - e <= x_t ; sum lam = 1
    h.addRows(T, x, np.full(T, INF), T, np.arange(T, dtype=np.int32), np.zeros(T, np.int32),
              np.ones(T))
    starts = np.arange(T, dtype=np.int32)
    h.addRows(T, np.full(T, -INF), x, T, starts, np.zeros(T, np.int32), -np.ones(T))
    h.addRow(1.0, 1.0, 0, np.zeros(0, np.int32), np.zeros(0))
    for y in columns:
        nz = np.nonzero(y)[0]
        vals = y[nz] / s[nz]
        idx = np.concatenate([nz, nz + T, [2 * T]]).astype(np.int32)
        h.addCol(0.0, 0.0, INF, len(idx), idx, np.concatenate([vals, vals, [1.0]]))
    h.run()
    if h.getModelStatus() != highspy.HighsModelStatus.kOptimal:
        return given
    lam = np.maximum(np.array(h.getSolution().col_value)[1:1 + m], 0.0)
    Y = np.array(columns, dtype=float)
    def err(w):
        return float(np.abs((w / w.sum()) @ Y / s - x).max())
    return lam if lam.sum() > 0 and err(lam) <= err(given) else given


def complete(model: TypeModel, x: np.ndarray, columns: list[np.ndarray], seed: int = 0,
             monitor: Monitor | None = None, tol: float = 1e-10):
    """Column generation for ``max z: p >= z x`` from ``columns``, when peeling got stuck.

    Greedy peeling can leave the hull even when ``x`` is in it. Returns (columns, weights)
    with ``z >= 1 - tol`` (so ``x`` is attained), or None when the Lagrangian bound proves
    ``z < 1``: then ``x`` is not in the hull and the relaxation is not tight.
    """
    from .colgen import PRICE_TOL, MasterLP, heuristic_columns, initial_columns
    from .model import SwapSearch

    monitor = monitor or Monitor()
    mip = PanelMIP(model, seed=seed)
    master = MasterLP(model)
    start, _ = initial_columns(model, mip, random.Random(seed), monitor, extra_random=0)
    for y in list(columns) + start:
        master.add(y)
    for t in range(model.n_types):
        if x[t] > 1e-12:
            master.h.changeCoeff(t, 0, -float(x[t]))
        else:
            master.fix(t, 0.0)
    swaps = SwapSearch(model)
    while True:
        monitor.check()
        z = master.solve()
        if z >= 1.0 - tol:
            return master.columns, master.weights
        costs, threshold = master.pricing_costs()
        if heuristic_columns(master, swaps, costs, threshold):
            continue
        value, y = mip.solve(costs)
        if z + (value - threshold) < 1.0 - 1e-7:
            return None  # no mix of panels gives everyone x
        if value <= threshold + PRICE_TOL * max(1.0, abs(threshold)) or not master.add(y):
            return None
        monitor.report(None, f"completing the mix of panels ({len(master.columns)} panels, "
                             f"{1 - z:.1e} short)")
