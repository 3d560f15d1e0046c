"""Identity's pages and the site's own through a running gateway: confirmation before anything
that cannot be undone, names on the People page for those allowed, the sign-up page saying the
role, the public way in, and plain pages for unknown addresses."""
from urllib.parse import urlencode

from tests.support.accounts import PASSWORD, invite_and_register, last_link, make_org
from tests.support.running import Client, http

FORM = {"Content-Type": "application/x-www-form-urlencoded"}


def post_form(client, path, **fields):
    return client.request("POST", path, raw=urlencode({"csrf_token": client.csrf, **fields},
                                                      doseq=True).encode(), headers=FORM)


def test_revoking_a_token_asks_first_and_only_the_confirmation_revokes(platform, admin):
    org = make_org(admin)
    token = admin.post(f"/api/v1/organisations/{org}/tokens",
                       {"name": "Rota system", "permissions": ["organisations.read"]})[1]
    page = f"/admin/organisations/{org}/tokens/{token['id']}/revoke"
    integrator = Client(platform, token=token["token"])
    status, html = admin.get(page)
    assert status == 200 and "Revoke the API token “Rota system”?" in html
    assert "What will happen" in html and "No, keep it working" in html
    assert 'name="confirmed" value="yes"' in html
    # a one-click POST (an old button, a form elsewhere) only leads to the question
    status, html = post_form(admin, page)
    assert status == 200 and "What will happen" in html
    assert integrator.get(f"/api/v1/organisations/{org}")[0] == 200
    status, html = post_form(admin, page, confirmed="yes")
    assert status == 200 and "The API token has been revoked" in html
    assert integrator.get(f"/api/v1/organisations/{org}")[0] == 401
    other = make_org(admin, "Turning Point")
    status, _ = admin.get(f"/admin/organisations/{other}/tokens/{token['id']}/revoke")
    assert status == 404  # a token of another organisation is not found there


def test_people_page_names_people_and_the_invitation_page_lists_who_has_not_answered(
        platform, admin, service_config):
    org = make_org(admin)
    data_dir = service_config["DATA_DIR"]
    invite_and_register(admin, platform, data_dir, org, "cara@example.org", "council_member",
                        name="Cara Council")
    invite_and_register(admin, platform, data_dir, org, "sid@example.org", "staff", name="Sid")
    admin.post(f"/api/v1/organisations/{org}/invitations",
               {"name": "Dan Waiting", "email": "dan@example.org", "role": "volunteer"})
    status, html = admin.get(f"/admin/organisations/{org}/people")
    assert status == 200 and "Cara Council" in html and "Council member" in html
    assert "recorded in the audit log" in html
    sid = Client(platform).sign_in("sid@example.org", PASSWORD)
    status, html = sid.get(f"/admin/organisations/{org}/people")
    assert status == 200 and "Cara Council" not in html and "by their Involve id only" in html
    status, html = admin.get(f"/admin/organisations/{org}/invitations")
    assert status == 200 and "Dan Waiting" in html and "dan@example.org" in html
    assert "Cara Council" not in html  # she has answered
    assert sid.get(f"/admin/organisations/{org}/invitations")[0] == 403


def test_the_sign_up_page_says_the_organisation_and_role(platform, admin, service_config):
    org = make_org(admin)
    admin.post(f"/api/v1/organisations/{org}/invitations",
               {"name": "Cara Council", "email": "cara@example.org", "role": "council_member"})
    token, _ = last_link(service_config["DATA_DIR"], "/register")
    status, html, _ = http("GET", f"{platform}/register?invitation={token}")
    assert status == 200
    assert "Phoenix Futures has invited you to join Involve as a council member" in html
    assert 'value="Cara Council"' in html and 'value="cara@example.org"' in html
    status, html, _ = http("GET", f"{platform}/register?invitation=not-a-real-link")
    assert status == 400 and "This invitation cannot be used" in html


def test_the_public_finds_an_organisation_its_services_and_open_panels(platform, admin):
    org = make_org(admin)
    admin.post(f"/api/v1/organisations/{org}/care-services",
               {"name": "Harbour Recovery", "kind": "addiction", "region": "Dorset"})
    status, campaign = admin.post(f"/api/v1/organisations/{org}/panels/campaigns", {
        "purpose": "Shape the new drop-in centre", "panel_size": 4,
        "categories": [{"name": "age", "values": [{"value": "under 30"}, {"value": "30+"}]}]})
    assert status == 201, campaign
    status, home, _ = http("GET", platform + "/")
    assert status == 200 and f'href="/organisations/{org}"' in home
    assert 'href="/openapi.json"' in home.split("<footer")[1]  # the developers' link: footer only
    assert 'href="/openapi.json"' not in home.split("<footer")[0]
    status, html, _ = http("GET", f"{platform}/organisations/{org}")
    assert status == 200 and "Harbour Recovery" in html
    assert f'href="/organisations/{org}/stories/new"' in html
    assert f'href="/panels/{campaign["id"]}/register"' in html
    assert "Shape the new drop-in centre" in html
    admin.post(f"/api/v1/organisations/{org}/panels/campaigns/{campaign['id']}/close")
    status, html, _ = http("GET", f"{platform}/organisations/{org}")
    assert "no panels open for registration" in html
    status, html, _ = http("GET", f"{platform}/organisations/no-such-organisation")
    assert status == 404 and "Page not found" in html


def test_unknown_addresses_get_a_plain_page_and_the_favicon_is_there(platform):
    status, html, headers = http("GET", platform + "/no/such/page")
    assert status == 404 and headers.get_content_type() == "text/html"
    assert "Page not found" in html and 'href="/"' in html and "Traceback" not in html
    status, body, _ = http("GET", platform + "/api/v1/no-such-route")
    assert status == 404 and body["error"]["code"] == "not_found"
    status, svg, headers = http("GET", platform + "/favicon.ico")
    assert status == 200 and headers.get_content_type() == "image/svg+xml" and "<svg" in svg
    status, html, _ = http("GET", platform + "/")
    assert '<link rel="icon" href="/static/favicon.svg"' in html


def test_taking_away_every_role_asks_first_because_it_removes_them(platform, admin):
    org = make_org(admin)
    person = admin.post(f"/api/v1/organisations/{org}/people",
                        {"name": "Pat Jones", "roles": ["volunteer"]})[1]
    path = f"/admin/organisations/{org}/people/{person['id']}/roles"
    status, html = post_form(admin, path)  # every box unticked
    assert status == 200 and "Remove Pat Jones from the organisation?" in html
    assert "invite them again" in html
    assert [p["id"] for p in admin.get(f"/api/v1/organisations/{org}/people")[1]] == [person["id"]]
    status, html = post_form(admin, path, roles=["staff", "volunteer"])  # no question for this
    assert status == 200 and "Their roles have been changed." in html
    status, html = post_form(admin, path, confirmed="yes")
    assert status == 200 and "Their roles have been changed." in html
    assert admin.get(f"/api/v1/organisations/{org}/people")[1] == []


def test_a_real_address_asked_the_wrong_way_is_a_405_not_a_missing_page(platform):
    # The API: a GET of a POST-only route (the tracking code must never go in a URL).
    status, body, headers = http("GET", platform + "/api/v1/story-tracking?tracking_code=x")
    assert status == 405 and headers["Allow"] == "POST"
    assert body["error"]["code"] == "method_not_allowed" and body["error"]["allowed"] == ["POST"]
    assert "answers POST" in body["error"]["message"]
    status, body, headers = http("DELETE", platform + "/api/v1/auth/sign-in")
    assert status == 405 and body["error"]["code"] == "method_not_allowed"
    # A page: opening a form's target in the address bar gets a plain page that says why.
    status, html, headers = http("GET", platform + "/account/notifications")
    assert status == 405 and headers.get_content_type() == "text/html"
    assert headers["Allow"] == "POST"
    assert "This page cannot be opened on its own" in html and "nothing has been changed" in html
    assert 'href="/"' in html and "Traceback" not in html
    # A form sent to a page that only shows something.
    status, html, headers = http("POST", platform + "/organisations", raw=b"q=x",
                                 headers=FORM)
    assert status == 405 and "This page cannot take a form" in html
    assert headers["Allow"] == "GET"
    # Addresses that do not exist stay 404, whatever the method.
    status, html, _ = http("POST", platform + "/no/such/page", raw=b"a=b", headers=FORM)
    assert status == 404 and "Page not found" in html
    status, body, _ = http("PUT", platform + "/api/v1/no-such-route", {"a": 1})
    assert status == 404 and body["error"]["code"] == "not_found"
