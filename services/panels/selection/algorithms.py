"""One entry point for all four algorithms."""

from __future__ import annotations

import hashlib

from .colgen import PRICE_TOL, find_distribution_colgen
from .distribution import Distribution, Monitor, ProgressFn, StopFn
from .feasibility import check_feasibility
from .legacy import find_distribution_legacy
from .leximin import DEFAULT_ACCURACY, METHODS, find_distribution_leximin
from .model import InfeasibleQuotasError, build_model
from .nash import find_distribution_nash
from .pool import Pool, PoolError

ALGORITHMS = ("leximin", "maximin", "nash", "legacy")


def find_distribution(pool: Pool, panel_size: int, algorithm: str = "leximin",
                      seed: int | str | None = 0,
                      progress: ProgressFn | None = None, should_stop: StopFn | None = None,
                      legacy_runs: int = 1000, accuracy: float = DEFAULT_ACCURACY,
                      leximin_method: str = "auto") -> Distribution:
    """A distribution over quota-meeting panels of ``panel_size`` people.

    Raises :class:`PoolError` for a bad panel size, :class:`InfeasibleQuotasError` (with a
    ``.feasibility`` explanation) if no panel meets the quotas, and
    :class:`SelectionCancelled` if ``should_stop()`` returns true.  ``seed`` only affects the
    order in which panels are generated (and, for ``legacy``, the sampled draws), so the same
    inputs and seed give the same distribution.

    ``accuracy`` (LEXIMIN only, default 1e-5) is the largest error allowed in any person's
    probability against the exact LEXIMIN; the result's ``info["accuracy"]`` says what was
    reached. ``leximin_method`` is ``auto`` (LP relaxation first), ``relaxation`` or
    ``columns`` (column generation only), for comparisons.
    """
    algorithm = algorithm.lower()
    if algorithm not in ALGORITHMS:
        raise PoolError(f"unknown algorithm '{algorithm}'; choose one of "
                        f"{', '.join(ALGORITHMS)}", column="algorithm")
    if isinstance(accuracy, bool) or not isinstance(accuracy, (int, float)) \
            or not 1e-9 <= accuracy <= 0.01:
        raise PoolError(f"the accuracy must be a number from 1e-9 to 0.01, not {accuracy!r}",
                        column="accuracy")
    if leximin_method not in METHODS:
        raise PoolError(f"unknown LEXIMIN method '{leximin_method}'; choose one of "
                        f"{', '.join(METHODS)}", column="leximin_method")
    seed = solver_seed(seed)
    monitor = Monitor(progress, should_stop)
    monitor.check()
    model = build_model(pool, panel_size)
    try:
        if algorithm == "legacy":
            # legacy gets stuck rather than failing cleanly, so check first
            _require_feasible(pool, panel_size)
            return find_distribution_legacy(model, seed=seed, runs=legacy_runs, monitor=monitor)
        if algorithm == "nash":
            return find_distribution_nash(model, seed=seed, monitor=monitor)
        if algorithm == "leximin":
            return find_distribution_leximin(model, seed=seed, monitor=monitor,
                                             accuracy=float(accuracy), method=leximin_method)
        dist = find_distribution_colgen(model, algorithm, seed=seed, monitor=monitor)
        dist.info["accuracy"] = {
            "tolerance": PRICE_TOL, "reached": max(float(dist.info.get("gap", 0.0)), PRICE_TOL),
            "method": "columns",
            "meaning": "the lowest selection probability is within 'reached' of the highest "
                       "lowest probability any distribution over panels can give"}
        return dist
    except InfeasibleQuotasError as exc:
        if exc.feasibility is not None:
            raise
        _require_feasible(pool, panel_size)
        raise


def solver_seed(seed) -> int:
    """Any seed (int, str, None) as a non-negative int for the solvers."""
    if seed is None:
        return 0
    if isinstance(seed, int) and not isinstance(seed, bool):
        return abs(seed)
    return int.from_bytes(hashlib.sha256(str(seed).encode()).digest()[:8], "big")


def _require_feasible(pool: Pool, panel_size: int) -> None:
    result = check_feasibility(pool, panel_size)
    if not result.feasible:
        raise InfeasibleQuotasError(result.message, result)
