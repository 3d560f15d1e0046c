"""Transparent lotteries: the distribution rounded to a uniform choice among ``m`` panels.

After Flanigan, Kehne & Procaccia, "Fair sortition made transparent" (NeurIPS 2021). A
distribution over panels with arbitrary probabilities can only be drawn with a computer. If
instead it is a list of ``m`` panels (repeats allowed), each drawn with probability ``1/m``,
the draw can be done in public by anyone (for ``m = 1000``: three ten-sided dice give 000 to
999, add 1) and checked against the list published beforehand.

Rounding: the distribution gives each composition ``P`` (people per type) a probability
``lam_P``. It gets ``n_P`` of the ``m`` places, ``n_P`` either ``floor(m lam_P)`` or
``ceil(m lam_P)`` and ``sum n_P = m``. Which ones are rounded up is chosen by a small integer
program that maximises the lowest number of places any person is in (and, second, keeps every
type's expected count close to the original), started from largest-remainder rounding and
limited by a node count, never by time, so the list does not depend on the machine.
Then, for each type, its members (in the order of a SHA-256 of their ids, which nobody
chooses) are dealt round-robin into the places that need them, so everyone of a type is in
either ``floor(N_t / s_t)`` or ``ceil(N_t / s_t)`` of them. A person's chance is then exactly
(places they are in) / ``m``; the loss is how much the lowest chance fell against the
original distribution.
"""

from __future__ import annotations

import hashlib
import json
import math
import random
from dataclasses import dataclass

import highspy
import numpy as np

from .distribution import Distribution
from .model import INF, new_highs

DEFAULT_PANELS = 1000


@dataclass
class Lottery:
    m: int
    panels: list[list[str]]  # panel number i + 1 is panels[i]: sorted ids
    probabilities: dict[str, float]  # places / m, per person
    minimum_probability: float
    exact_minimum_probability: float

    @property
    def loss(self) -> float:
        """How much the lowest selection probability fell by rounding (negative if it rose)."""
        return self.exact_minimum_probability - self.minimum_probability

    def list_sha256(self) -> str:
        return list_hash(self.panels)

    def number_from_seed(self, seed) -> int:
        return number_from_seed(seed, self.m)

    def as_dict(self) -> dict:
        return {"panels": self.m, "list_sha256": self.list_sha256(),
                "minimum_probability": self.minimum_probability,
                "exact_minimum_probability": self.exact_minimum_probability,
                "loss": self.loss, "list": self.panels}


def list_hash(panels: list[list[str]]) -> str:
    text = json.dumps(panels, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def number_from_seed(seed, m: int) -> int:
    """The panel number (1..m) a seed draws: ``random.Random(seed).randrange(m) + 1``."""
    return random.Random(seed).randrange(m) + 1


def round_to_lottery(dist: Distribution, m: int = DEFAULT_PANELS,
                     max_nodes: int = 300) -> Lottery:
    if isinstance(m, bool) or not isinstance(m, int) or not 2 <= m <= 100_000:
        raise ValueError(f"the number of panels in a lottery must be a whole number from 2 to "
                         f"100000, not {m!r}")
    model = dist.model
    s = model.sizes.astype(float)
    Y = np.array([y for y, _ in dist.panels], dtype=float)  # compositions x types
    lam = np.array([p for _, p in dist.panels])
    counts = _round_counts(Y, lam, s, dist.type_probabilities, m, max_nodes)
    people = model.pool.people
    order = [sorted(ms, key=lambda i: hashlib.sha256(people[i].id.encode()).hexdigest())
             for ms in model.members]
    pointer = np.zeros(model.n_types, dtype=np.int64)
    panels: list[list[str]] = []
    places = np.zeros(len(people), dtype=np.int64)
    for j, n in enumerate(counts):
        y = Y[j].astype(np.int64)
        types = np.nonzero(y)[0]
        for _ in range(int(n)):
            chosen = []
            for t in types:
                ms = order[t]
                for q in range(int(y[t])):
                    chosen.append(ms[(pointer[t] + q) % len(ms)])
                pointer[t] += y[t]
            places[chosen] += 1
            panels.append(sorted(people[i].id for i in chosen))
    probabilities = {p.id: float(places[i]) / m for i, p in enumerate(people)}
    return Lottery(m, panels, probabilities, float(places.min()) / m,
                   dist.minimum_probability)


def _round_counts(Y, lam, s, p, m: int, max_nodes: int) -> np.ndarray:
    """``n_P`` in {floor, ceil}(m lam_P), summing to m, lowest person's places as high as can be."""
    base = np.floor(m * lam + 1e-9)
    frac = m * lam - base
    extra = int(round(m - base.sum()))  # noqa: RUF046 - numpy rounds to a float
    start = base.copy()
    if extra > 0:
        start[np.argsort(-frac, kind="stable")[:extra]] += 1
    up = np.nonzero(frac > 1e-9)[0]  # compositions that may be rounded up
    if extra <= 0 or len(up) == 0:
        return start
    reach = p > 0
    T = len(s)
    # variables: b_j (round up, binary) for j in up; u (lowest places, integer);
    # d_t >= |N_t - m s_t p_t| / s_t (deviation) for reachable t
    nb = len(up)
    # a node limit, not a time limit: the same inputs must give the same list on any machine
    h = new_highs(mip_max_nodes=int(max_nodes), mip_rel_gap=1e-6)
    h.addVars(nb, np.zeros(nb), np.ones(nb))
    h.addVar(0.0, float(m))  # u
    h.addVars(T, np.zeros(T), np.full(T, INF))  # d
    h.changeColsIntegrality(nb + 1, np.arange(nb + 1, dtype=np.int32),
                            np.array([highspy.HighsVarType.kInteger] * (nb + 1)))
    weight = 1.0 / (T * m + 1.0)
    h.changeColCost(nb, 1.0)
    h.changeColsCost(T, np.arange(nb + 1, nb + 1 + T, dtype=np.int32),
                     np.where(reach, -weight, 0.0))
    h.changeObjectiveSense(highspy.ObjSense.kMaximize)
    h.addRow(float(extra), float(extra), nb, np.arange(nb, dtype=np.int32), np.ones(nb))
    floor_counts = base @ Y  # N_t with every b = 0
    target = m * s * p
    for t in np.nonzero(reach)[0]:
        col = Y[up, t]
        nz = np.nonzero(col)[0]
        idx = nz.astype(np.int32)
        # floor_counts_t + sum b_j Y_jt >= s_t u
        h.addRow(-floor_counts[t], INF, len(idx) + 1, np.append(idx, nb).astype(np.int32),
                 np.append(col[nz], -s[t]))
        # s_t d_t >= +-(floor_counts_t + sum b Y - target_t)
        dcol = np.int32(nb + 1 + t)
        h.addRow(floor_counts[t] - target[t], INF, len(idx) + 1,
                 np.append(idx, dcol).astype(np.int32), np.append(-col[nz], s[t]))
        h.addRow(target[t] - floor_counts[t], INF, len(idx) + 1,
                 np.append(idx, dcol).astype(np.int32), np.append(col[nz], s[t]))
    b0 = (start[up] > base[up]).astype(float)
    N0 = start @ Y
    u0 = math.floor(min((N0[reach] / s[reach]).min(), m) + 1e-9) if reach.any() else 0
    d0 = np.where(reach, np.abs(N0 - target) / s, 0.0)
    sol = highspy.HighsSolution()
    sol.col_value = list(b0) + [float(u0)] + list(d0)
    h.setSolution(sol)
    h.run()
    info = h.getInfo()
    if info.primal_solution_status != 2:
        return start
    b = np.rint(np.array(h.getSolution().col_value[:nb]))
    counts = base.copy()
    counts[up] += b
    if int(counts.sum()) != m or not _better_or_equal(counts, start, Y, s, reach):
        return start
    return counts


def _better_or_equal(counts, start, Y, s, reach) -> bool:
    def lowest(c):
        N = c @ Y
        return np.floor(N[reach] / s[reach] + 1e-9).min() if reach.any() else 0
    return lowest(counts) >= lowest(start)
