"""NASH: maximise the sum over people of log(selection probability).

HiGHS solves linear (and quadratic) problems, not logarithms, so we use an outer
approximation (Kelley's cutting-plane method) combined with column generation:

    maximise   sum_t s_t * g_t
    subject to p_t = sum_P lambda_P * y_P[t] / s_t      (type t's probability)
               g_t <= log(a) + (p_t - a) / a           for every tangent point a of type t
               sum_P lambda_P = 1,  lambda >= 0

Each tangent line lies above the concave ``log``, so the LP's optimum is an upper bound on the
Nash welfare, and the current ``sum_t s_t log p_t`` is a lower bound.  We alternate:

1. column generation on the LP (pricing MIP with the dual prices of the ``p_t`` rows) until no
   panel improves it;
2. add a tangent at the current ``p_t`` for every type whose ``g_t`` overestimates
   ``log p_t`` by more than a tolerance;

and stop when the relative gap between the two bounds is below ``gap`` (default 1e-6).  Types
that can never be on a panel get probability 0 and are left out of the objective.
"""

from __future__ import annotations

import math
import random
import time

import highspy
import numpy as np

from .colgen import initial_columns
from .distribution import Distribution, Monitor, distribution_from_columns
from .model import INF, PanelMIP, TypeModel, new_highs


def find_distribution_nash(model: TypeModel, seed: int = 0, monitor: Monitor | None = None,
                           gap: float = 1e-6, max_rounds: int = 500) -> Distribution:
    monitor = monitor or Monitor()
    start = time.perf_counter()
    rng = random.Random(seed)
    mip = PanelMIP(model, seed=seed)
    T = model.n_types
    sizes = model.sizes.astype(float)
    cols, reachable = initial_columns(model, mip, rng, monitor)

    h = new_highs(primal_feasibility_tolerance=1e-10, dual_feasibility_tolerance=1e-10)
    # columns: p_0..p_{T-1}, g_0..g_{T-1}, then lambda's
    h.addVars(T, np.zeros(T), np.where(reachable, 1.0, 0.0))
    h.addVars(T, np.where(reachable, -INF, 0.0), np.where(reachable, INF, 0.0))
    h.changeColsCost(T, np.arange(T, 2 * T, dtype=np.int32), np.where(reachable, sizes, 0.0))
    h.changeObjectiveSense(highspy.ObjSense.kMaximize)
    # rows 0..T-1: p_t - sum(...) lambda = 0 ; row T: sum lambda = 1
    lo = np.zeros(T + 1)
    hi = np.zeros(T + 1)
    lo[T] = hi[T] = 1.0
    starts = np.array(list(range(T)) + [T], dtype=np.int32)
    h.addRows(T + 1, lo, hi, T, starts, np.arange(T, dtype=np.int32), np.ones(T))
    n_rows = T + 1
    keys: set[bytes] = set()
    columns: list[np.ndarray] = []

    def add_column(y):
        key = y.tobytes()
        if key in keys:
            return False
        keys.add(key)
        columns.append(y)
        nz = np.nonzero(y)[0]
        idx = np.concatenate([nz, [T]]).astype(np.int32)
        vals = np.concatenate([-y[nz] / sizes[nz], [1.0]])
        h.addCol(0.0, 0.0, INF, len(idx), idx, vals)
        return True

    def add_cut(t, a):
        nonlocal n_rows
        # g_t - p_t / a <= log(a) - 1
        h.addRow(-INF, math.log(a) - 1.0, 2, np.array([T + t, t], dtype=np.int32),
                 np.array([1.0, -1.0 / a]))
        n_rows += 1

    for y in cols:
        add_column(y)
    k_over_n = model.panel_size / float(sizes.sum())
    for t in range(T):
        if reachable[t]:
            add_cut(t, k_over_n)
            add_cut(t, 1.0)
    stats = {"types": T, "lp_solves": 0, "rounds": 0}
    weight = float(sizes[reachable].sum())
    lam = None
    for rnd in range(max_rounds):
        # column generation on the current outer approximation
        while True:
            monitor.check()
            h.run()
            stats["lp_solves"] += 1
            if h.getModelStatus() != highspy.HighsModelStatus.kOptimal:
                raise RuntimeError(f"HiGHS could not solve the Nash LP: {h.getModelStatus()}")
            sol = h.getSolution()
            duals = np.array(sol.row_dual)
            # a column's entries are -y_t/s_t in row t and 1 in row T
            costs = duals[:T] / sizes
            value, y = mip.solve(costs)
            if value <= duals[T] + 1e-10 * max(1.0, abs(duals[T])) or not add_column(y):
                break
        col = np.array(sol.col_value)
        p = col[:T]
        lam = col[2 * T:]
        upper = float(h.getInfo().objective_function_value)
        with np.errstate(divide="ignore"):
            logs = np.where(reachable, np.log(np.maximum(p, 1e-300)), 0.0)
        lower = float(np.dot(np.where(reachable, sizes, 0.0), logs))
        rel = (upper - lower) / max(1.0, abs(lower))
        stats["rounds"] = rnd + 1
        stats["gap"] = rel
        monitor.report(None, f"Nash round {rnd + 1}: mean log-probability "
                             f"{lower / weight:.6f} (gap {rel:.2e}, {len(columns)} panels)")
        if rel <= gap:
            break
        g = col[T:2 * T]
        added = 0
        for t in range(T):
            if reachable[t] and g[t] - logs[t] > gap * 0.1:
                add_cut(t, max(p[t], 1e-9))
                added += 1
        if added == 0:
            break
    stats["columns"] = len(columns)
    stats["mip_solves"] = mip.solves
    return distribution_from_columns("nash", model, columns, lam, time.perf_counter() - start,
                                     stats)
