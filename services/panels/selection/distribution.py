"""A probability distribution over quota-meeting panels, and the people's resulting chances.

Panels are stored as *compositions*: how many people each type contributes (see
:mod:`.model`).  Turning a composition into named people is the second stage of the lottery:
from each type, the required number of members is drawn uniformly at random.  Since members of
a type are interchangeable, each member's selection probability is ``E[y_t] / s_t``.

:meth:`Distribution.support` expands compositions into explicit person-level panels (with
exactly the same per-person probabilities) for callers that want ``(frozenset, probability)``
pairs; see its docstring for how.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from fractions import Fraction
from itertools import pairwise
from math import gcd

import numpy as np

from .model import SelectionCancelled, TypeModel

ProgressFn = Callable[[float | None, str], None]
StopFn = Callable[[], bool]


class Monitor:
    """Bundles the optional ``progress(fraction_or_None, message)`` and ``should_stop()``."""

    def __init__(self, progress: ProgressFn | None = None, should_stop: StopFn | None = None):
        self._progress = progress
        self._should_stop = should_stop

    def report(self, fraction: float | None, message: str) -> None:
        if self._progress is not None:
            self._progress(None if fraction is None else max(0.0, min(1.0, fraction)), message)

    def check(self) -> None:
        if self._should_stop is not None and self._should_stop():
            raise SelectionCancelled("the selection was cancelled")


@dataclass
class Distribution:
    algorithm: str
    model: TypeModel
    panels: list[tuple[np.ndarray, float]]  # (counts per type, probability)
    seconds: float = 0.0
    info: dict = field(default_factory=dict)

    def __post_init__(self):
        total = sum(p for _, p in self.panels)
        if total <= 0:
            raise ValueError("a distribution needs positive total probability")
        self.panels = [(np.asarray(y, dtype=np.int64), float(p) / total)
                       for y, p in self.panels if p > 0]

    @property
    def panel_size(self) -> int:
        return self.model.panel_size

    @property
    def type_probabilities(self) -> np.ndarray:
        acc = np.zeros(self.model.n_types)
        for y, p in self.panels:
            acc += p * y
        return acc / self.model.sizes

    @property
    def probabilities(self) -> np.ndarray:
        """Selection probability per person, in pool order."""
        return self.model.person_probabilities(self.type_probabilities)

    def probability_by_id(self) -> dict[str, float]:
        return {p.id: float(x) for p, x in zip(self.model.pool.people, self.probabilities, strict=True)}

    @property
    def minimum_probability(self) -> float:
        return float(self.probabilities.min())

    def support(self, max_panels: int = 100_000) -> list[tuple[frozenset[int], float]]:
        """Explicit person-level panels (frozensets of person indices) with probabilities.

        Each composition is expanded exactly: within type ``t`` taking ``c`` of ``s`` members,
        the members are laid on a circle and window ``j`` takes the ``c`` members starting at
        ``j*c``; with ``m = s / gcd(s, c)`` equally likely windows every member is in exactly
        ``c/s`` of them.  The windows of all types are aligned on a common ``[0, 1)`` scale, so
        the number of panels per composition is at most the sum of the ``m``'s.
        """
        members = self.model.members
        out: dict[frozenset[int], float] = {}
        count = 0
        for y, prob in self.panels:
            full = [i for t, c in enumerate(y) if c == self.model.sizes[t] and c > 0
                    for i in members[t]]
            partial = [(t, int(c)) for t, c in enumerate(y) if 0 < c < self.model.sizes[t]]
            periods = {t: len(members[t]) // gcd(len(members[t]), c) for t, c in partial}
            cuts = sorted({Fraction(j, m) for m in periods.values() for j in range(m)}
                          | {Fraction(0), Fraction(1)})
            for a, b in pairwise(cuts):
                chosen = list(full)
                for t, c in partial:
                    s = len(members[t])
                    j = int(a * periods[t])
                    chosen.extend(members[t][(j * c + r) % s] for r in range(c))
                key = frozenset(chosen)
                out[key] = out.get(key, 0.0) + prob * float(b - a)
                count += 1
                if count > max_panels:
                    raise ValueError(f"the explicit support has more than {max_panels} panels")
        return list(out.items())


def distribution_from_columns(algorithm: str, model: TypeModel, columns: list[np.ndarray],
                              weights, seconds: float, info: dict) -> Distribution:
    weights = np.clip(np.asarray(weights, dtype=float), 0.0, None)
    keep = [(columns[i], float(w)) for i, w in enumerate(weights) if w > 1e-12]
    keep.sort(key=lambda cw: tuple(cw[0].tolist()))
    return Distribution(algorithm, model, keep, seconds, info)
