"""Seeded generator of larger synthetic sortition pools, for benchmarking panel selection.

A pool is skewed the way real volunteer pools are (older, more educated, more from some
regions than the population), some volunteers share an address, and the quotas come from a
*reference panel* drawn from the pool itself, weighted towards people the population has more
of than the pool.  Because that reference panel meets the quotas (one per household too), the
quotas are always feasible.

    python bench/synthetic_pools.py OUTDIR [--people 2000] [--panel-size 100] [--seed 1]

writes OUTDIR/features.csv (``feature,value,min,max``) and OUTDIR/people.csv (columns ``id``,
the features, ``address``, ``postcode``).  Entirely made up: no real person's data.
"""

from __future__ import annotations

import argparse
import csv
import math
import random
from pathlib import Path

# feature -> [(value, share in the population, share among volunteers)]
CATEGORIES = {
    "gender": [("female", 0.51, 0.46), ("male", 0.47, 0.52), ("non-binary", 0.02, 0.02)],
    "age": [("16-29", 0.22, 0.12), ("30-44", 0.25, 0.22), ("45-59", 0.25, 0.28),
            ("60-74", 0.18, 0.28), ("75+", 0.10, 0.10)],
    "region": [("north", 0.20, 0.14), ("south", 0.25, 0.30), ("east", 0.15, 0.18),
               ("west", 0.20, 0.22), ("city", 0.15, 0.12), ("islands", 0.05, 0.04)],
    "education": [("none", 0.18, 0.08), ("school", 0.32, 0.24), ("college", 0.25, 0.28),
                  ("degree", 0.25, 0.40)],
    "ethnicity": [("white", 0.82, 0.86), ("asian", 0.09, 0.07), ("black", 0.04, 0.03),
                  ("mixed", 0.03, 0.03), ("other", 0.02, 0.01)],
    "uses_services": [("yes", 0.35, 0.45), ("no", 0.65, 0.55)],
    # only in pools of 7 categories (e.g. the sf_e-shaped one); 6-category pools are unchanged
    "housing": [("owner", 0.63, 0.70), ("social rent", 0.17, 0.11), ("private rent", 0.20, 0.19)],
}

# Flanigan et al.'s sf_e pool (reference_output/sf_e_110_statistics.txt): 1,727 volunteers,
# 110 seats, 7 quota categories. The pool itself is not public; this has the same shape.
SF_E_SHAPE = {"people": 1727, "panel_size": 110, "categories": 7}


def _pick(rng: random.Random, options) -> str:
    r = rng.random() * sum(o[2] for o in options)
    for value, _, share in options:
        r -= share
        if r <= 0:
            return value
    return options[-1][0]


def generate(people: int = 2000, panel_size: int = 100, seed: int = 1, categories: int = 6,
             shared_address_rate: float = 0.12, slack: float = 0.15):
    """Return (quota rows, person rows) as lists of dicts."""
    rng = random.Random(seed)
    cats = dict(list(CATEGORIES.items())[:categories])
    rows = []
    address = 0
    i = 0
    while len(rows) < people:
        address += 1
        size = 1
        if rng.random() < shared_address_rate:
            size = 2 if rng.random() < 0.8 else 3
        for _ in range(min(size, people - len(rows))):
            i += 1
            row = {"id": f"s{seed}-{i:05d}"}
            for feature, options in cats.items():
                row[feature] = _pick(rng, options)
            row["address"] = f"{address} Example Street"
            row["postcode"] = f"EX{address % 97} {address % 9}ZZ"
            rows.append(row)
    # reference panel: one per household, weighted by population share / pool share
    weight = []
    for row in rows:
        w = 1.0
        for feature, options in cats.items():
            pop, pool = next((o[1], o[2]) for o in options if o[0] == row[feature])
            w *= pop / pool
        weight.append(w)
    order = sorted(range(len(rows)), key=lambda j: -math.log(rng.random()) / weight[j])
    seen_addresses, panel = set(), []
    for j in order:
        key = (rows[j]["address"], rows[j]["postcode"])
        if key in seen_addresses:
            continue
        seen_addresses.add(key)
        panel.append(rows[j])
        if len(panel) == panel_size:
            break
    quotas = []
    for feature, options in cats.items():
        for value, _, _ in options:
            c = sum(1 for r in panel if r[feature] == value)
            lo = max(0, math.floor(c * (1 - slack)))
            hi = min(panel_size, math.ceil(c * (1 + slack)) + (1 if c < 5 else 0))
            quotas.append({"feature": feature, "value": value, "min": lo, "max": hi})
    return quotas, rows


def write(outdir, people: int = 2000, panel_size: int = 100, seed: int = 1,
          categories: int = 6) -> tuple[Path, Path]:
    outdir = Path(outdir)
    outdir.mkdir(parents=True, exist_ok=True)
    quotas, rows = generate(people, panel_size, seed, categories)
    features_path = outdir / "features.csv"
    people_path = outdir / "people.csv"
    with open(features_path, "w", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=["feature", "value", "min", "max"])
        w.writeheader()
        w.writerows(quotas)
    with open(people_path, "w", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=list(rows[0]))
        w.writeheader()
        w.writerows(rows)
    return features_path, people_path


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("outdir")
    ap.add_argument("--people", type=int, default=2000)
    ap.add_argument("--panel-size", type=int, default=100)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--categories", type=int, default=6)
    a = ap.parse_args()
    f, p = write(a.outdir, a.people, a.panel_size, a.seed, a.categories)
    print(f"wrote {f} and {p}")
