#!/usr/bin/env python3
"""The compose test's smoke (run by deploy/testing/compose-test.sh; standard library only).

Talks to the platform only through the published gateway port on 127.0.0.1, and looks inside
with `docker-compose exec` and throwaway containers on the compose network (RabbitMQ and
Prometheus are not published): the first admin made with `involve identity create-admin`, an
organisation, a care service, subscriptions, stories told and published, alerts, escalation and a
digest (feedback's timers are on seconds, deploy/testing/compose.timers.yml), an integrator's
queue, and Prometheus's targets. With two replicas of each service, everything must still happen
exactly once. Prints one line per step; exits non-zero naming the step that failed.

Environment: COMPOSE (the docker-compose command with -p and -f), NETWORK (the compose network),
BASE (http://127.0.0.1:PORT), REPLICAS (1 or 2), AMQP_URI (as the services see it).
"""
from __future__ import annotations

import http.cookiejar
import json
import os
import re
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

COMPOSE = os.environ["COMPOSE"].split()
NETWORK = os.environ["NETWORK"]
BASE = os.environ["BASE"]
REPLICAS = int(os.environ.get("REPLICAS", "1"))
AMQP_URI = os.environ["AMQP_URI"]
BACKEND = ["identity", "panels", "mystery_shopping", "feedback", "commissioning", "reporting",
           "webhooks"]
ADMIN_EMAIL, ADMIN_PASSWORD = "admin@example.org", "compose smoke password"
TEAM_EMAIL = "riverside.team@example.org"
QUEUE = "compose-test-integrator"
STORIES = 6


class Failed(Exception):
    pass


def say(text: str) -> None:
    print(f"smoke: {text}", flush=True)


def check(condition, what: str) -> None:
    if not condition:
        raise Failed(what)


def run(command: list[str], stdin: str | None = None, timeout: float = 180) -> str:
    done = subprocess.run(command, input=stdin, capture_output=True, text=True, timeout=timeout)
    if done.returncode != 0:
        raise Failed(f"{' '.join(command[:6])}... failed: {(done.stderr or done.stdout)[-1500:]}")
    return done.stdout


def containers(service: str) -> list[str]:
    return run(COMPOSE + ["ps", "-q", service]).split()


def in_network(script: str, timeout: float = 120) -> str:
    """Run a Python script in a throwaway container of the Involve image on the compose network."""
    return run(["docker", "run", "--rm", "-i", "--network", NETWORK, "-e", f"AMQP_URI={AMQP_URI}",
                "--entrypoint", "python", "involve:latest", "-"], stdin=script, timeout=timeout)


def mail_in(service: str) -> list[dict]:
    """Every email (.eml, no SMTP_URL) written by every replica of a service."""
    script = ("import email,email.policy,glob,json;print(json.dumps([{'to':m['To'],"
              "'subject':m['Subject'],'body':m.get_content()} for m in (email.message_from_string("
              "open(f).read(),policy=email.policy.default) for f in sorted(glob.glob("
              "'/var/lib/involve/mail/*.eml')))]))")
    found = []
    for container in containers(service):
        found += json.loads(run(["docker", "exec", container, "python", "-c", script]))
    return found


class Client:
    def __init__(self):
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar))
        self.csrf = None

    def call(self, method: str, path: str, body=None, expect=(200, 201, 202)):
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(BASE + path, data=data, method=method)
        if data is not None:
            request.add_header("Content-Type", "application/json")
        if self.csrf and method != "GET":
            request.add_header("X-CSRF-Token", self.csrf)
        try:
            with self.opener.open(request, timeout=60) as response:
                status, payload = response.status, response.read()
        except urllib.error.HTTPError as exc:
            status, payload = exc.code, exc.read()
        parsed = json.loads(payload) if payload[:1] in (b"{", b"[") else payload.decode()
        if status not in expect:
            raise Failed(f"{method} {path} answered {status}: {str(parsed)[:500]}")
        return parsed


def wait_until(what: str, probe, timeout: float, every: float = 0.5):
    deadline = time.monotonic() + timeout
    while True:
        value = probe()
        if value:
            return value
        if time.monotonic() > deadline:
            raise Failed(f"timed out after {timeout:.0f}s waiting for {what}")
        time.sleep(every)


INTEGRATOR_BIND = f"""
import os
from kombu import Connection, Exchange, Queue
with Connection(os.environ["AMQP_URI"]) as conn:
    channel = conn.channel()
    for service in ("identity", "feedback"):
        exchange = Exchange(service + ".events", type="topic", durable=True)
        Queue({QUEUE!r}, exchange=exchange, routing_key="#", durable=True)(channel).declare()
print("bound")
"""

INTEGRATOR_DRAIN = f"""
import json, os
from kombu import Connection
seen = []
with Connection(os.environ["AMQP_URI"]) as conn:
    queue = conn.SimpleQueue({QUEUE!r})
    while True:
        try:
            message = queue.get(timeout=3)
        except queue.Empty:
            break
        seen.append(message.payload)
        message.ack()
    queue.close()
print(json.dumps(seen))
"""

PROMETHEUS = """
import json, sys, urllib.parse, urllib.request
base = "http://prometheus:9090/api/v1/"
targets = json.load(urllib.request.urlopen(base + "targets", timeout=10))["data"]["activeTargets"]
query = urllib.parse.quote('involve_outbox_relayed_total{service="feedback"}')
relayed = json.load(urllib.request.urlopen(base + "query?query=" + query, timeout=10))["data"]
print(json.dumps({"targets": [{"job": t["labels"]["job"], "instance": t["labels"]["instance"],
                               "service": t["labels"].get("compose_service", "rabbitmq"),
                               "health": t["health"]} for t in targets],
                  "relayed": [[r["metric"]["instance"], float(r["value"][1])]
                              for r in relayed["result"]]}))
"""


def smoke() -> None:
    for service in BACKEND:
        check(len(containers(service)) == REPLICAS, f"{service} runs {REPLICAS} replica(s)")
    in_network(INTEGRATOR_BIND)
    say(f"an integrator's durable queue {QUEUE} is bound to identity.events and feedback.events")

    out = run(COMPOSE + ["exec", "-T", "-e", f"INVOLVE_ADMIN_PASSWORD={ADMIN_PASSWORD}", "identity",
                         "involve", "identity", "create-admin", "--email", ADMIN_EMAIL,
                         "--name", "Compose Admin"])
    check("Platform administrator ready" in out, f"create-admin said: {out}")
    say("first administrator created with `involve identity create-admin` in the identity container")

    admin = Client()
    signed_in = admin.call("POST", "/api/v1/auth/sign-in",
                           {"email": ADMIN_EMAIL, "password": ADMIN_PASSWORD})
    admin.csrf = signed_in["csrf_token"]
    org = admin.call("POST", "/api/v1/organisations", {"name": "Compose Care Trust"})["id"]
    care = admin.call("POST", f"/api/v1/organisations/{org}/care-services",
                      {"name": "Riverside Recovery Service", "kind": "addiction"})["id"]
    staff = f"/api/v1/organisations/{org}/feedback"
    admin.call("POST", f"{staff}/subscriptions", {"care_service_ids": [care],
                                                  "escalation_contact": True})
    admin.call("POST", f"{staff}/subscriptions", {
        "team_name": "Riverside team", "team_email": TEAM_EMAIL, "care_service_ids": [care],
        "delivery": "digest"})
    say("signed in; organisation, care service and two subscriptions (the admin at once and as "
        "escalation contact, a team by digest) created")

    public = Client()
    story_ids = []
    for n in range(STORIES):
        told = public.call("POST", f"/api/v1/organisations/{org}/stories", {
            "care_service_ids": [care], "title": f"Waiting in reception ({n + 1})",
            "text": "I waited two hours in reception and nobody told me why. The keyworker was "
                    "kind when I finally got in.",
            "what_was_good": "The keyworker listened.",
            "what_could_be_improved": "Tell people how long the wait is.",
            "relationship": "service_user"})
        story_ids.append(told["story_id"])
    critical = story_ids[0]
    for story_id in story_ids:
        edited = admin.call("GET", f"{staff}/stories/{story_id}/moderation")["edited"]
        admin.call("POST", f"{staff}/stories/{story_id}/moderate", {
            "title": edited["title"], "text": edited["text"],
            "what_was_good": edited.get("what_was_good"),
            "what_could_be_improved": edited.get("what_could_be_improved"),
            "criticality": 4 if story_id == critical else 2, "tag_ids": []})
        admin.call("POST", f"{staff}/stories/{story_id}/publish",
                   {"identifying_details_checked": True})
    published_at = time.monotonic()
    for story_id in story_ids:
        public.call("GET", f"/api/v1/organisations/{org}/stories/{story_id}")
    say(f"{STORIES} stories told without an account, moderated and published; each is public")

    def inbox(kind):
        return [a for a in admin.call("GET", f"{staff}/inbox") if a["kind"] == kind]

    wait_until("an alert for every published story",
               lambda: {a["story_id"] for a in inbox("story")} == set(story_ids), 60)
    wait_until("the critical story's escalation", lambda: inbox("escalation"), 90)
    # the digest period is 10 s and the timer runs every 2 s on every replica: give it several
    # chances to go wrong before counting
    time.sleep(max(0.0, 30 - (time.monotonic() - published_at)) + 8)
    story_alerts, escalations = inbox("story"), inbox("escalation")
    per_story = {s: sum(a["story_id"] == s for a in story_alerts) for s in story_ids}
    check(set(per_story.values()) == {1}, f"one alert per story in the inbox, got {per_story}")
    check([(a["story_id"], a["stage"]) for a in escalations] == [(critical, 1)],
          f"one escalation (stage 1) of the critical story, got {escalations}")
    say(f"the inbox has exactly one alert per story ({STORIES}) and one escalation")

    person_mail = [m for m in mail_in("identity") if m["to"] == ADMIN_EMAIL]
    subjects = [m["subject"] for m in person_mail]
    check(subjects.count("A new story about your service") == STORIES,
          f"{STORIES} alert emails to the admin, got {subjects}")
    check(subjects.count("A critical story is waiting for a response") == 1,
          f"one escalation email to the admin, got {subjects}")
    team_mail = [m for m in mail_in("feedback") if m["to"] == TEAM_EMAIL]
    digested = [link for m in team_mail for link in re.findall(r"/stories/([\w-]+)", m["body"])]
    check(team_mail and sorted(digested) == sorted(story_ids),
          f"the team's digests list each story once, got {len(team_mail)} digest(s) "
          f"listing {sorted(digested)}")
    say(f"emails: {STORIES} alerts and 1 escalation to the admin, {len(team_mail)} digest(s) to "
        f"the team listing each story once")

    events = json.loads(in_network(INTEGRATOR_DRAIN))
    ids = [e["id"] for e in events]
    types = [e["type"] for e in events]
    published = {e["data"]["story_id"] for e in events
                 if e["type"] == "involve.feedback.story.published.v1"}
    check(published == set(story_ids), f"story.published for every story, got {published}")
    check("involve.feedback.story.escalated.v1" in types, "a story.escalated event")
    check("involve.identity.organisation.created.v1" in types, "an organisation.created event")
    say(f"the integrator's queue got {len(ids)} deliveries of {len(set(ids))} distinct events "
        f"({len(ids) - len(set(ids))} redelivered), every story.published among them")

    expected = 1 + REPLICAS * len(BACKEND) + 1  # gateway, every replica, RabbitMQ

    def scraped():
        seen = json.loads(in_network(PROMETHEUS))
        up = [t for t in seen["targets"] if t["health"] == "up"]
        return seen if len(seen["targets"]) == expected and len(up) == expected else None

    seen = wait_until(f"Prometheus to report {expected} targets up", scraped, 90, every=5)
    relayed = {instance: value for instance, value in seen["relayed"]}
    check(len(relayed) == REPLICAS and all(v > 0 for v in relayed.values()),
          f"every feedback replica's outbox relay published events, got {relayed}")
    say(f"Prometheus: all {expected} scrape targets up; feedback events relayed by "
        f"{len(relayed)} replica(s): {sorted(int(v) for v in relayed.values())}")

    with tempfile.TemporaryDirectory(prefix="involve-compose-backup-") as folder:
        out = run(COMPOSE + ["run", "--rm", "--no-deps", "--user", "root", "-v",
                             f"{folder}:/backups", "identity", "backup", "/backups"])
        saved = sorted(p.name for p in Path(folder).iterdir())
        check(all(f"{s}: saved" in out for s in BACKEND) and "Store it apart" in out,
              f"`involve backup` in a container saved every database, said: {out[-800:]}")
    say(f"`involve backup` in a container saved every database with pg_dump ({', '.join(saved)})")


if __name__ == "__main__":
    try:
        smoke()
    except Failed as exc:
        print(f"smoke FAILED: {exc}", flush=True)
        sys.exit(1)
