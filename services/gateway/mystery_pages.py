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
from datetime import date, datetime, time, timezone

from involve.kernel.errors import Forbidden, InvolveError, NotFound
from involve.kernel.policy import require

from .forms import Form, attempt, page, redirect, render
from .routes import call

log = logging.getLogger(__name__)

BASE = "/organisations/<organisation_id>/mystery-shopping"
MANAGE = "mystery_shopping.manage"
SHOP = "mystery_shopping.shop"
READ = "mystery_shopping.read"
DEFAULT_INFORMATION = "Only what the service's public website says."

PERSONA_NAMES = {"potential_client": "Potential client",
                 "family_member": "Family member or carer",
                 "referrer": "Referrer (for example a GP or support worker)"}
PERSONA_AS = {"potential_client": "someone who might want to use the service",
              "family_member": "a family member or carer of someone who might use the service",
              "referrer": "a professional who wants to refer someone, such as a GP or support "
                          "worker"}
KIND_NAMES = {"yes_no": "Yes or no", "scale_1_5": "Rating from 1 to 5", "text": "In your own words"}
MEASURE_NAMES = {"efficiency": "Efficiency (what they did)", "feeling": "Feeling (how it felt)"}
ASSIGNMENT_STATUS = {"assigned": "To do", "declined": "Passed to someone else",
                     "recorded": "Call recorded", "draft": "Draft saved",
                     "unassigned": "Nobody available"}
ROUND_STATUS = {"scheduled": "Open", "closed": "Closed"}
SCALE_OPTIONS = [("1", "1 (lowest)"), ("2", "2"), ("3", "3"), ("4", "4"), ("5", "5 (highest)")]
NOTICES = {
    "round-scheduled": "The round has been scheduled and the calls have been shared out.",
    "round-closed": "The round is closed. Its report is ready.",
    "reassigned": "The call has been given to another shopper.",
    "shopper-added": "The shopper has been added.",
    "shopper-removed": "The shopper has been taken off the list. Their open calls were passed on.",
    "set-saved": "The question set has been saved.",
    "set-new-version": "This set was already used by a round, so your changes were saved as a "
                       "new version. Rounds keep the version they were scheduled with.",
    "draft-saved": "Your draft has been saved. You can come back to it at any time.",
    "call-submitted": "Thank you. Your call record has been sent.",
    "declined": "Thank you for letting us know. The call has been passed to someone else.",
}
ALPHA_GOOD = 0.8
ALPHA_TENTATIVE = 0.667
TIME_ZONE = "Europe/London"


def _zone():
    try:
        from zoneinfo import ZoneInfo
        return ZoneInfo(TIME_ZONE)
    except Exception:  # no time-zone data on this machine
        return timezone.utc


# --- numbers in words ------------------------------------------------------------------------
def efficiency_text(value) -> str:
    return "Not scored" if value is None else f"{float(value):.0f}%"


def feeling_text(value) -> str:
    return "Not scored" if value is None else f"{float(value):.1f} out of 5"


def question_result_text(question: dict) -> str:
    if question.get("yes_rate") is not None:
        return f"{float(question['yes_rate']):.0f}% said yes"
    if question.get("mean") is not None:
        return f"{float(question['mean']):.1f} out of 5 on average"
    return "No answers"


def alpha_explained(agreement: dict | None) -> dict:
    """Krippendorff's alpha in plain words, with what it means for calibrating shoppers."""
    agreement = agreement or {}
    alpha = agreement.get("alpha")
    if alpha is None:
        return {"value": "Not enough calls to tell", "meaning": agreement.get("note") or (
            "Agreement can only be measured when at least two shoppers called the same service."),
                "level": "unknown"}
    alpha = float(alpha)
    if alpha >= ALPHA_GOOD:
        meaning = ("Shoppers who called the same service answered the questions in much the same "
                   "way. You can rely on these scores.")
        level = "good"
    elif alpha >= ALPHA_TENTATIVE:
        meaning = ("Shoppers mostly agreed, but not always. Treat small differences between "
                   "services with care, and talk through the questions where answers differed.")
        level = "tentative"
    else:
        meaning = ("Shoppers who called the same service often answered differently. Before the "
                   "next round, meet to go through the questions and their guidance together so "
                   "everyone scores them the same way.")
        level = "low"
    return {"value": f"{alpha:.2f}", "meaning": meaning, "level": level}


# --- charts (inline SVG, drawn from numbers only; names are escaped by the template) -----------
BAR_COLOURS = {"efficiency": "#1d4f91", "feeling": "#7a2e8e"}
LINE_STYLES = [("#1d4f91", "circle"), ("#b3400a", "square"), ("#00703c", "triangle"),
               ("#7a2e8e", "diamond"), ("#505a5f", "circle"), ("#8a1538", "square")]


def bar_chart(services: list[dict]) -> dict:
    """Scores by service: efficiency (0-100%) and feeling (1-5) in two panels side by side, each
    on its own scale, so the two are never read as one number. Each service's name is written
    above its bars, across the whole width."""
    left, panel, gap, row, top = 10, 230, 90, 62, 44
    width = left + 2 * panel + gap + 70
    rows = []
    for i, service in enumerate(services):
        y = top + i * row
        eff, feel = service.get("efficiency"), service.get("feeling")
        rows.append({
            "name": service.get("name") or "Unnamed service", "name_y": y + 14, "y": y + 22,
            "text_y": y + 40,
            "efficiency": None if eff is None else round(panel * max(0.0, min(float(eff), 100.0))
                                                         / 100, 1),
            "efficiency_text": efficiency_text(eff),
            "feeling": None if feel is None else round(panel * max(0.0, min(float(feel), 5.0))
                                                       / 5, 1),
            "feeling_text": "Not scored" if feel is None else f"{float(feel):.1f}",
        })
    return {"width": width, "height": top + len(services) * row + 6, "left": left,
            "panel": panel, "feeling_x": left + panel + gap, "rows": rows,
            "colours": BAR_COLOURS}


def line_chart(trends: list[dict]) -> dict:
    """Trends across rounds: one line per service, efficiency and feeling in two panels."""
    rounds: list[tuple] = []
    for trend in trends:
        for point in trend.get("points") or []:
            key = (point.get("ends_on") or "", point.get("round_id"))
            if key not in rounds:
                rounds.append(key)
    rounds.sort()
    names = {}
    for trend in trends:
        for point in trend.get("points") or []:
            names[point.get("round_id")] = point.get("round_name") or point.get("ends_on") or ""
    panel_w, panel_h, left, top, gap, inset = 250, 160, 50, 30, 70, 45
    step = (panel_w - 2 * inset) / max(len(rounds) - 1, 1)
    x_of = {key[1]: left + (inset + i * step if len(rounds) > 1 else panel_w / 2)
            for i, key in enumerate(rounds)}

    def y_efficiency(v):
        return round(top + panel_h - panel_h * max(0.0, min(float(v), 100.0)) / 100, 1)

    def y_feeling(v):
        return round(top + panel_h - panel_h * (max(1.0, min(float(v), 5.0)) - 1) / 4, 1)

    lines = []
    for i, trend in enumerate(trends):
        colour, marker = LINE_STYLES[i % len(LINE_STYLES)]
        for measure, y_of, offset in (("efficiency", y_efficiency, 0),
                                      ("feeling", y_feeling, panel_w + gap + left)):
            points = [(round(x_of[p.get("round_id")] + offset, 1), y_of(p[measure]))
                      for p in sorted(trend.get("points") or [],
                                      key=lambda p: (p.get("ends_on") or "", p.get("round_id")))
                      if p.get(measure) is not None and p.get("round_id") in x_of]
            if points:
                lines.append({"measure": measure, "colour": colour, "marker": marker,
                              "points": points, "name": trend.get("name") or "Unnamed service",
                              "path": " ".join(f"{x},{y}" for x, y in points),
                              "last": points[-1]})
    ticks = [{"x": round(x_of[key[1]], 1), "name": names.get(key[1], "")} for key in rounds]
    return {"width": 2 * (left + panel_w) + gap + 40, "height": top + panel_h + 60,
            "left": left, "top": top, "panel_w": panel_w, "panel_h": panel_h,
            "feeling_left": panel_w + gap + 2 * left, "lines": lines, "ticks": ticks,
            "bottom": top + panel_h, "offset": panel_w + gap + left,
            "efficiency_grid": [(v, y_efficiency(v)) for v in (0, 50, 100)],
            "feeling_grid": [(v, y_feeling(v)) for v in (1, 3, 5)]}


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
        day = moment = None
        try:
            day = date.fromisoformat(called_on)
        except ValueError:
            form.fail("called_on", "Enter the date of the call like 2026-01-12")
        try:
            moment = time.fromisoformat(called_time) if called_time else None
        except ValueError:
            form.fail("called_time", "Enter the time of the call like 14:30")
        if day is not None and (moment is not None or not called_time):
            local = datetime.combine(day, moment or time(12, 0), tzinfo=_zone())
            data["called_at"] = local.astimezone(timezone.utc).isoformat()
    elif complete:
        form.fail("called_on", "Enter the date of the call")
    if complete and called_on and not called_time:
        form.fail("called_time", "Enter the time of the call")
    if form.get("persona"):
        if form.get("persona") not in PERSONA_NAMES:
            form.fail("persona", "Choose who you called as")
        else:
            data["persona"] = form.get("persona")
    seconds = form.get("seconds_to_answer").replace(" ", "")
    if seconds:
        if not seconds.isdigit() or int(seconds) > 3600:
            form.fail("seconds_to_answer", "Enter the number of seconds as a whole number from 0 "
                                           "to 3600, like 45")
        else:
            data["seconds_to_answer"] = int(seconds)
    elif complete:
        form.fail("seconds_to_answer", "Enter how many seconds it took them to answer")
    answers: dict = {}
    for question in questions:
        qid, kind = question["id"], question.get("kind")
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
        elif kind == "text" and len(given) > 2000:
            form.fail("q-" + qid, "Use at most 2000 characters")
        else:
            answers[qid] = int(given) if kind == "scale_1_5" else given
    data["answers"] = answers
    notes = form.get("notes")
    if len(notes) > 5000:
        form.fail("notes", "Use at most 5000 characters in your notes")
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
        form.fail("callback_happened", "Say whether the call back happened",
                  anchor="callback-happened-0")
    return data


def service_errors_on_call_form(form: Form) -> None:
    """The service names fields as in its call data: show them beside the form's own fields."""
    renamed: dict = {}
    for name, message in form.errors.items():
        if name.startswith("answers."):
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


def _when_date(value) -> str:
    if not value:
        return ""
    try:
        return date.fromisoformat(str(value)[:10]).strftime("%-d %B %Y")
    except ValueError:
        return str(value)


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
                      round_status=ROUND_STATUS, date_text=_when_date,
                      mystery_notice=NOTICES.get(request.args.get("done", "")),
                      can_manage=viewer.can(MANAGE, organisation_id),
                      can_shop=viewer.can(SHOP, organisation_id),
                      can_read=viewer.can(READ, organisation_id), **context)

    # --- coordinators: rounds ------------------------------------------------------------------
    def _mystery_home(self, request, viewer, organisation_id, form, status=200):
        rounds = call(self.rpc.mystery_shopping.list_rounds, viewer.principal, organisation_id)
        sets, services = [], []
        if viewer.can(MANAGE, organisation_id):
            sets = [s for s in call(self.rpc.mystery_shopping.list_question_sets,
                                    viewer.principal, organisation_id)
                    if not s.get("superseded")]
            names = self._mystery_service_names(viewer, organisation_id)
            services = sorted(names.items(), key=lambda kv: kv[1].casefold())
        if not form.values:
            ticked_services, ticked_personas = [], list(PERSONA_NAMES)
            form.values = {"calls_per_service": "2", "information_allowed": DEFAULT_INFORMATION}
        else:
            ticked_services = form.getlist("care_service_ids")
            ticked_personas = form.getlist("personas")
        return self._mystery_render(
            request, viewer, organisation_id, "mystery_home.html", status=status,
            title="Mystery shopping", rounds=rounds, sets=sets, services=services, form=form,
            ticked_services=ticked_services, ticked_personas=ticked_personas,
            default_information=DEFAULT_INFORMATION)

    @page("GET", BASE)
    def mystery_home_page(self, request, viewer, organisation_id):
        self._mystery_allow(viewer, organisation_id, MANAGE, READ, SHOP)
        if not viewer.can(MANAGE, organisation_id) and not viewer.can(READ, organisation_id):
            return redirect(self._mystery_base(organisation_id) + "/my-calls")
        return self._mystery_home(request, viewer, organisation_id, Form(prefix="round-"))

    @page("POST", BASE)
    def mystery_schedule_form(self, request, viewer, organisation_id):
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
        if not personas or any(p not in PERSONA_NAMES for p in personas):
            form.fail("personas", "Choose at least one kind of caller",
                      anchor="round-personas-potential-client")
        calls = form.get("calls_per_service") or "2"
        if not calls.isdigit() or not 1 <= int(calls) <= 10:
            form.fail("calls_per_service", "Enter the number of calls as a whole number from 1 "
                                           "to 10")
        days = {}
        for name, words in (("starts_on", "first"), ("ends_on", "last")):
            if form.get(name):
                try:
                    days[name] = date.fromisoformat(form.get(name))
                except ValueError:
                    form.fail(name, f"Enter the {words} day like 2026-01-05")
        if len(days) == 2 and days["ends_on"] < days["starts_on"]:
            form.fail("ends_on", "The last day must be on or after the first day")
        if len(form.get("name")) > 200:
            form.fail("name", "Use at most 200 characters for the name")
        information = form.get("information_allowed") or DEFAULT_INFORMATION
        if len(information) > 2000:
            form.fail("information_allowed", "Use at most 2000 characters")
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
        return self._mystery_home(request, viewer, organisation_id, form, status=form.status)

    # --- coordinators: one round ---------------------------------------------------------------
    def _mystery_round(self, request, viewer, organisation_id, round_id, *, status=200,
                       failed=None):
        round_ = call(self.rpc.mystery_shopping.get_round, viewer.principal, organisation_id,
                      round_id)
        names = self._mystery_service_names(viewer, organisation_id)
        assignments = sorted(round_.get("assignments") or [], key=lambda a: (
            names.get(a.get("care_service_id"), "").casefold(), a.get("persona") or ""))
        return self._mystery_render(
            request, viewer, organisation_id, "mystery_round.html", status=status,
            title=round_["name"], round=round_, assignments=assignments, names=names,
            failed_form=failed)

    @page("GET", BASE + "/rounds/<round_id>")
    def mystery_round_page(self, request, viewer, organisation_id, round_id):
        self._mystery_allow(viewer, organisation_id, MANAGE, READ)
        return self._mystery_round(request, viewer, organisation_id, round_id)

    @page("POST", BASE + "/rounds/<round_id>/close")
    def mystery_close_form(self, request, viewer, organisation_id, round_id):
        require(viewer.principal, MANAGE, organisation_id)
        call(self.rpc.mystery_shopping.close_round, viewer.principal, organisation_id, round_id)
        return redirect(f"{self._mystery_base(organisation_id)}/rounds/{round_id}/report"
                        "?done=round-closed")

    @page("POST", BASE + "/assignments/<assignment_id>/reassign")
    def mystery_reassign_form(self, request, viewer, organisation_id, assignment_id):
        require(viewer.principal, MANAGE, organisation_id)
        form = Form(request.form, prefix="reassign-")
        round_id = form.get("round_id")
        reason = form.get("reason")[:500]
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
            request, viewer, organisation_id, "mystery_report.html",
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
        return self._mystery_render(request, viewer, organisation_id, "mystery_sets.html",
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
            request, viewer, organisation_id, "mystery_set.html", status=status,
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
        if form.get("title") and not 3 <= len(form.get("title")) <= 200:
            form.fail("title", "Use between 3 and 200 characters for the title")
        if len(form.get("description")) > 2000:
            form.fail("description", "Use at most 2000 characters for the description")
        questions = []
        for i, q in enumerate(question_set.get("questions") or []):
            text, guidance = form.get(f"text-{i}"), form.get(f"guidance-{i}")
            number = i + 1
            if not 3 <= len(text) <= 500:
                form.fail(f"text-{i}", f"Question {number}: write the question in 3 to 500 "
                                       "characters")
            if len(guidance) > 1000:
                form.fail(f"guidance-{i}", f"Question {number}: use at most 1000 characters of "
                                           "guidance")
            weight = q.get("weight")
            if q.get("kind") != "text":
                try:
                    weight = float(form.get(f"weight-{i}"))
                    if not 0 < weight <= 100:
                        raise ValueError
                except ValueError:
                    form.fail(f"weight-{i}", f"Question {number}: enter a weight above 0 and up "
                                             "to 100, like 1 or 2")
            questions.append({"id": q["id"], "text": text, "kind": q["kind"],
                              "measures": q["measures"], "weight": weight,
                              "guidance": guidance})
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
        if not 3 <= len(text) <= 500:
            form.fail("new_text", "Write the new question in 3 to 500 characters")
        kind, measures = form.get("new_kind"), form.get("new_measures")
        if kind not in KIND_NAMES:
            form.fail("new_kind", "Choose how the new question is answered")
        if measures not in MEASURE_NAMES:
            form.fail("new_measures", "Choose what the new question measures")
        if len(form.get("new_guidance")) > 1000:
            form.fail("new_guidance", "Use at most 1000 characters of guidance")
        weight = 0.0 if kind == "text" else 1.0
        if kind != "text" and form.get("new_weight"):
            try:
                weight = float(form.get("new_weight"))
                if not 0 < weight <= 100:
                    raise ValueError
            except ValueError:
                form.fail("new_weight", "Enter a weight above 0 and up to 100, like 1 or 2")
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
    def _mystery_shoppers(self, request, viewer, organisation_id, form, status=200):
        shoppers = call(self.rpc.mystery_shopping.list_shoppers, viewer.principal,
                        organisation_id)
        names = self._mystery_service_names(viewer, organisation_id)
        candidates = []
        if viewer.can("people.read", organisation_id):
            on_roster = {s.get("person_id") for s in shoppers}
            candidates = [p["id"] for p in call(self.rpc.identity.list_people, viewer.principal,
                                                organisation_id)
                          if {"council_member", "volunteer"} & set(p.get("roles") or ())
                          and p["id"] not in on_roster]
        return self._mystery_render(
            request, viewer, organisation_id, "mystery_shoppers.html", status=status,
            title="Shoppers", shoppers=shoppers, names=names,
            services=sorted(names.items(), key=lambda kv: kv[1].casefold()),
            candidates=candidates, form=form,
            ticked_services=form.getlist("services_used"),
            ticked_personas=form.getlist("personas") if form.values else list(PERSONA_NAMES))

    @page("GET", BASE + "/shoppers")
    def mystery_shoppers_page(self, request, viewer, organisation_id):
        self._mystery_allow(viewer, organisation_id, MANAGE)
        return self._mystery_shoppers(request, viewer, organisation_id, Form(prefix="shopper-"))

    @page("POST", BASE + "/shoppers")
    def mystery_shopper_form(self, request, viewer, organisation_id):
        require(viewer.principal, MANAGE, organisation_id)
        form = Form(request.form, prefix="shopper-", missing={
            "person_id": "Choose the council member or volunteer to add"})
        form.require("person_id")
        personas = form.getlist("personas")
        if not personas or any(p not in PERSONA_NAMES for p in personas):
            form.fail("personas", "Choose at least one kind of caller they are happy to play",
                      anchor="shopper-personas-potential-client")
        added = form.ok and attempt(form, self.rpc.mystery_shopping.add_shopper,
                                    viewer.principal, organisation_id,
                                    {"person_id": form.get("person_id"),
                                     "services_used": form.getlist("services_used"),
                                     "personas": personas})
        if added:
            return redirect(f"{self._mystery_base(organisation_id)}/shoppers?done=shopper-added")
        return self._mystery_shoppers(request, viewer, organisation_id, form, status=form.status)

    @page("POST", BASE + "/shoppers/<shopper_id>/remove")
    def mystery_shopper_remove_form(self, request, viewer, organisation_id, shopper_id):
        require(viewer.principal, MANAGE, organisation_id)
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
        return self._mystery_render(request, viewer, organisation_id, "mystery_my_calls.html",
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
            request, viewer, organisation_id, "mystery_call.html", status=status,
            title="Record your call to " + str(service.get("name")), assignment=assignment,
            service=service, questions=questions, form=form, submitted=submitted,
            scale_options=SCALE_OPTIONS, persona_as=PERSONA_AS,
            information=assignment.get("information_allowed") or DEFAULT_INFORMATION)

    @page("GET", BASE + "/my-calls/<assignment_id>")
    def mystery_call_page(self, request, viewer, organisation_id, assignment_id):
        self._mystery_allow(viewer, organisation_id, SHOP)
        assignment = self._mystery_assignment(viewer, organisation_id, assignment_id)
        return self._mystery_call_page(request, viewer, organisation_id, assignment, Form())

    @page("POST", BASE + "/my-calls/<assignment_id>")
    def mystery_call_form(self, request, viewer, organisation_id, assignment_id):
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
            method = (self.rpc.mystery_shopping.submit_call if submit
                      else self.rpc.mystery_shopping.save_call)
            saved = attempt(form, method, viewer.principal, organisation_id, assignment_id, data)
            service_errors_on_call_form(form)
        if saved:
            log.info("a shopper %s a mystery-shopping call record",
                     "submitted" if submit else "saved a draft of")
            done = "call-submitted" if submit else "draft-saved"
            target = "/my-calls" if submit else f"/my-calls/{assignment_id}"
            return redirect(f"{self._mystery_base(organisation_id)}{target}?done={done}")
        return self._mystery_call_page(request, viewer, organisation_id, assignment, form,
                                       status=form.status)

    @page("POST", BASE + "/my-calls/<assignment_id>/decline")
    def mystery_decline_form(self, request, viewer, organisation_id, assignment_id):
        require(viewer.principal, SHOP, organisation_id)
        reason = (request.form.get("reason") or "")[:500]
        call(self.rpc.mystery_shopping.reassign, viewer.principal, organisation_id,
             assignment_id, {"reason": reason})
        return redirect(f"{self._mystery_base(organisation_id)}/my-calls?done=declined")
