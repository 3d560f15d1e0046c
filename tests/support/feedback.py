"""Steps the feedback gateway tests share."""
from __future__ import annotations

import time
from dataclasses import dataclass, field

from tests.support.accounts import PASSWORD, invite_and_register, make_org
from tests.support.running import Client

STORY_WITH_DETAILS = (
    "I waited two hours in reception and nobody told me why. My keyworker John Smith was "
    "kind when I finally got in. Please call me on 07700 900123 or write to "
    "jo.bloggs@example.com. If they had just told us the waiting time I would not have "
    "shouted at the receptionist.")
CLEANED = ("I waited two hours in reception and nobody told me why. My keyworker was kind "
           "when I finally got in. If they had just told us the waiting time I would not have "
           "shouted at the receptionist.")
AUTHOR_EMAIL = "story.author@example.net"


@dataclass
class Setting:
    platform: str
    admin: Client
    org: str
    riverside: str
    hillside: str
    people: dict = field(default_factory=dict)  # name -> signed-in Client

    @property
    def api(self) -> str:
        return f"/api/v1/organisations/{self.org}"

    @property
    def staff(self) -> str:
        return f"/api/v1/organisations/{self.org}/feedback"


def make_setting(platform, admin, data_dir) -> Setting:
    org = make_org(admin, "Phoenix Futures")
    services = []
    for name in ("Riverside Recovery Service", "Hillside Alcohol Service"):
        status, body = admin.post(f"/api/v1/organisations/{org}/care-services",
                                  {"name": name, "kind": "addiction"})
        assert status == 201, body
        services.append(body["id"])
    setting = Setting(platform, admin, org, *services)
    for name, role in (("mo", "moderator"), ("rae", "responder"), ("sam", "staff"),
                       ("hal", "staff"), ("lee", "involvement_lead")):
        email = f"{name}@phoenix.example.org"
        invite_and_register(admin, platform, data_dir, org, email, role, name=name.title())
        setting.people[name] = Client(platform).sign_in(email, PASSWORD)
    return setting


def story(setting, **changes) -> dict:
    body = {"care_service_ids": [setting.riverside], "title": "Waiting in reception",
            "text": STORY_WITH_DETAILS, "what_was_good": "My keyworker listened.",
            "what_could_be_improved": "Tell people how long the wait is.",
            "relationship": "service_user"}
    body.update(changes)
    return body


def submit(setting, **changes) -> dict:
    status, body = Client(setting.platform).post(f"{setting.api}/stories",
                                                 story(setting, **changes))
    assert status == 201, body
    return body


def tag_ids(setting, *names) -> list[str]:
    status, tags = setting.people["mo"].get(f"{setting.staff}/tags")
    assert status == 200, tags
    by_name = {t["name"].casefold(): t["id"] for t in tags}
    return [by_name[n.casefold()] for n in names]


def moderate_and_publish(setting, story_id, *, text=CLEANED, criticality=2, tags=(),
                         checked=False, **edits) -> dict:
    mo = setting.people["mo"]
    status, body = mo.get(f"{setting.staff}/stories/{story_id}/moderation")
    assert status == 200, body
    edited = body["edited"]
    status, body = mo.post(f"{setting.staff}/stories/{story_id}/moderate", {
        "title": edits.get("title", edited["title"]), "text": text,
        "what_was_good": edits.get("what_was_good", edited.get("what_was_good")),
        "what_could_be_improved": edits.get("what_could_be_improved",
                                            edited.get("what_could_be_improved")),
        "criticality": criticality, "tag_ids": list(tags)})
    assert status == 200, body
    status, body = mo.post(f"{setting.staff}/stories/{story_id}/publish",
                           {"identifying_details_checked": checked})
    assert status == 200, body
    return body


def wait_for_alerts(client, setting, story_id, kind="story", timeout=15.0) -> list[dict]:
    """Routing is asynchronous (an event handler): poll the inbox briefly."""
    deadline = time.monotonic() + timeout
    while True:
        status, alerts = client.get(f"{setting.staff}/inbox")
        assert status == 200, alerts
        found = [a for a in alerts if a["story_id"] == story_id and a["kind"] == kind]
        if found or time.monotonic() > deadline:
            return found
        time.sleep(0.1)
