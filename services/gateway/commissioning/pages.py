"""Gateway: the commissioning web pages (issue 12).

For commissioners and project managers: a project (its clarity of purpose, phase, principles
agreed, budget and who is not ready yet), its groups (members by name, the service-user share),
its meetings (papers with the plain-English check shown to the author, briefings), the
confidentiality briefings (release, with a confirmation page), the evaluation (tenders, ranking,
the OCDS file) and payments (claims to approve and pay, the finance CSV). For the service users
on them: "My involvement": what to sign, what is coming up (and the training to have first),
what they may share now and what to keep confidential until when, their claims, payments and
yearly total, and the claim form for a meeting they came to.

Plain HTML forms (POST, then redirect, or the page again with the errors beside the fields and
what was typed kept); no JavaScript. The commissioning service checks everything again, and its
refusals (a confidential paper outside its group, releasing as a service user, authorising your
own claim) are the refusals of these pages too.
"""
from __future__ import annotations

import re
from datetime import UTC, date, datetime, time

from werkzeug.wrappers import Response

from involve.commissioning.contract import AGREEMENT_FIELDS
from involve.kernel.errors import Forbidden, InvolveError
from involve.kernel.policy import require
from involve.kernel.rpc import call

from ..web import confirm
from ..web.forms import Form, attempt
from ..web.pages import page, redirect, render
from ..web.people import names_for, picker, searching
from . import words as w

BASE = "/organisations/<organisation_id>/commissioning"
PAYMENTS = "/organisations/<organisation_id>/payments"
TAKE_PART, READ, MANAGE = "commissioning.take_part", "commissioning.read", "commissioning.manage"
RELEASE = "commissioning.release"
PAY_READ, PAY_AUTHORISE = "payments.read", "payments.authorise"
SERVICE_USER_ROLES = ("service_user", "volunteer", "council_member")
TERM_LABELS = {f: f.replace("_", " ").capitalize() for f in AGREEMENT_FIELDS}


def _base(organisation_id: str) -> str:
    return f"/organisations/{organisation_id}/commissioning"


def _time_of(form: Form, day_name: str, time_name: str):
    """A date (the one date reader) and a time like 14:30 as a UTC ISO time, or None."""
    day = form.date(day_name)
    text = form.get(time_name) or "10:00"
    try:
        moment = time.fromisoformat(text)
    except ValueError:
        form.fail(time_name, "Enter the time like 14:30")
        return None
    if day is None:
        return None
    return datetime.combine(day, moment, tzinfo=UTC).isoformat()


def _money_ok(text: str) -> bool:
    return bool(re.fullmatch(r"\d{1,7}(\.\d{1,2})?", text or ""))


def _agreed_form(key: str, agreed: dict | None) -> Form:
    """The empty consensus form of one answer (its agreed score and reason, once agreed)."""
    form = Form(prefix=f"m-{key}-")
    if agreed:
        form.values = {"score": str(agreed["score"]), "rationale": agreed["rationale"]}
    return form


class CommissioningPages:
    """Mixed into GatewayService; every method name here must be unique across the mixins."""

    # --- helpers -------------------------------------------------------------------------------
    def _cm_allow(self, viewer, organisation_id, *actions):
        """Refuse unless the viewer may do one of ``actions`` here (before any lookup)."""
        if not any(viewer.can(a, organisation_id) for a in actions):
            raise Forbidden("You do not have permission to see commissioning for this "
                            "organisation.")

    def _cm_render(self, request, viewer, organisation_id, template, *, status=200, **ctx):
        try:
            organisation = call(self.rpc.identity.get_organisation, viewer.principal,
                                organisation_id)
        except InvolveError:
            organisation = {"id": organisation_id, "name": "Your organisation"}
        return render(request, template, viewer, status=status, organisation=organisation,
                      base=_base(organisation_id), w=w, money=w.money,
                      cm_notice=w.NOTICES.get(request.args.get("done", "")),
                      can_manage=viewer.can(MANAGE, organisation_id),
                      can_read=viewer.can(READ, organisation_id),
                      can_release=viewer.can(RELEASE, organisation_id),
                      can_pay=viewer.can(PAY_READ, organisation_id),
                      can_authorise=viewer.can(PAY_AUTHORISE, organisation_id),
                      term_labels=TERM_LABELS, **ctx)

    def _cm_project(self, viewer, organisation_id, project_id) -> dict:
        return call(self.rpc.commissioning.get_project, viewer.principal, organisation_id,
                    project_id)

    def _cm_project_page(self, request, viewer, organisation_id, project, template, part, *,
                         status=200, people=(), **ctx):
        """A page of a project: the project's own menu (sub_nav) at the top."""
        base = f"{_base(organisation_id)}/projects/{project['id']}"
        parts = [(base, "Overview"), (base + "/groups", "Groups"),
                 (base + "/meetings", "Meetings"), (base + "/briefings", "Briefings"),
                 (base + "/conflicts", "Conflicts of interest"), (base + "/bulletins", "Bulletins")]
        if viewer.can(MANAGE, organisation_id):
            parts[2:2] = [(base + "/people", "Agreements and training")]
            parts.append((base + "/evaluation", "Evaluation"))
        ids = [project.get(k) for k in ("project_manager_id", "lead_officer_id", "deputy_id")]
        names = names_for(self.rpc, viewer, organisation_id, [*ids, *people],
                          "the commissioning project's people")
        part_name = dict(parts).get(base + part, "Overview")
        return self._cm_render(request, viewer, organisation_id, template, status=status,
                               title=f"{project['title']}: {part_name}",
                               project=project, parts=parts, project_base=base,
                               current=base + part, names=names, **ctx)

    # --- the start page: projects ------------------------------------------------------------
    def _cm_home(self, request, viewer, organisation_id, form, status=200):
        projects = call(self.rpc.commissioning.list_projects, viewer.principal, organisation_id)
        services = []
        if viewer.can(MANAGE, organisation_id):
            try:
                services = call(self.rpc.identity.list_care_services, viewer.principal,
                                organisation_id)
            except InvolveError:
                services = call(self.rpc.identity.public_care_services, organisation_id)
        if not form.values:
            form.values = {"quality": "70", "price": "20", "social_value": "10"}
        return self._cm_render(request, viewer, organisation_id, "commissioning/home.html",
                               status=status, title="Commissioning", projects=projects,
                               services=services, form=form)

    @page("GET", BASE)
    def commissioning_home_page(self, request, viewer, organisation_id):
        self._cm_allow(viewer, organisation_id, TAKE_PART)
        if not viewer.can(READ, organisation_id):
            return redirect(_base(organisation_id) + "/my-involvement")
        return self._cm_home(request, viewer, organisation_id, Form(prefix="project-"))

    @page("POST", BASE + "/projects")
    def commissioning_create_project_form(self, request, viewer, organisation_id):
        require(viewer.principal, MANAGE, organisation_id)
        form = Form(request.form, prefix="project-", missing={
            "title": "Give the project a name",
            "purpose": "Say what the project is for",
            "negotiable": "Say what people can change",
            "not_negotiable": "Say what is already decided",
            "formal_responsibility": "Say who is formally responsible",
            "how_decisions_are_made": "Say how decisions are made"})
        form.require("title", "purpose", "negotiable", "not_negotiable",
                     "formal_responsibility", "how_decisions_are_made")
        services = form.getlist("care_service_ids")
        if not services:
            form.fail("care_service_ids", "Choose at least one care service the project is "
                                          "about", anchor="project-care-services")
        weights = {}
        for name in ("quality", "price", "social_value"):
            text = form.get(name)
            if not text.isdigit() or int(text) > 100:
                form.fail(name, "Enter a whole number from 0 to 100")
            else:
                weights[name] = int(text)
        if len(weights) == 3 and sum(weights.values()) != 100:
            form.fail("quality", f"The three weights must add up to 100 (they add up to "
                                 f"{sum(weights.values())})")
        created = None
        if form.ok:
            created = attempt(form, self.rpc.commissioning.create_project, viewer.principal,
                              organisation_id, {
                                  **{n: form.get(n) for n in (
                                      "title", "purpose", "negotiable", "not_negotiable",
                                      "formal_responsibility", "how_decisions_are_made")},
                                  "care_service_ids": services,
                                  "evaluation_weights": weights,
                                  "project_manager_id": viewer.principal["person_id"]})
            for name in list(form.errors):
                if name.startswith("evaluation_weights"):
                    form.errors.setdefault("quality", form.errors.pop(name))
            if "care_service_ids" in form.errors:
                form.anchors["care_service_ids"] = "project-care-services"
        if created:
            return redirect(f"{_base(organisation_id)}/projects/{created['id']}"
                            "?done=project-created")
        return self._cm_home(request, viewer, organisation_id, form, status=form.status)

    # --- a project: overview ------------------------------------------------------------------
    def _cm_overview(self, request, viewer, organisation_id, project_id, form=None, status=200,
                     phase_error=None):
        project = self._cm_project(viewer, organisation_id, project_id)
        warnings, chooser = [], None
        form = form or Form(prefix="principle-")
        if viewer.can(MANAGE, organisation_id):
            warnings = call(self.rpc.commissioning.project_warnings, viewer.principal,
                            organisation_id, project_id)
            chooser = picker(self.rpc, viewer, organisation_id,
                             request.form if request.method == "POST" else request.args,
                             name="agreed_by", roles=SERVICE_USER_ROLES,
                             reason="choosing who agreed a principle")
        agreed = [p for pr in project["principles"] for p in pr["agreed_by"]]
        return self._cm_project_page(
            request, viewer, organisation_id, project, "commissioning/project.html", "",
            status=status, people=[*agreed, *(x["person_id"] for x in warnings)],
            warnings=warnings, form=form, chooser=chooser, phase_error=phase_error,
            next_phase=w.NEXT_PHASE[project["phase"]])

    @page("GET", BASE + "/projects/<project_id>")
    def commissioning_project_page(self, request, viewer, organisation_id, project_id):
        self._cm_allow(viewer, organisation_id, TAKE_PART)
        return self._cm_overview(request, viewer, organisation_id, project_id)

    @page("POST", BASE + "/projects/<project_id>/principles")
    def commissioning_principle_form(self, request, viewer, organisation_id, project_id):
        require(viewer.principal, MANAGE, organisation_id)
        form = Form(request.form, prefix="principle-", missing={
            "text": "Write the principle that was agreed",
            "agreed_on": "Enter the day it was agreed"})
        if searching(request.form):
            return self._cm_overview(request, viewer, organisation_id, project_id, form)
        form.require("text")
        agreed_on = form.date("agreed_on", latest=date.today())
        agreed_by = [p for p in request.form.getlist("agreed_by") if p]
        if not agreed_by:
            form.fail("agreed_by", "Choose at least one service user who agreed it",
                      anchor="agreed-by-q")
        done = None
        if form.ok:
            done = attempt(form, self.rpc.commissioning.add_principle, viewer.principal,
                           organisation_id, project_id, {
                               "text": form.get("text"), "agreed_on": agreed_on.isoformat(),
                               "agreed_by": agreed_by, "how_agreed": form.get("how_agreed")})
            if "agreed_by" in form.errors:
                form.anchors["agreed_by"] = "agreed-by-q"
        if done:
            return redirect(f"{_base(organisation_id)}/projects/{project_id}"
                            "?done=principle-added#principles")
        return self._cm_overview(request, viewer, organisation_id, project_id, form,
                                 status=form.status)

    @page("GET", BASE + "/projects/<project_id>/phase")
    def commissioning_phase_question(self, request, viewer, organisation_id, project_id):
        require(viewer.principal, MANAGE, organisation_id)
        project = self._cm_project(viewer, organisation_id, project_id)
        nxt = w.NEXT_PHASE[project["phase"]]
        back = f"{_base(organisation_id)}/projects/{project_id}"
        return confirm.ask(request, viewer, confirm.Question(
            title=f"Move “{project['title']}” on to {w.PHASES[nxt]}?",
            consequences=[f"The project is in {w.PHASES[project['phase']]} now. "
                          f"{w.PHASES[nxt]}: {w.PHASE_HINTS[nxt]}",
                          "The date is recorded in the project's history."],
            button=f"Move on to {w.PHASES[nxt]}", back=(back, "No, not yet"), warning=False,
            hidden={"phase": nxt}))

    @page("POST", BASE + "/projects/<project_id>/phase")
    def commissioning_phase_form(self, request, viewer, organisation_id, project_id):
        require(viewer.principal, MANAGE, organisation_id)
        if not confirm.confirmed(request):
            return confirm.to_question(request)
        try:
            call(self.rpc.commissioning.change_phase, viewer.principal, organisation_id,
                 project_id, {"phase": request.form.get("phase", "")})
        except InvolveError as exc:
            if exc.status not in (409, 422):
                raise
            return self._cm_overview(request, viewer, organisation_id, project_id,
                                     status=exc.status, phase_error=exc.message)
        return redirect(f"{_base(organisation_id)}/projects/{project_id}?done=phase-changed")

    # --- groups -------------------------------------------------------------------------------
    def _cm_groups(self, request, viewer, organisation_id, project_id, group_form=None,
                   member_form=None, status=200):
        project = self._cm_project(viewer, organisation_id, project_id)
        groups = call(self.rpc.commissioning.list_groups, viewer.principal, organisation_id,
                      project_id)
        kinds = call(self.rpc.commissioning.list_training_kinds, viewer.principal,
                     organisation_id)
        chooser = None
        member_form = member_form or Form(prefix="member-")
        if viewer.can(MANAGE, organisation_id) and groups:
            chooser = picker(self.rpc, viewer, organisation_id,
                             request.form if request.method == "POST" else request.args,
                             name="person_ids", reason="choosing group members")
        people = [m["person_id"] for g in groups for m in g["members"]]
        return self._cm_project_page(
            request, viewer, organisation_id, project, "commissioning/groups.html", "/groups",
            status=status, people=people, groups=groups, training_kinds=kinds,
            group_form=group_form or Form(prefix="group-"), member_form=member_form,
            chooser=chooser)

    @page("GET", BASE + "/projects/<project_id>/groups")
    def commissioning_groups_page(self, request, viewer, organisation_id, project_id):
        self._cm_allow(viewer, organisation_id, TAKE_PART)
        return self._cm_groups(request, viewer, organisation_id, project_id)

    @page("POST", BASE + "/projects/<project_id>/groups")
    def commissioning_create_group_form(self, request, viewer, organisation_id, project_id):
        require(viewer.principal, MANAGE, organisation_id)
        form = Form(request.form, prefix="group-", missing={
            "name": "Give the group a name", "kind": "Choose what kind of group it is"})
        form.require("name")
        if form.get("kind") not in w.GROUP_KINDS:
            form.fail("kind", "Choose what kind of group it is", anchor="group-kind-0")
        done = None
        if form.ok:
            done = attempt(form, self.rpc.commissioning.create_group, viewer.principal,
                           organisation_id, project_id, {
                               "kind": form.get("kind"), "name": form.get("name"),
                               "required_training": form.getlist("required_training")})
        if done:
            return redirect(f"{_base(organisation_id)}/projects/{project_id}/groups"
                            "?done=group-created")
        return self._cm_groups(request, viewer, organisation_id, project_id, group_form=form,
                               status=form.status)

    @page("POST", BASE + "/projects/<project_id>/members")
    def commissioning_add_members_form(self, request, viewer, organisation_id, project_id):
        require(viewer.principal, MANAGE, organisation_id)
        form = Form(request.form, prefix="member-")
        if searching(request.form):
            return self._cm_groups(request, viewer, organisation_id, project_id,
                                   member_form=form)
        if not form.get("group_id"):
            form.fail("group_id", "Choose the group")
        if form.get("capacity") not in w.CAPACITIES:
            form.fail("capacity", "Choose how they take part", anchor="member-capacity-0")
        people = [p for p in request.form.getlist("person_ids") if p]
        if not people:
            form.fail("person_ids", "Choose at least one person", anchor="person-ids-q")
        if form.ok:
            for person_id in people:
                added = attempt(form, self.rpc.commissioning.add_member, viewer.principal,
                                organisation_id, form.get("group_id"), {
                                    "person_id": person_id, "capacity": form.get("capacity"),
                                    **form.optional("role")})
                if added is None:
                    if "person_id" in form.errors:
                        form.errors["person_ids"] = form.errors.pop("person_id")
                        form.anchors["person_ids"] = "person-ids-q"
                    break
        if form.ok:
            return redirect(f"{_base(organisation_id)}/projects/{project_id}/groups"
                            "?done=members-added")
        return self._cm_groups(request, viewer, organisation_id, project_id, member_form=form,
                               status=form.status)

    # --- people: working agreements and training ------------------------------------------------
    def _cm_people(self, request, viewer, organisation_id, project_id, training_form=None,
                   status=200):
        project = self._cm_project(viewer, organisation_id, project_id)
        groups = call(self.rpc.commissioning.list_groups, viewer.principal, organisation_id,
                      project_id)
        current = {a["person_id"]: a for a in call(
            self.rpc.commissioning.list_agreements, viewer.principal, organisation_id,
            project_id)}
        kinds = call(self.rpc.commissioning.list_training_kinds, viewer.principal,
                     organisation_id)
        people: dict[str, list[str]] = {}
        for g in groups:
            for m in g["members"]:
                if m["current"] and g["name"] not in people.setdefault(m["person_id"], []):
                    people[m["person_id"]].append(g["name"])
        rows = [{"person_id": pid, "groups": names, "agreement": current.get(pid),
                 "training": call(self.rpc.commissioning.training_of, viewer.principal,
                                  organisation_id, pid)}
                for pid, names in people.items()]
        return self._cm_project_page(
            request, viewer, organisation_id, project, "commissioning/people.html", "/people",
            status=status, people=[*people, *[a.get("commissioner_signed_by") for a in
                                               current.values()]],
            rows=rows, me=viewer.principal.get("person_id"),
            kind_labels={k["key"]: k["label"] for k in kinds}, training_kinds=kinds,
            training_form=training_form or Form(prefix="training-"))

    def _cm_agreement(self, viewer, organisation_id, project_id, **match) -> dict | None:
        """The current agreement on the project whose fields match (``person_id=`` or ``id=``)."""
        return next((a for a in call(self.rpc.commissioning.list_agreements, viewer.principal,
                                     organisation_id, project_id)
                     if all(a[k] == v for k, v in match.items())), None)

    @page("GET", BASE + "/projects/<project_id>/people")
    def commissioning_people_page(self, request, viewer, organisation_id, project_id):
        require(viewer.principal, MANAGE, organisation_id)
        return self._cm_people(request, viewer, organisation_id, project_id)

    def _cm_agreement_form(self, request, viewer, organisation_id, project_id, person_id,
                           form=None, status=200):
        project = self._cm_project(viewer, organisation_id, project_id)
        current = self._cm_agreement(viewer, organisation_id, project_id, person_id=person_id)
        if form is None:
            form = Form(prefix="agreement-")
            form.values = dict(current["terms"]) if current else {}
        return self._cm_project_page(
            request, viewer, organisation_id, project, "commissioning/agreement.html",
            "/people", status=status, people=[person_id], person_id=person_id,
            agreement=current, form=form)

    @page("GET", BASE + "/projects/<project_id>/people/<person_id>/agreement")
    def commissioning_agreement_page(self, request, viewer, organisation_id, project_id,
                                     person_id):
        require(viewer.principal, MANAGE, organisation_id)
        return self._cm_agreement_form(request, viewer, organisation_id, project_id, person_id)

    @page("POST", BASE + "/projects/<project_id>/people/<person_id>/agreement")
    def commissioning_agreement_form(self, request, viewer, organisation_id, project_id,
                                     person_id):
        require(viewer.principal, MANAGE, organisation_id)
        form = Form(request.form, prefix="agreement-", missing={
            f: f"Write what the agreement says about {TERM_LABELS[f].lower()}"
            for f in AGREEMENT_FIELDS})
        current = self._cm_agreement(viewer, organisation_id, project_id, person_id=person_id)
        form.require(*AGREEMENT_FIELDS)
        done = None
        if form.ok:
            terms = {f: form.get(f) for f in AGREEMENT_FIELDS}
            if current is None:
                done = attempt(form, self.rpc.commissioning.create_agreement, viewer.principal,
                               organisation_id, project_id, {**terms, "person_id": person_id})
            else:
                done = attempt(form, self.rpc.commissioning.change_agreement, viewer.principal,
                               organisation_id, current["id"],
                               {f: v for f, v in terms.items() if v != current["terms"].get(f)})
        if done:
            notice = "agreement-written" if current is None else "agreement-changed"
            return redirect(f"{_base(organisation_id)}/projects/{project_id}/people?done={notice}")
        return self._cm_agreement_form(request, viewer, organisation_id, project_id, person_id,
                                       form=form, status=form.status)

    @page("GET", BASE + "/projects/<project_id>/agreements/<agreement_id>/countersign")
    def commissioning_countersign_question(self, request, viewer, organisation_id, project_id,
                                           agreement_id):
        require(viewer.principal, MANAGE, organisation_id)
        agreement = self._cm_agreement(viewer, organisation_id, project_id, id=agreement_id)
        if agreement is None:
            raise Forbidden("That is not the current version of an agreement on this project.")
        name = names_for(self.rpc, viewer, organisation_id, [agreement["person_id"]],
                         "signing a working agreement").label(agreement["person_id"], "the member")
        back = f"{_base(organisation_id)}/projects/{project_id}/people"
        return confirm.ask(request, viewer, confirm.Question(
            title=f"Sign {name}’s working agreement for the organisation?",
            lead=f"Version {agreement['version']}. Read it first: "
                 "you sign to say the organisation will keep its side.",
            consequences=["Your name and today’s date are recorded as the organisation’s "
                          "signature.",
                          "If the agreement changes later, both sides sign again."],
            button="Sign for the organisation", back=(back, "No, go back"), warning=False))

    @page("POST", BASE + "/projects/<project_id>/agreements/<agreement_id>/countersign")
    def commissioning_countersign_form(self, request, viewer, organisation_id, project_id,
                                       agreement_id):
        require(viewer.principal, MANAGE, organisation_id)
        if not confirm.confirmed(request):
            return confirm.to_question(request)
        call(self.rpc.commissioning.sign_agreement, viewer.principal, organisation_id,
             agreement_id)
        return redirect(f"{_base(organisation_id)}/projects/{project_id}/people"
                        "?done=agreement-countersigned")

    @page("POST", BASE + "/projects/<project_id>/training")
    def commissioning_training_form(self, request, viewer, organisation_id, project_id):
        require(viewer.principal, MANAGE, organisation_id)
        form = Form(request.form, prefix="training-", missing={
            "completed_on": "Enter the date they finished the training"})
        if not form.get("person_id"):
            form.fail("person_id", "Choose who had the training")
        if not form.get("kind"):
            form.fail("kind", "Choose the training they had", anchor="training-kind-0")
        day = form.date("completed_on", latest=date.today())
        if form.ok and attempt(form, self.rpc.commissioning.record_training, viewer.principal,
                               organisation_id, {"person_id": form.get("person_id"),
                                                 "kind": form.get("kind"),
                                                 "completed_on": day.isoformat(),
                                                 **form.optional("provider")}):
            return redirect(f"{_base(organisation_id)}/projects/{project_id}/people"
                            "?done=training-recorded")
        return self._cm_people(request, viewer, organisation_id, project_id,
                               training_form=form, status=form.status)

    # --- bulletins ----------------------------------------------------------------------------
    def _cm_bulletins(self, request, viewer, organisation_id, project_id, form=None,
                      status=200, publish_error=None):
        project = self._cm_project(viewer, organisation_id, project_id)
        bulletins = call(self.rpc.commissioning.list_bulletins, viewer.principal,
                         organisation_id, project_id)
        sources = {"items": [], "decisions": []}
        if viewer.can(MANAGE, organisation_id):
            sources = call(self.rpc.commissioning.bulletin_sources, viewer.principal,
                           organisation_id, project_id)
        return self._cm_project_page(
            request, viewer, organisation_id, project, "commissioning/bulletins.html",
            "/bulletins", status=status, bulletins=bulletins, sources=sources,
            form=form or Form(prefix="bulletin-"), publish_error=publish_error)

    @page("GET", BASE + "/projects/<project_id>/bulletins")
    def commissioning_bulletins_page(self, request, viewer, organisation_id, project_id):
        self._cm_allow(viewer, organisation_id, TAKE_PART)
        return self._cm_bulletins(request, viewer, organisation_id, project_id)

    @page("POST", BASE + "/projects/<project_id>/bulletins")
    def commissioning_draft_bulletin_form(self, request, viewer, organisation_id, project_id):
        require(viewer.principal, MANAGE, organisation_id)
        form = Form(request.form, prefix="bulletin-", missing={
            "title": "Give the bulletin a title",
            "introduction": "Write what the bulletin says"})
        form.require("title", "introduction")
        if form.ok and attempt(form, self.rpc.commissioning.draft_bulletin, viewer.principal,
                               organisation_id, project_id, {
                                   "title": form.get("title"),
                                   "introduction": form.get("introduction"),
                                   "item_ids": form.getlist("item_ids"),
                                   "decision_ids": form.getlist("decision_ids")}):
            return redirect(f"{_base(organisation_id)}/projects/{project_id}/bulletins"
                            "?done=bulletin-drafted")
        return self._cm_bulletins(request, viewer, organisation_id, project_id, form=form,
                                  status=form.status)

    @page("POST", BASE + "/bulletins/<bulletin_id>/publish")
    def commissioning_publish_bulletin_form(self, request, viewer, organisation_id,
                                            bulletin_id):
        require(viewer.principal, MANAGE, organisation_id)
        project_id = request.form.get("project_id", "")
        anyway = request.form.get("publish_anyway") == "yes"
        try:
            call(self.rpc.commissioning.publish_bulletin, viewer.principal, organisation_id,
                 bulletin_id, {"publish_anyway": anyway,
                               **({"reason": request.form["reason"]}
                                  if request.form.get("reason") else {})})
        except InvolveError as exc:
            if exc.status not in (409, 422) or not project_id:
                raise
            return self._cm_bulletins(request, viewer, organisation_id, project_id,
                                      status=exc.status, publish_error=(bulletin_id,
                                                                        exc.message))
        return redirect(f"{_base(organisation_id)}/projects/{project_id}/bulletins"
                        "?done=bulletin-published")

    # --- meetings -------------------------------------------------------------------------------
    def _cm_meetings(self, request, viewer, organisation_id, project_id, form=None, status=200):
        project = self._cm_project(viewer, organisation_id, project_id)
        meetings = call(self.rpc.commissioning.list_meetings, viewer.principal, organisation_id,
                        project_id)
        groups = call(self.rpc.commissioning.list_groups, viewer.principal, organisation_id,
                      project_id)
        return self._cm_project_page(
            request, viewer, organisation_id, project, "commissioning/meetings.html",
            "/meetings", status=status, meetings=meetings, groups=groups,
            group_names={g["id"]: g["name"] for g in groups},
            form=form or Form(prefix="meeting-", data=None))

    @page("GET", BASE + "/projects/<project_id>/meetings")
    def commissioning_meetings_page(self, request, viewer, organisation_id, project_id):
        self._cm_allow(viewer, organisation_id, TAKE_PART)
        return self._cm_meetings(request, viewer, organisation_id, project_id)

    @page("POST", BASE + "/projects/<project_id>/meetings")
    def commissioning_create_meeting_form(self, request, viewer, organisation_id, project_id):
        require(viewer.principal, MANAGE, organisation_id)
        form = Form(request.form, prefix="meeting-", missing={
            "title": "Give the meeting a name", "group_id": "Choose the group that meets",
            "day": "Enter the day of the meeting"})
        form.require("title", "group_id")
        starts_at = _time_of(form, "day", "time")
        hours = form.get("hours") or "2"
        if not re.fullmatch(r"\d{1,2}(\.(0|00|25|5|50|75))?", hours):
            form.fail("hours", "Enter the hours like 2 or 1.5")
        done = None
        if form.ok:
            done = attempt(form, self.rpc.commissioning.create_meeting, viewer.principal,
                           organisation_id, project_id, {
                               "title": form.get("title"), "kind": form.get("kind") or "meeting",
                               "group_id": form.get("group_id"), "starts_at": starts_at,
                               "hours": hours, "location": form.get("location")})
            if "starts_at" in form.errors:
                form.errors["day"] = form.errors.pop("starts_at")
        if done:
            return redirect(f"{_base(organisation_id)}/meetings/{done['id']}"
                            "?done=meeting-created")
        return self._cm_meetings(request, viewer, organisation_id, project_id, form,
                                 status=form.status)

    def _cm_meeting(self, request, viewer, organisation_id, meeting_id, *, paper_form=None,
                    briefing_form=None, checked=None, status=200, issue_error=None):
        meeting = call(self.rpc.commissioning.get_meeting, viewer.principal, organisation_id,
                       meeting_id)
        project = self._cm_project(viewer, organisation_id, meeting["project_id"])
        people = [a["person_id"] for a in meeting.get("attendance") or []]
        people += [x["person_id"] for x in meeting.get("warnings") or []]
        return self._cm_project_page(
            request, viewer, organisation_id, project, "commissioning/meeting.html",
            "/meetings", status=status, people=people, meeting=meeting,
            paper_form=paper_form or Form(prefix="paper-"),
            briefing_form=briefing_form or Form(prefix="briefing-"), checked=checked,
            issue_error=issue_error)

    @page("GET", BASE + "/meetings/<meeting_id>")
    def commissioning_meeting_page(self, request, viewer, organisation_id, meeting_id):
        self._cm_allow(viewer, organisation_id, TAKE_PART)
        return self._cm_meeting(request, viewer, organisation_id, meeting_id)

    @page("POST", BASE + "/meetings/<meeting_id>/papers")
    def commissioning_add_paper_form(self, request, viewer, organisation_id, meeting_id):
        require(viewer.principal, MANAGE, organisation_id)
        form = Form(request.form, prefix="paper-", missing={
            "title": "Give the paper a title", "body": "Write or paste the paper's text"})
        form.require("title", "body")
        paper = None
        if form.ok:
            paper = attempt(form, self.rpc.commissioning.add_paper, viewer.principal,
                            organisation_id, meeting_id, {"title": form.get("title"),
                                                          "body": form.get("body")})
        if paper:
            return redirect(f"{_base(organisation_id)}/meetings/{meeting_id}"
                            f"?done=paper-added#paper-{paper['id']}")
        return self._cm_meeting(request, viewer, organisation_id, meeting_id, paper_form=form,
                                status=form.status)

    @page("POST", BASE + "/papers/<paper_id>/issue")
    def commissioning_issue_paper_form(self, request, viewer, organisation_id, paper_id):
        require(viewer.principal, MANAGE, organisation_id)
        meeting_id = request.form.get("meeting_id", "")
        anyway = request.form.get("issue_anyway") == "yes"
        try:
            call(self.rpc.commissioning.issue_paper, viewer.principal, organisation_id,
                 paper_id, {"issue_anyway": anyway, "reason": request.form.get("reason", "")})
        except InvolveError as exc:
            if exc.status not in (409, 422) or not meeting_id:
                raise
            return self._cm_meeting(request, viewer, organisation_id, meeting_id,
                                    status=exc.status, issue_error=(paper_id, exc.message))
        return redirect(f"{_base(organisation_id)}/meetings/{meeting_id}?done=paper-issued")

    @page("GET", BASE + "/papers/<paper_id>/download")
    def commissioning_paper_download(self, request, viewer, organisation_id, paper_id):
        """Through get_paper every time: a confidential paper is refused (403) to anyone outside
        its group until released, whatever page linked here."""
        self._cm_allow(viewer, organisation_id, TAKE_PART)
        paper = call(self.rpc.commissioning.get_paper, viewer.principal, organisation_id,
                     paper_id)
        name = re.sub(r"[^A-Za-z0-9]+", "-", paper.get("title") or "paper").strip("-")[:60]
        return Response(f"{paper.get('title', '')}\n\n{paper.get('body', '')}\n",
                        mimetype="text/plain", headers={
                            "Content-Disposition": f'attachment; filename="{name}.txt"',
                            "Cache-Control": "no-store"})

    @page("POST", BASE + "/meetings/<meeting_id>/briefings")
    def commissioning_briefing_form(self, request, viewer, organisation_id, meeting_id):
        require(viewer.principal, MANAGE, organisation_id)
        form = Form(request.form, prefix="briefing-", missing={
            "title": "Say in a few words what is confidential",
            "detail": "Say what members must keep to themselves"})
        form.require("title", "detail")
        item = {"title": form.get("title"), "detail": form.get("detail")}
        if form.get("until_kind") == "event":
            if not form.get("until_event"):
                form.fail("until_event", "Say what has to happen first, like “contract "
                                         "awarded”")
            item["until_event"] = form.get("until_event")
        elif form.get("until_kind") == "date":
            until = _time_of(form, "until_day", "until_time")
            if until:
                item["until"] = until
        else:
            form.fail("until_kind", "Choose until when it stays confidential",
                      anchor="briefing-until-kind-0")
        done = None
        if form.ok:
            done = attempt(form, self.rpc.commissioning.create_briefing, viewer.principal,
                           organisation_id, meeting_id, {"items": [item]})
            for name in list(form.errors):
                if name.startswith("items"):
                    message = form.errors.pop(name)
                    target = next((f for f in ("until_event", "title", "detail")
                                   if f in name), "until_day")
                    form.errors.setdefault(target, message)
        if done:
            return redirect(f"{_base(organisation_id)}/meetings/{meeting_id}"
                            "?done=briefing-created#briefings")
        return self._cm_meeting(request, viewer, organisation_id, meeting_id,
                                briefing_form=form, status=form.status)

    # --- briefings -------------------------------------------------------------------------------
    @page("GET", BASE + "/projects/<project_id>/briefings")
    def commissioning_briefings_page(self, request, viewer, organisation_id, project_id):
        self._cm_allow(viewer, organisation_id, TAKE_PART)
        project = self._cm_project(viewer, organisation_id, project_id)
        items = []
        for m in call(self.rpc.commissioning.list_meetings, viewer.principal, organisation_id,
                      project_id):
            meeting = call(self.rpc.commissioning.get_meeting, viewer.principal,
                           organisation_id, m["id"])
            for briefing in meeting.get("briefings") or []:
                items += [dict(i, meeting=meeting["title"], meeting_id=meeting["id"])
                          for i in briefing["items"]]
        items.sort(key=lambda i: (i["status"] != "confidential", i.get("release_at") or ""))
        return self._cm_project_page(request, viewer, organisation_id, project,
                                     "commissioning/briefings.html", "/briefings", items=items)

    @page("GET", BASE + "/items/<item_id>/release")
    def commissioning_release_question(self, request, viewer, organisation_id, item_id):
        require(viewer.principal, RELEASE, organisation_id)
        item = call(self.rpc.commissioning.get_confidential_item, viewer.principal,
                    organisation_id, item_id)
        back = f"{_base(organisation_id)}/projects/{item['project_id']}/briefings"
        return confirm.ask(request, viewer, confirm.Question(
            title=f"Release “{item.get('title', 'this item')}” now?",
            consequences=["Members of the group will be told they may share it.",
                          "It can then go in a bulletin for anyone to read.",
                          "This cannot be undone."],
            button="Release it now", back=(back, "No, keep it confidential")))

    @page("POST", BASE + "/items/<item_id>/release")
    def commissioning_release_form(self, request, viewer, organisation_id, item_id):
        require(viewer.principal, RELEASE, organisation_id)
        if not confirm.confirmed(request):
            return confirm.to_question(request)
        item = call(self.rpc.commissioning.release_item, viewer.principal, organisation_id,
                    item_id)
        return redirect(f"{_base(organisation_id)}/projects/{item['project_id']}/briefings"
                        "?done=item-released")

    # --- evaluation --------------------------------------------------------------------------------
    @page("GET", BASE + "/projects/<project_id>/evaluation")
    def commissioning_evaluation_page(self, request, viewer, organisation_id, project_id):
        require(viewer.principal, MANAGE, organisation_id)
        project = self._cm_project(viewer, organisation_id, project_id)
        tenders = []
        for t in call(self.rpc.commissioning.list_tenders, viewer.principal, organisation_id,
                      project_id):
            tender = call(self.rpc.commissioning.get_tender, viewer.principal, organisation_id,
                          t["id"])
            try:
                tender["results"] = call(self.rpc.commissioning.tender_results,
                                         viewer.principal, organisation_id, t["id"])["ranking"]
            except InvolveError:
                tender["results"] = None  # not moderated yet: nothing shown before agreed
            tenders.append(tender)
        conflicts = call(self.rpc.commissioning.list_conflicts, viewer.principal,
                         organisation_id, project_id)
        return self._cm_project_page(
            request, viewer, organisation_id, project, "commissioning/evaluation.html",
            "/evaluation", people=[c.get("person_id") for c in conflicts], tenders=tenders,
            conflicts=conflicts,
            api=f"/api/v1/organisations/{organisation_id}/commissioning")

    # --- conflicts of interest ------------------------------------------------------------------
    def _cm_conflicts(self, request, viewer, organisation_id, project_id, form=None,
                      decisions=None, status=200):
        project = self._cm_project(viewer, organisation_id, project_id)
        conflicts = call(self.rpc.commissioning.list_conflicts, viewer.principal,
                         organisation_id, project_id)
        services = [(s["id"], s["name"]) for s in call(
            self.rpc.identity.public_care_services, organisation_id)
            if s["id"] in (project.get("care_service_ids") or [])]
        return self._cm_project_page(
            request, viewer, organisation_id, project, "commissioning/conflicts.html",
            "/conflicts", status=status, people=[c["person_id"] for c in conflicts],
            conflicts=conflicts, services=services, form=form or Form(prefix="conflict-"),
            decisions=decisions or {}, fresh_decision=lambda cid: Form(prefix=f"d-{cid}-"))

    @page("GET", BASE + "/projects/<project_id>/conflicts")
    def commissioning_conflicts_page(self, request, viewer, organisation_id, project_id):
        self._cm_allow(viewer, organisation_id, TAKE_PART)
        return self._cm_conflicts(request, viewer, organisation_id, project_id)

    @page("POST", BASE + "/projects/<project_id>/conflicts")
    def commissioning_declare_conflict_form(self, request, viewer, organisation_id,
                                            project_id):
        self._cm_allow(viewer, organisation_id, TAKE_PART)
        form = Form(request.form, prefix="conflict-")
        kind = form.get("kind")
        if kind not in w.CONFLICT_KINDS:
            form.fail("kind", "Choose what your conflict of interest is about",
                      anchor="conflict-kind-0")
        if kind == "uses_service" and not form.get("care_service_id"):
            form.fail("care_service_id", "Choose the service you use")
        if kind in ("works_for_bidder", "family_at_bidder", "other") and len(
                form.get("description")) < 3:
            form.fail("description", "Say in a few words what the conflict is, and which "
                                     "organisation it is about")
        done = None
        if form.ok:
            body = {"kind": kind, "description": form.get("description")}
            if kind == "uses_service":
                body["care_service_id"] = form.get("care_service_id")
            done = attempt(form, self.rpc.commissioning.declare_conflict, viewer.principal,
                           organisation_id, project_id, body)
        if done:
            return redirect(f"{_base(organisation_id)}/projects/{project_id}/conflicts"
                            "?done=conflict-declared")
        return self._cm_conflicts(request, viewer, organisation_id, project_id, form,
                                  status=form.status)

    @page("POST", BASE + "/conflicts/<conflict_id>/decision")
    def commissioning_conflict_decision_form(self, request, viewer, organisation_id,
                                             conflict_id):
        require(viewer.principal, MANAGE, organisation_id)
        project_id = request.form.get("project_id", "")
        form = Form(request.form, prefix=f"d-{conflict_id}-")
        if form.get("decision") not in w.CONFLICT_DECISIONS:
            form.fail("decision", "Choose what the steering group decided",
                      anchor=f"d-{conflict_id}-decision-0")
        if len(form.get("reason")) < 3:
            form.fail("reason", "Say why the steering group decided this")
        done = None
        if form.ok:
            done = attempt(form, self.rpc.commissioning.decide_conflict, viewer.principal,
                           organisation_id, conflict_id, {"decision": form.get("decision"),
                                                          "reason": form.get("reason")})
        if done:
            return redirect(f"{_base(organisation_id)}/projects/{done['project_id']}/conflicts"
                            "?done=conflict-decided")
        return self._cm_conflicts(request, viewer, organisation_id, project_id,
                                  decisions={conflict_id: form}, status=form.status)

    # --- scoring and moderation ------------------------------------------------------------------
    def _cm_tender(self, viewer, organisation_id, tender_id) -> dict:
        return call(self.rpc.commissioning.get_tender, viewer.principal, organisation_id,
                    tender_id)

    @page("GET", BASE + "/tenders/<tender_id>")
    def commissioning_tender_page(self, request, viewer, organisation_id, tender_id):
        """The bidders an evaluator scores, with how far they have got; for a coordinator,
        the way to moderation."""
        self._cm_allow(viewer, organisation_id, TAKE_PART)
        tender = self._cm_tender(viewer, organisation_id, tender_id)
        progress = {p["bidder_id"]: p for p in tender.get("my_progress") or []}
        return self._cm_render(request, viewer, organisation_id, "commissioning/tender.html",
                               title=tender["title"], tender=tender, progress=progress)

    def _cm_score(self, request, viewer, organisation_id, tender_id, bidder_id, form=None,
                  status=200):
        tender = self._cm_tender(viewer, organisation_id, tender_id)
        bidder = next((b for b in tender["bidders"] if b["id"] == bidder_id), None)
        if bidder is None or not tender.get("you_score"):
            raise Forbidden("You do not score this bidder.")
        progress = next((p for p in tender.get("my_progress") or []
                         if p["bidder_id"] == bidder_id), {})
        questions = [q for q in tender["questions"] if q["category"] in tender["you_score"]]
        scores = None
        if not progress.get("blocked_by_conflict"):
            scores = call(self.rpc.commissioning.bidder_scores, viewer.principal,
                          organisation_id, tender_id, bidder_id)
        if form is None:
            form = Form(prefix="score-")
            for s in (scores or {}).get("mine", []):
                form.values[f"score_{s['question_id']}"] = str(s["score"])
                form.values[f"justification_{s['question_id']}"] = s["justification"]
        others = {}
        for s in (scores or {}).get("others", []):
            others.setdefault(s["question_id"], []).append(s)
        names = names_for(self.rpc, viewer, organisation_id,
                          [s["evaluator_id"] for s in (scores or {}).get("others", [])],
                          "the other evaluators' scores")
        return self._cm_render(request, viewer, organisation_id, "commissioning/score.html",
                               status=status, title=f"Score {bidder['name']}", tender=tender,
                               bidder=bidder, questions=questions, scores=scores, form=form,
                               blocked=progress.get("blocked_by_conflict"), others=others,
                               names=names, tender_base=f"{_base(organisation_id)}/tenders/"
                                                        f"{tender_id}")

    @page("GET", BASE + "/tenders/<tender_id>/bidders/<bidder_id>/score")
    def commissioning_score_page(self, request, viewer, organisation_id, tender_id, bidder_id):
        self._cm_allow(viewer, organisation_id, TAKE_PART)
        return self._cm_score(request, viewer, organisation_id, tender_id, bidder_id)

    @page("POST", BASE + "/tenders/<tender_id>/bidders/<bidder_id>/score")
    def commissioning_score_form(self, request, viewer, organisation_id, tender_id, bidder_id):
        """Save the scores as a draft; "Save and submit" then asks before locking them."""
        self._cm_allow(viewer, organisation_id, TAKE_PART)
        tender = self._cm_tender(viewer, organisation_id, tender_id)
        form = Form(request.form, prefix="score-")
        items = []
        for q in tender["questions"]:
            if q["category"] not in (tender.get("you_score") or []):
                continue
            score, why = form.get(f"score_{q['id']}"), form.get(f"justification_{q['id']}")
            if score not in {str(n) for n in range(6)}:
                form.fail(f"score_{q['id']}", "Choose a score from 0 to 5",
                          anchor=f"score-score-{q['id']}-0")
            if len(why) < 3:
                form.fail(f"justification_{q['id']}", "Say why you gave this score")
            if form.ok:
                items.append({"question_id": q["id"], "score": int(score),
                              "justification": why})
        saved = None
        if form.ok and items:
            saved = attempt(form, self.rpc.commissioning.save_scores, viewer.principal,
                            organisation_id, tender_id, bidder_id, {"scores": items})
        here = f"{_base(organisation_id)}/tenders/{tender_id}/bidders/{bidder_id}"
        if saved and form.get("then") == "submit":
            return redirect(here + "/submit")
        if saved:
            return redirect(here + "/score?done=scores-saved")
        return self._cm_score(request, viewer, organisation_id, tender_id, bidder_id, form,
                              status=form.status if form.status != 200 else 422)

    @page("GET", BASE + "/tenders/<tender_id>/bidders/<bidder_id>/submit")
    def commissioning_submit_question(self, request, viewer, organisation_id, tender_id,
                                      bidder_id):
        self._cm_allow(viewer, organisation_id, TAKE_PART)
        tender = self._cm_tender(viewer, organisation_id, tender_id)
        bidder = next((b for b in tender["bidders"] if b["id"] == bidder_id), {})
        here = f"{_base(organisation_id)}/tenders/{tender_id}/bidders/{bidder_id}/score"
        return confirm.ask(request, viewer, confirm.Question(
            title=f"Submit your scores for {bidder.get('name', 'this bidder')}?",
            consequences=["Your scores are locked: you cannot change them after this.",
                          "You will then see the other evaluators' scores for this bidder.",
                          "The moderation meeting agrees the final scores."],
            button="Submit my scores", back=(here, "No, go back to my scores")))

    @page("POST", BASE + "/tenders/<tender_id>/bidders/<bidder_id>/submit")
    def commissioning_submit_form(self, request, viewer, organisation_id, tender_id, bidder_id):
        self._cm_allow(viewer, organisation_id, TAKE_PART)
        if not confirm.confirmed(request):
            return confirm.to_question(request)
        here = f"{_base(organisation_id)}/tenders/{tender_id}/bidders/{bidder_id}/score"
        form = Form(prefix="score-")
        if attempt(form, self.rpc.commissioning.submit_scores, viewer.principal,
                   organisation_id, tender_id, bidder_id) is None:
            return self._cm_score(request, viewer, organisation_id, tender_id, bidder_id,
                                  form, status=form.status)
        return redirect(here + "?done=scores-submitted")

    def _cm_moderation(self, request, viewer, organisation_id, tender_id, forms=None,
                       status=200, start_error=None):
        tender = self._cm_tender(viewer, organisation_id, tender_id)
        answers, people = [], []
        for b in tender["bidders"]:
            scores = None
            if tender["status"] != "scoring" and tender["status"] != "open":
                scores = call(self.rpc.commissioning.bidder_scores, viewer.principal,
                              organisation_id, tender_id, b["id"])
            every = [*(scores or {}).get("mine", []), *(scores or {}).get("others", [])]
            people += [s["evaluator_id"] for s in every]
            for q in tender["questions"]:
                answers.append({"bidder": b, "question": q, "scores": [
                    s for s in every if s["question_id"] == q["id"] and s["submitted"]]})
        agreed = {(m["bidder_id"], m["question_id"]): m
                  for m in tender.get("moderation") or []}
        names = names_for(self.rpc, viewer, organisation_id, people, "moderating the scores")
        return self._cm_render(request, viewer, organisation_id,
                               "commissioning/moderation.html", status=status,
                               title=f"Moderation: {tender['title']}", tender=tender,
                               answers=answers, forms=forms or {}, agreed=agreed, names=names,
                               start_error=start_error, fresh=_agreed_form,
                               evaluation=f"{_base(organisation_id)}/projects/"
                                          f"{tender['project_id']}/evaluation")

    @page("GET", BASE + "/tenders/<tender_id>/moderation")
    def commissioning_moderation_page(self, request, viewer, organisation_id, tender_id):
        require(viewer.principal, MANAGE, organisation_id)
        return self._cm_moderation(request, viewer, organisation_id, tender_id)

    @page("GET", BASE + "/tenders/<tender_id>/start-moderation")
    def commissioning_start_moderation_question(self, request, viewer, organisation_id,
                                                tender_id):
        require(viewer.principal, MANAGE, organisation_id)
        back = f"{_base(organisation_id)}/tenders/{tender_id}/moderation"
        return confirm.ask(request, viewer, confirm.Question(
            title="Start moderation now?",
            consequences=["Scoring ends: nobody can change or add scores after this.",
                          "Everyone's independent scores are shown to the moderators."],
            button="Start moderation", back=(back, "No, not yet")))

    @page("POST", BASE + "/tenders/<tender_id>/start-moderation")
    def commissioning_start_moderation_form(self, request, viewer, organisation_id, tender_id):
        require(viewer.principal, MANAGE, organisation_id)
        if not confirm.confirmed(request):
            return confirm.to_question(request)
        try:
            call(self.rpc.commissioning.start_moderation, viewer.principal, organisation_id,
                 tender_id)
        except InvolveError as exc:
            if exc.status not in (409, 422):
                raise
            return self._cm_moderation(request, viewer, organisation_id, tender_id,
                                       status=exc.status, start_error=exc.message)
        return redirect(f"{_base(organisation_id)}/tenders/{tender_id}/moderation"
                        "?done=moderation-started")

    @page("POST", BASE + "/tenders/<tender_id>/moderation")
    def commissioning_moderate_form(self, request, viewer, organisation_id, tender_id):
        require(viewer.principal, MANAGE, organisation_id)
        key = f"{request.form.get('bidder_id', '')}-{request.form.get('question_id', '')}"
        form = Form(request.form, prefix=f"m-{key}-")
        score = form.get("score")
        if score not in {str(n) for n in range(6)}:
            form.fail("score", "Choose the agreed score from 0 to 5")
        if len(form.get("rationale")) < 3:
            form.fail("rationale", "Say why the group agreed this score")
        done = None
        if form.ok:
            done = attempt(form, self.rpc.commissioning.moderate, viewer.principal,
                           organisation_id, tender_id, {
                               "bidder_id": form.get("bidder_id"),
                               "question_id": form.get("question_id"),
                               "score": int(score), "rationale": form.get("rationale")})
        if done:
            return redirect(f"{_base(organisation_id)}/tenders/{tender_id}/moderation"
                            f"?done=score-agreed#answer-{key}")
        return self._cm_moderation(request, viewer, organisation_id, tender_id,
                                   forms={key: form}, status=form.status)

    # --- my involvement ----------------------------------------------------------------------------
    @page("GET", BASE + "/my-involvement")
    def commissioning_my_involvement_page(self, request, viewer, organisation_id):
        self._cm_allow(viewer, organisation_id, TAKE_PART)
        mine = call(self.rpc.commissioning.my_involvement, viewer.principal, organisation_id)
        return self._cm_render(request, viewer, organisation_id,
                               "commissioning/my_involvement.html", title="My involvement",
                               mine=mine)

    @page("GET", BASE + "/agreements/<agreement_id>/sign")
    def commissioning_sign_question(self, request, viewer, organisation_id, agreement_id):
        self._cm_allow(viewer, organisation_id, TAKE_PART)
        mine = call(self.rpc.commissioning.my_involvement, viewer.principal, organisation_id)
        agreement = next((a for a in mine["to_sign"] if a["id"] == agreement_id), None)
        if agreement is None:
            raise Forbidden("There is no working agreement for you to sign here.")
        return self._cm_render(request, viewer, organisation_id, "commissioning/sign.html",
                               title=f"Your working agreement: {agreement['project']}",
                               agreement=agreement)

    @page("POST", BASE + "/agreements/<agreement_id>/sign")
    def commissioning_sign_form(self, request, viewer, organisation_id, agreement_id):
        self._cm_allow(viewer, organisation_id, TAKE_PART)
        if not confirm.confirmed(request):
            return confirm.to_question(request)
        call(self.rpc.commissioning.sign_agreement, viewer.principal, organisation_id,
             agreement_id)
        return redirect(_base(organisation_id) + "/my-involvement?done=agreement-signed")

    def _cm_claim(self, request, viewer, organisation_id, claim_id, form=None, status=200):
        claim = call(self.rpc.commissioning.get_claim, viewer.principal, organisation_id,
                     claim_id)
        if form is None:
            form = Form(prefix="claim-")
            form.values = {"method": claim["method"] or "bank",
                           "payment_choice": claim["payment_choice"] or "full",
                           "preparation_hours": claim["preparation_hours"],
                           "attendance_hours": claim["attendance_hours"]}
        return self._cm_render(request, viewer, organisation_id, "commissioning/claim.html",
                               status=status, title="Claim your payment and expenses",
                               claim=claim, form=form)

    @page("GET", BASE + "/claims/<claim_id>")
    def commissioning_claim_page(self, request, viewer, organisation_id, claim_id):
        self._cm_allow(viewer, organisation_id, TAKE_PART)
        return self._cm_claim(request, viewer, organisation_id, claim_id)

    @page("POST", BASE + "/claims/<claim_id>")
    def commissioning_claim_form(self, request, viewer, organisation_id, claim_id):
        self._cm_allow(viewer, organisation_id, TAKE_PART)
        claim = call(self.rpc.commissioning.get_claim, viewer.principal, organisation_id,
                     claim_id)
        form = Form(request.form, prefix="claim-")
        if form.get("method") not in w.METHODS:
            form.fail("method", "Choose how you would like to be paid", anchor="claim-method-0")
        choice = form.get("payment_choice")
        if choice not in w.PAYMENT_CHOICES:
            form.fail("payment_choice", "Choose whether you would like the fee",
                      anchor="claim-payment-choice-0")
        if choice == "reduced" and not _money_ok(form.get("reduced_fee")):
            form.fail("reduced_fee", "Enter the fee you would like, in pounds, like 20 or "
                                     "20.50")
        for name in ("preparation_hours", "attendance_hours"):
            if form.get(name) and not re.fullmatch(r"\d{1,2}(\.\d{1,2})?", form.get(name)):
                form.fail(name, "Enter the hours like 2 or 1.5")
        expenses = []
        travel = form.get("travel")
        if travel:
            if not _money_ok(travel):
                form.fail("travel", "Enter what your travel cost, in pounds, like 4.80")
            elif not form.get("receipt"):
                form.fail("receipt", "Say what receipt or ticket you have, like “bus ticket”")
            else:
                expenses.append({"kind": "travel", "amount": travel,
                                 "receipt": form.get("receipt"),
                                 "description": "Travel to and from the activity"})
        sent = None
        if form.ok:
            body = {"claim_key": claim["claim_key"], "activity_kind": claim["activity_kind"],
                    "activity_date": claim["activity_date"], "method": form.get("method"),
                    "payment_choice": choice, "expenses": expenses}
            for name in ("activity_ref", "project_id", "role"):
                if claim.get(name):
                    body[name] = claim[name]
            for name in ("preparation_hours", "attendance_hours"):
                if form.get(name):
                    body[name] = form.get(name)
            if choice == "reduced":
                body["reduced_fee"] = form.get("reduced_fee")
            sent = attempt(form, self.rpc.commissioning.submit_claim, viewer.principal,
                           organisation_id, body)
            for name in list(form.errors):
                if name.startswith("expenses"):
                    form.errors.setdefault("travel", form.errors.pop(name))
        if sent:
            return redirect(_base(organisation_id) + "/my-involvement?done=claim-sent#claims")
        return self._cm_claim(request, viewer, organisation_id, claim_id, form,
                              status=form.status)

    # --- payments (staff) -------------------------------------------------------------------------
    @page("GET", PAYMENTS)
    def commissioning_payments_page(self, request, viewer, organisation_id):
        require(viewer.principal, PAY_READ, organisation_id)
        claims = call(self.rpc.commissioning.list_claims, viewer.principal, organisation_id, {})
        timeliness = call(self.rpc.commissioning.payment_timeliness, viewer.principal,
                          organisation_id)
        policies = call(self.rpc.commissioning.list_payment_policies, viewer.principal,
                        organisation_id)
        names = names_for(self.rpc, viewer, organisation_id,
                          [c["person_id"] for c in claims], "claims to approve and pay")
        return self._cm_render(
            request, viewer, organisation_id, "commissioning/payments.html", title="Payments",
            claims=[c for c in claims if c["status"] != "draft"], timeliness=timeliness,
            policy=policies[-1] if policies else None, names=names,
            csv_link=f"/api/v1/organisations/{organisation_id}/payments/export.csv",
            payments_base=f"/organisations/{organisation_id}/payments")

    def _cm_claim_question(self, request, viewer, organisation_id, claim_id, action):
        claim = call(self.rpc.commissioning.get_claim, viewer.principal, organisation_id,
                     claim_id)
        names = names_for(self.rpc, viewer, organisation_id, [claim["person_id"]],
                          "a claim to approve or pay")
        who = names.label(claim["person_id"], "this person")
        back = (f"/organisations/{organisation_id}/payments", "No, go back to the claims")
        amount = w.money(claim["total"])
        if action == "authorise":
            return confirm.ask(request, viewer, confirm.Question(
                title=f"Approve {who}’s claim for {amount}?",
                consequences=[f"{w.ACTIVITY_KINDS.get(claim['activity_kind'])} on "
                              f"{claim['activity_date']}: fee {w.money(claim['fee'])}, "
                              f"expenses {w.money(claim['expenses_total'])}.",
                              "It can then be paid."],
                button="Approve the claim", back=back, warning=False))
        return confirm.ask(request, viewer, confirm.Question(
            title=f"Record the payment of {amount} to {who}?",
            consequences=["Only do this once the money has been sent.",
                          "A claim is only ever paid once."],
            button="Record the payment", back=back, warning=False))

    @page("GET", PAYMENTS + "/claims/<claim_id>/authorise")
    def commissioning_authorise_question(self, request, viewer, organisation_id, claim_id):
        require(viewer.principal, PAY_AUTHORISE, organisation_id)
        return self._cm_claim_question(request, viewer, organisation_id, claim_id, "authorise")

    @page("POST", PAYMENTS + "/claims/<claim_id>/authorise")
    def commissioning_authorise_form(self, request, viewer, organisation_id, claim_id):
        require(viewer.principal, PAY_AUTHORISE, organisation_id)
        if not confirm.confirmed(request):
            return confirm.to_question(request)
        call(self.rpc.commissioning.authorise_claim, viewer.principal, organisation_id,
             claim_id)
        return redirect(f"/organisations/{organisation_id}/payments?done=claim-authorised")

    @page("GET", PAYMENTS + "/claims/<claim_id>/pay")
    def commissioning_pay_question(self, request, viewer, organisation_id, claim_id):
        require(viewer.principal, PAY_AUTHORISE, organisation_id)
        return self._cm_claim_question(request, viewer, organisation_id, claim_id, "pay")

    @page("POST", PAYMENTS + "/claims/<claim_id>/pay")
    def commissioning_pay_form(self, request, viewer, organisation_id, claim_id):
        require(viewer.principal, PAY_AUTHORISE, organisation_id)
        if not confirm.confirmed(request):
            return confirm.to_question(request)
        call(self.rpc.commissioning.pay_claim, viewer.principal, organisation_id, claim_id, {})
        return redirect(f"/organisations/{organisation_id}/payments?done=claim-paid")
