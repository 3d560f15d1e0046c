"""A session or token of organisation A can read or change nothing of organisation B.

Every route in /openapi.json is tried, so a new route is covered the day it is added: routes
scoped by organisation are called for B with B's real ids; the few routes that are not scoped by
organisation are named here and checked on their own.
"""
import inspect
import re

import pytest
from nameko.standalone.rpc import ClusterRpcClient

from involve.commissioning.service import CommissioningService
from involve.feedback.service import FeedbackService
from involve.identity.service import IdentityService
from involve.kernel.errors import Forbidden
from involve.kernel.policy import TOKEN_PERMISSIONS
from involve.mystery_shopping.service import MysteryShoppingService
from involve.panels.service import PanelsService
from involve.reporting.service import ReportingService
from involve.webhooks.service import WebhooksService
from tests.support.accounts import PASSWORD, invite_and_register, make_org
from tests.support.running import Client, start_service

NOT_ORGANISATION_SCOPED = {
    ("POST", "/api/v1/organisations"), ("GET", "/api/v1/organisations"),
    ("POST", "/api/v1/auth/register"), ("POST", "/api/v1/auth/sign-in"),
    ("POST", "/api/v1/auth/sign-out"), ("POST", "/api/v1/auth/password-reset"),
    ("POST", "/api/v1/auth/password-reset/confirm"), ("GET", "/api/v1/me"),
    ("PUT", "/api/v1/me/consents"), ("GET", "/api/v1/me/export"), ("POST", "/api/v1/me/erase"),
    # the signed-in person's own messages and choice: scoped to the person (another person's
    # message is not found: tests/gateway/identity/test_invitations_names_messages.py)
    ("PUT", "/api/v1/me/notifications"), ("GET", "/api/v1/me/messages"),
    ("POST", "/api/v1/me/messages/read"), ("POST", "/api/v1/me/messages/{message_id}/read"),
    # public by design: a campaign's questions, registering interest, a draw record to verify
    ("GET", "/api/v1/panels/campaigns/{campaign_id}"),
    ("POST", "/api/v1/panels/campaigns/{campaign_id}/registrations"),
    ("GET", "/api/v1/panels/selections/{selection_id}/draw-record"),
    # public by design: a campaign's finished draws (references only), and an invitation read
    # and answered by its secret link (tests/gateway/panels/test_invitations_api.py)
    ("GET", "/api/v1/panels/campaigns/{campaign_id}/draws"),
    ("GET", "/api/v1/panels/invitations/{token}"),
    ("POST", "/api/v1/panels/invitations/{token}/answer"),
    # public by design: the author follows their story with its tracking code (in the body)
    ("POST", "/api/v1/story-tracking"), ("POST", "/api/v1/story-tracking/verdict"),
}
# Organisation routes open to anyone by design: telling a story and reading published ones
# (what they may show is tested in tests/gateway/feedback: never criticality, PII or drafts).
PUBLIC_IN_ORGANISATION = {
    ("POST", "/api/v1/organisations/{organisation_id}/stories"),
    ("GET", "/api/v1/organisations/{organisation_id}/stories"),
    ("GET", "/api/v1/organisations/{organisation_id}/stories/{story_id}"),
    ("GET", "/api/v1/organisations/{organisation_id}/care-services/{care_service_id}"
            "/feedback-summary"),
    ("GET", "/api/v1/organisations/{organisation_id}/story-tags"),
    # "you said, we did": public facts only (tests/gateway/reporting)
    ("GET", "/api/v1/organisations/{organisation_id}/you-said-we-did"),
}
PUBLIC_PAGES = ("/organisations/<organisation_id>/stories",
                "/organisations/<organisation_id>/care-services/<care_service_id>/stories",
                "/organisations/<organisation_id>/you-said-we-did")
# The public page of an organisation (its name, care services and open panels): exactly this.
PUBLIC_PAGE_EXACT = {"/organisations/<organisation_id>"}


def _public(method: str, url: str) -> bool:
    """An API route (OpenAPI or werkzeug syntax) or a page that is public by design."""
    doc = re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", url)
    return ((method.upper(), doc) in PUBLIC_IN_ORGANISATION or url.startswith(PUBLIC_PAGES)
            or url in PUBLIC_PAGE_EXACT)


@pytest.fixture
def two_organisations(platform, admin, service_config):
    a, b = make_org(admin, "Organisation A"), make_org(admin, "Organisation B")
    invite_and_register(admin, platform, service_config["DATA_DIR"], a, "lead@a.example", "admin")
    a_admin = Client(platform).sign_in("lead@a.example", PASSWORD)
    a_token = Client(platform, token=a_admin.post(f"/api/v1/organisations/{a}/tokens", {
        "name": "all", "permissions": TOKEN_PERMISSIONS})[1]["token"])
    b_ids = {
        "organisation_id": b,
        "care_service_id": admin.post(f"/api/v1/organisations/{b}/care-services",
                                      {"name": "B house", "kind": "housing"})[1]["id"],
        "person_id": admin.post(f"/api/v1/organisations/{b}/people",
                                {"name": "B person", "roles": ["volunteer"]})[1]["id"],
        "token_id": admin.post(f"/api/v1/organisations/{b}/tokens",
                               {"name": "b", "permissions": ["people.read"]})[1]["id"],
        # the gateway refuses a foreign organisation before looking these up
        "campaign_id": "b-campaign", "selection_id": "b-selection", "registration_id": "b-reg",
        "question_set_id": "b-question-set", "shopper_id": "b-shopper", "round_id": "b-round",
        "assignment_id": "b-assignment", "subscription_id": "b-subscription",
        "invitation_id": "b-invitation",
        "story_id": "b-story", "alert_id": "b-alert", "response_id": "b-response",
        "webhook_id": "b-webhook", "delivery_id": "b-delivery",
        # commissioning and payments (services/gateway/commissioning/api.py)
        "project_id": "b-project", "budget_line_id": "b-budget-line", "group_id": "b-group",
        "membership_id": "b-membership", "opportunity_id": "b-opportunity",
        "agreement_id": "b-agreement", "meeting_id": "b-meeting", "paper_id": "b-paper",
        "decision_id": "b-decision", "term_id": "b-term", "item_id": "b-item",
        "conflict_id": "b-conflict", "tender_id": "b-tender", "bidder_id": "b-bidder",
        "claim_id": "b-claim", "bulletin_id": "b-bulletin",
        "assessment_id": "b-assessment",
    }
    return a, a_admin, a_token, b_ids


def test_every_route_refuses_another_organisation(platform, admin, two_organisations):
    a, a_admin, a_token, b_ids = two_organisations
    document = Client(platform).get("/openapi.json")[1]
    scoped, unscoped = [], set()
    for path, operations in document["paths"].items():
        for method in operations:
            if _public(method, path):
                continue
            if "{organisation_id}" in path:
                scoped.append((method.upper(), path))
            else:
                unscoped.add((method.upper(), path))
    assert unscoped == NOT_ORGANISATION_SCOPED, "decide how a new unscoped route is isolated"
    assert len(scoped) >= 14
    # every commissioning and payments route is among them (services/gateway/commissioning)
    assert sum(("/commissioning/" in p or "/payments/" in p) for _, p in scoped) >= 85
    leaks = []
    for method, path in scoped:
        url = re.sub(r"\{(\w+)\}", lambda m: b_ids[m.group(1)], path) + "?reason=testing+isolation"
        for who, client in (("A's admin session", a_admin), ("A's all-permission token", a_token)):
            status, body = client.request(method, url, {} if method != "GET" else None)
            if status not in (401, 403):
                leaks.append(f"{who}: {method} {path} -> {status} {str(body)[:80]}")
    assert leaks == []
    # and the same routes do work for A itself (the refusals above are not a blanket 403)
    assert a_admin.get(f"/api/v1/organisations/{a}/care-services")[0] == 200
    assert a_token.get(f"/api/v1/organisations/{a}/people")[0] == 200


def test_unscoped_routes_show_only_your_own(platform, admin, two_organisations):
    a, a_admin, a_token, _b_ids = two_organisations
    assert [o["id"] for o in a_admin.get("/api/v1/organisations")[1]] == [a]
    assert [o["id"] for o in a_token.get("/api/v1/organisations")[1]] == [a]
    assert a_admin.post("/api/v1/organisations", {"name": "Sneaky"})[0] == 403
    me = a_admin.get("/api/v1/me")[1]
    assert set(me["roles"]) == {a}
    assert a_token.get("/api/v1/me")[0] == 401  # a token is not a person


@pytest.mark.parametrize("service_class, at_least", [
    (IdentityService, 13), (FeedbackService, 10), (MysteryShoppingService, 10),
    (PanelsService, 20),
    (CommissioningService, 80),
    (WebhooksService, 8), (ReportingService, 15)])
def test_services_check_organisation_scope_again(platform, two_organisations, service_config,
                                                 container_factory, service_class, at_least):
    """Even a caller that skips the gateway cannot cross organisations inside a service: every
    RPC method taking (principal, organisation_id, ...) refuses A's administrator for B."""
    a, a_admin, _, b_ids = two_organisations
    if service_class in (WebhooksService, ReportingService):  # not in the shared platform
        start_service(container_factory, service_class)
    principal = {"person_id": a_admin.person_id, "token_id": None, "platform_admin": False,
                 "roles": {a: ["admin"]}}
    scoped = [name for name, fn in inspect.getmembers(service_class, inspect.isfunction)
              if "organisation_id" in inspect.signature(fn).parameters
              and list(inspect.signature(fn).parameters)[1] == "principal"]
    assert len(scoped) >= at_least
    with ClusterRpcClient(uri=service_config["AMQP_URI"]) as rpc:
        proxy = getattr(rpc, service_class.name)
        for name in scoped:
            params = list(inspect.signature(getattr(service_class, name)).parameters)[2:]
            args = [b_ids.get(p, {} if p in ("data", "filters") else "testing") for p in params]
            with pytest.raises(Forbidden):
                getattr(proxy, name)(principal, *args)


def test_every_page_refuses_another_organisation(platform, admin, two_organisations):
    """The web pages too: every gateway route with an organisation in its path, found from the
    Nameko entrypoints themselves (API and pages alike), refuses A's administrator for B."""
    from urllib.parse import urlencode

    from nameko.web.handlers import HttpRequestHandler

    from involve.gateway.service import GatewayService

    _a, a_admin, _, b_ids = two_organisations
    routes = sorted({(entry.method, entry.url)
                     for _, member in inspect.getmembers(GatewayService)
                     for entry in getattr(member, "nameko_entrypoints", ())
                     if isinstance(entry, HttpRequestHandler) and "<organisation_id>" in entry.url})
    pages = [r for r in routes if not r[1].startswith("/api/")]
    assert len(pages) >= 7, routes
    leaks = []
    for method, url in routes:
        if _public(method, url):
            continue
        path = re.sub(r"<(?:\w+:)?(\w+)>", lambda m: b_ids[m.group(1)], url)
        form = urlencode({"csrf_token": a_admin.csrf, "name": "Intruder", "kind": "other",
                          "email": "x@example.org", "role": "admin", "roles": "admin",
                          "permissions": "people.read"}).encode()
        status, _body = a_admin.request(
            method, path + ("?reason=testing" if method == "GET" else ""),
            raw=None if method == "GET" else form,
            headers={} if method == "GET" else {"Content-Type": "application/x-www-form-urlencoded"})
        if status not in (401, 403):
            leaks.append(f"{method} {url} -> {status}")
    assert leaks == []
    # nothing was created in B by any of those attempts
    assert [s["name"] for s in admin.get(f"/api/v1/organisations/{b_ids['organisation_id']}"
                                         "/care-services")[1]] == ["B house"]
