"""Bad input through the commissioning API is a 4xx naming the field, never a 500, and nothing
is half-stored; the service-user limits hold over HTTP (no releasing, no authorising your own
claim, no one else's scores before yours); the OpenAPI document describes every route."""
from datetime import date, timedelta

from tests.support.commissioning import PROJECT, TERMS
from tests.support.running import Client


def fields_of(answer):
    status, body = answer
    assert 400 <= status < 500, (status, body)
    return status, set((body.get("error") or {}).get("fields") or {})


def test_bad_input_is_named_by_field(county):
    api, pay, ids, officer = county.api, county.pay, county.ids, county.clients["officer"]
    lead = county.clients["lead"]
    good = {**PROJECT, "care_service_ids": county.services}

    assert fields_of(officer.post(f"{api}/projects", {**good, "title": "x"})) == (
        422, {"title"})
    assert fields_of(officer.post(f"{api}/projects", {**good, "care_service_ids": ["nope"]})) \
        == (422, {"care_service_ids"})
    status, named = fields_of(officer.post(f"{api}/projects", {
        **good, "evaluation_weights": {"quality": 50, "price": 20, "social_value": 5}}))
    assert status == 422 and named and all(n.startswith("evaluation_weights") for n in named)
    assert fields_of(officer.post(f"{api}/projects", {**good, "deputy_id": "someone-else"})) \
        == (422, {"deputy_id"})
    assert fields_of(officer.request("POST", f"{api}/projects", raw=b"{not json",
                                     headers={"Content-Type": "application/json"})) == (
        400, {"_body"})
    assert officer.get(f"{api}/projects")[1] == []  # nothing was half-stored

    project = officer.post(f"{api}/projects", good)[1]
    pid = project["id"]
    future = (date.today() + timedelta(days=3)).isoformat()
    assert fields_of(officer.post(f"{api}/projects/{pid}/principles", {
        "text": "We agree.", "agreed_on": future, "agreed_by": [ids["sue"]]})) == (
        422, {"agreed_on"})
    assert fields_of(officer.post(f"{api}/projects/{pid}/principles", {
        "text": "We agree.", "agreed_on": "yesterday", "agreed_by": [ids["sue"]]})) == (
        422, {"agreed_on"})
    assert fields_of(officer.post(f"{api}/projects/{pid}/phase", {"phase": "finished"})) == (
        422, {"phase"})
    assert fields_of(officer.post(f"{api}/projects/{pid}/groups", {
        "kind": "committee", "name": "A group"})) == (422, {"kind"})
    peer = officer.post(f"{api}/projects/{pid}/groups", {"kind": "peer",
                                                         "name": "Service users only"})[1]
    assert fields_of(officer.post(f"{api}/groups/{peer['id']}/members", {
        "person_id": ids["deputy"], "capacity": "commissioner"})) == (422, {"capacity"})
    assert fields_of(officer.post(f"{api}/projects/{pid}/agreements", {
        **{k: v for k, v in TERMS.items() if k != "remit"}, "person_id": ids["sue"]})) == (
        422, {"remit"})
    assert fields_of(officer.post(f"{api}/projects/{pid}/meetings", {
        "title": "A meeting", "group_id": peer["id"], "starts_at": "next week"})) == (
        422, {"starts_at"})
    assert fields_of(officer.post(f"{api}/text-check", {"text": ""})) == (422, {"text"})
    # a paper, a briefing or a tender that does not exist is 404 naming the id
    assert fields_of(officer.get(f"{api}/papers/no-such-paper")) == (404, {"paper_id"})
    assert fields_of(officer.get(f"{api}/tenders/no-such-tender"))[0] == 404

    # payments: money as strings with at most two decimals, a claim key of the right shape
    assert fields_of(lead.post(f"{pay}/policies", {"effective_from": "2025-04-06", "rates": [
        {"activity_kind": "panel_session", "unit": "session", "amount": "15.001"}]})) == (
        422, {"rates"})
    assert fields_of(lead.post(f"{pay}/policies", {"effective_from": "2025-04-06", "rates": [
        {"activity_kind": "panel_session", "unit": "session", "amount": "15.00"}],
        "yearly_threshold": "lots"})) == (422, {"yearly_threshold"})
    lead.post(f"{pay}/policies", {"effective_from": "2025-04-06", "rates": [
        {"activity_kind": "panel_session", "unit": "session", "amount": "15.00"}]})
    sue = county.clients["sue"]
    claim = {"claim_key": "form:sue-0001", "activity_kind": "panel_session",
             "activity_date": date.today().isoformat(), "method": "voucher"}
    assert fields_of(sue.post(f"{pay}/claims", {**claim, "claim_key": "x"})) == (
        422, {"claim_key"})
    assert fields_of(sue.post(f"{pay}/claims", {**claim, "method": "bitcoin"})) == (
        422, {"method"})
    assert fields_of(sue.post(f"{pay}/claims", {**claim, "expenses": [
        {"kind": "travel", "amount": "-4"}]}))[1] <= {"expenses"}
    assert fields_of(lead.get(f"{pay}/claims?status=lost")) == (422, {"status"})
    assert fields_of(lead.get(f"{pay}/export.csv?paid_from=someday")) == (422, {"paid_from"})
    assert lead.get(f"{pay}/claims")[1] == []  # none of those claims was stored
    first = sue.post(f"{pay}/claims", claim)
    assert first[0] == 201
    status, reused = sue.post(f"{pay}/claims", {**claim, "method": "cash"})
    assert status == 409 and "claim_key" in reused["error"]["fields"]


def test_what_a_service_user_can_never_do(county):
    api, pay, ids = county.api, county.pay, county.ids
    officer, lead, sue = (county.clients[n] for n in ("officer", "lead", "sue"))
    project = officer.post(f"{api}/projects", {**PROJECT,
                                               "care_service_ids": county.services})[1]
    # not create or run projects
    assert sue.post(f"{api}/projects", {**PROJECT, "care_service_ids": county.services})[0] \
        == 403
    assert sue.get(f"{api}/projects/{project['id']}")[0] == 403  # she does not sit on it
    assert sue.get(f"{api}/projects")[1] == []
    # not authorise her own claim, even as an involvement lead claiming for herself
    lead.post(f"{pay}/policies", {"effective_from": "2025-04-06", "rates": [
        {"activity_kind": "panel_session", "unit": "session", "amount": "15.00"}]})
    own = lead.post(f"{pay}/claims", {"claim_key": "form:lead-for-sue-1", "person_id":
                                      ids["sue"], "activity_kind": "panel_session",
                                      "activity_date": date.today().isoformat(),
                                      "method": "voucher"})
    assert own[0] == 201
    status, _body = lead.post(f"{pay}/claims/{own[1]['id']}/authorise")
    assert status == 403  # the lead submitted it: someone else authorises
    assert sue.post(f"{pay}/claims/{own[1]['id']}/authorise")[0] == 403
    assert sue.get(f"{pay}/export.csv")[0] == 403
    assert sue.post(f"{pay}/benefits-advice", {"person_id": ids["sue"],
                                               "offered_on": date.today().isoformat()})[0] \
        == 403


def test_the_openapi_document_describes_every_commissioning_route(platform):
    document = Client(platform).get("/openapi.json")[1]
    ours = {(m.upper(), p) for p, ops in document["paths"].items() for m in ops
            if "/commissioning/" in p or "/payments/" in p}
    assert len(ours) >= 85
    claims = document["paths"]["/api/v1/organisations/{organisation_id}/payments/claims"]
    body = claims["post"]["requestBody"]["content"]["application/json"]["schema"]
    assert body["$ref"].endswith("PaymentClaimCreate")
    assert {"201", "401", "403", "409", "422"} <= set(claims["post"]["responses"])
    download = document["paths"]["/api/v1/organisations/{organisation_id}/commissioning"
                                 "/papers/{paper_id}/download"]["get"]
    assert "403" in download["responses"]
    schemas = document["components"]["schemas"]
    assert "PaymentClaim" in schemas and "CommissioningProject" in schemas
