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
from dataclasses import dataclass

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
            # The warm-started primal simplex occasionally gives up ("unknown") on tiny,
            # degenerate masters: solve that one from scratch with the dual simplex.
            h.clearSolver()
            h.setOptionValue("simplex_strategy", 1)
            h.run()
            h.setOptionValue("simplex_strategy", 4)
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


@dataclass
class StageOptions:
    """How a column-generation stage stops and which types it then fixes.

    ``accuracy`` is None for an exact stage (MAXIMIN: stop when no panel improves the master by
    more than PRICE_TOL). With an accuracy delta, a stage stops once the Lagrangian gap (upper
    bound minus the master's z) is at most ``delta * w`` for the largest dual weight ``w`` of a
    type not yet fixed, and fixes every type with ``w >= gap / delta``: in any distribution
    that keeps the earlier levels and gives every other type at least z, such a type gets at
    most ``z + gap / w <= z + delta``.
    """

    accuracy: float | None = None
    interior: bool = False  # decide what to fix with interior (central) duals, priced out
    starts: int = 3  # panels improved by swaps per master solve
    smoothing: float = 0.0  # Wentges: price with alpha * best dual + (1 - alpha) * current


def _lagrangian_bound(master: MasterLP, mip: PanelMIP, u: np.ndarray, lower: np.ndarray,
                      stats: dict) -> tuple[float, np.ndarray]:
    """Upper bound on the stage's z from type weights ``u`` (sum 1 over unfixed types)."""
    value, y = mip.solve(u / master.model.sizes)
    stats["mip_solves"] += 1
    return value - float(u @ lower), y


def _stage(master: MasterLP, mip: PanelMIP, monitor: Monitor, stats: dict,
           swaps: SwapSearch | None = None, options: StageOptions | None = None,
           fixed: np.ndarray | None = None, lower: np.ndarray | None = None,
           deadline_check=None) -> tuple[float, float, np.ndarray]:
    """Column generation until no panel improves the master LP (or the gap rule is met).

    Returns (z, gap, weights): the master's optimum, the Lagrangian gap proven and the dual
    weights per type that prove it.
    """
    options = options or StageOptions()
    T = master.T
    fixed = np.zeros(T, dtype=bool) if fixed is None else fixed
    lower = np.zeros(T) if lower is None else lower
    best_ub, best_u = np.inf, None
    while True:
        monitor.check()
        z = master.solve()
        stats["lp_solves"] += 1
        costs, threshold = master.pricing_costs()
        u = -master.duals[:T].copy()
        if swaps is not None and heuristic_columns(master, swaps, costs, threshold,
                                                   starts=options.starts):
            stats["heuristic_rounds"] = stats.get("heuristic_rounds", 0) + 1
            continue
        priced = u
        if options.smoothing > 0 and best_u is not None:
            priced = options.smoothing * best_u + (1 - options.smoothing) * u
        ub, y = _lagrangian_bound(master, mip, priced, np.where(fixed, lower, 0.0), stats)
        if ub < best_ub:
            best_ub, best_u = ub, priced.copy()
        improving = float(costs @ y) > threshold + PRICE_TOL * max(1.0, abs(threshold))
        if priced is not u and not improving:  # mis-priced: try the master's own duals
            ub, y = _lagrangian_bound(master, mip, u, np.where(fixed, lower, 0.0), stats)
            if ub < best_ub:
                best_ub, best_u = ub, u.copy()
            improving = float(costs @ y) > threshold + PRICE_TOL * max(1.0, abs(threshold))
        gap = max(0.0, best_ub - z)
        if options.accuracy is not None:
            w = np.where(fixed, 0.0, best_u)
            if gap <= options.accuracy * float(w.max()):
                return z, gap, best_u
        if not improving or not master.add(y):
            return z, gap, best_u if best_u is not None else u
        stats["columns"] = len(master.columns)


def _interior_weights(master: MasterLP, mip: PanelMIP, fixed, lower, stats
                      ) -> tuple[float, np.ndarray]:
    """Central duals of the master (interior point, no crossover), priced out with the MIP."""
    h = new_highs(solver="ipm", run_crossover="off", ipm_optimality_tolerance=1e-10)
    h.passModel(master.h.getLp())
    h.run()
    if h.getModelStatus() != highspy.HighsModelStatus.kOptimal:
        return np.inf, None
    u = -np.array(h.getSolution().row_dual)[:master.T]
    u = np.where(fixed, np.maximum(u, 0.0), np.maximum(u, 0.0))
    total = u[~fixed].sum()
    if total <= 0:
        return np.inf, None
    u = u / total
    ub, _ = _lagrangian_bound(master, mip, u, np.where(fixed, lower, 0.0), stats)
    return ub, u


def solve_columns(model: TypeModel, leximin: bool, seed: int = 0, monitor: Monitor | None = None,
                  options: StageOptions | None = None, start_columns=(),
                  ) -> tuple[MasterLP, np.ndarray, dict]:
    monitor = monitor or Monitor()
    options = options or StageOptions()
    rng = random.Random(seed)
    mip = PanelMIP(model, seed=seed)
    T = model.n_types
    n = len(model.pool.people)
    stats = {"types": T, "lp_solves": 0, "mip_solves": 0, "stages": 0}
    monitor.report(0.0, f"{n} people in {T} types; finding starting panels")
    cols, reachable = initial_columns(model, mip, rng, monitor)
    master = MasterLP(model)
    swaps = SwapSearch(model)
    for y in list(start_columns) + cols:
        master.add(y)
    fixed = np.zeros(T, dtype=bool)
    target = np.zeros(T)
    for t in np.nonzero(~reachable)[0]:
        master.fix(t, 0.0)
        fixed[t] = True
    if fixed.all():  # pragma: no cover - a feasible panel always covers some type
        master.solve()
    people_fixed = int(model.sizes[fixed].sum())
    worst = 0.0  # the largest bound proven on a fixed probability's error
    while not fixed.all():
        stage_options = options if leximin else StageOptions(starts=options.starts)
        z, gap, u = _stage(master, mip, monitor, stats, swaps, stage_options, fixed, target)
        stats["stages"] += 1
        if stats["stages"] == 1:
            stats["maximin"] = z
        if not leximin:
            stats["gap"] = gap
            break
        delta = options.accuracy
        weights = np.where(fixed, 0.0, u)
        if delta is None:
            newly = np.nonzero(weights > FIX_TOL)[0]
        else:
            newly = np.nonzero((weights >= gap / delta) & (weights > FIX_TOL))[0]
            if options.interior:
                ub_i, u_i = _interior_weights(master, mip, fixed, target, stats)
                if u_i is not None:
                    gap_i = max(0.0, ub_i - z)
                    w_i = np.where(fixed, 0.0, u_i)
                    more = np.nonzero((w_i >= gap_i / delta) & (w_i > FIX_TOL))[0]
                    if len(more) > len(newly):
                        newly, weights, gap = more, w_i, gap_i
        if len(newly) == 0:
            newly = [int(np.argmax(np.where(fixed, -np.inf, weights)))]
        if delta is not None:
            worst = max(worst, float(gap / np.min(np.asarray(weights)[newly])))
        for t in newly:
            fixed[t] = True
            target[t] = z
            master.fix(t, z - 1e-10)
        people_fixed += int(model.sizes[newly].sum())
        monitor.report(people_fixed / n, f"fixed {people_fixed}/{n} people at probability "
                                         f"{z:.6f} ({len(master.columns)} panels so far)")
    if leximin:
        stats["bound"] = worst
    stats["columns"] = len(master.columns)
    stats["mip_solves"] = mip.solves
    return master, target, stats


def find_distribution_colgen(model: TypeModel, algorithm: str, seed: int = 0,
                             monitor: Monitor | None = None,
                             options: StageOptions | None = None,
                             start_columns=()) -> Distribution:
    start = time.perf_counter()
    master, _, stats = solve_columns(model, leximin=(algorithm == "leximin"), seed=seed,
                                     monitor=monitor, options=options,
                                     start_columns=start_columns)
    return distribution_from_columns(algorithm, model, master.columns, master.weights,
                                     time.perf_counter() - start, stats)
