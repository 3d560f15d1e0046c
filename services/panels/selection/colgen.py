"""MAXIMIN and LEXIMIN by column generation (after Flanigan et al., Nature 2021).

There are far too many quota-meeting panels to list, so we work with a growing set of
*columns* (panels) and two problems:

* the **master LP** over the panels found so far: choose probabilities ``lambda_P`` for the
  panels so as to maximise ``z``, where every not-yet-fixed type ``t`` has selection
  probability ``p_t = sum_P lambda_P * y_P[t] / s_t >= z`` and every fixed type keeps
  ``p_t >= pi_t``;
* the **pricing MIP** over all panels: with the master's dual prices ``d_t`` of the type rows
  and ``d_0`` of the ``sum lambda = 1`` row, find the panel maximising ``sum_t (-d_t / s_t) y_t``.
  If its value exceeds ``d_0`` the panel would improve the master, so we add it; otherwise the
  master's optimum is the optimum over *all* panels.

MAXIMIN is one such stage.  LEXIMIN repeats it: after a stage converges with value ``z*``,
every type whose dual weight ``-d_t`` is positive cannot get more than ``z*`` in any optimal
solution (complementary slackness), so its probability is fixed at ``z*`` and the next stage
maximises the minimum over the remaining types.  At least one type is fixed per stage because
the unfixed dual weights sum to one.

Initial columns are made by the same MIP with objectives that reward types not yet in any
column, so after a handful of solves every type that can be on a panel at all is covered (and
types that can never be on a panel are found and fixed at probability 0 from the start).
"""

from __future__ import annotations

import random
import time

import highspy
import numpy as np

from .distribution import Distribution, Monitor, distribution_from_columns
from .model import INF, InfeasibleQuotasError, PanelMIP, SwapSearch, TypeModel, new_highs

FIX_TOL = 1e-8  # dual weight above which a type is fixed
PRICE_TOL = 1e-9  # minimum reduced cost of a column worth adding


class MasterLP:
    """max z  s.t.  row t: sum_P y_P[t]/s_t lambda_P - a_t z >= lb_t ;  sum lambda = 1."""

    def __init__(self, model: TypeModel):
        self.model = model
        T = model.n_types
        self.T = T
        h = new_highs(primal_feasibility_tolerance=1e-10, dual_feasibility_tolerance=1e-10,
                      presolve="off", simplex_strategy=4)
        h.addVar(-INF, INF)  # z
        h.changeColCost(0, 1.0)
        h.changeObjectiveSense(highspy.ObjSense.kMaximize)
        lo = np.zeros(T + 1)
        hi = np.full(T + 1, INF)
        lo[T] = hi[T] = 1.0
        starts = np.array(list(range(T)) + [T], dtype=np.int32)
        h.addRows(T + 1, lo, hi, T, starts, np.zeros(T, dtype=np.int32), -np.ones(T))
        self.h = h
        self.columns: list[np.ndarray] = []
        self._keys: set[bytes] = set()
        self._matrix = None
        self.value = None
        self.weights = None
        self.duals = None

    def add(self, y: np.ndarray) -> bool:
        y = np.asarray(y, dtype=np.int64)
        key = y.tobytes()
        if key in self._keys:
            return False
        self._keys.add(key)
        self.columns.append(y)
        nz = np.nonzero(y)[0]
        idx = np.concatenate([nz, [self.T]]).astype(np.int32)
        vals = np.concatenate([y[nz] / self.model.sizes[nz], [1.0]])
        self.h.addCol(0.0, 0.0, INF, len(idx), idx, vals)
        return True

    def matrix(self) -> np.ndarray:
        if self._matrix is None or len(self._matrix) != len(self.columns):
            self._matrix = np.array(self.columns, dtype=float)
        return self._matrix

    def fix(self, t: int, value: float) -> None:
        self.h.changeCoeff(int(t), 0, 0.0)
        self.h.changeRowBounds(int(t), max(0.0, value), INF)

    def solve(self) -> float:
        h = self.h
        h.run()
        status = h.getModelStatus()
        if status != highspy.HighsModelStatus.kOptimal:
            raise RuntimeError(f"HiGHS could not solve the master LP: {status}")
        sol = h.getSolution()
        col = np.array(sol.col_value)
        self.value = float(col[0])
        self.weights = col[1:]
        self.duals = np.array(sol.row_dual)
        return self.value

    def pricing_costs(self) -> tuple[np.ndarray, float]:
        """(cost per type, threshold): a panel improves the master iff cost . y > threshold."""
        return -self.duals[:self.T] / self.model.sizes, float(self.duals[self.T])


def initial_columns(model: TypeModel, mip: PanelMIP, rng: random.Random, monitor: Monitor,
                    extra_random: int = 3) -> tuple[list[np.ndarray], np.ndarray]:
    """Panels covering every type that can be on some panel; and a mask of such types."""
    T = model.n_types
    covered = np.zeros(T, dtype=bool)
    reachable = np.ones(T, dtype=bool)
    cols: list[np.ndarray] = []
    first = mip.solve(np.array([rng.random() for _ in range(T)]) / model.sizes)
    if first is None:
        raise InfeasibleQuotasError("no panel of this size meets all the quotas")
    cols.append(first[1])
    covered |= first[1] > 0
    for _ in range(extra_random):
        res = mip.solve(np.array([rng.random() for _ in range(T)]) / model.sizes)
        cols.append(res[1])
        covered |= res[1] > 0
    while not covered.all():
        monitor.check()
        monitor.report(None, f"finding starting panels ({int(covered.sum())}/{T} types covered)")
        noise = np.array([rng.random() for _ in range(T)]) * 1e-3 / model.panel_size
        costs = np.where(covered, 0.0, 1.0) / np.minimum(model.sizes, model.panel_size) + noise
        _, y = mip.solve(costs)
        new = (y > 0) & ~covered
        cols.append(y)
        if not new.any():
            reachable = covered.copy()
            break
        covered |= new
    return cols, reachable


def heuristic_columns(master, swaps: SwapSearch, costs: np.ndarray, threshold: float,
                      starts: int = 3) -> int:
    """Improve the best few known panels by swaps; add those that beat ``threshold``."""
    Y = master.matrix()
    scores = Y @ costs
    order = np.argsort(-scores, kind="stable")[:starts]
    added = 0
    for i in order:
        y = swaps.improve(Y[i], costs)
        if float(costs @ y) > threshold + PRICE_TOL * max(1.0, abs(threshold)):
            added += master.add(y)
    return added


def _stage(master: MasterLP, mip: PanelMIP, monitor: Monitor, stats: dict,
           swaps: SwapSearch | None = None) -> float:
    """Column generation until no panel improves the master LP.  Returns the optimum z."""
    while True:
        monitor.check()
        z = master.solve()
        stats["lp_solves"] += 1
        costs, threshold = master.pricing_costs()
        if swaps is not None and heuristic_columns(master, swaps, costs, threshold):
            stats["heuristic_rounds"] = stats.get("heuristic_rounds", 0) + 1
            continue
        value, y = mip.solve(costs)
        stats["mip_solves"] += 1
        if value <= threshold + PRICE_TOL * max(1.0, abs(threshold)) or not master.add(y):
            return z
        stats["columns"] = len(master.columns)


def solve_columns(model: TypeModel, leximin: bool, seed: int = 0, monitor: Monitor | None = None,
                  ) -> tuple[MasterLP, np.ndarray, dict]:
    monitor = monitor or Monitor()
    rng = random.Random(seed)
    mip = PanelMIP(model, seed=seed)
    T = model.n_types
    n = len(model.pool.people)
    stats = {"types": T, "lp_solves": 0, "mip_solves": 0, "stages": 0}
    monitor.report(0.0, f"{n} people in {T} types; finding starting panels")
    cols, reachable = initial_columns(model, mip, rng, monitor)
    master = MasterLP(model)
    swaps = SwapSearch(model)
    for y in cols:
        master.add(y)
    fixed = np.zeros(T, dtype=bool)
    target = np.zeros(T)
    for t in np.nonzero(~reachable)[0]:
        master.fix(t, 0.0)
        fixed[t] = True
    if fixed.all():  # pragma: no cover - a feasible panel always covers some type
        master.solve()
    people_fixed = int(model.sizes[fixed].sum())
    while not fixed.all():
        z = _stage(master, mip, monitor, stats, swaps)
        stats["stages"] += 1
        if stats["stages"] == 1:
            stats["maximin"] = z
        if not leximin:
            break
        weights = -master.duals[:T]
        weights[fixed] = 0.0
        newly = np.nonzero(weights > FIX_TOL)[0]
        if len(newly) == 0:
            newly = [int(np.argmax(np.where(fixed, -np.inf, weights)))]
        for t in newly:
            fixed[t] = True
            target[t] = z
            master.fix(t, z - 1e-10)
        people_fixed += int(model.sizes[newly].sum())
        monitor.report(people_fixed / n, f"fixed {people_fixed}/{n} people at probability "
                                         f"{z:.6f} ({len(master.columns)} panels so far)")
    if leximin and (stats["stages"] == 0 or master.weights is None):
        master.solve()
    stats["columns"] = len(master.columns)
    stats["mip_solves"] = mip.solves
    return master, target, stats


def find_distribution_colgen(model: TypeModel, algorithm: str, seed: int = 0,
                             monitor: Monitor | None = None) -> Distribution:
    start = time.perf_counter()
    master, _, stats = solve_columns(model, leximin=(algorithm == "leximin"), seed=seed,
                                     monitor=monitor)
    return distribution_from_columns(algorithm, model, master.columns, master.weights,
                                     time.perf_counter() - start, stats)
