"""The platform the fault suite breaks (see helpers.py), once per module, and the figures it
prints at the end of the run."""
from __future__ import annotations

import pytest

from tests.support.faults import BrokerNode

from .helpers import FIGURES, start_world, stop_world


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    broker = BrokerNode()
    broker.start()
    try:
        built = start_world(tmp_path_factory.mktemp("faults"), broker=broker)
        yield built
        stop_world(built)
    finally:
        broker.remove()


def pytest_terminal_summary(terminalreporter):
    if FIGURES:
        terminalreporter.section("faults under load")
        for line in FIGURES:
            terminalreporter.write_line(line)
