"""A critical story left unanswered is escalated through the gateway's view of it: first the
service's manager (an escalation contact), then the organisation's involvement lead; a story
that was answered, or is not critical enough, is not."""
from tests.support.feedback import moderate_and_publish, submit, wait_for_alerts


def test_a_critical_unanswered_story_alerts_the_manager_then_the_involvement_lead(
        setting, service_config):
    sam, hal, lee, rae = (setting.people[n] for n in ("sam", "hal", "lee", "rae"))
    status, body = sam.post(f"{setting.staff}/subscriptions", {
        "care_service_ids": [setting.riverside], "min_criticality": 5,
        "escalation_contact": True})
    assert status == 201, body
    status, body = hal.post(f"{setting.staff}/subscriptions", {
        "care_service_ids": [setting.hillside], "escalation_contact": True})
    assert status == 201, body
    critical = submit(setting, title="Turned away at the door")["story_id"]
    answered = submit(setting, title="Shouted at, then helped")["story_id"]
    mild = submit(setting, title="A small thing")["story_id"]
    with service_config.patch({"FEEDBACK_ESCALATION_SECONDS": 2, "FEEDBACK_TIMER_SECONDS": 0.2,
                               "FEEDBACK_ESCALATION_CRITICALITY": 4}):
        for story_id, level in ((critical, 5), (answered, 5), (mild, 2)):
            moderate_and_publish(setting, story_id, criticality=level, checked=True)
        status, body = rae.post(f"{setting.staff}/stories/{answered}/responses", {
            "text": "We are sorry. Please come and talk to us.",
            "responder_title": "Service manager, Riverside"})
        assert status == 201, body
        status, body = setting.people["mo"].post(
            f"{setting.staff}/responses/{body['id']}/publish")
        assert status == 200, body

        first = wait_for_alerts(sam, setting, critical, kind="escalation", timeout=20)
        assert len(first) == 1 and first[0]["title"] == "Turned away at the door"
        second = wait_for_alerts(lee, setting, critical, kind="escalation", timeout=20)
        assert len(second) == 1
    # only the critical, unanswered story escalated, and only to its own service's manager
    assert wait_for_alerts(sam, setting, answered, kind="escalation", timeout=0) == []
    assert wait_for_alerts(sam, setting, mild, kind="escalation", timeout=0) == []
    assert wait_for_alerts(hal, setting, critical, kind="escalation", timeout=0) == []
    assert len(wait_for_alerts(sam, setting, critical, kind="escalation", timeout=0)) == 1
