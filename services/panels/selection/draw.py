"""Draw one panel from a distribution, with an audit record anyone can re-check.

The lottery has two stages, both driven by one ``random.Random(seed)``:

1. ``u = rng.random()``; walk the listed panels in order, adding up their probabilities, and
   take the first panel whose running total exceeds ``u * total``.
2. The panel lists some ids outright (``ids``) and, for groups of interchangeable people
   (same feature values, no shared household), how many to take (``draw``: ``[group,
   count]`` pairs, in the order listed).  For each pair, ``rng.sample(groups[group], count)``
   picks the members (the group's ids are sorted).

The chosen panel is the sorted list of ids.  The audit record holds only ids, counts,
probabilities, quotas and a SHA-256 of the pool snapshot (ids + feature values, addresses
hashed), never names; :func:`verify` repeats the two stages and compares.

With a transparent lottery (``draw(dist, seed, lottery=m)``, see :mod:`.lottery`) the record
also lists ``m`` explicit panels (``lottery.list``, numbered from 1) and the number drawn:
``random.Random(seed).randrange(m) + 1`` unless a number from a public draw (dice) is given;
the chosen panel is that entry of the list, and :func:`verify` checks exactly that.
"""

from __future__ import annotations

import hashlib
import json
import random
import secrets
from dataclasses import dataclass, field

from .distribution import Distribution
from .lottery import Lottery, list_hash, number_from_seed, round_to_lottery
from .pool import Pool

AUDIT_FORMAT = "involve-panel-selection-audit/1"


def _canonical(obj) -> bytes:
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def record_hash(record: dict) -> str:
    body = {k: v for k, v in record.items() if k != "record_sha256"}
    return hashlib.sha256(_canonical(body)).hexdigest()


def distribution_record(dist: Distribution) -> tuple[dict, list[dict]]:
    """(groups, panels) in the audit format, in canonical order."""
    model = dist.model
    people = model.pool.people
    group_names: dict[int, str] = {}
    for y, _ in dist.panels:
        for t, c in enumerate(y):
            if 0 < c < model.sizes[t] and t not in group_names:
                group_names[t] = None
    groups = {}
    for n, t in enumerate(sorted(group_names)):
        name = f"g{n + 1}"
        group_names[t] = name
        groups[name] = sorted(people[i].id for i in model.members[t])
    panels, makeups = [], []
    for y, prob in dist.panels:
        ids, draws, makeup = [], [], []
        for t, c in enumerate(y):
            if c == 0:
                continue
            makeup.extend([people[model.members[t][0]].values] * int(c))
            if c == model.sizes[t]:
                ids.extend(people[i].id for i in model.members[t])
            else:
                draws.append([group_names[t], int(c)])
        draws.sort(key=lambda d: int(d[0][1:]))
        panels.append({"probability": float(prob), "ids": sorted(ids), "draw": draws})
        makeups.append(sorted(makeup))
    # Listed by what each panel is made of (its members' feature values), then by ids: the seed
    # then draws a panel of the same make-up from the same pool whatever ids its people were
    # given (registration ids are random), not one that depends on how those ids sort.
    order = sorted(range(len(panels)), key=lambda n: (makeups[n], panels[n]["ids"],
                                                      panels[n]["draw"]))
    return groups, [panels[n] for n in order]


def pick(groups: dict, panels: list[dict], seed) -> tuple[int, list[str]]:
    """Stages 1 and 2 of the lottery: (index of the panel drawn, sorted chosen ids)."""
    rng = random.Random(seed)
    total = sum(p["probability"] for p in panels)
    u = rng.random() * total
    acc = 0.0
    index = len(panels) - 1
    for i, p in enumerate(panels):
        acc += p["probability"]
        if u < acc:
            index = i
            break
    while panels[index]["probability"] <= 0:  # never land on an impossible panel
        index -= 1
    chosen = list(panels[index]["ids"])
    for name, count in panels[index]["draw"]:
        chosen.extend(rng.sample(groups[name], count))
    return index, sorted(chosen)


@dataclass
class Selection:
    panel: list[str]  # chosen ids, sorted
    indices: list[int]  # chosen people as pool indices
    seed: int | str
    audit: dict
    distribution: Distribution = field(repr=False)


def draw(dist: Distribution, seed: int | str | None = None, lottery: int | Lottery | None = None,
         number: int | None = None) -> Selection:
    """Draw one panel.  Without a seed, one is made with :mod:`secrets` and recorded.

    ``lottery`` (a number of panels ``m``, or a :class:`Lottery` made before): round the
    distribution to a uniform lottery over ``m`` listed panels and take panel ``number``
    (1..m, e.g. from dice thrown in public), or, without ``number``, the one the seed draws.
    """
    if seed is None:
        seed = secrets.randbits(63)
    groups, panels = distribution_record(dist)
    if lottery is not None:
        if not isinstance(lottery, Lottery):
            lottery = round_to_lottery(dist, lottery)
        from_seed = number is None
        if from_seed:
            number = lottery.number_from_seed(seed)
        if isinstance(number, bool) or not isinstance(number, int) \
                or not 1 <= number <= lottery.m:
            raise ValueError(f"the number drawn must be a whole number from 1 to {lottery.m}, "
                             f"not {number!r}")
        chosen = list(lottery.panels[number - 1])
    else:
        _, chosen = pick(groups, panels, seed)
    pool = dist.model.pool
    record = {
        "format": AUDIT_FORMAT,
        "algorithm": dist.algorithm,
        "panel_size": dist.panel_size,
        "pool_size": len(pool.people),
        "pool_sha256": pool.snapshot_hash(),
        "quotas": [q.as_dict() for q in pool.quota_list()],
        "seed": seed,
        "groups": groups,
        "distribution": panels,
        "panel": chosen,
    }
    if dist.info.get("accuracy"):
        record["accuracy"] = dict(dist.info["accuracy"])
    if lottery is not None:
        record["lottery"] = dict(lottery.as_dict(), number=number,
                                 number_from="seed" if from_seed else "public draw")
    record["record_sha256"] = record_hash(record)
    index = pool.index_of()
    return Selection(chosen, sorted(index[i] for i in chosen), seed, record, dist)


@dataclass
class Verification:
    ok: bool
    problems: list[str]
    panel: list[str] | None = None

    def __bool__(self) -> bool:
        return self.ok


def verify(record: dict, pool: Pool | None = None) -> Verification:
    """Re-derive the chosen panel from the recorded distribution and seed.

    Without the pool this checks the record's integrity hash, that the probabilities form a
    distribution over panels of the right size, and that the seed really gives the recorded
    panel.  With the pool it also checks the pool hash and that every panel in the
    distribution meets every quota.
    """
    problems: list[str] = []
    try:
        if record.get("format") != AUDIT_FORMAT:
            problems.append(f"unknown record format {record.get('format')!r}")
        if record.get("record_sha256") != record_hash(record):
            problems.append("the record's SHA-256 does not match its contents: it has been "
                            "changed since it was made")
        groups = record["groups"]
        panels = record["distribution"]
        k = record["panel_size"]
        if not panels:
            problems.append("the distribution is empty")
            return Verification(False, problems)
        probs = [p["probability"] for p in panels]
        if any(not isinstance(x, (int, float)) or x < 0 for x in probs):
            problems.append("some panel has a negative or non-numeric probability")
        elif abs(sum(probs) - 1.0) > 1e-9:
            problems.append(f"the probabilities add up to {sum(probs)!r}, not 1")
        for n, p in enumerate(panels):
            size = len(p["ids"]) + sum(c for _, c in p["draw"])
            if size != k:
                problems.append(f"panel {n + 1} of the distribution has {size} people, not {k}")
            for name, c in p["draw"]:
                if name not in groups or not 0 < c <= len(groups[name]):
                    problems.append(f"panel {n + 1} draws {c} from unknown or too small group "
                                    f"{name!r}")
            members = list(p["ids"]) + [i for name, _ in p["draw"] for i in groups.get(name, [])]
            if len(set(members)) != len(members):
                problems.append(f"panel {n + 1} lists someone twice")
        if problems:
            return Verification(False, problems)
        if "lottery" in record:
            chosen = _check_lottery(record, problems)
        else:
            _, chosen = pick(groups, panels, record["seed"])
            if chosen != list(record["panel"]):
                problems.append("the seed and distribution give a different panel from the one "
                                "recorded")
        if pool is not None:
            problems.extend(_check_against_pool(record, pool))
        return Verification(not problems, problems, chosen)
    except (KeyError, TypeError, ValueError, IndexError) as exc:
        problems.append(f"the record is malformed: {exc!r}")
        return Verification(False, problems)


def _check_lottery(record: dict, problems: list[str]) -> list[str] | None:
    lottery = record["lottery"]
    listed = lottery["list"]
    m, number, k = lottery["panels"], lottery["number"], record["panel_size"]
    if len(listed) != m:
        problems.append(f"the lottery should list {m} panels but lists {len(listed)}")
    if list_hash(listed) != lottery["list_sha256"]:
        problems.append("the list of panels does not match its published SHA-256")
    for n, ids in enumerate(listed):
        if len(ids) != k or len(set(ids)) != len(ids):
            problems.append(f"lottery panel {n + 1} does not have {k} different people")
            break
    if not isinstance(number, int) or not 1 <= number <= len(listed):
        problems.append(f"the number drawn, {number!r}, is not a panel number from 1 to "
                        f"{len(listed)}")
        return None
    if lottery.get("number_from") == "seed" and number != number_from_seed(record["seed"], m):
        problems.append("the seed draws a different panel number from the one recorded")
    chosen = list(listed[number - 1])
    if chosen != list(record["panel"]):
        problems.append(f"the chosen panel is not panel {number} of the published list")
    return chosen


def _check_against_pool(record: dict, pool: Pool) -> list[str]:
    problems = []
    if record["pool_sha256"] != pool.snapshot_hash():
        problems.append("the pool snapshot hash does not match this pool")
        return problems
    by_id = {p.id: p for p in pool.people}
    groups = record["groups"]
    for name, ids in groups.items():
        if len({by_id[i].values for i in ids}) != 1:
            problems.append(f"group {name} mixes people with different feature values")
    quotas = record["quotas"]
    fidx = {f: i for i, f in enumerate(pool.features)}
    for n, p in enumerate(record["distribution"]):
        counts: dict[tuple[str, str], int] = {}
        people = [(by_id[i], 1) for i in p["ids"]] + [(by_id[groups[g][0]], c)
                                                       for g, c in p["draw"]]
        for person, c in people:
            for f in pool.features:
                key = (f, person.values[fidx[f]])
                counts[key] = counts.get(key, 0) + c
        for q in quotas:
            c = counts.get((q["feature"], q["value"]), 0)
            if not q["min"] <= c <= q["max"]:
                problems.append(f"panel {n + 1} has {c} people with {q['feature']}="
                                f"{q['value']}, outside {q['min']}..{q['max']}")
                break
        households = [by_id[i].household for i in p["ids"] if by_id[i].household is not None]
        if len(households) != len(set(households)):
            problems.append(f"panel {n + 1} takes two people from one household")
    for n, ids in enumerate((record.get("lottery") or {}).get("list", [])):
        problem = _listed_panel_problem(ids, by_id, pool, quotas)
        if problem:
            problems.append(f"lottery panel {n + 1} {problem}")
            break
    return problems


def _listed_panel_problem(ids, by_id, pool: Pool, quotas) -> str | None:
    if any(i not in by_id for i in ids):
        return "names someone who is not in the pool"
    fidx = {f: i for i, f in enumerate(pool.features)}
    for q in quotas:
        c = sum(1 for i in ids if by_id[i].values[fidx[q["feature"]]] == q["value"])
        if not q["min"] <= c <= q["max"]:
            return f"has {c} people with {q['feature']}={q['value']}, outside {q['min']}..{q['max']}"
    households = [by_id[i].household for i in ids if by_id[i].household is not None]
    if len(households) != len(set(households)):
        return "takes two people from one household"
    return None
