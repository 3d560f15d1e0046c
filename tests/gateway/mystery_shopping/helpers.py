"""The seed 000 setting (Phoenix Futures) and steps the mystery-shopping API and page tests share."""
import urllib.error
import urllib.request
from datetime import datetime

from tests.support.accounts import PASSWORD, invite_and_register, make_org
from tests.support.running import Client

FIRST_CONTACT = "involve.first-contact"
YES_NO = ["answered-60s", "told-name-service", "asked-without-judgement", "self-referral",
          "waiting-time", "family-information", "crisis-numbers", "access-needs",
          "accurate-information", "follow-up"]


def download(client, path):
    """(status, headers, bytes): for files, which the JSON client would decode as text."""
    request = urllib.request.Request(client.base + path)
    try:
        with client.opener.open(request, timeout=60) as response:
            return response.status, response.headers, response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.headers, exc.read()


def complete_call(yes: int, welcome: int, call_back: int, words: str, when: datetime) -> dict:
    """A finished call record: the first ``yes`` efficiency questions answered yes."""
    answers = {qid: "yes" if i < yes else "no" for i, qid in enumerate(YES_NO)}
    answers.update({"felt-welcome": welcome, "would-call-back": call_back, "notes": words})
    return {"called_at": when.isoformat(), "seconds_to_answer": 20 + yes, "answers": answers,
            "notes": "Checked against the information pack.", "callback_promised": False}


def agree_to_mystery_shop(client, given=True):
    """The person says yes (or no) to being asked to mystery shop, as on their My account page."""
    status, consent = client.put("/api/v1/me/consents", {"purpose": "mystery_shopping",
                                                          "given": given})
    assert status == 200 and consent["given"] is given, consent
    return consent


class Phoenix:
    """Seed 000: an organisation with three services, a coordinator, three council members who
    have agreed to be asked to mystery shop."""

    def __init__(self, platform, admin, data_dir):
        self.org = make_org(admin, "Phoenix Futures")
        self.base = f"/api/v1/organisations/{self.org}/mystery-shopping"
        self.services = {}
        for name in ("Sheffield Primary Care Addiction Service", "Phoenix Glasgow Residential",
                     "Phoenix Wirral Community Service"):
            status, body = admin.post(f"/api/v1/organisations/{self.org}/care-services",
                                      {"name": name, "kind": "addiction",
                                       "public_phone": "0114 000 0000"})
            assert status == 201, body
            self.services[name.split()[1]] = body["id"]  # Primary, Glasgow, Wirral
        invite_and_register(admin, platform, data_dir, self.org, "lead@phoenix.example",
                            "involvement_lead", name="Lee")
        self.lead = Client(platform).sign_in("lead@phoenix.example", PASSWORD)
        self.shoppers = {}
        for name in ("ann", "bob", "cat"):
            invite_and_register(admin, platform, data_dir, self.org, f"{name}@phoenix.example",
                                "council_member", name=name.title())
            self.shoppers[name] = Client(platform).sign_in(f"{name}@phoenix.example", PASSWORD)
            agree_to_mystery_shop(self.shoppers[name])

    def first_contact_set(self) -> dict:
        status, sets = self.lead.get(f"{self.base}/question-sets")
        assert status == 200, sets
        return next(s for s in sets if s["key"] == FIRST_CONTACT and not s.get("superseded"))

    def schedule(self, name, starts_on, ends_on, seed):
        status, round_ = self.lead.post(f"{self.base}/rounds", {
            "name": name, "question_set_id": self.first_contact_set()["id"],
            "care_service_ids": list(self.services.values()), "calls_per_service": 2,
            "personas": ["potential_client", "family_member", "referrer"],
            "starts_on": starts_on.isoformat(), "ends_on": ends_on.isoformat(), "seed": seed})
        assert status == 201, round_
        return round_

    def mine(self, who):
        status, mine = self.shoppers[who].get(f"{self.base}/my-assignments")
        assert status == 200, mine
        return mine
