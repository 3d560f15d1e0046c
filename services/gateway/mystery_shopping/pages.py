"""Gateway: the mystery-shopping web pages (issue 5).

Coordinators schedule rounds from a benchmark question set, keep the roster of shoppers (with the
services each uses or has used, so they are never sent to call those), watch the assignments,
reassign a call when someone cannot take part, close a round and read its report: efficiency and
feeling side by side (never one number), charts with their data tables, best-practice quotes,
gaps and how far shoppers agreed. Shoppers see "My calls" and fill in one call form, saving a
draft as they go and submitting when done.

Plain HTML forms (POST, then redirect or the page with the answer); no JavaScript. Everything is
checked here for a helpful message and again by the mystery_shopping service.
"""
from __future__ import annotations

import logging
import re
from datetime import UTC, datetime, time
from urllib.parse import quote

from involve.kernel.errors import Forbidden, InvolveError, NotFound
from involve.kernel.policy import require
from involve.kernel.rpc import call
from involve.mystery_shopping.contract import (
    CALLS_PER_SERVICE,
    DEFAULT_CALLS_PER_SERVICE,
    DEFAULT_INFORMATION,
    INFORMATION,
    KINDS,
    MAX_DESCRIPTION,
    MAX_GUIDANCE,
    MAX_NOTES,
    MAX_REASON,
    MAX_SECONDS_TO_ANSWER,
    MAX_TEXT_ANSWER,
    MAX_WEIGHT,
    MEASURES,
    PERSONAS,
    QUESTION_TEXT,
    ROUND_NAME,
    SET_TITLE,
)

from ..web import confirm
from ..web.dates import long_date
from ..web.forms import Form, attempt
from ..web.pages import page, redirect, render
from ..web.people import can_see_names, names_for, searching
from ..web.people import picker as people_picker
from .charts import bar_chart, line_chart
from .words import (
    ASSIGNMENT_STATUS,
    KIND_NAMES,
    MEASURE_NAMES,
    NOTICES,
    PERSONA_AS,
    PERSONA_NAMES,
    ROUND_STATUS,
    SCALE_OPTIONS,
    alpha_explained,
    efficiency_text,
    feeling_text,
    question_result_text,
)

log = logging.getLogger(__name__)

BASE = "/organisations/<organisation_id>/mystery-shopping"
MANAGE = "mystery_shopping.manage"
SHOP = "mystery_shopping.shop"
READ = "mystery_shopping.read"
TIME_ZONE = "Europe/London"
SHOPPER_ROLES = ("council_member", "volunteer")
AGREED_WORDS = ("Has agreed to mystery shop", "Has not agreed to mystery shop yet")


def _zone():
    try:
        from zoneinfo import ZoneInfo
        return ZoneInfo(TIME_ZONE)
    except Exception:  # no time-zone data on this machine
        return UTC


# --- the call form ------------------------------------------------------------------------------
def call_values(record: dict | None) -> dict:
    """A saved call record as the form's values."""
    record = record or {}
    values: dict = {}
    called_at = record.get("called_at")
    if called_at:
        try:
            moment = datetime.fromisoformat(str(called_at).replace("Z", "+00:00"))
            if moment.tzinfo is not None:
                moment = moment.astimezone(_zone())
            values["called_on"] = moment.date().isoformat()
            values["called_time"] = moment.strftime("%H:%M")
        except ValueError:
            pass
    if record.get("persona"):
        values["persona"] = record["persona"]
    if record.get("seconds_to_answer") is not None:
        values["seconds_to_answer"] = str(record["seconds_to_answer"])
    for qid, value in (record.get("answers") or {}).items():
        if value is not None:
            values["q-" + str(qid)] = str(value)
    if record.get("notes"):
        values["notes"] = record["notes"]
    for name in ("callback_promised", "callback_happened"):
        if record.get(name) is True:
            values[name] = "yes"
        elif record.get(name) is False:
            values[name] = "no"
    return values


def read_call_form(form: Form, questions: list[dict], *, complete: bool) -> dict:
    """The call form as the service's call data. Only what was given is sent; ``complete``
    (submitting) asks for every scored answer and the call's details."""
    data: dict = {}
    called_on, called_time = form.get("called_on"), form.get("called_time")
    if called_on or called_time:
        moment = None
        form.missing.setdefault("called_on", "Enter the date of the call")
        day = form.date("called_on")  # a date picker's 2026-01-12, or "12 January 2026"
        try:
            moment = time.fromisoformat(called_time) if called_time else None
        except ValueError:
            form.fail("called_time", "Enter the time of the call like 14:30")
        if day is not None and (moment is not None or not called_time):
            local = datetime.combine(day, moment or time(12, 0), tzinfo=_zone())
            data["called_at"] = local.astimezone(UTC).isoformat()
    elif complete:
        form.fail("called_on", "Enter the date of the call")
    if complete and called_on and not called_time:
        form.fail("called_time", "Enter the time of the call")
    if form.get("persona"):
        if form.get("persona") not in PERSONAS:
            form.fail("persona", "Choose who you called as")
        else:
            data["persona"] = form.get("persona")
    seconds = form.get("seconds_to_answer").replace(" ", "")
    if seconds:
        if not seconds.isdigit() or int(seconds) > MAX_SECONDS_TO_ANSWER:
            form.fail("seconds_to_answer", "Enter the number of seconds as a whole number from 0 "
                                           f"to {MAX_SECONDS_TO_ANSWER}, like 45")
        else:
            data["seconds_to_answer"] = int(seconds)
    elif complete:
        form.fail("seconds_to_answer", "Enter how many seconds it took them to answer")
    answers: dict = {}
    for question in questions:
        qid, kind = question["id"], question.get("kind")
        if question.get("answered_within_seconds") is not None:
            continue  # worked out by the service from the seconds to answer, never asked
        given = form.get("q-" + qid)
        if not given:
            if complete and kind != "text":
                form.fail("q-" + qid, f"Answer “{question.get('text', qid)}”",
                          anchor=f"q-{qid}-0")
            continue
        if kind == "yes_no" and given not in ("yes", "no"):
            form.fail("q-" + qid, "Choose yes or no", anchor=f"q-{qid}-0")
        elif kind == "scale_1_5" and given not in ("1", "2", "3", "4", "5"):
            form.fail("q-" + qid, "Choose a rating from 1 to 5", anchor=f"q-{qid}-0")
        elif kind == "text" and len(given) > MAX_TEXT_ANSWER:
            form.fail("q-" + qid, f"Use at most {MAX_TEXT_ANSWER} characters")
        else:
            answers[qid] = int(given) if kind == "scale_1_5" else given
    data["answers"] = answers
    notes = form.get("notes")
    if len(notes) > MAX_NOTES:
        form.fail("notes", f"Use at most {MAX_NOTES} characters in your notes")
    elif notes:
        data["notes"] = notes
    promised = form.get("callback_promised")
    if promised in ("yes", "no"):
        data["callback_promised"] = promised == "yes"
    elif complete:
        form.fail("callback_promised", "Say whether they promised to call you back",
                  anchor="callback-promised-0")
    happened = form.get("callback_happened")
    if happened in ("yes", "no"):
        data["callback_happened"] = happened == "yes"
    elif happened == "not_yet":
        data["callback_happened"] = None
    if complete and promised == "yes" and not happened:
        form.fail("callback_happened", "Say whether they have called you back: choose “Not "
                                       "yet” if you are still waiting",
                  anchor="callback-happened-0")
    return data


def worked_out(questions: list[dict]) -> list[dict]:
    """The questions the service answers from the seconds to answer (not asked on the form)."""
    return [q for q in questions if q.get("answered_within_seconds") is not None]


def service_errors_on_call_form(form: Form, questions: list[dict] = ()) -> None:
    """The service names fields as in its call data: show them beside the form's own fields
    (a question worked out from the seconds to answer, beside the seconds)."""
    derived = {q["id"] for q in worked_out(list(questions))}
    renamed: dict = {}
    for name, message in form.errors.items():
        if name.startswith("answers.") and name.split(".", 1)[1] in derived:
            renamed.setdefault("seconds_to_answer", message)
        elif name.startswith("answers."):
            qid = name.split(".", 1)[1]
            renamed["q-" + qid] = message
            form.anchors["q-" + qid] = f"q-{qid}-0"
        elif name == "called_at":
            renamed["called_on"] = message
        elif name in ("callback_promised", "callback_happened", "persona"):
            renamed[name] = message
            form.anchors[name] = name.replace("_", "-") + "-0"
        else:
            renamed[name] = message
    form.errors = renamed


class MysteryShoppingPages:
    """Mixed into GatewayService; every method name here must be unique across the mixins."""

    # --- helpers -------------------------------------------------------------------------------
    def _mystery_allow(self, viewer, organisation_id, *actions):
        """Refuse unless the viewer may do one of ``actions`` here (checked before any lookup)."""
        if not any(viewer.can(action, organisation_id) for action in actions):
            raise Forbidden("You do not have permission to see mystery shopping for this "
                            "organisation.")

    def _mystery_organisation(self, viewer, organisation_id):
        try:
            return call(self.rpc.identity.get_organisation, viewer.principal, organisation_id)
        except InvolveError:
            return {"id": organisation_id, "name": "Your organisation"}

    def _mystery_service_names(self, viewer, organisation_id) -> dict:
        try:
            services = call(self.rpc.identity.list_care_services, viewer.principal,
                            organisation_id)
        except InvolveError:
            services = call(self.rpc.identity.public_care_services, organisation_id)
        return {s["id"]: s["name"] for s in services}

    def _mystery_base(self, organisation_id):
        return f"/organisations/{organisation_id}/mystery-shopping"

    def _mystery_render(self, request, viewer, organisation_id, template, *, status=200,
                        **context):
        return render(request, template, viewer, status=status,
                      organisation=self._mystery_organisation(viewer, organisation_id),
                      base=self._mystery_base(organisation_id),
                      persona_names=PERSONA_NAMES, kind_names=KIND_NAMES,
                      measure_names=MEASURE_NAMES, assignment_status=ASSIGNMENT_STATUS,
                      round_status=ROUND_STATUS, date_text=long_date,
                      mystery_notice=NOTICES.get(request.args.get("done", "")),
                      can_manage=viewer.can(MANAGE, organisation_id),
                      can_shop=viewer.can(SHOP, organisation_id),
                      can_read=viewer.can(READ, organisation_id), **context)

    # --- coordinators: rounds ------------------------------------------------------------------
    def _mystery_home(self, request, viewer, organisation_id):
        rounds = call(self.rpc.mystery_shopping.list_rounds, viewer.principal, organisation_id)
        return self._mystery_render(
            request, viewer, organisation_id, "mystery_shopping/home.html",
            title="Mystery shopping", rounds=rounds)

    def _mystery_schedule_page(self, request, viewer, organisation_id, form, status=200):
        sets, services = [], []
        if viewer.can(MANAGE, organisation_id):
            sets = [s for s in call(self.rpc.mystery_shopping.list_question_sets,
                                    viewer.principal, organisation_id)
                    if not s.get("superseded")]
            names = self._mystery_service_names(viewer, organisation_id)
            services = sorted(names.items(), key=lambda kv: kv[1].casefold())
        if not form.values:
            ticked_services, ticked_personas = [], list(PERSONAS)
            form.values = {"calls_per_service": str(DEFAULT_CALLS_PER_SERVICE),
                           "information_allowed": DEFAULT_INFORMATION}
        else:
            ticked_services = form.getlist("care_service_ids")
            ticked_personas = form.getlist("personas")
        return self._mystery_render(
            request, viewer, organisation_id, "mystery_shopping/schedule.html", status=status,
            title="Schedule a round", sets=sets, services=services, form=form,
            ticked_services=ticked_services, ticked_personas=ticked_personas,
            default_information=DEFAULT_INFORMATION, calls_range=CALLS_PER_SERVICE)

    @page("GET", BASE)
    def mystery_home_page(self, request, viewer, organisation_id):
        self._mystery_allow(viewer, organisation_id, MANAGE, READ, SHOP)
        if not viewer.can(MANAGE, organisation_id) and not viewer.can(READ, organisation_id):
            return redirect(self._mystery_base(organisation_id) + "/my-calls")
        return self._mystery_home(request, viewer, organisation_id)

    @page("GET", BASE + "/rounds/new")
    def mystery_schedule_page(self, request, viewer, organisation_id):
        self._mystery_allow(viewer, organisation_id, MANAGE)
        return self._mystery_schedule_page(request, viewer, organisation_id,
                                           Form(prefix="round-"))

    @page("POST", BASE + "/rounds/new")
    def mystery_schedule_form(self, request, viewer, organisation_id):
        """The schedule form posts to its own page, so a mistake keeps that page's address."""
        return self._mystery_schedule(request, viewer, organisation_id)

    @page("POST", BASE)
    def mystery_schedule_form_old_address(self, request, viewer, organisation_id):
        """Where the form posted before it had a page of its own."""
        return self._mystery_schedule(request, viewer, organisation_id)

    def _mystery_schedule(self, request, viewer, organisation_id):
        require(viewer.principal, MANAGE, organisation_id)
        form = Form(request.form, prefix="round-", missing={
            "name": "Give the round a name, like “January and February”",
            "question_set_id": "Choose the question set",
            "starts_on": "Enter the first day of the round",
            "ends_on": "Enter the last day of the round"})
        form.require("name", "question_set_id", "starts_on", "ends_on")
        services = form.getlist("care_service_ids")
        first_service = f"round-care-service-ids-{services[0] if services else ''}"
        if not services:
            names = self._mystery_service_names(viewer, organisation_id)
            first = sorted(names.items(), key=lambda kv: kv[1].casefold())
            first_service = f"round-care-service-ids-{first[0][0]}" if first else "round-name"
            form.fail("care_service_ids", "Choose at least one care service to call",
                      anchor=first_service)
        personas = form.getlist("personas")
        if not personas or any(p not in PERSONAS for p in personas):
            form.fail("personas", "Choose at least one kind of caller",
                      anchor="round-personas-potential-client")
        calls = form.get("calls_per_service") or str(DEFAULT_CALLS_PER_SERVICE)
        fewest, most = CALLS_PER_SERVICE
        if not calls.isdigit() or not fewest <= int(calls) <= most:
            form.fail("calls_per_service", "Enter the number of calls as a whole number from "
                                           f"{fewest} to {most}")
        days = {}
        for name in ("starts_on", "ends_on"):  # a date picker's, or typed: "1 December 2026"
            if form.get(name) and (day := form.date(name)) is not None:
                days[name] = day
        if len(days) == 2 and days["ends_on"] < days["starts_on"]:
            form.fail("ends_on", "The last day must be on or after the first day")
        if len(form.get("name")) > ROUND_NAME[1]:
            form.fail("name", f"Use at most {ROUND_NAME[1]} characters for the name")
        information = form.get("information_allowed") or DEFAULT_INFORMATION
        if len(information) > INFORMATION[1]:
            form.fail("information_allowed", f"Use at most {INFORMATION[1]} characters")
        scheduled = None
        if form.ok:
            scheduled = attempt(form, self.rpc.mystery_shopping.schedule_round, viewer.principal,
                                organisation_id, {
                                    "name": form.get("name"),
                                    "question_set_id": form.get("question_set_id"),
                                    "care_service_ids": services, "personas": personas,
                                    "calls_per_service": int(calls),
                                    "starts_on": days["starts_on"].isoformat(),
                                    "ends_on": days["ends_on"].isoformat(),
                                    "information_allowed": information})
            if "care_service_ids" in form.errors:
                form.anchors["care_service_ids"] = first_service
            if "personas" in form.errors:
                form.anchors["personas"] = "round-personas-potential-client"
        if scheduled:
            return redirect(f"{self._mystery_base(organisation_id)}/rounds/{scheduled['id']}"
                            "?done=round-scheduled")
        return self._mystery_schedule_page(request, viewer, organisation_id, form,
                                           status=form.status)

    # --- coordinators: one round ---------------------------------------------------------------
    def _mystery_round(self, request, viewer, organisation_id, round_id, *, status=200,
                       failed=None):
        round_ = call(self.rpc.mystery_shopping.get_round, viewer.principal, organisation_id,
                      round_id)
        names = self._mystery_service_names(viewer, organisation_id)
        assignments = sorted(round_.get("assignments") or [], key=lambda a: (
            names.get(a.get("care_service_id"), "").casefold(), a.get("persona") or ""))
        people = names_for(self.rpc, viewer, organisation_id,
                           [a.get("shopper_id") for a in assignments if a.get("shopper_id")
                            and a.get("shopper_id") != "erased"], "the round's assignments")
        return self._mystery_render(
            request, viewer, organisation_id, "mystery_shopping/round.html", status=status,
            title=round_["name"], round=round_, assignments=assignments, names=names,
            people=people, failed_form=failed)

    @page("GET", BASE + "/rounds/<round_id>")
    def mystery_round_page(self, request, viewer, organisation_id, round_id):
        self._mystery_allow(viewer, organisation_id, MANAGE, READ)
        return self._mystery_round(request, viewer, organisation_id, round_id)

    @page("GET", BASE + "/rounds/<round_id>/close")
    def mystery_close_question(self, request, viewer, organisation_id, round_id):
        require(viewer.principal, MANAGE, organisation_id)
        round_ = call(self.rpc.mystery_shopping.get_round, viewer.principal, organisation_id,
                      round_id)
        page_of_round = f"{self._mystery_base(organisation_id)}/rounds/{round_id}"
        if round_.get("status") == "closed":
            return redirect(page_of_round + "/report")
        rows = round_.get("assignments") or []
        recorded = sum(1 for a in rows if a.get("status") == "recorded")
        left = len(rows) - recorded
        return confirm.ask(request, viewer, confirm.Question(
            title=f"Close the round “{round_['name']}”?",
            lead=f"{recorded} of {len(rows)} calls have been recorded.",
            consequences=[
                "Shoppers can no longer record calls for this round.",
                (f"The {left} call{'s' if left != 1 else ''} not recorded yet, and any drafts of "
                 "them, are left out of the report." if left else
                 "Every call has been recorded, so the report will have them all."),
                "Its scores become final and go into the trends across rounds.",
                "This cannot be undone."],
            button="Close the round", back=(page_of_round, "No, keep it open"),
            breadcrumb=(page_of_round, round_["name"])))

    @page("POST", BASE + "/rounds/<round_id>/close")
    def mystery_close_form(self, request, viewer, organisation_id, round_id):
        require(viewer.principal, MANAGE, organisation_id)
        if not confirm.confirmed(request):
            return confirm.to_question(request)
        call(self.rpc.mystery_shopping.close_round, viewer.principal, organisation_id, round_id)
        return redirect(f"{self._mystery_base(organisation_id)}/rounds/{round_id}/report"
                        "?done=round-closed")

    @page("GET", BASE + "/assignments/<assignment_id>/reassign")
    def mystery_reassign_question(self, request, viewer, organisation_id, assignment_id):
        require(viewer.principal, MANAGE, organisation_id)
        round_id = (request.args.get("round_id") or "")[:100]
        round_ = call(self.rpc.mystery_shopping.get_round, viewer.principal, organisation_id,
                      round_id) if round_id else {}
        assignment = next((a for a in round_.get("assignments") or []
                           if a.get("id") == assignment_id), None)
        if assignment is None:
            raise NotFound("We could not find that call. Go back to the round and try again.")
        services = self._mystery_service_names(viewer, organisation_id)
        shopper = assignment.get("shopper_id")
        who = names_for(self.rpc, viewer, organisation_id, [shopper] if shopper else [],
                        "passing a call to another shopper").label(shopper, "the shopper") \
            if shopper else "nobody"
        service = services.get(assignment.get("care_service_id"), "the service")
        page_of_round = f"{self._mystery_base(organisation_id)}/rounds/{round_id}"
        return confirm.ask(request, viewer, confirm.Question(
            title=f"Give the call to {service} to someone else?",
            lead=f"It is {who}'s call now, calling as "
                 f"{PERSONA_AS.get(assignment.get('persona'), 'a caller')}.",
            consequences=[
                "It goes to the shopper with the fewest calls who may call this service.",
                "Any draft of the call is deleted.",
                "Both shoppers are told.", "This cannot be undone."],
            button="Give it to someone else", back=(page_of_round, "No, leave it"),
            hidden={"round_id": round_id},
            breadcrumb=(page_of_round, round_.get("name") or "The round")))

    @page("POST", BASE + "/assignments/<assignment_id>/reassign")
    def mystery_reassign_form(self, request, viewer, organisation_id, assignment_id):
        require(viewer.principal, MANAGE, organisation_id)
        form = Form(request.form, prefix="reassign-")
        round_id = form.get("round_id") or request.form.get("round_id", "")
        if not confirm.confirmed(request):
            return redirect(f"{request.path}?round_id={quote(round_id)}")
        reason = form.get("reason")[:MAX_REASON]
        done = attempt(form, self.rpc.mystery_shopping.reassign, viewer.principal,
                       organisation_id, assignment_id, {"reason": reason})
        if not round_id:
            round_id = (done or {}).get("round_id", "")
        if done:
            return redirect(f"{self._mystery_base(organisation_id)}/rounds/{round_id}"
                            "?done=reassigned#assignments")
        if not round_id:
            raise NotFound("We could not find that call.")
        return self._mystery_round(request, viewer, organisation_id, round_id,
                                   status=form.status, failed=form)

    # --- the report ----------------------------------------------------------------------------
    @page("GET", BASE + "/rounds/<round_id>/report")
    def mystery_report_page(self, request, viewer, organisation_id, round_id):
        self._mystery_allow(viewer, organisation_id, READ, MANAGE)
        report = call(self.rpc.mystery_shopping.round_report, viewer.principal, organisation_id,
                      round_id)
        names = self._mystery_service_names(viewer, organisation_id)
        services = [dict(s, name=s.get("name") or names.get(s.get("care_service_id"),
                                                             "Unnamed service"))
                    for s in report.get("services") or []]
        trends = [dict(t, name=t.get("name") or names.get(t.get("care_service_id"),
                                                          "Unnamed service"))
                  for t in report.get("trends") or []]
        trend_rounds = []
        for trend in trends:
            for point in trend.get("points") or []:
                key = (point.get("ends_on") or "", point.get("round_id"),
                       point.get("round_name") or "")
                if key not in trend_rounds:
                    trend_rounds.append(key)
        trend_rounds.sort()
        trend_table = [{"name": t["name"], "points": {p.get("round_id"): p
                                                      for p in t.get("points") or []}}
                       for t in trends]
        api = (f"/api/v1/organisations/{organisation_id}/mystery-shopping/rounds/{round_id}"
               "/report")
        round_ = report.get("round") or {}
        return self._mystery_render(
            request, viewer, organisation_id, "mystery_shopping/report.html",
            title="Report: " + str(round_.get("name") or "mystery-shopping round"),
            report=report, round=round_, question_set=report.get("question_set") or {},
            services=services, bars=bar_chart(services), trends=trends,
            lines=line_chart(trends), trend_rounds=trend_rounds, trend_table=trend_table,
            names=names, agreement=alpha_explained(report.get("agreement")),
            agreement_raw=report.get("agreement") or {},
            efficiency_text=efficiency_text, feeling_text=feeling_text,
            question_result_text=question_result_text, csv_link=api + ".csv",
            pdf_link=api + ".pdf")

    # --- coordinators: question sets -----------------------------------------------------------
    @page("GET", BASE + "/question-sets")
    def mystery_question_sets_page(self, request, viewer, organisation_id):
        self._mystery_allow(viewer, organisation_id, MANAGE)
        sets = call(self.rpc.mystery_shopping.list_question_sets, viewer.principal,
                    organisation_id)
        problems = call(self.rpc.mystery_shopping.question_set_problems, viewer.principal,
                        organisation_id)
        return self._mystery_render(request, viewer, organisation_id, "mystery_shopping/sets.html",
                                    title="Question sets", sets=sets, problems=problems)

    def _mystery_set_page(self, request, viewer, organisation_id, question_set_id, form,
                          status=200):
        question_set = call(self.rpc.mystery_shopping.get_question_set, viewer.principal,
                            organisation_id, question_set_id)
        if not form.values:
            form.values = {"title": question_set.get("title") or "",
                           "description": question_set.get("description") or ""}
            for i, q in enumerate(question_set.get("questions") or []):
                form.values[f"text-{i}"] = q.get("text") or ""
                form.values[f"guidance-{i}"] = q.get("guidance") or ""
                form.values[f"weight-{i}"] = f"{float(q.get('weight') or 0):g}"
        return self._mystery_render(
            request, viewer, organisation_id, "mystery_shopping/set.html", status=status,
            title=question_set.get("title") or "Question set", question_set=question_set,
            form=form)

    @page("GET", BASE + "/question-sets/<question_set_id>")
    def mystery_question_set_page(self, request, viewer, organisation_id, question_set_id):
        self._mystery_allow(viewer, organisation_id, MANAGE)
        return self._mystery_set_page(request, viewer, organisation_id, question_set_id,
                                      Form(prefix="set-"))

    @page("POST", BASE + "/question-sets/<question_set_id>")
    def mystery_question_set_form(self, request, viewer, organisation_id, question_set_id):
        require(viewer.principal, MANAGE, organisation_id)
        question_set = call(self.rpc.mystery_shopping.get_question_set, viewer.principal,
                            organisation_id, question_set_id)
        form = Form(request.form, prefix="set-",
                    missing={"title": "Give the question set a title"})
        form.require("title")
        if form.get("title") and not SET_TITLE[0] <= len(form.get("title")) <= SET_TITLE[1]:
            form.fail("title", f"Use between {SET_TITLE[0]} and {SET_TITLE[1]} characters for the "
                               "title")
        if len(form.get("description")) > MAX_DESCRIPTION:
            form.fail("description", f"Use at most {MAX_DESCRIPTION} characters for the "
                                     "description")
        questions = []
        for i, q in enumerate(question_set.get("questions") or []):
            text, guidance = form.get(f"text-{i}"), form.get(f"guidance-{i}")
            number = i + 1
            if not QUESTION_TEXT[0] <= len(text) <= QUESTION_TEXT[1]:
                form.fail(f"text-{i}", f"Question {number}: write the question in "
                                       f"{QUESTION_TEXT[0]} to {QUESTION_TEXT[1]} characters")
            if len(guidance) > MAX_GUIDANCE:
                form.fail(f"guidance-{i}", f"Question {number}: use at most {MAX_GUIDANCE} "
                                           "characters of guidance")
            weight = q.get("weight")
            if q.get("kind") != "text":
                try:
                    weight = float(form.get(f"weight-{i}"))
                    if not 0 < weight <= MAX_WEIGHT:
                        raise ValueError
                except ValueError:
                    form.fail(f"weight-{i}", f"Question {number}: enter a weight above 0 and up "
                                             f"to {MAX_WEIGHT}, like 1 or 2")
            question = {"id": q["id"], "text": text, "kind": q["kind"],
                        "measures": q["measures"], "weight": weight, "guidance": guidance}
            if q.get("answered_within_seconds") is not None:
                question["answered_within_seconds"] = q["answered_within_seconds"]
            questions.append(question)
        self._mystery_new_question(form, questions)
        saved = form.ok and attempt(form, self.rpc.mystery_shopping.edit_question_set,
                                    viewer.principal, organisation_id, question_set_id,
                                    {"title": form.get("title"),
                                     "description": form.get("description"),
                                     "questions": questions})
        if saved:
            done = "set-new-version" if saved.get("id") != question_set_id else "set-saved"
            return redirect(f"{self._mystery_base(organisation_id)}/question-sets/"
                            f"{saved['id']}?done={done}")
        return self._mystery_set_page(request, viewer, organisation_id, question_set_id, form,
                                      status=form.status)

    def _mystery_new_question(self, form, questions: list[dict]) -> None:
        """The optional "add a question" part of the edit form, added to ``questions``."""
        text = form.get("new_text")
        if not text:
            return
        if not QUESTION_TEXT[0] <= len(text) <= QUESTION_TEXT[1]:
            form.fail("new_text", f"Write the new question in {QUESTION_TEXT[0]} to "
                                  f"{QUESTION_TEXT[1]} characters")
        kind, measures = form.get("new_kind"), form.get("new_measures")
        if kind not in KINDS:
            form.fail("new_kind", "Choose how the new question is answered")
        if measures not in MEASURES:
            form.fail("new_measures", "Choose what the new question measures")
        if len(form.get("new_guidance")) > MAX_GUIDANCE:
            form.fail("new_guidance", f"Use at most {MAX_GUIDANCE} characters of guidance")
        weight = 0.0 if kind == "text" else 1.0
        if kind != "text" and form.get("new_weight"):
            try:
                weight = float(form.get("new_weight"))
                if not 0 < weight <= MAX_WEIGHT:
                    raise ValueError
            except ValueError:
                form.fail("new_weight", f"Enter a weight above 0 and up to {MAX_WEIGHT}, like 1 "
                                        "or 2")
        taken = {q["id"] for q in questions}
        slug = ""
        for word in re.sub(r"[^a-z0-9]+", " ", text.casefold()).split():
            if len(slug) + len(word) + 1 > 40:
                break
            slug = f"{slug}-{word}" if slug else word
        slug = slug or "question"
        new_id, n = slug, 2
        while new_id in taken:
            new_id, n = f"{slug}-{n}", n + 1
        questions.append({"id": new_id, "text": text, "kind": kind, "measures": measures,
                          "weight": weight, "guidance": form.get("new_guidance")})

    # --- coordinators: shoppers ----------------------------------------------------------------
    def _mystery_shoppers(self, request, viewer, organisation_id, form, data=None, status=200):
        shoppers = call(self.rpc.mystery_shopping.list_shoppers, viewer.principal,
                        organisation_id)
        names = self._mystery_service_names(viewer, organisation_id)
        people = names_for(self.rpc, viewer, organisation_id,
                           [s.get("person_id") for s in shoppers], "the mystery-shopping roster")
        chooser = people_picker(
            self.rpc, viewer, organisation_id, data if data is not None else request.args,
            name="person_id", roles=SHOPPER_ROLES, purpose="mystery_shopping",
            reason="choosing a mystery shopper", multiple=False,
            exclude=[s.get("person_id") for s in shoppers if s.get("active", True)],
            agreed_words=AGREED_WORDS)
        return self._mystery_render(
            request, viewer, organisation_id, "mystery_shopping/shoppers.html", status=status,
            title="Shoppers", shoppers=shoppers, names=names, people=people, picker=chooser,
            services=sorted(names.items(), key=lambda kv: kv[1].casefold()), form=form,
            ticked_services=form.getlist("services_used"),
            ticked_personas=form.getlist("personas") if form.values else list(PERSONAS))

    @page("GET", BASE + "/shoppers")
    def mystery_shoppers_page(self, request, viewer, organisation_id):
        self._mystery_allow(viewer, organisation_id, MANAGE)
        return self._mystery_shoppers(request, viewer, organisation_id, Form(prefix="shopper-"))

    @page("POST", BASE + "/shoppers")
    def mystery_shopper_form(self, request, viewer, organisation_id):
        require(viewer.principal, MANAGE, organisation_id)
        form = Form(request.form, prefix="shopper-", anchors={"person_id": "person-id-q"},
                    missing={"person_id": "Choose the council member or volunteer to add"})
        if searching(request.form):
            return self._mystery_shoppers(request, viewer, organisation_id, form, request.form)
        if can_see_names(viewer, organisation_id):
            chooser = people_picker(self.rpc, viewer, organisation_id, request.form,
                                    name="person_id", roles=SHOPPER_ROLES,
                                    purpose="mystery_shopping", multiple=False,
                                    reason="adding a mystery shopper",
                                    agreed_words=AGREED_WORDS)
            person_id = chooser.chosen_ids[0] if chooser.chosen else ""
            if not person_id and form.get("person_id"):  # ticked, but has not agreed
                person_id = form.get("person_id")
        else:  # no names for this viewer: the Involve id, typed
            form.anchors["person_id"] = "shopper-person-id"
            person_id = form.get("person_id")
        if not person_id:
            form.fail("person_id", form.missing["person_id"])
        personas = form.getlist("personas")
        if not personas or any(p not in PERSONAS for p in personas):
            form.fail("personas", "Choose at least one kind of caller they are happy to play",
                      anchor="shopper-personas-potential-client")
        added = form.ok and attempt(form, self.rpc.mystery_shopping.add_shopper,
                                    viewer.principal, organisation_id,
                                    {"person_id": person_id,
                                     "services_used": form.getlist("services_used"),
                                     "personas": personas})
        if added:
            return redirect(f"{self._mystery_base(organisation_id)}/shoppers?done=shopper-added")
        return self._mystery_shoppers(request, viewer, organisation_id, form, request.form,
                                      status=form.status)

    def _mystery_shopper(self, viewer, organisation_id, shopper_id) -> dict:
        for shopper in call(self.rpc.mystery_shopping.list_shoppers, viewer.principal,
                            organisation_id):
            if shopper.get("id") == shopper_id:
                return shopper
        raise NotFound("We could not find that shopper. They may have been taken off the list "
                       "already.")

    @page("GET", BASE + "/shoppers/<shopper_id>/remove")
    def mystery_shopper_remove_question(self, request, viewer, organisation_id, shopper_id):
        require(viewer.principal, MANAGE, organisation_id)
        shopper = self._mystery_shopper(viewer, organisation_id, shopper_id)
        who = names_for(self.rpc, viewer, organisation_id, [shopper["person_id"]],
                        "taking a shopper off the roster").label(shopper["person_id"],
                                                                 "this shopper")
        open_calls = int(shopper.get("assignments") or 0)
        calls_words = ("They have no calls to make at the moment." if not open_calls else
                       f"Their {open_calls} open call{'s' if open_calls != 1 else ''} will be "
                       "passed to other shoppers, and any drafts of them deleted.")
        base = self._mystery_base(organisation_id)
        return confirm.ask(request, viewer, confirm.Question(
            title=f"Take {who} off the list of shoppers?",
            consequences=[calls_words, "They will not be given calls in new rounds.",
                          "Their recorded calls stay in the reports.",
                          "You can add them again later, if they still agree."],
            button="Take them off the list", back=(f"{base}/shoppers", "No, keep them"),
            breadcrumb=(f"{base}/shoppers", "Shoppers")))

    @page("POST", BASE + "/shoppers/<shopper_id>/remove")
    def mystery_shopper_remove_form(self, request, viewer, organisation_id, shopper_id):
        require(viewer.principal, MANAGE, organisation_id)
        if not confirm.confirmed(request):
            return confirm.to_question(request)
        call(self.rpc.mystery_shopping.remove_shopper, viewer.principal, organisation_id,
             shopper_id)
        return redirect(f"{self._mystery_base(organisation_id)}/shoppers?done=shopper-removed")

    # --- shoppers: my calls --------------------------------------------------------------------
    @page("GET", BASE + "/my-calls")
    def mystery_my_calls_page(self, request, viewer, organisation_id):
        self._mystery_allow(viewer, organisation_id, SHOP)
        assignments = call(self.rpc.mystery_shopping.my_assignments, viewer.principal,
                           organisation_id)
        names = self._mystery_service_names(viewer, organisation_id)
        return self._mystery_render(request, viewer, organisation_id, "mystery_shopping/my_calls.html",
                                    title="My calls", assignments=assignments, names=names)

    def _mystery_assignment(self, viewer, organisation_id, assignment_id) -> dict:
        for assignment in call(self.rpc.mystery_shopping.my_assignments, viewer.principal,
                               organisation_id):
            if assignment.get("id") == assignment_id:
                return assignment
        raise NotFound("We could not find this call among yours. It may have been passed to "
                       "someone else.")

    def _mystery_call_page(self, request, viewer, organisation_id, assignment, form,
                           status=200):
        questions = assignment.get("questions") or (
            assignment.get("question_set") or {}).get("questions") or []
        public = {s["id"]: s for s in call(self.rpc.identity.public_care_services,
                                           organisation_id)}
        service = public.get(assignment.get("care_service_id")) or {
            "name": assignment.get("care_service_name") or "The service"}
        if not form.values:
            form.values = call_values(assignment.get("call"))
            form.values.setdefault("persona", assignment.get("persona") or "")
        submitted = (assignment.get("call") or {}).get("status") == "submitted" or (
            assignment.get("status") == "recorded")
        return self._mystery_render(
            request, viewer, organisation_id, "mystery_shopping/call.html", status=status,
            title="Record your call to " + str(service.get("name")), assignment=assignment,
            service=service, questions=questions, worked_out=worked_out(questions), form=form,
            submitted=submitted,
            scale_options=SCALE_OPTIONS, persona_as=PERSONA_AS,
            information=assignment.get("information_allowed") or DEFAULT_INFORMATION)

    @page("GET", BASE + "/my-calls/<assignment_id>")
    def mystery_call_page(self, request, viewer, organisation_id, assignment_id):
        self._mystery_allow(viewer, organisation_id, SHOP)
        assignment = self._mystery_assignment(viewer, organisation_id, assignment_id)
        return self._mystery_call_page(request, viewer, organisation_id, assignment, Form())

    @page("POST", BASE + "/my-calls/<assignment_id>")
    def mystery_call_form(self, request, viewer, organisation_id, assignment_id):
        """Save draft saves; Submit saves what was given, then asks to confirm (a submitted
        record cannot be changed), and the confirmation page submits it."""
        require(viewer.principal, SHOP, organisation_id)
        assignment = self._mystery_assignment(viewer, organisation_id, assignment_id)
        questions = assignment.get("questions") or (
            assignment.get("question_set") or {}).get("questions") or []
        form = Form(request.form, anchors={"called_on": "called-on",
                                           "persona": "persona-0"})
        submit = form.get("action") == "submit"
        data = read_call_form(form, questions, complete=submit)
        saved = None
        if form.ok:
            saved = attempt(form, self.rpc.mystery_shopping.save_call, viewer.principal,
                            organisation_id, assignment_id, data)
            service_errors_on_call_form(form, questions)
        if saved and submit:
            return self._mystery_submit_question(request, viewer, organisation_id, assignment)
        if saved:
            log.info("a shopper saved a draft of a mystery-shopping call record")
            return redirect(f"{self._mystery_base(organisation_id)}/my-calls/{assignment_id}"
                            "?done=draft-saved")
        return self._mystery_call_page(request, viewer, organisation_id, assignment, form,
                                       status=form.status)

    def _mystery_submit_question(self, request, viewer, organisation_id, assignment):
        base = self._mystery_base(organisation_id)
        call_page = f"{base}/my-calls/{assignment['id']}"
        service = assignment.get("care_service_name") or "the service"
        return confirm.ask(request, viewer, confirm.Question(
            title=f"Send your record of the call to {service}?",
            lead="Your answers have been saved as a draft.",
            consequences=["Your record goes to the coordinator and into the round's report, "
                          "without your name.",
                          "You cannot change it after sending, except to say later whether a "
                          "promised call back happened."],
            button="Send the call record", back=(call_page, "No, let me check my answers"),
            warning=False, breadcrumb=(f"{base}/my-calls", "My calls")),
            action=f"{call_page}/submit")

    @page("POST", BASE + "/my-calls/<assignment_id>/submit")
    def mystery_call_submit_form(self, request, viewer, organisation_id, assignment_id):
        require(viewer.principal, SHOP, organisation_id)
        call_page = f"{self._mystery_base(organisation_id)}/my-calls/{assignment_id}"
        if not confirm.confirmed(request):
            return redirect(call_page)
        assignment = self._mystery_assignment(viewer, organisation_id, assignment_id)
        questions = assignment.get("questions") or (
            assignment.get("question_set") or {}).get("questions") or []
        form = Form(anchors={"called_on": "called-on", "persona": "persona-0"})
        sent = attempt(form, self.rpc.mystery_shopping.submit_call, viewer.principal,
                       organisation_id, assignment_id, {})
        if sent:
            log.info("a shopper submitted a mystery-shopping call record")
            return redirect(f"{self._mystery_base(organisation_id)}/my-calls?done=call-submitted")
        service_errors_on_call_form(form, questions)
        form.values = call_values(assignment.get("call"))
        return self._mystery_call_page(request, viewer, organisation_id, assignment, form,
                                       status=form.status)

    @page("GET", BASE + "/my-calls/<assignment_id>/decline")
    def mystery_decline_question(self, request, viewer, organisation_id, assignment_id):
        require(viewer.principal, SHOP, organisation_id)
        assignment = self._mystery_assignment(viewer, organisation_id, assignment_id)
        base = self._mystery_base(organisation_id)
        service = assignment.get("care_service_name") or "the service"
        draft = (assignment.get("call") or {}).get("status") == "draft"
        return confirm.ask(request, viewer, confirm.Question(
            title=f"Pass your call to {service} to someone else?",
            lead="That is fine: thank you for letting us know.",
            consequences=["The call goes to another shopper, who is told.",
                          *(["Your draft of it is deleted."] if draft else []),
                          "It leaves your list of calls, and you cannot take it back."],
            button="Pass it on", back=(f"{base}/my-calls/{assignment_id}", "No, I will make it"),
            warning=draft, breadcrumb=(f"{base}/my-calls", "My calls")))

    @page("POST", BASE + "/my-calls/<assignment_id>/decline")
    def mystery_decline_form(self, request, viewer, organisation_id, assignment_id):
        require(viewer.principal, SHOP, organisation_id)
        if not confirm.confirmed(request):
            return confirm.to_question(request)
        reason = (request.form.get("reason") or "")[:MAX_REASON]
        call(self.rpc.mystery_shopping.reassign, viewer.principal, organisation_id,
             assignment_id, {"reason": reason})
        return redirect(f"{self._mystery_base(organisation_id)}/my-calls?done=declined")
