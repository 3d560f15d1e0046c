"""Every journey that writes today, as the fault suite drives them through the gateway.

Each journey makes one write per call of ``write`` and later checks, against the service's own
database and an integrator's durable queue, what became of the writes made in one phase (one
fault). Add a journey (commissioning's writes, when they exist) by adding a class to JOURNEYS.

A write's outcome is what its caller saw: ``accepted`` (2xx), ``refused`` (503 or 429, or no
gateway to connect to), ``unanswered`` (the connection dropped mid-request: it may or may not
have happened, and either way must not be half done), or ``wrong`` (anything else: a failure).
"""
from __future__ import annotations

import collections
import time
import urllib.error
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from sqlalchemy import bindparam, text

from tests.support.running import Client

HOUSEHOLD_KEY = "faults-suite-household-key"
STORY_TEXT = ("The waiting room was cold and nobody told us how long it would take. The staff "
              "were kind once we were seen, but a notice about waiting times would help.")
YES_NO = ["answered-60s", "told-name-service", "asked-without-judgement", "self-referral",
          "waiting-time", "family-information", "crisis-numbers", "access-needs",
          "accurate-information", "follow-up"]


@dataclass
class Write:
    journey: str
    key: str | None
    status: object  # an HTTP status, or the name of the error when there was no answer
    started: float
    finished: float
    step: str = ""

    @property
    def outcome(self) -> str:
        if isinstance(self.status, int):
            if 200 <= self.status < 300:
                return "accepted"
            if self.status in (429, 503):
                return "refused"
            return "wrong"
        if self.status == "ConnectionRefusedError":
            return "refused"
        if str(self.status).startswith("already"):
            return "retried"  # a 409 saying an earlier refused or unanswered try did happen
        return "unanswered"

    @property
    def seconds(self) -> float:
        return self.finished - self.started


@dataclass
class Check:
    """What one journey found after one phase."""

    lost: list = field(default_factory=list)  # accepted yet not stored, or stored with no event
    twice: list = field(default_factory=list)  # stored or applied more than once
    half: list = field(default_factory=list)  # any write done in part only
    refused_but_applied: list = field(default_factory=list)
    pending: list = field(default_factory=list)  # effects not there yet (wait and look again)


def send(client: Client, method: str, path: str, body=None):
    """(status or error name, body or None): never raises for a missing or dropped gateway."""
    try:
        return client.request(method, path, body)
    except urllib.error.URLError as exc:
        reason = exc.reason if isinstance(exc.reason, BaseException) else exc
        return type(reason).__name__, None
    except OSError as exc:  # dropped mid-answer: RemoteDisconnected, ConnectionResetError ...
        return type(exc).__name__, None


def timed(journey: str, key, client, method, path, body=None, step=""):
    started = time.monotonic()
    status, answer = send(client, method, path, body)
    return Write(journey, key, status, started, time.monotonic(), step), answer


def rows(world, service, sql, **params):
    statement = text(sql)
    for name, value in params.items():
        if isinstance(value, (tuple, list, set)):
            statement = statement.bindparams(bindparam(name, expanding=True))
            params[name] = list(value)
    with world.engines[service].connect() as connection:
        return connection.execute(statement, params).all()


def events_of(world, event_type):
    return [e for e in world.events.values() if e["type"].endswith(f".{event_type}.v1")]


class Journey:
    name = ""
    needs: set = set()  # the back-end services its requests go through
    writers = 2  # how many people do this at once

    def prepare(self, world):
        """Once, before the first phase."""

    def begin(self, world, phase):
        """Before each phase, with nothing broken yet."""

    def write(self, world, phase, n) -> Write | None:
        raise NotImplementedError

    def check(self, world, phase, writes) -> Check:
        raise NotImplementedError


def _by_marker(journey, writes, stored_markers, evented_markers):
    """The usual check when the client chooses a unique marker for each write."""
    check = Check()
    counts = collections.Counter(stored_markers)
    stored = set(counts)
    accepted = {w.key for w in writes if w.outcome == "accepted"}
    for key in accepted - stored:
        check.lost.append(f"{journey}: accepted {key} is not stored")
    # stored although no try at it was accepted: a refused or unanswered try did happen
    check.refused_but_applied += sorted({w.key for w in writes} & stored - accepted)
    check.twice += [f"{journey}: {m} stored {c} times" for m, c in counts.items() if c > 1]
    for marker in stored - set(evented_markers):
        check.half.append(f"{journey}: {marker} stored but its event never reached the queue")
    return check


class Organisations(Journey):
    name = "organisations"
    needs = {"identity"}

    def write(self, world, phase, n):
        marker = f"{phase} org {n}"
        write, _ = timed(self.name, marker, world.admin, "POST", "/api/v1/organisations",
                         {"name": marker})
        return write

    def check(self, world, phase, writes):
        stored = [r[0] for r in rows(world, "identity",
                                     "SELECT name FROM organisations WHERE name LIKE :p",
                                     p=f"{phase} org %")]
        evented = [e["data"]["name"] for e in events_of(world, "organisation.created")]
        return _by_marker(self.name, writes, stored, evented)


class CareServices(Journey):
    name = "care services"
    needs = {"identity"}

    def write(self, world, phase, n):
        marker = f"{phase} service {n}"
        write, _ = timed(self.name, marker, world.admin, "POST",
                         f"/api/v1/organisations/{world.org}/care-services",
                         {"name": marker, "kind": "wellbeing"})
        return write

    def check(self, world, phase, writes):
        stored = [r[0] for r in rows(world, "identity",
                                     "SELECT name FROM care_services WHERE name LIKE :p",
                                     p=f"{phase} service %")]
        evented = [e["data"]["name"] for e in events_of(world, "care_service.created")]
        return _by_marker(self.name, writes, stored, evented)


class Stories(Journey):
    """Someone tells their story without an account; each one told feeds moderation."""

    name = "stories"
    needs = {"identity", "feedback"}

    def prepare(self, world):
        # The organisation's first story creates its default tags; two first stories at once
        # clash on them (a 409 for one: feedback's tags.ensure_defaults, reported). Tell one
        # story first, as in real life, so the load measures faults and not that race.
        status, body = world.public.post(
            f"/api/v1/organisations/{world.feedback_org}/stories",
            {"care_service_ids": [world.followed_service], "title": "The first story",
             "text": STORY_TEXT, "relationship": "service_user"})
        assert status == 201, body

    def write(self, world, phase, n):
        marker = f"{phase} story {n}"
        write, answer = timed(self.name, marker, world.public, "POST",
                              f"/api/v1/organisations/{world.feedback_org}/stories",
                              {"care_service_ids": [world.followed_service], "title": marker,
                               "text": STORY_TEXT, "relationship": "service_user"})
        if write.outcome == "accepted":
            world.to_moderate.append(answer["story_id"])
        return write

    def check(self, world, phase, writes):
        found = rows(world, "feedback", "SELECT id, title FROM stories WHERE title LIKE :p",
                     p=f"{phase} story %")
        ids = {story_id: title for story_id, title in found}  # noqa: C416 - Row objects
        evented = [ids[e["data"]["story_id"]] for e in events_of(world, "story.submitted")
                   if e["data"]["story_id"] in ids]
        return _by_marker(self.name, writes, [title for _, title in found], evented)


class Moderation(Journey):
    """A moderator rates each story told, then publishes it; its one follower is alerted once."""

    name = "moderation"
    needs = {"identity", "feedback"}
    writers = 1  # one moderator, working through the stories in order

    def prepare(self, world):
        self.moderated = set()
        self.tried_publish = set()  # a publish that was refused or unanswered, to try again

    def write(self, world, phase, n):
        if not world.to_moderate:
            return None
        story_id = world.to_moderate.popleft()
        staff = f"/api/v1/organisations/{world.feedback_org}/feedback/stories/{story_id}"
        if story_id not in self.moderated:
            write, _ = timed(self.name, story_id, world.moderator, "POST", f"{staff}/moderate",
                             {"title": "A cold waiting room", "text": STORY_TEXT,
                              "criticality": 2, "tag_ids": []}, step="moderate")
            if write.outcome == "accepted":
                self.moderated.add(story_id)
            world.to_moderate.appendleft(story_id)  # publish next (or moderate again)
            return write
        write, _ = timed(self.name, story_id, world.moderator, "POST", f"{staff}/publish",
                         {"identifying_details_checked": True}, step="publish")
        if write.status == 409 and story_id in self.tried_publish:
            write.status = "already published by an earlier try"  # evidence, not a failure
        elif write.outcome != "accepted":
            self.tried_publish.add(story_id)
            world.to_moderate.append(story_id)
        return write

    def check(self, world, phase, writes):
        check = Check()
        published = [w for w in writes if w.step == "publish"]
        ids = {w.key for w in writes}
        if not ids:
            return check
        found = dict(rows(world, "feedback", "SELECT id, status FROM stories WHERE id IN :ids",
                          ids=tuple(ids)))
        rated = {r[0] for r in rows(world, "feedback",
                                    "SELECT id FROM stories WHERE id IN :ids AND criticality = 2",
                                    ids=tuple(ids))}
        for write in writes:
            if write.step == "moderate" and write.outcome == "accepted" and write.key not in rated:
                check.lost.append(f"moderation: rating of {write.key} accepted but not stored")
        evented = collections.Counter(e["data"]["story_id"]
                                      for e in events_of(world, "story.published"))
        alerts = collections.Counter(r[0] for r in rows(
            world, "feedback",
            "SELECT story_id FROM alerts WHERE kind = 'story' AND story_id IN :ids",
            ids=tuple(ids)))
        accepted = {w.key for w in published if w.outcome == "accepted"}
        for story_id in accepted:
            if found.get(story_id) != "published":
                check.lost.append(f"moderation: publishing {story_id} accepted but not stored")
        check.refused_but_applied += sorted(
            {w.key for w in published if found.get(w.key) == "published"} - accepted)
        for story_id in {w.key for w in published if found.get(w.key) == "published"}:
            if not evented[story_id]:
                check.half.append(f"moderation: {story_id} published, its event never arrived")
            if alerts[story_id] == 0:
                check.pending.append(f"moderation: {story_id} published, its follower not "
                                     "alerted (yet)")
            elif alerts[story_id] > 1:
                check.twice.append(f"moderation: {story_id} alerted its follower "
                                   f"{alerts[story_id]} times")
        return check


class Registrations(Journey):
    """Volunteers register for a panel without an account (a fresh campaign each phase)."""

    name = "registrations"
    needs = {"panels"}

    def begin(self, world, phase):
        status, campaign = world.admin.post(
            f"/api/v1/organisations/{world.org}/panels/campaigns",
            {"purpose": f"{phase} panel", "panel_size": 4, "categories": [
                {"name": "gender", "values": [{"value": "woman"}, {"value": "man"}]}]})
        assert status == 201, campaign
        world.campaigns[phase] = campaign["id"]

    def write(self, world, phase, n):
        address = f"{n} {phase} Street"
        write, _ = timed(self.name, address, world.public, "POST",
                         f"/api/v1/panels/campaigns/{world.campaigns[phase]}/registrations",
                         {"answers": {"gender": "woman" if n % 2 else "man"},
                          "consent_to_contact": True, "consent_to_selection": True,
                          "household_address": address})
        return write

    def check(self, world, phase, writes):
        from involve.panels.households import household_key

        campaign = world.campaigns[phase]
        by_key = {household_key(HOUSEHOLD_KEY.encode(), campaign, w.key): w.key for w in writes}
        found = rows(world, "panels",
                     "SELECT id, household_key FROM registrations WHERE campaign_id = :c",
                     c=campaign)
        stored = [by_key.get(k, f"unknown household {k}") for _, k in found]
        ids = {rid: by_key.get(k) for rid, k in found}
        evented = [ids[e["data"]["registration_id"]]
                   for e in events_of(world, "registration.received")
                   if e["data"]["registration_id"] in ids]
        return _by_marker(self.name, writes, stored, evented)


class Calls(Journey):
    """Mystery shoppers submit their call records (a fresh round of 60 calls each phase)."""

    name = "calls"
    needs = {"identity", "mystery_shopping"}
    writers = 1

    def begin(self, world, phase):
        today = datetime.now(UTC).date()
        status, round_ = world.lead.post(f"{world.mystery_base}/rounds", {
            "name": f"{phase} round", "question_set_id": world.question_set,
            "care_service_ids": world.mystery_services, "calls_per_service": 10,
            "personas": ["potential_client", "family_member", "referrer"],
            "starts_on": (today - timedelta(days=2)).isoformat(),
            "ends_on": (today + timedelta(days=10)).isoformat(), "seed": 7})
        assert status == 201, round_
        world.rounds[phase] = round_["id"]
        self.todo = collections.deque()
        for shopper in world.shoppers:
            status, mine = shopper.get(f"{world.mystery_base}/my-assignments")
            assert status == 200, mine
            self.todo.extend((shopper, a["id"]) for a in mine
                             if a["round_id"] == round_["id"] and a["status"] == "assigned")
        self.tried = set()

    def write(self, world, phase, n):
        if not self.todo:
            return None
        shopper, assignment = self.todo.popleft()
        answers = {qid: "yes" if i < 7 else "no" for i, qid in enumerate(YES_NO)}
        answers.update({"felt-welcome": 4, "would-call-back": 4, "notes": "Helpful."})
        when = datetime.now(UTC) - timedelta(hours=1)
        write, _ = timed(self.name, assignment, shopper, "POST",
                         f"{world.mystery_base}/assignments/{assignment}/call",
                         {"called_at": when.isoformat(), "seconds_to_answer": 30,
                          "answers": answers, "callback_promised": False})
        if write.status == 409 and assignment in self.tried:
            write.status = "already recorded by an earlier try"
        elif write.outcome != "accepted":
            self.tried.add(assignment)
            self.todo.append((shopper, assignment))
        return write

    def check(self, world, phase, writes):
        found = rows(world, "mystery_shopping",
                     "SELECT id, assignment_id FROM calls WHERE round_id = :r "
                     "AND status = 'submitted'", r=world.rounds[phase])
        ids = {story_id: title for story_id, title in found}  # noqa: C416 - Row objects
        evented = [ids[e["data"]["call_id"]] for e in events_of(world, "call.recorded")
                   if e["data"]["call_id"] in ids]
        return _by_marker(self.name, writes, [a for _, a in found], evented)


JOURNEYS = [Organisations(), CareServices(), Stories(), Moderation(), Registrations(), Calls()]
