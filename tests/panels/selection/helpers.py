"""Helpers shared by the panel-selection tests (unique module name on purpose)."""

from pathlib import Path

import pytest

from involve.panels.selection import Quota, make_pool

DATA = Path("/work/shared/data/sortition")
SF = DATA / "sortition_foundation_fixture_150_22"
SMALL = DATA / "flanigan2021_example_small_20"
LARGE = DATA / "flanigan2021_example_large_200"


def need(path: Path) -> Path:
    if not path.exists():
        pytest.skip(f"shared test data {path} is not available")
    return path


def toy_pool(households: bool = True):
    """12 people, 2 features; persons 0-3 share two addresses pairwise (if households)."""
    quotas = [
        Quota("gender", "f", 2, 3), Quota("gender", "m", 2, 3),
        Quota("age", "young", 1, 3), Quota("age", "old", 1, 3),
    ]
    spec = [
        ("f", "young"), ("f", "young"), ("m", "old"), ("m", "old"),
        ("f", "old"), ("f", "old"), ("m", "young"), ("m", "young"),
        ("f", "young"), ("m", "old"), ("m", "young"), ("f", "old"),
    ]
    people = []
    for i, (g, a) in enumerate(spec):
        hh = None
        if households and i < 4:
            hh = f"addr{i // 2}"  # 0&1 share, 2&3 share
        people.append({"id": f"t{i}", "features": {"gender": g, "age": a}, "household": hh})
    return make_pool(quotas, people)
