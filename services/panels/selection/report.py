"""Fairness statistics for a distribution, quota check of a chosen panel, and replacements."""

from __future__ import annotations

import math
import random
import secrets
from dataclasses import dataclass, field

import numpy as np

from .distribution import Distribution
from .pool import Pool, PoolError


def gini(values) -> float:
    """Gini coefficient (0 = everyone equal)."""
    x = np.sort(np.asarray(values, dtype=float))
    n = len(x)
    if n == 0 or x.sum() <= 0:
        return 0.0
    ranks = np.arange(1, n + 1)
    return float((2.0 * np.dot(ranks, x)) / (n * x.sum()) - (n + 1.0) / n)


def geometric_mean(values) -> float:
    x = np.asarray(values, dtype=float)
    if (x <= 0).any():
        return 0.0
    return float(math.exp(np.log(x).mean()))


def quota_counts(pool: Pool, panel_ids) -> list[dict]:
    """For each quota: how many of the panel have that value, and whether it is met."""
    by_id = {p.id: p for p in pool.people}
    fidx = {f: i for i, f in enumerate(pool.features)}
    rows = []
    for q in pool.quota_list():
        c = sum(1 for i in panel_ids if by_id[i].values[fidx[q.feature]] == q.value)
        rows.append({"feature": q.feature, "value": q.value, "min": q.min, "max": q.max,
                     "selected": c, "met": q.min <= c <= q.max})
    return rows


def histogram(values, bins: int = 10, width: int = 40) -> str:
    x = np.asarray(values, dtype=float)
    lo, hi = float(x.min()), float(x.max())
    if hi - lo < 1e-9:
        return f"  {lo:8.4f}          | {'#' * width} {len(x)}"
    counts, edges = np.histogram(x, bins=bins, range=(lo, hi))
    top = max(counts.max(), 1)
    lines = []
    for c, a, b in zip(counts, edges[:-1], edges[1:], strict=True):
        bar = "#" * round(width * c / top)
        lines.append(f"  {a:8.4f} - {b:8.4f} | {bar} {c}")
    return "\n".join(lines)


@dataclass
class Report:
    algorithm: str
    panel_size: int
    pool_size: int
    probabilities: dict[str, float]
    minimum: float
    maximum: float
    gini: float
    geometric_mean: float
    quotas: list[dict] = field(default_factory=list)
    histogram: str = ""

    def as_dict(self) -> dict:
        return {
            "algorithm": self.algorithm, "panel_size": self.panel_size,
            "pool_size": self.pool_size, "minimum_probability": self.minimum,
            "maximum_probability": self.maximum, "gini": self.gini,
            "geometric_mean": self.geometric_mean, "quotas": self.quotas,
            "probabilities": self.probabilities,
        }

    def text(self) -> str:
        k, n = self.panel_size, self.pool_size
        lines = [
            (f"Algorithm: {self.algorithm}; panel of {k} from {n} volunteers "
             f"(average chance k/n = {k / n:.4f})"),
            (f"Selection probability: minimum {self.minimum:.4f}, maximum {self.maximum:.4f}, "
             f"geometric mean {self.geometric_mean:.4f}, Gini {self.gini:.4f}"),
            "How the chances are spread (probability range | number of people):",
            self.histogram,
        ]
        if self.quotas:
            lines.append("Quotas in the chosen panel:")
            for q in self.quotas:
                mark = "ok" if q["met"] else "NOT MET"
                lines.append(f"  {q['feature']}={q['value']}: {q['selected']} "
                             f"(allowed {q['min']}-{q['max']}) {mark}")
        return "\n".join(lines)


def make_report(dist: Distribution, panel_ids=None) -> Report:
    probs = dist.probabilities
    pool = dist.model.pool
    return Report(
        algorithm=dist.algorithm,
        panel_size=dist.panel_size,
        pool_size=len(pool.people),
        probabilities=dist.probability_by_id(),
        minimum=float(probs.min()),
        maximum=float(probs.max()),
        gini=gini(probs),
        geometric_mean=geometric_mean(probs),
        quotas=quota_counts(pool, panel_ids) if panel_ids is not None else [],
        histogram=histogram(probs),
    )


@dataclass
class Replacement:
    person: str | None  # the replacement's id, or None if nobody fits
    seed: int | str
    candidates: list[str]  # everyone who would have kept the quotas
    panel: list[str]  # the panel after replacement (unchanged ids minus the dropout if none)
    message: str


def replacement(pool: Pool, panel_ids, dropped_id: str, seed: int | str | None = None,
                exclude=()) -> Replacement:
    """Pick, at random (seeded), someone not on the panel who can take ``dropped_id``'s place
    with every quota and the one-per-household rule still met.  ``exclude``: ids that may not
    be chosen (e.g. earlier drop-outs, people who declined)."""
    panel = [str(i) for i in panel_ids]
    by_id = {p.id: p for p in pool.people}
    for i in panel:
        if i not in by_id:
            raise PoolError(f"the panel member '{i}' is not in the pool", column="id")
    if dropped_id not in panel:
        raise PoolError(f"'{dropped_id}' is not on the panel", column="id")
    if seed is None:
        seed = secrets.randbits(63)
    rest = [i for i in panel if i != dropped_id]
    fidx = {f: n for n, f in enumerate(pool.features)}
    counts: dict[tuple[str, str], int] = {}
    for i in rest:
        for f in pool.features:
            key = (f, by_id[i].values[fidx[f]])
            counts[key] = counts.get(key, 0) + 1
    households = {by_id[i].household for i in rest if by_id[i].household is not None}
    blocked = set(panel) | {str(e) for e in exclude}
    candidates = []
    for p in pool.people:
        if p.id in blocked or (p.household is not None and p.household in households):
            continue
        ok = True
        for q in pool.quota_list():
            c = counts.get((q.feature, q.value), 0) + (1 if p.values[fidx[q.feature]] == q.value
                                                       else 0)
            if not q.min <= c <= q.max:
                ok = False
                break
        if ok:
            candidates.append(p.id)
    candidates.sort()
    if not candidates:
        msg = (f"Nobody left in the pool can replace {dropped_id} without breaking a quota or "
               "the one-per-household rule. Consider loosening the quotas or re-running the "
               "selection.")
        return Replacement(None, seed, [], rest, msg)
    chosen = random.Random(seed).choice(candidates)
    msg = (f"{chosen} replaces {dropped_id} (chosen at random with seed {seed} from "
           f"{len(candidates)} people who keep every quota met).")
    return Replacement(chosen, seed, candidates, sorted(rest + [chosen]), msg)
