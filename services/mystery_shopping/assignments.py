"""Fair assignment of calls to shoppers: plain functions, seeded and reproducible.

Rules, in order of importance:
1. never a service the shopper uses or has used, nor a persona they do not want to play;
2. calls spread evenly: the most and least loaded shoppers differ by at most one where the
   conflicts allow it (the assignment minimises the sum of squared loads, which achieves that
   whenever it is possible);
3. at most one call per shopper per service in a round, where the roster allows it;
4. personas rotated per service and per shopper;
5. ties broken by a random generator seeded with the round's recorded seed.

It is a min-cost flow (service -> shopper -> sink) solved by successive shortest paths; rounds
are small (tens of services and shoppers), so plain Python is quick enough.
"""
from __future__ import annotations

import random
from collections import Counter, deque
from dataclasses import dataclass


@dataclass(frozen=True)
class Slot:
    care_service_id: str
    slot: int
    shopper_id: str
    persona: str


class Infeasible(Exception):
    """No eligible shopper for some services; ``services`` lists their ids."""

    def __init__(self, services: list[str]):
        super().__init__(", ".join(services))
        self.services = services


def eligible(shopper: dict, care_service_id: str, personas) -> bool:
    return care_service_id not in set(shopper.get("services_used") or ()) and bool(
        set(shopper.get("personas") or ()) & set(personas))


class _Flow:
    def __init__(self, n: int):
        self.graph: list[list[list]] = [[] for _ in range(n)]  # edges: [to, cap, cost, rev]

    def add(self, u: int, v: int, cap: int, cost: int) -> list:
        forward = [v, cap, cost, None]
        backward = [u, 0, -cost, forward]
        forward[3] = backward
        self.graph[u].append(forward)
        self.graph[v].append(backward)
        return forward

    def run(self, source: int, sink: int, need: int) -> int:
        flow = 0
        n = len(self.graph)
        while flow < need:
            dist = [None] * n
            parent: list = [None] * n
            in_queue = [False] * n
            dist[source] = 0
            queue = deque([source])
            while queue:  # SPFA: shortest path with negative residual costs
                u = queue.popleft()
                in_queue[u] = False
                for edge in self.graph[u]:
                    v, cap, cost, _ = edge
                    if cap > 0 and (dist[v] is None or dist[u] + cost < dist[v]):
                        dist[v] = dist[u] + cost
                        parent[v] = edge
                        if not in_queue[v]:
                            in_queue[v] = True
                            queue.append(v)
            if dist[sink] is None:
                break
            v = sink
            while v != source:
                edge = parent[v]
                edge[1] -= 1
                edge[3][1] += 1
                v = edge[3][0]
            flow += 1
        return flow


def assign(care_service_ids: list[str], calls_per_service: int, personas: list[str],
           shoppers: list[dict], seed: int) -> list[Slot]:
    """Assign ``calls_per_service`` calls to each service. ``shoppers``: dicts with ``id``
    (pseudonymous person id), ``services_used`` and ``personas``. Raises Infeasible naming the
    services nobody may call."""
    rng = random.Random(seed)
    services = list(dict.fromkeys(care_service_ids))
    people = sorted(shoppers, key=lambda s: s["id"])
    rng.shuffle(people)
    allowed = {c: [i for i, s in enumerate(people) if eligible(s, c, personas)] for c in services}
    nobody = [c for c in services if not allowed[c]]
    if nobody:
        raise Infeasible(nobody)
    total = len(services) * calls_per_service
    # costs, lexicographically: balance >> repeats >> random tie-breaks (two different sets of
    # loads differ by at least 2 in their sums of squares)
    noise = 100
    repeat = noise * (total + 1)
    balance = repeat * (total + 1)
    n_s, n_p = len(services), len(people)
    source, sink = n_s + n_p, n_s + n_p + 1
    flow = _Flow(n_s + n_p + 2)
    edges: dict[tuple[int, int], list[list]] = {}
    for si, care_service_id in enumerate(services):
        flow.add(source, si, calls_per_service, 0)
        for pi in allowed[care_service_id]:
            first = flow.add(si, n_s + pi, 1, rng.randrange(noise))
            extra = flow.add(si, n_s + pi, calls_per_service - 1, repeat) \
                if calls_per_service > 1 else None
            edges[(si, pi)] = [e for e in (first, extra) if e is not None]
    for pi in range(n_p):
        reachable = sum(calls_per_service for c in services if pi in allowed[c])
        for k in range(1, min(total, reachable) + 1):
            flow.add(n_s + pi, sink, 1, balance * (2 * k - 1))  # marginal cost of load k: k^2
    flow.run(source, sink, total)
    # read the flow back: how many calls each shopper makes to each service
    counts: dict[str, list[int]] = {}
    for (si, pi), pair in edges.items():
        used = sum(e[3][1] for e in pair)  # flow = the reverse edge's capacity
        counts.setdefault(services[si], []).extend([pi] * used)
    return _personas(services, counts, people, personas, rng)


def _personas(services, counts, people, personas, rng) -> list[Slot]:
    """Choose each call's persona, rotating them per service and per shopper among those the
    shopper is willing to play: a greedy start, then de Werra's recolouring (see _rebalance)."""
    order = list(personas)
    rng.shuffle(order)
    calls = []  # [service, shopper index, persona]
    for care_service_id in services:
        taken = sorted(counts.get(care_service_id, []))
        rng.shuffle(taken)
        calls.extend([care_service_id, pi, None] for pi in taken)
    willing = {pi: [p for p in order if p in set(people[pi].get("personas") or ())]
               for pi in range(len(people))}
    per_service: dict[str, Counter] = {c: Counter() for c in services}
    per_shopper: dict[int, Counter] = {pi: Counter() for pi in range(len(people))}
    for call in calls:
        service, pi, _ = call
        call[2] = min(willing[pi], key=lambda p: (per_service[service][p], per_shopper[pi][p],
                                                  order.index(p)))
        per_service[service][call[2]] += 1
        per_shopper[pi][call[2]] += 1

    _rebalance(calls, willing, order, services, len(people))
    out, slot_of = [], Counter()
    for service, pi, persona in calls:
        out.append(Slot(service, slot_of[service], people[pi]["id"], persona))
        slot_of[service] += 1
    return out


def _cost(calls, personas) -> int:
    by_service: Counter = Counter((c[0], c[2]) for c in calls)
    by_shopper: Counter = Counter((c[1], c[2]) for c in calls)
    return sum(v * v for v in by_service.values()) + sum(v * v for v in by_shopper.values())


def _recolour(edges, alpha, beta) -> None:
    """Colour the calls of ``edges`` (all alpha or beta) alternately along an Euler partition
    into trails: in a bipartite graph every service and shopper then has as many alpha as beta
    calls, give or take one (de Werra's equitable edge colouring)."""
    adjacency: dict[tuple, list[int]] = {}
    for i, (service, pi, _) in enumerate(edges):
        adjacency.setdefault(("s", service), []).append(i)
        adjacency.setdefault(("p", pi), []).append(i)
    used = [False] * len(edges)

    def remaining(node):
        return sum(1 for i in adjacency[node] if not used[i])

    nodes = list(adjacency)
    while not all(used):
        odd = [n for n in nodes if remaining(n) % 2 == 1]
        node = odd[0] if odd else next(n for n in nodes if remaining(n))
        colour = alpha
        while True:
            nxt = next((i for i in adjacency[node] if not used[i]), None)
            if nxt is None:
                break
            used[nxt] = True
            edges[nxt][2] = colour
            colour = beta if colour == alpha else alpha
            service, pi, _ = edges[nxt]
            node = ("p", pi) if node == ("s", service) else ("s", service)


def _rebalance(calls, willing, personas, services, n_people) -> None:
    """While a service or shopper has two personas whose counts differ by two or more, recolour
    the calls of those two personas (only calls whose shopper will play both) if that makes the
    spread more even overall."""
    tried: set = set()
    for _ in range(500):
        candidate = None
        vertices = [("s", c) for c in services] + [("p", pi) for pi in range(n_people)]
        for kind, key in vertices:
            mine = [c for c in calls if (c[0] if kind == "s" else c[1]) == key]
            if not mine:
                continue
            allowed = personas if kind == "s" else willing[key]
            count = Counter(c[2] for c in mine)
            alpha = max(allowed, key=lambda p: (count[p], -personas.index(p)))
            beta = min(allowed, key=lambda p: (count[p], personas.index(p)))
            if count[alpha] - count[beta] >= 2 and (kind, key, alpha, beta) not in tried:
                candidate = (kind, key, alpha, beta)
                break
        if candidate is None:
            return
        _, _, alpha, beta = candidate
        edges = [c for c in calls if c[2] in (alpha, beta)
                 and alpha in willing[c[1]] and beta in willing[c[1]]]
        before, saved = _cost(calls, personas), [c[2] for c in edges]
        _recolour(edges, alpha, beta)
        if _cost(calls, personas) < before:
            tried.clear()
        else:
            for c, colour in zip(edges, saved, strict=True):
                c[2] = colour
            tried.add(candidate)


def pick_replacement(care_service_id: str, persona: str, personas: list[str],
                     shoppers: list[dict], loads: dict[str, int], at_service: set[str],
                     excluded: set[str], seed: int) -> tuple[str, str] | None:
    """The least-loaded other eligible shopper for one call, and the persona they will play
    (the same one if they are willing). None if nobody is eligible."""
    rng = random.Random(seed)
    candidates = [s for s in sorted(shoppers, key=lambda s: s["id"])
                  if s["id"] not in excluded and eligible(s, care_service_id, personas)]
    if not candidates:
        return None
    rng.shuffle(candidates)
    best = min(candidates, key=lambda s: (s["id"] in at_service, loads.get(s["id"], 0)))
    willing = [p for p in personas if p in set(best.get("personas") or ())]
    return best["id"], persona if persona in willing else willing[0]
