"""Can any panel of size k meet every quota (and the one-per-household rule)?  If not, why not,
and what is the smallest change to the quotas that would make it possible?

1. Feasibility is a HiGHS MIP over types (see :mod:`.model`) with a zero objective.
2. If infeasible, we look for plain reasons first: a feature whose minimums add up to more
   than k (or whose maximums add up to less), a minimum larger than the number of volunteers
   (or households) with that value, fewer households than places.
3. We then find a *minimal* set of quotas that cannot all be met together ("deletion
   filter"): drop quotas one at a time and keep a quota dropped if the rest are still
   infeasible.  Every quota left is needed for the conflict.
4. The suggested relaxation solves a second MIP: each quota may be loosened by slack
   variables ``lower_q`` (minimum lowered) and ``raise_q`` (maximum raised), and we minimise
   the total number of places loosened.  If the quota file gives ``min_flex``/``max_flex``,
   loosening is first restricted to those bounds; only if that is not enough are the bounds
   ignored (and the message says so).  The suggestion is re-checked for feasibility.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import highspy
import numpy as np

from .model import INF, PanelMIP, TypeModel, build_model, new_highs
from .pool import Pool, Quota


@dataclass
class QuotaChange:
    feature: str
    value: str
    old_min: int
    old_max: int
    new_min: int
    new_max: int

    def describe(self) -> str:
        parts = []
        if self.new_min != self.old_min:
            parts.append(f"lower the minimum from {self.old_min} to {self.new_min}")
        if self.new_max != self.old_max:
            parts.append(f"raise the maximum from {self.old_max} to {self.new_max}")
        return f"{self.feature}={self.value}: " + " and ".join(parts)

    def as_dict(self) -> dict:
        return {"feature": self.feature, "value": self.value, "old_min": self.old_min,
                "old_max": self.old_max, "new_min": self.new_min, "new_max": self.new_max}


@dataclass
class FeasibilityResult:
    feasible: bool
    panel_size: int
    reasons: list[str] = field(default_factory=list)
    # the same reasons as facts ({"kind", "feature", "value", numbers}), for pages that word
    # them in their own terms (a multi-choice answer as "ticked", a question's own name)
    reason_facts: list[dict] = field(default_factory=list)
    conflicting: list[tuple[str, str]] = field(default_factory=list)
    changes: list[QuotaChange] = field(default_factory=list)
    relaxed_quotas: list[Quota] = field(default_factory=list)
    within_flex: bool | None = None
    relaxation_feasible: bool | None = None
    message: str = ""

    def __bool__(self) -> bool:
        return self.feasible

    def as_dict(self) -> dict:
        return {
            "feasible": self.feasible,
            "panel_size": self.panel_size,
            "reasons": list(self.reasons),
            "reason_facts": [dict(f) for f in self.reason_facts],
            "conflicting_quotas": [{"feature": f, "value": v} for f, v in self.conflicting],
            "suggested_changes": [c.as_dict() for c in self.changes],
            "within_flex": self.within_flex,
            "relaxation_feasible": self.relaxation_feasible,
            "message": self.message,
        }


def _label(pool: Pool, key) -> str:
    q = pool.quotas[key]
    return f"{q.feature}={q.value} (min {q.min}, max {q.max})"


def check_feasibility(pool: Pool, panel_size: int) -> FeasibilityResult:
    model = build_model(pool, panel_size)
    mip = PanelMIP(model, rel_gap=1e-4)
    if mip.find_panel() is not None:
        return FeasibilityResult(True, panel_size,
                                 message=f"A panel of {panel_size} can meet every quota.")
    result = FeasibilityResult(False, panel_size)
    result.reasons, result.reason_facts = _simple_reasons(pool, model)

    # minimal conflicting set of quotas (deletion filter)
    Q = len(model.quota_keys)
    for q in range(Q):
        mip.set_quota_bounds(q, 0, INF)
    if mip.find_panel() is None:
        result.conflicting = []
        if not result.reasons:
            result.reasons.append(
                f"Even with no quotas at all, no panel of {panel_size} exists because of the "
                "one-person-per-household rule.")
            result.reason_facts.append({"kind": "household_rule", "panel_size": panel_size})
    else:
        for q in range(Q):
            mip.set_quota_bounds(q, model.qmin[q], model.qmax[q])
        active = []
        for q in range(Q):
            mip.set_quota_bounds(q, 0, INF)
            if mip.find_panel() is not None:  # needed for the conflict: restore it
                mip.set_quota_bounds(q, model.qmin[q], model.qmax[q])
                active.append(q)
        result.conflicting = [model.quota_keys[q] for q in active]

    # smallest relaxation
    flex_given = any(q.min_flex is not None or q.max_flex is not None
                     for q in pool.quotas.values())
    relax = None
    if flex_given:
        relax = _relax(pool, model, use_flex=True)
        result.within_flex = relax is not None
    if relax is None:
        relax = _relax(pool, model, use_flex=False)
    if relax is not None:
        changes, relaxed = relax
        result.changes = changes
        result.relaxed_quotas = relaxed
        bounds = {(q.feature, q.value): (q.min, q.max) for q in relaxed}
        check = PanelMIP(build_model(pool, panel_size, quotas=bounds), rel_gap=1e-4)
        result.relaxation_feasible = check.find_panel() is not None
    result.message = _message(pool, result)
    return result


def _simple_reasons(pool: Pool, model: TypeModel) -> tuple[list[str], list[dict]]:
    """The obvious reasons no panel exists, as sentences and as facts (the same order)."""
    k = model.panel_size
    reasons, facts = [], []
    n = len(pool.people)
    for f in pool.features:
        qs = [pool.quotas[(f, v)] for v in pool.values[f]]
        lo = sum(q.min for q in qs)
        hi = sum(q.max for q in qs)
        if lo > k:
            reasons.append(f"The minimums for '{f}' add up to {lo}, but the panel has only "
                           f"{k} places.")
            facts.append({"kind": "minimums_above_panel", "feature": f, "total": lo,
                          "panel_size": k})
        if hi < k:
            reasons.append(f"The maximums for '{f}' add up to {hi}, so they cannot fill a "
                           f"panel of {k}.")
            facts.append({"kind": "maximums_below_panel", "feature": f, "total": hi,
                          "panel_size": k})
    fi = {f: i for i, f in enumerate(pool.features)}
    for (f, v), q in pool.quotas.items():
        having = [p for p in pool.people if p.values[fi[f]] == v]
        if q.min > len(having):
            reasons.append(f"The quota {f}={v} needs at least {q.min}, but only "
                           f"{len(having)} volunteer(s) have that value.")
            facts.append({"kind": "too_few_people", "feature": f, "value": v,
                          "minimum": q.min, "people": len(having)})
            continue
        households = {p.household if p.household is not None else ("solo", p.id)
                      for p in having}
        if q.min > len(households):
            reasons.append(f"The quota {f}={v} needs at least {q.min}, but the volunteers with "
                           f"that value live in only {len(households)} different households.")
            facts.append({"kind": "too_few_households", "feature": f, "value": v,
                          "minimum": q.min, "households": len(households)})
    households = {p.household if p.household is not None else ("solo", p.id)
                  for p in pool.people}
    if len(households) < k:
        reasons.append(f"The {n} volunteers live in only {len(households)} different "
                       f"households, fewer than the {k} places (one person per household).")
        facts.append({"kind": "too_few_households_in_pool", "people": n,
                      "households": len(households), "panel_size": k})
    return reasons, facts


def _relax(pool: Pool, model: TypeModel, use_flex: bool):
    """Minimise total loosening; returns (changes, relaxed quota list) or None."""
    T = model.n_types
    Q = len(model.quota_keys)
    k = model.panel_size
    h = new_highs(mip_rel_gap=0.0)
    # columns: y (T), lower (Q), raise (Q)
    lower_ub, raise_ub = [], []
    for key in model.quota_keys:
        q = pool.quotas[key]
        if use_flex:
            lower_ub.append(q.min - (q.min_flex if q.min_flex is not None else q.min))
            raise_ub.append((q.max_flex if q.max_flex is not None else q.max) - q.max)
        else:
            lower_ub.append(q.min)
            raise_ub.append(max(0, k - q.max))
    h.addVars(T + 2 * Q, np.zeros(T + 2 * Q),
              np.concatenate([model.sizes.astype(float), lower_ub, raise_ub]).astype(float))
    h.changeColsIntegrality(T + 2 * Q, np.arange(T + 2 * Q, dtype=np.int32),
                            np.array([highspy.HighsVarType.kInteger] * (T + 2 * Q)))
    h.changeColsCost(2 * Q, np.arange(T, T + 2 * Q, dtype=np.int32), np.ones(2 * Q))
    h.addRow(k, k, T, np.arange(T, dtype=np.int32), np.ones(T))
    for qi, (types, lo, hi) in enumerate(zip(model.quota_types, model.qmin, model.qmax,
                                                  strict=True)):
        idx = np.concatenate([types, [T + qi]]).astype(np.int32)
        h.addRow(lo, INF, len(idx), idx, np.concatenate([np.ones(len(types)), [1.0]]))
        idx = np.concatenate([types, [T + Q + qi]]).astype(np.int32)
        h.addRow(-INF, hi, len(idx), idx, np.concatenate([np.ones(len(types)), [-1.0]]))
    for hh in model.households:
        h.addRow(-INF, 1, len(hh), np.array(hh, dtype=np.int32), np.ones(len(hh)))
    h.run()
    if h.getModelStatus() != highspy.HighsModelStatus.kOptimal:
        return None
    x = np.rint(np.array(h.getSolution().col_value)).astype(int)
    changes, relaxed = [], []
    for qi, key in enumerate(model.quota_keys):
        q = pool.quotas[key]
        new_min = q.min - int(x[T + qi])
        new_max = q.max + int(x[T + Q + qi])
        relaxed.append(Quota(q.feature, q.value, new_min, new_max, q.min_flex, q.max_flex))
        if (new_min, new_max) != (q.min, q.max):
            changes.append(QuotaChange(q.feature, q.value, q.min, q.max, new_min, new_max))
    return changes, relaxed


def _message(pool: Pool, r: FeasibilityResult) -> str:
    lines = [f"No panel of {r.panel_size} people can meet all the quotas."]
    for reason in r.reasons:
        lines.append(f"  - {reason}")
    if r.conflicting:
        lines.append("These quotas cannot all be met together (a minimal conflicting set: "
                     "without any one of them the rest could be met, though other conflicts "
                     "may remain):")
        for key in r.conflicting:
            lines.append(f"  - {_label(pool, key)}")
    if r.changes:
        total = sum((c.old_min - c.new_min) + (c.new_max - c.old_max) for c in r.changes)
        note = ""
        if r.within_flex is True:
            note = " (within the min_flex/max_flex limits)"
        elif r.within_flex is False:
            note = (" (the min_flex/max_flex limits are not enough, so this goes beyond "
                    "them)")
        lines.append(f"Smallest change that makes a panel possible, loosening {total} "
                     f"place(s) in total{note}:")
        for c in r.changes:
            lines.append(f"  - {c.describe()}")
    elif r.relaxation_feasible is None:
        lines.append("Loosening the quotas alone cannot fix this; more volunteers (from "
                     "different households) are needed, or a smaller panel.")
    return "\n".join(lines)
