"""Realistic Involve events for reporting's tests and benchmark: organisations with care
services and people, stories told, answered and changes confirmed, mystery-shopping rounds,
panel selections, commissioning projects with meetings, briefings, claims and bulletins, over
two years; and a few events of types and versions reporting does not know, as integrators' or
newer services' would be. Deterministic for a seed; envelopes made by the kernel."""
from __future__ import annotations

import random
import uuid
from datetime import UTC, datetime, timedelta

from kombu import Connection, Exchange

from involve.kernel.events import envelope, exchange_name

ROLES = (["service_user"] * 10 + ["volunteer"] * 3 + ["council_member"] * 2 + ["staff"] * 4
         + ["responder", "moderator", "commissioner", "involvement_lead"])


class Organisation:
    def __init__(self, rng: random.Random, start: datetime, services=8, people=120,
                 pace: float = 1.0):
        self.rng = rng
        self.pace = pace
        self.id = self.uid()
        self.clock = start
        self.services = [self.uid() for _ in range(services)]
        self.people = [(self.uid(), rng.choice(ROLES)) for _ in range(people)]
        # a few very active people do much of the involvement, as seed 001 warns
        self.voices = [p for p, r in self.people if r in ("service_user", "volunteer",
                                                           "council_member")]
        self.staff = [p for p, r in self.people if r not in ("service_user", "volunteer",
                                                              "council_member")]
        self.round_set = "involve.first-contact"
        self.last_round = {}

    def uid(self) -> str:
        return str(uuid.UUID(int=self.rng.getrandbits(128), version=4))

    def tick(self, minutes: float) -> datetime:
        self.clock += timedelta(minutes=minutes * self.pace)
        return self.clock

    def voice(self) -> str:
        # skewed: the first tenth of people are picked far more often
        top = max(1, len(self.voices) // 10)
        return self.rng.choice(self.voices[:top] if self.rng.random() < 0.5 else self.voices)

    def event(self, service, name, data, version=1, classification="internal"):
        return envelope(service, name, data, organisation=self.id, version=version,
                        classification=classification, event_id=self.uid(),
                        time=self.tick(self.rng.uniform(1, 90)))


def opening(o: Organisation) -> list[dict]:
    out = [o.event("identity", "organisation.created", {
        "organisation_id": o.id, "name": f"Organisation {o.id[:6]}", "kind": "charity"},
        classification="public")]
    for n, cs in enumerate(o.services):
        out.append(o.event("identity", "care_service.created", {
            "care_service_id": cs, "name": f"Service {n + 1} of {o.id[:6]}", "kind": "housing",
            "region": "North"}, classification="public"))
    for person, role in o.people:
        out.append(o.event("identity", "person.registered", {"person_id": person,
                                                             "roles": [role]},
                           classification="pseudonymous"))
    out.append(o.event("commissioning", "payment_policy.set", {
        "version": 1, "effective_from": o.clock.date().isoformat(), "target_days_to_pay": 14,
        "set_at": o.clock.isoformat()}))
    return out


def story(o: Organisation) -> list[dict]:
    rng, sid = o.rng, o.uid()
    services = rng.sample(o.services, rng.choice((1, 1, 1, 2)))
    out = [o.event("feedback", "story.submitted", {
        "story_id": sid, "care_service_ids": services, "relationship": rng.choice(
            ("service_user", "family_member", "carer", "staff")), "assisted": rng.random() < .1},
        classification="pseudonymous")]
    if rng.random() < 0.1:
        out.append(o.event("feedback", "story.rejected", {"story_id": sid}))
        return out
    published = o.tick(rng.uniform(1, 10))
    out.append(o.event("feedback", "story.published", {
        "story_id": sid, "care_service_ids": services, "title": "A story about waiting",
        "text": "We waited a long time.", "what_was_good": "", "what_could_be_improved": "",
        "tags": [], "published_at": published.isoformat()}, classification="public"))
    if rng.random() < 0.05:
        out.append(o.event("feedback", "story.escalated", {"story_id": sid, "stage": 1,
                                                            "care_service_ids": services}))
    if rng.random() < 0.7:
        rid = o.uid()
        status = rng.choice(("none", "none", "planned", "made"))
        out.append(o.event("feedback", "response.published", {
            "story_id": sid, "response_id": rid, "responder_title": "Service manager",
            "text": "Thank you for telling us.", "change_status": status},
            classification="public"))
        if status != "none":
            change = {"story_id": sid, "response_id": rid, "change_status": status,
                      "description": "We now tell people how long the wait is.",
                      "verdict": None, "panel_verdict": None}
            out.append(o.event("feedback", "change.recorded", change, classification="public"))
            if rng.random() < 0.5:
                change = {**change, "verdict": rng.choice(("confirmed", "confirmed", "disputed"))}
                out.append(o.event("feedback", "change.recorded", change,
                                   classification="public"))
            if rng.random() < 0.3:
                change = {**change, "panel_verdict": "confirmed"}
                out.append(o.event("feedback", "change.recorded", change,
                                   classification="public"))
    return out


def mystery_round(o: Organisation) -> list[dict]:
    rng, rid = o.rng, o.uid()
    services = rng.sample(o.services, min(4, len(o.services)))
    start = o.clock.date()
    out = [o.event("mystery_shopping", "round.scheduled", {
        "round_id": rid, "name": f"Round {start:%B %Y}", "question_set": {
            "key": o.round_set, "version": 1}, "care_service_ids": services,
        "personas": ["potential_client"], "starts_on": start.isoformat(),
        "ends_on": (start + timedelta(days=30)).isoformat()})]
    scores = []
    for cs in services:
        base = o.last_round.get(cs, (rng.uniform(40, 80), rng.uniform(2, 4)))
        calls = []
        for _ in range(2):
            eff = max(0, min(100, base[0] + rng.uniform(-10, 15)))
            feel = max(1, min(5, base[1] + rng.uniform(-0.5, 0.8)))
            calls.append((eff, feel))
            out.append(o.event("mystery_shopping", "call.recorded", {
                "round_id": rid, "call_id": o.uid(), "care_service_id": cs,
                "shopper_id": o.voice(), "persona": "potential_client",
                "efficiency": round(eff, 1), "feeling": round(feel, 2)},
                classification="pseudonymous"))
        mean = (sum(c[0] for c in calls) / 2, sum(c[1] for c in calls) / 2)
        o.last_round[cs] = mean
        scores.append({"care_service_id": cs, "calls": 2, "efficiency": round(mean[0], 1),
                       "feeling": round(mean[1], 2)})
    out.append(o.event("mystery_shopping", "round.closed", {
        "round_id": rid, "question_set": {"key": o.round_set, "version": 1},
        "services": scores}))
    return out


def panel(o: Organisation) -> list[dict]:
    rng, cid = o.rng, o.uid()
    out = [o.event("panels", "campaign.opened", {"campaign_id": cid, "organisation_id": o.id,
                                                  "panel_size": 12})]
    pool = rng.randint(20, 40)
    for _ in range(pool):
        out.append(o.event("panels", "registration.received", {
            "campaign_id": cid, "registration_id": o.uid(), "organisation_id": o.id}))
    women = rng.randint(4, 8)
    quotas = [{"feature": "gender", "value": "woman", "min": 5, "max": 7, "selected": women,
               "pool": pool // 2},
              {"feature": "gender", "value": "man", "min": 5, "max": 7, "selected": 12 - women,
               "pool": pool - pool // 2}]
    out.append(o.event("panels", "selection.completed", {
        "selection_id": o.uid(), "campaign_id": cid, "organisation_id": o.id,
        "algorithm": "leximin", "panel_size": 12, "pool_size": pool, "quotas": quotas},
        version=2))
    return out


def project(o: Organisation) -> list[dict]:
    rng, pid = o.rng, o.uid()
    services = rng.sample(o.services, 2)
    scope = {"title": "Re-commissioning day services", "care_service_ids": services}
    out = [o.event("commissioning", "project.phase_changed", {
        "project_id": pid, "from_phase": None, "to_phase": "analyse",
        "changed_at": o.clock.isoformat(), "principles_agreed": 0, **scope}, version=2)]
    members = rng.sample(o.voices, min(6, len(o.voices)))
    for person in members:
        out.append(o.event("commissioning", "agreement.signed", {
            "agreement_id": o.uid(), "project_id": pid, "person_id": person, "version": 1,
            "party": "member", "fully_signed": False, "signed_at": o.clock.isoformat()},
            classification="pseudonymous"))
    for _meeting in range(rng.randint(2, 5)):
        mid = o.uid()
        held = o.tick(rng.uniform(30, 200))
        came = [p for p in members if rng.random() < 0.8] or members[:1]
        staff = rng.sample(o.staff, min(2, len(o.staff)))
        out.append(o.event("commissioning", "meeting.held", {
            "meeting_id": mid, "project_id": pid, "group_id": None, "kind": "meeting",
            "held_at": held.isoformat(), "hours": "2.00", "invited": len(members) + 2,
            "attended": len(came) + len(staff), "apologies": len(members) - len(came),
            "absent": 0, "service_users_attended": len(came), "lead_officer_present":
            rng.random() < 0.6, "deputy_present": False,
            "decision_maker_present": rng.random() < 0.7,
            "attendees": [{"person_id": p, "capacity": "service_user"} for p in came]
            + [{"person_id": p, "capacity": "commissioner"} for p in staff]},
            version=2, classification="pseudonymous"))
        out.append(o.event("commissioning", "decision.recorded", {
            "decision_id": o.uid(), "meeting_id": mid, "project_id": pid,
            "decided_at": held.isoformat(), "confidential": False}))
        item, briefing = o.uid(), o.uid()
        due = held + timedelta(days=rng.randint(1, 10))
        out.append(o.event("commissioning", "briefing.recorded", {
            "briefing_id": briefing, "meeting_id": mid, "project_id": pid, "group_id": None,
            "recorded_at": held.isoformat(), "items": [{"item_id": item, "until": "date",
                                                        "due_at": due.isoformat()}]}))
        out.append(o.event("commissioning", "briefing.released", {
            "item_id": item, "briefing_id": briefing, "meeting_id": mid, "project_id": pid,
            "group_id": None, "until": "date", "due_at": due.isoformat(),
            "released_at": due.isoformat(), "on_time": rng.random() < 0.95,
            "released_how": "timer"}))
        for person in came:
            claim = o.uid()
            out.append(o.event("commissioning", "claim.submitted", {
                "claim_id": claim, "person_id": person, "activity_kind": "commissioning_meeting",
                "project_id": pid, "activity_date": held.date().isoformat(), "fee": "50.00",
                "expenses": "4.80", "total": "54.80", "method": "bank",
                "payment_choice": "full", "rate_version": 1,
                "submitted_at": held.isoformat(), "tax_year": "2025-26", "target_days": 14},
                version=2, classification="pseudonymous"))
            if rng.random() < 0.05:
                out.append(o.event("commissioning", "claim.rejected", {
                    "claim_id": claim, "person_id": person,
                    "rejected_at": (held + timedelta(days=3)).isoformat()},
                    classification="pseudonymous"))
                continue
            days = round(rng.uniform(2, 20), 2)
            out.append(o.event("commissioning", "payment.made", {
                "claim_id": claim, "person_id": person, "activity_kind": "commissioning_meeting",
                "project_id": pid, "fee": "50.00", "expenses": "4.80", "amount": "54.80",
                "method": "bank", "submitted_at": held.isoformat(),
                "paid_at": (held + timedelta(days=days)).isoformat(), "days_to_pay": days,
                "target_days": 14, "within_target": days <= 14, "tax_year": "2025-26"},
                classification="pseudonymous"))
    bulletin = o.uid()
    out.append(o.event("commissioning", "bulletin.published", {
        "bulletin_id": bulletin, "project_id": pid, "items": 0, "decisions": 1,
        "published_at": o.clock.isoformat(), "title": "News from the steering group",
        "introduction": "We met and decided.", "released_items": [],
        "released_decisions": [{"decision_id": o.uid(), "text": "Keep the day centre open on "
                                "Saturdays.", "reasons": "People asked for it.",
                                "decided_at": o.clock.isoformat()}], **scope},
        version=2, classification="public"))
    return out


def strange(o: Organisation) -> list[dict]:
    """Events reporting does not know: a newer version and a type nobody told it about."""
    return [o.event("feedback", "story.published", {"story_id": o.uid(), "shape": "new"},
                    version=9),
            o.event("feedback", "story.tagged", {"story_id": o.uid()})]


KINDS = [(story, 60), (mystery_round, 4), (panel, 1), (project, 3), (strange, 1)]


def generate(total: int, organisations: int = 50, seed: int = 13,
             start: datetime | None = None):
    """About ``total`` events across ``organisations``, in time order within each organisation
    (organisations interleaved), as envelopes."""
    rng = random.Random(seed)
    start = start or datetime.now(UTC) - timedelta(days=730)
    per_org = max(1, total // organisations)
    # spread each organisation's events over about 700 days, whatever their number
    pace = 700 * 1440 / (per_org * 60)
    orgs = [Organisation(random.Random(rng.getrandbits(64)), start, pace=pace)
            for _ in range(organisations)]
    made = [0] * organisations
    pending = [opening(o) for o in orgs]
    kinds, weights = zip(*KINDS, strict=True)
    emitted = 0
    while emitted < total:
        progressed = False
        for n, o in enumerate(orgs):
            if made[n] >= per_org and emitted >= organisations * per_org:
                continue
            if not pending[n]:
                pending[n] = o.rng.choices(kinds, weights)[0](o)
            for event in pending[n]:
                yield event
                emitted += 1
                made[n] += 1
            pending[n] = []
            progressed = True
            if emitted >= total:
                return
        if not progressed:
            return


# --- one organisation's activity, for its real ids, sent through RabbitMQ (the HTTP and browser tests)
def activity(organisation_id: str, care_service_ids: list[str], seed: int = 4) -> list[dict]:
    """Stories answered with changes confirmed, two mystery-shopping rounds, a panel selection
    and a commissioning project with meetings, briefings, claims and a bulletin, in the last
    few weeks, for these real ids."""
    o = Organisation(random.Random(seed), datetime.now(UTC) - timedelta(days=40),
                         services=len(care_service_ids), people=30, pace=0.05)
    o.id, o.services = organisation_id, list(care_service_ids)
    out = [e for e in opening(o) if e["type"].startswith("involve.identity.person")
           or "payment_policy" in e["type"]]
    for make in (story, story, story, story, mystery_round, panel,
                 project, mystery_round):
        out += make(o)
    confirmed = _confirmed_story(o)
    return out + confirmed


def _confirmed_story(o) -> list[dict]:
    """One story whose change was made and confirmed by its author and a panel, for sure."""
    sid, rid = o.uid(), o.uid()
    services = [o.services[0]]
    change = {"story_id": sid, "response_id": rid, "change_status": "made",
              "description": "We now answer the phone within five rings.", "verdict": None,
              "panel_verdict": None}
    return [
        o.event("feedback", "story.submitted", {"story_id": sid, "care_service_ids": services,
                                                "relationship": "service_user",
                                                "assisted": False},
                classification="pseudonymous"),
        o.event("feedback", "story.published", {
            "story_id": sid, "care_service_ids": services, "title": "Nobody picked up",
            "text": "I rang four times.", "what_was_good": "", "what_could_be_improved": "",
            "tags": [], "published_at": o.clock.isoformat()}, classification="public"),
        o.event("feedback", "response.published", {
            "story_id": sid, "response_id": rid, "responder_title": "Service manager",
            "text": "Thank you.", "change_status": "made"}, classification="public"),
        o.event("feedback", "change.recorded", change, classification="public"),
        o.event("feedback", "change.recorded", {**change, "verdict": "confirmed",
                                                "panel_verdict": "confirmed"},
                classification="public")]


def publish(amqp_uri: str, events: list[dict]) -> None:
    """Publish envelopes to their services' exchanges, as each service's outbox relay does."""
    with Connection(amqp_uri) as connection:
        producer = connection.Producer(serializer="json")
        for event in events:
            service = event["source"].split("/", 1)[1]
            name = ".".join(event["type"].split(".")[2:-1])
            producer.publish(event, exchange=Exchange(exchange_name(service), type="topic",
                                                      durable=True),
                             routing_key=name, message_id=event["id"], type=event["type"],
                             declare=[Exchange(exchange_name(service), type="topic",
                                               durable=True)])
