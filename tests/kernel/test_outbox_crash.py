"""Kill the writer between commit and publish (or between publish and marking sent):
the event still arrives, and an idempotent handler acts on it exactly once."""
import subprocess
import sys
import time

import pytest
from sqlalchemy import Column, Integer, MetaData, String, Table, select

from involve.identity.service import IdentityService
from involve.kernel.idempotency import first_time
from involve.kernel.nameko_parts import Database, on_event
from tests.support.running import start_service

DELIVERIES = []
effects_table = Table("welcomed", MetaData(), Column("n", Integer, primary_key=True),
                      Column("organisation_id", String(36)))


class ListenerService:
    """A downstream service: welcomes each new organisation once, however often it hears of it."""

    name = "listener"
    db = Database()

    @on_event("identity", "organisation.created")
    def welcome(self, event):
        DELIVERIES.append(event["id"])
        with self.db.transaction() as session:
            effects_table.create(session.connection(), checkfirst=True)
            if first_time(session, event["id"], "listener.welcome"):
                session.execute(effects_table.insert().values(
                    organisation_id=event["data"]["organisation_id"]))


def wait_until(condition, timeout=20):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.1)
    return False


@pytest.mark.parametrize("mode,expected_deliveries", [("before-publish", 1), ("after-publish", 2)])
def test_event_survives_a_crash_and_is_handled_once(service_config, container_factory,
                                                    database_url, mode, expected_deliveries):
    DELIVERIES.clear()
    start_service(container_factory, ListenerService)  # its durable queue now exists

    crashed = subprocess.run(
        [sys.executable, "-m", "tests.support.crash_after_commit", mode,
         service_config["AMQP_URI"], database_url.replace("{service}", "identity"), "Recovery Hub"],
        capture_output=True, text=True, timeout=120,
    )
    assert crashed.returncode == 17, crashed.stderr

    start_service(container_factory, IdentityService)  # its relay finds the unsent event
    assert wait_until(lambda: len(DELIVERIES) >= expected_deliveries), DELIVERIES
    time.sleep(1)  # give any extra, wrong delivery time to show up
    assert len(DELIVERIES) == expected_deliveries
    assert len(set(DELIVERIES)) == 1  # the same event each time

    from involve.kernel.db import make_engine

    engine = make_engine(database_url.replace("{service}", "listener"))
    with engine.connect() as connection:
        assert len(connection.execute(select(effects_table)).all()) == 1
    engine.dispose()
