"""Seed 004 as issue 11 asks, end to end through the gateway on a real RabbitMQ with identity:
45 students register with a multi-choice "which services have you used" question and say how to
reach them (kept by identity, never by panels); the coordinator is told when the selection
finishes, invites the panel, and the chosen answer by the link in their email; a decline is
replaced by someone who keeps every quota and invited in turn, with the coordinator told."""
import csv
import io
import re
import time
from pathlib import Path

from involve.kernel.mail import read_outbox
from involve.panels.models import Registration
from tests.support.accounts import PASSWORD, invite_and_register, make_org
from tests.support.panels import SERVICES, seed004_multi_campaign, seed004_multi_volunteers
from tests.support.running import Client

TOKEN = re.compile(r"/panels/invitations/([\w-]+)")


def mail_to(data_dir, address, subject_has, wait=15.0):
    deadline = time.monotonic() + wait
    while True:
        found = [m for m in read_outbox(Path(data_dir) / "mail")
                 if m["To"] == address and subject_has in m["Subject"]]
        if found or time.monotonic() > deadline:
            return found
        time.sleep(0.2)


def wait_done(client, base, job_id, timeout=90):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        status, job = client.get(f"{base}/selections/{job_id}")
        assert status == 200, job
        if job["status"] in ("done", "failed", "cancelled"):
            return job
        time.sleep(0.2)
    raise AssertionError("the selection did not finish")


def test_the_chosen_panel_is_invited_and_a_decline_replaced(platform, admin, service_config,
                                                            panels_sessions):
    data_dir = service_config["DATA_DIR"]
    org = make_org(admin, "LSE Student Wellbeing Service")
    invite_and_register(admin, platform, data_dir, org, "lead@lse.example", "involvement_lead",
                        name="Lena Lead")
    lead = Client(platform).sign_in("lead@lse.example", PASSWORD)
    base = f"/api/v1/organisations/{org}/panels"
    status, campaign = lead.post(f"{base}/campaigns", seed004_multi_campaign())
    assert status == 201, campaign
    assert campaign["categories"][2]["multiple"] is True

    public = Client(platform)
    reach = {}
    for n, person in enumerate(seed004_multi_volunteers()):
        contact = ({"name": f"Student {n}", "phone": f"020 7946 {n:04}"} if n % 3 == 2 else
                   {"name": f"Student {n}", "email": f"student{n}@example.org"})
        status, body = public.post(f"/api/v1/panels/campaigns/{campaign['id']}/registrations",
                                   dict(person, contact=contact))
        assert status == 201, body
        assert body["contact_ways"] == (["phone"] if n % 3 == 2 else ["email"])
        reach[body["id"]] = contact
    with panels_sessions() as s:  # panels keeps none of it
        stored = " ".join(str(vars(r)) for r in s.query(Registration))
    # the phone numbers as typed and without spaces: "7946" alone turns up in random hex ids
    assert "Student" not in stored and "example.org" not in stored
    assert "020 7946" not in stored and "0207946" not in stored

    assert lead.post(f"{base}/campaigns/{campaign['id']}/close")[0] == 200
    status, job = lead.post(f"{base}/campaigns/{campaign['id']}/selections",
                            {"algorithm": "leximin", "seed": 2026})
    assert status == 202, job
    job = wait_done(lead, base, job["id"])
    assert job["status"] == "done", job
    [told] = mail_to(data_dir, "lead@lse.example", "Your panel selection has finished")
    assert f"/panels/selections/{job['id']}" in told.get_content()
    assert "12 people were chosen from the 45" in told.get_content()

    # each service was used by at least four of the panel (the yes/no columns behind it)
    status, exported = lead.get(f"{base}/campaigns/{campaign['id']}/registrations.csv")
    rows = {r["id"]: r for r in csv.DictReader(io.StringIO(exported))}
    for service in SERVICES:
        assert sum(rows[i][f"services used: {service}"] == "yes" for i in job["panel"]) >= 4

    # the panel is invited: a link by email to those who gave one, the rest for the lead
    status, invited = lead.post(f"{base}/selections/{job['id']}/invitations",
                                {"message": "We first meet on 3 March at 5pm."})
    assert status == 201, invited
    members = {m["registration_id"]: m for m in invited["members"]}
    assert set(members) == set(job["panel"])
    for rid, m in members.items():
        assert m["channel"] == ("link" if "email" in reach[rid] else "coordinator"), m
        assert m["sent"] == ("email" in reach[rid])
    by_email = [rid for rid in job["panel"] if "email" in reach[rid]]
    by_phone = [rid for rid in job["panel"] if "phone" in reach[rid]]
    assert by_email and by_phone
    tokens = {}
    for rid in by_email:
        [email] = mail_to(data_dir, reach[rid]["email"], "You have been chosen for a panel")
        assert "We first meet on 3 March at 5pm." in email.get_content()
        tokens[rid] = TOKEN.search(email.get_content()).group(1)
    assert lead.post(f"{base}/selections/{job['id']}/invitations", {})[0] == 409

    # one accepts, one declines by their link: a replacement is chosen and invited
    yes, no = by_email[0], by_email[1] if len(by_email) > 1 else None
    status, view = public.get(f"/api/v1/panels/invitations/{tokens[yes]}")
    assert status == 200 and view["status"] == "invited" and view["reference"] == yes
    assert view["message"] == "We first meet on 3 March at 5pm." and "person_id" not in view
    status, answered = public.post(f"/api/v1/panels/invitations/{tokens[yes]}/answer",
                                   {"answer": "accept"})
    assert status == 200 and answered["status"] == "accepted"
    assert public.post(f"/api/v1/panels/invitations/{tokens[yes]}/answer",
                       {"answer": "maybe"})[0] == 422
    assert public.get("/api/v1/panels/invitations/not-a-real-link-at-all")[0] == 404
    if no:
        status, answered = public.post(f"/api/v1/panels/invitations/{tokens[no]}/answer",
                                       {"answer": "decline"})
        assert status == 200 and answered["status"] == "declined"
        assert public.post(f"/api/v1/panels/invitations/{tokens[no]}/answer",
                           {"answer": "accept"})[0] == 409
        assert mail_to(data_dir, "lead@lse.example", "A panel member cannot take part")

    # the lead phoned someone who gave only a number: they cannot come either
    status, after = lead.post(f"{base}/selections/{job['id']}/invitations/answers",
                              {"registration_id": by_phone[0], "answer": "decline"})
    assert status == 200, after
    now = {m["registration_id"]: m for m in after["members"]}
    assert now[by_phone[0]]["status"] == "declined"
    replacement = now[by_phone[0]]["replaced_by"]
    assert replacement and now[replacement]["replaces"] == by_phone[0]
    on_panel = [m for m in after["members"] if m["status"] in ("invited", "accepted")]
    assert len(on_panel) == 12 and now[yes]["status"] == "accepted"
    if no:
        newcomer = now[no]["replaced_by"]
        assert newcomer and now[newcomer]["status"] == "invited"
        if "email" in reach[newcomer]:
            assert mail_to(data_dir, reach[newcomer]["email"], "You have been chosen")
    for service in SERVICES:
        assert sum(rows[m["registration_id"]][f"services used: {service}"] == "yes"
                   for m in on_panel) >= 4

    status, panel_csv = lead.get(f"{base}/selections/{job['id']}/panel.csv")
    listed = list(csv.DictReader(io.StringIO(panel_csv)))
    assert status == 200 and {r["reference"] for r in listed} == set(now)
    assert {r["status"] for r in listed} >= {"accepted", "declined", "invited"}

    # everyone can see which draw became the panel; the quotas are now fixed
    status, draws = public.get(f"/api/v1/panels/campaigns/{campaign['id']}/draws")
    assert status == 200 and [d["used_for_panel"] for d in draws["draws"]] == [True]
    status, refused = lead.patch(f"{base}/campaigns/{campaign['id']}", {"panel_size": 10})
    assert status == 409 and "panel_size" in refused["error"]["fields"]
    status, read = lead.get(f"{base}/campaigns/{campaign['id']}")
    assert read["quotas_locked"] is True and read["panel_selection_id"] == job["id"]
    assert read["answer_counts"]["gender"] == {"woman": 23, "man": 22}
