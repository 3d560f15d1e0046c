"""One entry point for all four algorithms."""

from __future__ import annotations

import hashlib

from .colgen import find_distribution_colgen
from .distribution import Distribution, Monitor, ProgressFn, StopFn
from .feasibility import check_feasibility
from .legacy import find_distribution_legacy
from .model import InfeasibleQuotasError, build_model
from .nash import find_distribution_nash
from .pool import Pool, PoolError

ALGORITHMS = ("leximin", "maximin", "nash", "legacy")


def find_distribution(pool: Pool, panel_size: int, algorithm: str = "leximin",
                      seed: int | str | None = 0,
                      progress: ProgressFn | None = None, should_stop: StopFn | None = None,
                      legacy_runs: int = 1000) -> Distribution:
    """A distribution over quota-meeting panels of ``panel_size`` people.

    Raises :class:`PoolError` for a bad panel size, :class:`InfeasibleQuotasError` (with a
    ``.feasibility`` explanation) if no panel meets the quotas, and
    :class:`SelectionCancelled` if ``should_stop()`` returns true.  ``seed`` only affects the
    order in which panels are generated (and, for ``legacy``, the sampled draws), so the same
    inputs and seed give the same distribution.
    """
    algorithm = algorithm.lower()
    if algorithm not in ALGORITHMS:
        raise PoolError(f"unknown algorithm '{algorithm}'; choose one of "
                        f"{', '.join(ALGORITHMS)}", column="algorithm")
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
        return find_distribution_colgen(model, algorithm, seed=seed, monitor=monitor)
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
