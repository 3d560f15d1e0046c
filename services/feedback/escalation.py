"""Escalation of critical stories left unanswered.

Stage 1: FEEDBACK_ESCALATION_SECONDS after publication, the escalation contacts of the story's
services hear about it. Stage 2: after twice that, the organisation's involvement leads. Each
stage fires once (claimed with a conditional update, so two service instances cannot both fire).
"""
from __future__ import annotations

import uuid
from datetime import timedelta

from sqlalchemy import select, update

from . import stories
from .models import ANY, Alert, Story, Subscription, SubscriptionKey


def _claim(session, story: Story, stage: int) -> bool:
    result = session.execute(update(Story).where(Story.id == story.id,
                                                 Story.escalation_stage == stage - 1)
                             .values(escalation_stage=stage))
    return result.rowcount == 1


def contacts(session, organisation_id: str, care_service_ids: list[str]) -> list[Subscription]:
    """Escalation-contact subscriptions for these services (or for every service)."""
    sub_ids = select(SubscriptionKey.subscription_id).where(
        SubscriptionKey.organisation_id == organisation_id,
        SubscriptionKey.care_service_key.in_([*care_service_ids, ANY]))
    return list(session.scalars(select(Subscription).where(
        Subscription.id.in_(sub_ids), Subscription.escalation_contact.is_(True))
        .order_by(Subscription.created_at, Subscription.id)))


def _waiting(level):
    return select(Story).where(Story.status == "published", Story.first_response_at.is_(None),
                               Story.criticality >= int(level))


def _second_stage_due(level, seconds, now):
    return _waiting(level).where(
        Story.escalation_stage == 1,
        Story.published_at <= now - timedelta(seconds=2 * float(seconds)))


def organisations_for_second_stage(session, now, level: int, seconds: float) -> list[str]:
    """Organisations with a story due for stage 2 (ask identity for their leads first, outside
    the transaction that escalates)."""
    query = _second_stage_due(level, seconds, now).with_only_columns(Story.organisation_id)
    return sorted(set(session.scalars(query)))


def run(session, record_event, now, level: int, seconds: float, leads: dict) -> list[str]:
    """Escalate what is due; returns ids of alerts to email. ``leads`` maps an organisation id to
    the ids of its involvement leads (see organisations_for_second_stage)."""
    due: list[str] = []
    waiting = _waiting(level)
    first = session.scalars(waiting.where(
        Story.escalation_stage == 0,
        Story.published_at <= now - timedelta(seconds=float(seconds)))).all()
    for story in first:
        if not _claim(session, story, 1):
            continue
        services = [s["id"] for s in stories.care_services_of(session, story.id)]
        people, teams = set(), set()
        for sub in contacts(session, story.organisation_id, services):
            if sub.person_id:
                people.add(sub.person_id)
            elif sub.team_email:
                teams.add(sub.team_email)
        due += _alerts(session, story, 1, sorted(people), sorted(teams), now)
        _event(session, record_event, story, 1, services)
    second = session.scalars(_second_stage_due(level, seconds, now)).all()
    for story in second:
        if story.organisation_id not in leads or not _claim(session, story, 2):
            continue  # leads not looked up yet: next run
        services = [s["id"] for s in stories.care_services_of(session, story.id)]
        due += _alerts(session, story, 2, list(leads[story.organisation_id]), [], now)
        _event(session, record_event, story, 2, services)
    return due


def _alerts(session, story, stage, people, teams, now) -> list[str]:
    ids = []
    title = stories.current(story)["title"]
    for person_id, team_email in [(p, None) for p in people] + [(None, t) for t in teams]:
        alert = Alert(id=str(uuid.uuid4()), organisation_id=story.organisation_id,
                      person_id=person_id, team_email=team_email, kind="escalation",
                      stage=stage, story_id=story.id, title=title, created_at=now,
                      email_due=True, digest_due=False)
        session.add(alert)
        ids.append(alert.id)
    session.flush()
    return ids


def _event(session, record_event, story, stage, services):
    record_event(session, "story.escalated", {"story_id": story.id, "stage": stage,
                                              "care_service_ids": services},
                 subject=story.id, organisation=story.organisation_id)
