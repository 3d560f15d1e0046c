"""LEXIMIN with a stated accuracy: the LP relaxation first, column generation where needed.

:func:`find_distribution_leximin` returns a distribution whose ``info["accuracy"]`` says how
close it is to the exact LEXIMIN:

* ``method: "relaxation"`` (the usual case, see :mod:`.relaxation`): the LEXIMIN of the LP
  relaxation was written as a mix of panels. ``reached`` bounds ``|p_t - x_t|`` for every type,
  where ``x`` is the relaxation's LEXIMIN; the mass left undecomposed is at the solver's
  tolerance, so ``x`` is attainable and is the exact LEXIMIN.
* ``method: "columns"`` (when the relaxation is not tight, or on request): LEXIMIN by column
  generation, each stage stopped by the gap rule of :class:`.colgen.StageOptions`. ``reached``
  is the largest ``gap / w`` over the fixed types: each fixed probability is within it of the
  best that type could get given the levels before it.

``reached <= tolerance`` always holds for the result; ``tolerance`` is the ``accuracy`` asked
for (default 1e-5).
"""

from __future__ import annotations

import time

import numpy as np

from .colgen import PRICE_TOL, StageOptions, find_distribution_colgen
from .distribution import Distribution, Monitor, distribution_from_columns
from .model import TypeModel
from .relaxation import ACCEPT_TOL, LEVEL_TOL, Polytope, complete, decompose, polish, relaxed_leximin

DEFAULT_ACCURACY = 1e-5
COMPLETE_TOL = 1e-10  # complete() stops at z >= 1 - this
METHODS = ("auto", "relaxation", "columns")


def find_distribution_leximin(model: TypeModel, seed: int = 0, monitor: Monitor | None = None,
                              accuracy: float = DEFAULT_ACCURACY, method: str = "auto",
                              options: StageOptions | None = None) -> Distribution:
    monitor = monitor or Monitor()
    start = time.perf_counter()
    start_columns: list[np.ndarray] = []
    note = None
    if method in ("auto", "relaxation"):
        poly = Polytope.of(model)
        monitor.report(0.0, f"{len(model.pool.people)} people in {model.n_types} types; "
                            "finding the fairest chances the quotas allow")
        relax = relaxed_leximin(model, poly, monitor)
        dec = decompose(model, relax.probabilities, seed=seed, monitor=monitor, poly=poly)
        stats = {"types": model.n_types, "stages": relax.stages, "levels": len(relax.levels),
                 "rounds": dec.rounds, "mip_solves": dec.mip_solves,
                 "lp_solves": dec.lp_solves + relax.stages, "columns": len(dec.columns),
                 "mass_left": dec.mass_left, "seconds_by_step": dec.timings}
        columns, weights = dec.columns, dec.weights
        if dec.mass_left > ACCEPT_TOL or not dec.columns:
            done = complete(model, relax.probabilities, dec.columns, seed=seed, monitor=monitor)
            columns, weights = done if done is not None else (None, None)
            stats["completed_by_columns"] = done is not None
        if columns:
            weights = polish(model, columns, weights, relax.probabilities)
            dist = distribution_from_columns("leximin", model, columns, weights,
                                             time.perf_counter() - start, stats)
            error = float(np.abs(dist.type_probabilities - relax.probabilities).max())
            # how far x may be from the hull: the mass left, or the completing LP's tolerance
            unattained = COMPLETE_TOL if stats.get("completed_by_columns") else dec.mass_left
            reached = error + unattained + LEVEL_TOL
            if reached <= accuracy:
                dist.info["accuracy"] = _accuracy("relaxation", accuracy, reached)
                monitor.report(1.0, f"done: {len(dist.panels)} panels")
                return dist
        start_columns = dec.columns
        note = (f"the LP relaxation could not be written as a mix of panels "
                f"({dec.mass_left:.1e} of the probability left), so column generation was used")
    opts = options or StageOptions(accuracy=accuracy, interior=True)
    opts.accuracy = accuracy
    dist = find_distribution_colgen(model, "leximin", seed=seed, monitor=monitor, options=opts,
                                    start_columns=start_columns)
    dist.seconds = time.perf_counter() - start
    reached = float(dist.info.get("bound", 0.0)) + PRICE_TOL
    dist.info["accuracy"] = _accuracy("columns", accuracy, min(reached, accuracy), note)
    monitor.report(1.0, f"done: {len(dist.panels)} panels")
    return dist


def _accuracy(method: str, tolerance: float, reached: float, note: str | None = None) -> dict:
    out = {"tolerance": tolerance, "reached": reached, "method": method,
           "meaning": "every person's selection probability is within 'reached' (at most "
                      "'tolerance') of their exact LEXIMIN probability"}
    if note:
        out["note"] = note
    return out
