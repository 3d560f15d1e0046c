"""Two replicas of the panels service run the orphaned-job recovery at the same moment on
PostgreSQL (the database replicas share): each abandoned job is failed by exactly one of them."""
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import text

from involve.kernel.db import transaction
from involve.panels import campaigns, jobs
from involve.panels.models import SelectionJob
from tests.support.databases import service_sessions
from tests.support.panels import ORG, register_all, seed004_campaign, seed004_volunteers


@pytest.fixture
def shared_panels_database(postgres_server):
    name = "recovery_replicas_panels"
    postgres_server.drop_databases([name])
    postgres_server.create_databases([name])
    with service_sessions(postgres_server.url("recovery_replicas_{service}"), "panels") as sessions:
        yield sessions
    postgres_server.drop_databases([name])


def test_an_abandoned_job_is_failed_once_when_two_replicas_recover_together(
        shared_panels_database, events_recorded, rules):
    sessions = shared_panels_database
    with transaction(sessions) as s:
        campaign = campaigns.create(s, events_recorded, rules, ORG, seed004_campaign())
    register_all(sessions, events_recorded, campaign["id"], seed004_volunteers(15))
    with transaction(sessions) as s:
        job = jobs.create(s, campaigns.load(s, ORG, campaign["id"]), {}, 60)
        # its replica (container) is gone: another host, heartbeat long stale
        job.status, job.worker_host, job.worker_pid = "running", "replica-that-died", 4242
        job.heartbeat_at = datetime.now(UTC) - timedelta(hours=1)
        job_id = job.id

    with transaction(sessions) as first:
        failed_by_first = jobs.recover(first, "replica-a", lambda pid: True)
        # replica b runs while a's transaction is still open; it must not wait for a, nor fail
        # the job a second time
        with transaction(sessions) as second:
            second.execute(text("SET LOCAL lock_timeout = '3s'"))
            failed_by_second = jobs.recover(second, "replica-b", lambda pid: True)
    assert failed_by_first == [job_id] and failed_by_second == []
    with transaction(sessions) as later:  # and once a has committed there is nothing left
        assert jobs.recover(later, "replica-b", lambda pid: True) == []
    with sessions() as s:
        assert s.get(SelectionJob, job_id).status == "failed"
