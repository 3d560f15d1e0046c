"""The panels service's side of the stated accuracy and of transparent lotteries.

Selections run in-process through ``worker.run_job`` on a real database (SQLite and
PostgreSQL), as in test_domain.py.
"""
import random

import pytest

from involve.kernel.db import transaction
from involve.kernel.errors import InvalidInput
from involve.panels import campaigns, jobs
from involve.panels.selection import verify
from tests.support.panels import ORG, make_campaign, register_all, run, seed004_volunteers


def test_a_leximin_job_states_its_accuracy_in_result_and_audit(panels_sessions,
                                                              events_recorded, rules):
    c = make_campaign(panels_sessions, events_recorded, rules)
    register_all(panels_sessions, events_recorded, c["id"], seed004_volunteers())
    job = run(panels_sessions, c["id"], algorithm="leximin", seed=31, accuracy=1e-6)
    assert job.status == "done", job.message
    stated = job.audit["accuracy"]
    assert stated["tolerance"] == 1e-6 and 0 <= stated["reached"] <= 1e-6
    assert job.result["accuracy"] == stated
    assert jobs.status(job)["accuracy"] == stated
    with panels_sessions() as s:
        public = jobs.public_record(job, campaigns.load(s, None, job.campaign_id))
    assert public["accuracy"] == stated and public["lottery"] is None
    assert verify(public["record"], jobs.make_pool_from(job.input)).ok


def test_a_transparent_lottery_job_publishes_the_list_and_the_number(panels_sessions,
                                                                   events_recorded, rules):
    c = make_campaign(panels_sessions, events_recorded, rules)
    register_all(panels_sessions, events_recorded, c["id"], seed004_volunteers())
    job = run(panels_sessions, c["id"], algorithm="leximin", seed=2027, lottery_panels=1000)
    assert job.status == "done", job.message
    with panels_sessions() as s:
        public = jobs.public_record(job, campaigns.load(s, None, job.campaign_id))
    summary, record = public["lottery"], public["record"]
    listed = record["lottery"]["list"]
    assert summary["panels"] == len(listed) == 1000
    assert summary["number"] == random.Random(2027).randrange(1000) + 1
    # the drawn panel is the published entry with that number, and is the job's panel
    assert listed[summary["number"] - 1] == record["panel"] == job.result["panel"]
    assert summary["loss"] == pytest.approx(summary["exact_minimum_probability"]
                                            - summary["minimum_probability"])
    assert 0 <= summary["loss"] < 0.01 and "randrange(1000) + 1" in summary["how_to_check"]
    registration_ids = {p["id"] for p in job.input["people"]}
    assert all(set(ids) <= registration_ids for ids in listed)  # pseudonymous ids only
    assert jobs.verify_job(job)["ok"]


@pytest.mark.parametrize("field, value", [("accuracy", 0.5), ("accuracy", "tight"),
                                          ("lottery_panels", 1), ("lottery_panels", 10.5)])
def test_bad_accuracy_or_lottery_size_is_refused_naming_the_field(panels_sessions,
                                                                  events_recorded, rules,
                                                                  field, value):
    c = make_campaign(panels_sessions, events_recorded, rules)
    register_all(panels_sessions, events_recorded, c["id"], seed004_volunteers()[:20])
    with pytest.raises(InvalidInput) as caught, transaction(panels_sessions) as s:
        jobs.create(s, campaigns.load(s, ORG, c["id"]), {field: value}, leximin_seconds=60)
    assert field in caught.value.fields, caught.value.fields
