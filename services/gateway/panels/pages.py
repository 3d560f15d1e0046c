"""The panels web pages (issues 6 and 11).

Volunteers register their interest in a panel (answering its questions and saying how to reach
them, which identity keeps), read the public draw record, and answer an invitation by the link
they were sent. Coordinators open campaigns with questions in words, set the quotas in words
(a share like 60:40, at least N who ticked each answer, or numbers), check the quotas can be met
and take a suggested change in one click, run a fair selection and watch it, invite the panel,
see who accepted or declined and replace those who cannot come.

Plain HTML forms (POST, then redirect or a page with the answer); every page works without
JavaScript. The selection page loads /static/panels-progress.js, which only polls the JSON status
API and updates the progress bar. Every change is checked here and again by the panels service.
"""
from __future__ import annotations

import csv
import io
import logging
from datetime import date

import involve.panels.contract as contract
from involve.kernel.errors import Forbidden, InvalidInput, InvolveError, NotFound
from involve.kernel.policy import require
from involve.kernel.rpc import call

from ..web import confirm
from ..web.forms import Form, attempt
from ..web.pages import page, redirect, render
from ..web.people import can_see_names, names_for
from . import quota_form
from .charts import safe_chart
from .words import (
    ALGORITHM_NAMES,
    ALGORITHMS,
    CHANNEL_WORDS,
    INVITATION_WORDS,
    MULTIPLE_MODES,
    NOTICES,
    QUOTA_RULE_WORDS,
    SINGLE_MODES,
    STATUS_WORDS,
    change_button,
    describe_change,
)

log = logging.getLogger(__name__)

ORG = "/admin/organisations/<organisation_id>/panels"
ACTION = "panels.manage"
SLOW_SECONDS = 120.0
MAX_UPLOAD = contract.PEOPLE_CSV_MAX  # bytes of an uploaded CSV file
NEW_QUESTIONS = 3  # blank question blocks on a new campaign's form
LOTTERY_PANELS = 1000  # the size of a transparent lottery offered on the page


# --- the categories and quotas spreadsheet ---------------------------------------------------
def parse_categories(text: str) -> tuple[list[dict], str | None]:
    """Sortition Foundation categories CSV (feature,value,min,max[,min_flex,max_flex]) as the
    service's categories, or a plain message naming the row that needs fixing."""
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff").strip())))
    rows = [r for r in rows if any(cell.strip() for cell in r)]
    if not rows:
        return [], "Enter the categories and quotas"
    header = [h.strip().casefold() for h in rows[0]]
    for needed in ("feature", "value", "min", "max"):
        if needed not in header:
            return [], ("The first row must name the columns feature, value, min and max "
                        f"(the column “{needed}” is missing)")
    where = {name: header.index(name) for name in header}
    if len(rows) < 2:
        return [], "Add at least one row under the column names"
    categories: dict[str, dict] = {}
    for number, row in enumerate(rows[1:], start=2):
        def cell(name, row=row):
            i = where.get(name)
            return row[i].strip() if i is not None and i < len(row) else ""

        feature, value = " ".join(cell("feature").split()), " ".join(cell("value").split())
        if not feature or not value:
            return [], f"Row {number}: give both the feature and the value"
        if len(feature) > contract.NAME_MAX or len(value) > contract.NAME_MAX:
            return [], (f"Row {number}: use at most {contract.NAME_MAX} characters for the feature "
                        "and the value")
        numbers = {}
        for name in ("min", "max", "min_flex", "max_flex"):
            text_value = cell(name)
            if text_value == "":
                numbers[name] = None
            elif text_value.isdigit():
                numbers[name] = int(text_value)
            else:
                return [], f"Row {number}: {name} must be a whole number, like 4"
        if numbers["min"] is not None and numbers["max"] is not None and (
                numbers["min"] > numbers["max"]):
            return [], f"Row {number}: the minimum is larger than the maximum"
        category = categories.setdefault(feature.casefold(), {"name": feature, "values": []})
        if any(v["value"].casefold() == value.casefold() for v in category["values"]):
            return [], f"Row {number}: {feature} = {value} is listed twice"
        category["values"].append({"value": value, **numbers})
    return list(categories.values()), None


def _upload_or_text(request, file_field: str, text_field: str) -> str:
    """What was uploaded in ``file_field``, else what was typed in ``text_field``."""
    upload = request.files.get(file_field)
    if upload is not None and upload.filename:
        data = upload.read(MAX_UPLOAD + 1)
        if len(data) > MAX_UPLOAD:
            raise ValueError("The file is too large: use a CSV file of at most 5 MB")
        try:
            return data.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise ValueError("Save the spreadsheet as a CSV file (UTF-8) and upload it "
                             "again") from None
    return request.form.get(text_field, "")


def _percent(value) -> str:
    return f"{float(value or 0) * 100:.1f}%"


def _points(value) -> str:
    """A tiny difference between two chances, in percentage points, in words people read."""
    points = abs(float(value or 0)) * 100
    if points < 1e-6:
        return "less than a millionth of a percentage point"
    text = f"{points:.6f}".rstrip("0").rstrip(".")
    return f"{text} percentage point{'' if text == '1' else 's'}"


def _display(text: str) -> str:
    """A category name as a question heading: first letter capital."""
    return text[:1].upper() + text[1:] if text else text


def _question_text(category: dict) -> str:
    """What volunteers read: the question written for them, else the name as a heading."""
    return category.get("question") or _display(category.get("name") or category.get(
        "category", ""))


def _category_errors(form: Form, exc: InvolveError, field_of) -> None:
    """The panels service's answer about categories, beside the right fields of ``form``.
    ``field_of(i, j, part)`` names the form field of category i (value j, part min/max/value,
    or j None for the whole question)."""
    form.status = exc.status
    placed = False
    for i, problem in ((exc.fields or {}).get("categories") or {}).items():
        if not isinstance(problem, dict) or not str(i).isdigit():
            continue
        for part, detail in problem.items():
            if part == "values" and isinstance(detail, dict):
                for j, value_problem in detail.items():
                    for name in (value_problem if isinstance(value_problem, dict) else {}):
                        form.fail(field_of(int(i), int(j), name), exc.message, exc.status)
                        placed = True
            else:
                form.fail(field_of(int(i), None, part), exc.message, exc.status)
                placed = True
    if not placed:
        form.message = exc.message


class PanelsPages:
    # --- volunteers: register interest ------------------------------------------------------
    def _public_campaign(self, request, viewer, campaign_id):
        """The campaign's questions, or a plain page saying it is unknown or closed."""
        try:
            campaign = call(self.rpc.panels.public_campaign, campaign_id)
        except NotFound:
            return None, render(
                request, "panels/unavailable.html", viewer, status=404,
                title="We could not find this panel",
                message="The link may be wrong or out of date. Please check it with the person "
                        "who sent it to you.")
        if campaign["status"] != "open":
            return None, render(
                request, "panels/unavailable.html", viewer, status=410,
                title="Registration for this panel has closed", campaign=campaign,
                message="Thank you for your interest. This panel is no longer taking "
                        "registrations, so there is nothing you need to do.",
                draw_link=f"/panels/{campaign_id}/draw")
        return campaign, None

    @staticmethod
    def _questions(campaign):
        return [{"name": q["category"], "label": _question_text(q), "field": f"answer-{i}",
                 "multiple": q.get("multiple", False), "choices": q["choices"]}
                for i, q in enumerate(campaign["questions"])]

    def _panel_register_page(self, request, viewer, campaign, form, status=200):
        return render(request, "panels/register.html", viewer, status=status, anonymous=True,
                      title="Register your interest in a panel", campaign=campaign,
                      questions=self._questions(campaign), form=form,
                      ask_household=campaign.get("household_rule", True))

    @page("GET", "/panels/<campaign_id>/register", signed_in=False)
    def panels_register_page(self, request, viewer, campaign_id):
        campaign, closed = self._public_campaign(request, viewer, campaign_id)
        if closed is not None:
            return closed
        return self._panel_register_page(request, viewer, campaign, Form())

    @page("POST", "/panels/<campaign_id>/register", signed_in=False, anonymous_form=True)
    def panels_register_form(self, request, viewer, campaign_id):
        campaign, closed = self._public_campaign(request, viewer, campaign_id)
        if closed is not None:
            return closed
        questions = self._questions(campaign)
        anchors = {q["field"]: f"{q['field']}-0" for q in questions}
        anchors.update(consent_to_selection="consent-to-selection",
                       consent_to_contact="consent-to-contact")
        form = Form(request.form, anchors=anchors, missing={
            "name": "Enter your name, so the organisers know who to ask for"})
        answers = {}
        for q in questions:
            if q["multiple"]:
                ticked = form.getlist(q["field"])
                if any(not t.isdigit() or int(t) >= len(q["choices"]) for t in ticked):
                    form.fail(q["field"], f"Tick only the answers given for “{q['label']}”")
                else:
                    answers[q["name"]] = [q["choices"][int(t)] for t in ticked]
                continue
            given = form.get(q["field"])
            if given not in q["choices"]:
                form.fail(q["field"], f"Choose an answer for “{q['label']}”")
            else:
                answers[q["name"]] = given
        if len(form.get("household_address")) > contract.ADDRESS_MAX:
            form.fail("household_address",
                      f"Use at most {contract.ADDRESS_MAX} characters for your address")
        signed_in = viewer is not None and viewer.principal.get("person_id")
        body = {"answers": answers, "household_address": form.get("household_address") or None,
                "consent_to_contact": form.get("consent_to_contact") == "yes",
                "consent_to_selection": True}
        if signed_in:
            body["person_id"] = viewer.principal["person_id"]
        else:
            form.require("name")
            if len(form.get("name")) > contract.CONTACT_NAME_MAX:
                form.fail("name", f"Use at most {contract.CONTACT_NAME_MAX} characters")
            if not form.get("email") and not form.get("phone"):
                form.fail("email", "Give an email address or a phone number, so we can tell you "
                                   "if you are chosen")
            elif form.get("email"):
                form.require_email("email")
            body["contact"] = {"name": form.get("name"), "email": form.get("email") or None,
                               "phone": form.get("phone") or None}
        if form.get("consent_to_selection") != "yes":  # the errors in the page's order
            form.fail("consent_to_selection", "Tick the box to agree to us using your answers "
                      "for the selection. We cannot include you in the draw without it")
        if not signed_in and form.get("consent_to_contact") != "yes":
            form.fail("consent_to_contact", "Tick the box so we may contact you about this "
                                            "panel. We cannot invite you without it")
        received = form.ok and attempt(form, self.rpc.panels.register_interest, campaign_id, body)
        if not received:
            if form.message and not form.errors and form.status == 409:
                return render(request, "panels/unavailable.html", viewer, status=410,
                              title="Registration for this panel has closed",
                              message=form.message)
            contact = form.errors.pop("contact", None)
            if contact:
                form.fail("email", contact)
            return self._panel_register_page(request, viewer, campaign, form, status=form.status)
        log.info("a volunteer registered interest in a panel through the web page")
        return render(request, "panels/registered.html", viewer, title="Thank you",
                      campaign=campaign, reference=received["id"],
                      ways=received.get("contact_ways") or [], signed_in=bool(signed_in),
                      draw_link=f"/panels/{campaign_id}/draw#ref-{received['id']}")

    # --- anyone: the public draw record ------------------------------------------------------
    def _draw_page(self, request, viewer, draw, campaign_id):
        labels = quota_form.feature_words({"categories": [
            {"name": q["category"], "multiple": q.get("multiple"),
             "values": [{"value": c} for c in q["choices"]]} for q in draw["questions"]]})
        record = draw["record"] or {}
        chosen = set(record.get("panel") or [])
        references = sorted(draw["references"], key=lambda r: (r not in chosen, r))
        hidden = {f for (f, v) in labels if v == contract.NOT_TICKED}
        quotas = [dict(q, label=labels.get((q["feature"], q["value"]),
                                            f"{q['feature']}: {q['value']}"))
                  for q in record.get("quotas") or []
                  if not (q["feature"] in hidden and q["value"] == contract.NOT_TICKED)]
        return render(request, "panels/draw.html", viewer, title="Public draw record",
                      draw=draw, record=record, chosen=chosen, references=references,
                      quotas=quotas, percent=_percent, points=_points, algorithm_names=ALGORITHM_NAMES,
                      json_link=f"/api/v1/panels/selections/{draw['selection_id']}/draw-record",
                      campaign_id=campaign_id)

    @page("GET", "/panels/<campaign_id>/draw", signed_in=False)
    def panels_campaign_draw_page(self, request, viewer, campaign_id):
        """The campaign's draw record: the draw that became the panel, else the latest one."""
        draws = call(self.rpc.panels.public_campaign_draws, campaign_id)
        chosen = next((d for d in draws["draws"] if d["used_for_panel"]), None) or (
            draws["draws"][0] if draws["draws"] else None)
        if chosen is None:
            return render(request, "panels/draw_pending.html", viewer,
                          title="The draw has not happened yet", campaign=draws["campaign"])
        draw = call(self.rpc.panels.public_draw, chosen["selection_id"])
        return self._draw_page(request, viewer, draw, campaign_id)

    @page("GET", "/panels/draws/<selection_id>", signed_in=False)
    def panels_draw_page(self, request, viewer, selection_id):
        try:
            draw = call(self.rpc.panels.public_draw, selection_id)
        except InvolveError as exc:
            if exc.status == 409:  # not finished
                raise NotFound("This draw has not finished, so there is no record of it yet.") \
                    from None
            raise
        return self._draw_page(request, viewer, draw, draw["campaign_id"])

    # --- coordinators: helpers --------------------------------------------------------------
    def _organisation(self, viewer, organisation_id):
        if not viewer.can(ACTION, organisation_id):
            raise Forbidden("You do not have permission to run panels for this organisation.")
        try:
            return call(self.rpc.identity.get_organisation, viewer.principal, organisation_id)
        except Forbidden:
            return {"id": organisation_id, "name": "Your organisation"}

    def _base(self, organisation_id):
        return f"/admin/organisations/{organisation_id}/panels"

    def _campaign_nav(self, organisation_id, campaign_id):
        base = f"{self._base(organisation_id)}/{campaign_id}"
        return [(base, "Registrations"), (base + "/quotas", "Questions and quotas"),
                (base + "/select", "Select the panel")]

    # --- coordinators: the campaigns ----------------------------------------------------------
    def _campaigns_page(self, request, viewer, organisation_id, form, questions=None,
                        status=200):
        organisation = self._organisation(viewer, organisation_id)
        campaigns = call(self.rpc.panels.list_campaigns, viewer.principal, organisation_id)
        if questions is None:
            questions = [quota_form.Question(i) for i in range(NEW_QUESTIONS)]
        return render(request, "panels/campaigns.html", viewer, status=status,
                      title="Panels", organisation=organisation, campaigns=campaigns, form=form,
                      base=self._base(organisation_id), today=date.today().isoformat(),
                      questions=questions, max_questions=quota_form.MAX_QUESTIONS,
                      new_household=(form.get("household_rule") == "yes") if form.values
                      else True)

    @page("GET", ORG)
    def panels_campaigns_page(self, request, viewer, organisation_id):
        return self._campaigns_page(request, viewer, organisation_id, Form(prefix="campaign-"))

    @page("POST", ORG)
    def panels_campaign_form(self, request, viewer, organisation_id):
        require(viewer.principal, ACTION, organisation_id)
        form = Form(request.form, prefix="campaign-", missing={
            "purpose": "Say what the panel is for",
            "panel_size": "Enter how many people the panel needs"})
        count = form.get("questions")
        count = min(int(count), quota_form.MAX_QUESTIONS) if count.isdigit() else NEW_QUESTIONS
        if request.form.get("more") == "question":  # "Add another question": nothing is saved
            questions = quota_form.questions_from(form, count)
            questions.append(quota_form.Question(len(questions)))
            return self._campaigns_page(request, viewer, organisation_id, form, questions)
        questions = quota_form.questions_from(form, max(count, 1))
        form.require("purpose", "panel_size")
        if form.get("purpose") and len(form.get("purpose")) < contract.PURPOSE_MIN:
            form.fail("purpose", "Say what the panel is for in a few words")
        size = form.get("panel_size").replace(",", "").replace(" ", "")
        if size and not size.isdigit():
            form.fail("panel_size", "Enter the panel size as a whole number, like 12")
        elif size and not contract.PANEL_SIZE_MIN <= int(size) <= contract.PANEL_SIZE_MAX:
            form.fail("panel_size", f"A panel can have from {contract.PANEL_SIZE_MIN} to "
                                    f"{contract.PANEL_SIZE_MAX:,} places: enter a number in "
                                    "that range, like 12")
        closes = form.date("closes_on", required=False, earliest=date.today())
        closes_at = f"{closes.isoformat()}T23:59:59+00:00" if closes else None
        try:
            text = _upload_or_text(request, "categories_file", "categories_csv")
        except ValueError as exc:
            form.fail("categories_csv", str(exc))
            text = ""
        from_spreadsheet = bool(text.strip()) or "categories_csv" in form.errors
        categories = []
        if from_spreadsheet and "categories_csv" not in form.errors:
            categories, problem = parse_categories(text)
            if problem:
                form.fail("categories_csv", problem)
        elif not from_spreadsheet:
            categories = quota_form.check_questions(form, questions)
        created = None
        if form.ok:
            body = {"purpose": form.get("purpose"), "panel_size": int(size),
                    "closes_at": closes_at, "categories": categories,
                    "household_rule": form.get("household_rule") == "yes"}
            try:
                created = call(self.rpc.panels.create_campaign, viewer.principal,
                               organisation_id, body)
            except InvalidInput as exc:
                if from_spreadsheet:
                    form.fail("categories_csv", exc.message)
                elif "categories" in (exc.fields or {}):
                    _category_errors(form, exc, lambda i, j, part: (
                        f"q-{i}-answers" if part in ("values", "value") or j is not None
                        else f"q-{i}-name"))
                else:
                    form.from_error(exc)
        if created:
            return redirect(f"{self._base(organisation_id)}/{created['id']}/quotas"
                            "?done=campaign-created")
        return self._campaigns_page(request, viewer, organisation_id, form, questions,
                                    status=form.status)

    # --- coordinators: one campaign, its registrations ----------------------------------------
    def _campaign(self, viewer, organisation_id, campaign_id):
        return call(self.rpc.panels.get_campaign, viewer.principal, organisation_id, campaign_id)

    def _campaign_page(self, request, viewer, organisation_id, campaign_id, *,
                       import_form=None, status=200):
        organisation = self._organisation(viewer, organisation_id)
        campaign = self._campaign(viewer, organisation_id, campaign_id)
        public_link = request.host_url.rstrip("/") + f"/panels/{campaign_id}/register"
        return render(request, "panels/campaign.html", viewer, status=status,
                      title=campaign["purpose"], organisation=organisation, campaign=campaign,
                      base=self._base(organisation_id),
                      nav=self._campaign_nav(organisation_id, campaign_id),
                      import_form=import_form or Form(prefix="import-"),
                      public_link=public_link, panels_notice=NOTICES.get(
                          request.args.get("done", "")),
                      import_columns=_import_columns(campaign), display=_display,
                      question_text=_question_text, imported=request.args.get("imported", "") if
                      request.args.get("imported", "").isdigit() else None)

    @page("GET", ORG + "/<campaign_id>")
    def panels_campaign_page(self, request, viewer, organisation_id, campaign_id):
        return self._campaign_page(request, viewer, organisation_id, campaign_id)

    @page("POST", ORG + "/<campaign_id>/import")
    def panels_import_form(self, request, viewer, organisation_id, campaign_id):
        require(viewer.principal, ACTION, organisation_id)
        form = Form(request.form, prefix="import-", anchors={"people_csv": "import-people-file"})
        try:
            text = _upload_or_text(request, "people_file", "people_csv")
        except ValueError as exc:
            form.fail("people_csv", str(exc))
            text = ""
        if form.ok and not text.strip():
            form.fail("people_csv", "Choose the CSV file of registrations to upload")
        columns = [c.strip() for c in form.get("address_columns").split(",") if c.strip()]
        if len(columns) > contract.ADDRESS_COLUMNS_MAX:
            form.fail("address_columns",
                      f"Name at most {contract.ADDRESS_COLUMNS_MAX} address columns")
        result = None
        if form.ok:
            result = attempt(form, self.rpc.panels.import_registrations_csv, viewer.principal,
                             organisation_id, campaign_id,
                             {"people_csv": text, "id_column": form.get("id_column") or None,
                              "address_columns": columns})
            for extra in ("row", "column"):  # already named in the message about the file
                form.errors.pop(extra, None)
            if not result and form.errors and "people_csv" not in form.errors:
                form.errors = {"people_csv": form.message or "Check the file and try again"}
                form.message = ""
            if not result and "people_csv" in form.errors:
                form.errors["people_csv"] += (". Nothing was imported: fix this in the file and "
                                              "upload it again")
        if result:
            return redirect(f"{self._base(organisation_id)}/{campaign_id}"
                            f"?imported={int(result['imported'])}#registrations")
        return self._campaign_page(request, viewer, organisation_id, campaign_id,
                                   import_form=form, status=form.status)

    # --- coordinators: questions and quotas ---------------------------------------------------
    def _quotas_page(self, request, viewer, organisation_id, campaign_id, *, form=None,
                     states=None, feasibility=None, status=200):
        organisation = self._organisation(viewer, organisation_id)
        campaign = self._campaign(viewer, organisation_id, campaign_id)
        known, others = quota_form.quota_states(campaign)
        labels = quota_form.feature_words(campaign)
        if feasibility is not None:
            feasibility["reasons"] = quota_form.reasons_in_words(feasibility, campaign)
            feasibility["changes"] = [
                {"text": describe_change(c, labels), "button": change_button(c), **c}
                for c in feasibility.get("suggested_changes") or []]
            feasibility["conflicts"] = [
                labels.get((q.get("feature"), q.get("value")),
                           f"{q.get('feature')}: {q.get('value')}")
                for q in feasibility.get("conflicting_quotas") or []]
        if form is None:  # the form as the quotas stand
            form = Form(prefix="quotas-")
            for state in known:
                form.values.update({state.field("mode"): state.mode,
                                    state.field("share"): state.share,
                                    state.field("at-least"): state.at_least})
        rules = call(self.rpc.panels.list_quota_rules, viewer.principal, organisation_id)
        return render(request, "panels/quotas.html", viewer, status=status,
                      title="Questions and quotas: " + campaign["purpose"],
                      organisation=organisation, campaign=campaign,
                      base=self._base(organisation_id),
                      nav=self._campaign_nav(organisation_id, campaign_id),
                      form=form, states=states or known,
                      saved={(st.index, v["value"]): (v["min"], v["max"])
                             for st in known for v in st.values},
                      other_rules=others, feasibility=feasibility,
                      single_modes=SINGLE_MODES, multiple_modes=MULTIPLE_MODES,
                      rules=[dict(r, words=QUOTA_RULE_WORDS.get(r["name"])) for r in rules],
                      display=_display, question_text=_question_text,
                      panels_notice=NOTICES.get(request.args.get("done", "")))

    @page("GET", ORG + "/<campaign_id>/quotas")
    def panels_quotas_page(self, request, viewer, organisation_id, campaign_id):
        self._organisation(viewer, organisation_id)
        feasibility = None
        campaign = self._campaign(viewer, organisation_id, campaign_id)
        if request.args.get("check") == "quotas" and (
                campaign["registrations"] < campaign["panel_size"]):
            feasibility = {"feasible": False, "reasons": [], "suggested_changes": [],
                           "unusable": True, "message": _too_few(campaign)}
        elif request.args.get("check") == "quotas":
            try:
                feasibility = call(self.rpc.panels.check_feasibility, viewer.principal,
                                   organisation_id, campaign_id, timeout=SLOW_SECONDS)
            except InvolveError as exc:
                if exc.status != 422:
                    raise
                feasibility = {"feasible": False, "message": exc.message, "reasons": [],
                               "suggested_changes": [], "unusable": True}
        return self._quotas_page(request, viewer, organisation_id, campaign_id,
                                 feasibility=feasibility)

    @page("POST", ORG + "/<campaign_id>/quotas")
    def panels_quotas_form(self, request, viewer, organisation_id, campaign_id):
        require(viewer.principal, ACTION, organisation_id)
        campaign = self._campaign(viewer, organisation_id, campaign_id)
        form = Form(request.form, prefix="quotas-")
        states, body = quota_form.read_quota_form(form, campaign)
        if body is not None:
            try:
                call(self.rpc.panels.update_campaign, viewer.principal, organisation_id,
                     campaign_id, body)
            except InvalidInput as exc:
                if "categories" in (exc.fields or {}):
                    _category_errors(form, exc, lambda i, j, part: (
                        f"q-{i}-{j}-{'max' if part == 'max' else 'min'}" if j is not None
                        else f"q-{i}-mode"))
                    for name in list(form.errors):
                        if name.endswith("-mode"):
                            form.anchors[name] = form.id(name) + "-0"
                else:
                    form.message = exc.message
                    form.status = exc.status
            except InvolveError as exc:
                if exc.status != 409:
                    raise
                form.message, form.status = exc.message, 409
            else:
                return redirect(f"{self._base(organisation_id)}/{campaign_id}/quotas"
                                "?done=quotas-saved")
        return self._quotas_page(request, viewer, organisation_id, campaign_id, form=form,
                                 states=states, status=form.status)

    @page("POST", ORG + "/<campaign_id>/quotas/change")
    def panels_quota_change_form(self, request, viewer, organisation_id, campaign_id):
        """Take one change feasibility suggested ("lower the minimum from 3 to 2")."""
        require(viewer.principal, ACTION, organisation_id)
        campaign = self._campaign(viewer, organisation_id, campaign_id)
        numbers = [request.form.get(n, "") for n in ("new_min", "new_max")]
        body = None
        if all(n.isdigit() for n in numbers):
            body = quota_form.with_change(campaign, request.form.get("feature", ""),
                                          request.form.get("value", ""), int(numbers[0]),
                                          int(numbers[1]))
        if body is None:
            raise InvalidInput("That change no longer fits this campaign's quotas. Check the "
                               "quotas again.")
        call(self.rpc.panels.update_campaign, viewer.principal, organisation_id, campaign_id,
             body)
        return redirect(f"{self._base(organisation_id)}/{campaign_id}/quotas?check=quotas"
                        "&done=quota-changed#feasibility")

    # --- coordinators: select the panel --------------------------------------------------------
    def _select_page(self, request, viewer, organisation_id, campaign_id, *,
                     selection_form=None, status=200):
        organisation = self._organisation(viewer, organisation_id)
        campaign = self._campaign(viewer, organisation_id, campaign_id)
        selections = call(self.rpc.panels.list_selections, viewer.principal, organisation_id,
                          campaign_id)
        return render(request, "panels/select.html", viewer, status=status,
                      title="Select the panel: " + campaign["purpose"],
                      organisation=organisation, campaign=campaign, selections=selections,
                      base=self._base(organisation_id),
                      nav=self._campaign_nav(organisation_id, campaign_id),
                      selection_form=selection_form or Form(prefix="selection-"),
                      algorithms=ALGORITHMS, algorithm_names=ALGORITHM_NAMES,
                      status_words=STATUS_WORDS, lottery_panels=LOTTERY_PANELS,
                      panels_notice=NOTICES.get(request.args.get("done", "")))

    @page("GET", ORG + "/<campaign_id>/select")
    def panels_select_page(self, request, viewer, organisation_id, campaign_id):
        return self._select_page(request, viewer, organisation_id, campaign_id)

    def _selection_body(self, form):
        algorithm = form.get("algorithm")
        if algorithm not in ALGORITHM_NAMES:
            form.fail("algorithm", "Choose how to select the panel")
        seed = form.get("seed").replace(" ", "")
        if seed and (not seed.isdigit() or int(seed) > contract.SEED_MAX):
            form.fail("seed", "Enter the seed as a whole number, like 2024, or leave it empty")
        body = {"algorithm": algorithm, "seed": int(seed) if seed and seed.isdigit() else None}
        if form.get("lottery") == "yes":
            body["lottery_panels"] = LOTTERY_PANELS
        return body

    @page("POST", ORG + "/<campaign_id>/selections")
    def panels_start_form(self, request, viewer, organisation_id, campaign_id):
        """Start a selection, after a page that says what will happen (the draw is published
        and cannot be taken back; while registration is open, it is closed first)."""
        require(viewer.principal, ACTION, organisation_id)
        form = Form(request.form, prefix="selection-",
                    anchors={"algorithm": "selection-algorithm-leximin"})
        body = self._selection_body(form)
        if not form.ok:
            return self._select_page(request, viewer, organisation_id, campaign_id,
                                     selection_form=form, status=form.status)
        campaign = self._campaign(viewer, organisation_id, campaign_id)
        if campaign["registrations"] < campaign["panel_size"]:
            form.message, form.status = _too_few(campaign), 422
            return self._select_page(request, viewer, organisation_id, campaign_id,
                                     selection_form=form, status=form.status)
        if not confirm.confirmed(request):
            return self._start_question(request, viewer, organisation_id, campaign, form)
        if campaign["status"] == "open":
            call(self.rpc.panels.close_campaign, viewer.principal, organisation_id, campaign_id)
        started = attempt(form, self.rpc.panels.start_selection, viewer.principal,
                          organisation_id, campaign_id, body)
        if started:
            return redirect(f"{self._base(organisation_id)}/selections/{started['id']}")
        return self._select_page(request, viewer, organisation_id, campaign_id,
                                 selection_form=form, status=form.status)

    def _start_question(self, request, viewer, organisation_id, campaign, form):
        """What starting a selection will do, with a button that goes ahead."""
        select_page = f"{self._base(organisation_id)}/{campaign['id']}/select"
        people, size = campaign["registrations"], campaign["panel_size"]
        registered = f"{people} {'person has' if people == 1 else 'people have'} registered"
        seed = form.get("seed").replace(" ", "")
        consequences = [
            f"A fair draw chooses {size} {'person' if size == 1 else 'people'} from the {people} "
            f"who registered, using {ALGORITHM_NAMES[form.get('algorithm')].split(' (')[0]}"
            + (f" with the seed {seed}." if seed else " with a seed chosen at random."),
            "The draw is published in the public draw record (references only, no names or "
            "answers) and stays there: it cannot be taken back.",
            "Nobody is told anything yet. You can look at the result, draw again if you need "
            "to, and then invite the people chosen."]
        if campaign["status"] == "open":
            title = "Registration is still open. Close it and start the selection?"
            consequences.insert(0, "Registration closes now: nobody else can register, and the "
                                   "public page says so. This cannot be undone.")
            button, back_words = ("Close registration and start the selection",
                                  "No, keep registration open")
        else:
            title, button, back_words = ("Start the selection?", "Start the selection",
                                         "No, not yet")
        return confirm.ask(request, viewer, confirm.Question(
            title=title, lead=registered + (" so far." if campaign["status"] == "open" else "."),
            consequences=consequences, button=button, back=(select_page, back_words),
            warning=campaign["status"] == "open",
            hidden={k: v for k, v in (("algorithm", form.get("algorithm")),
                                      ("seed", form.get("seed")),
                                      ("lottery", form.get("lottery"))) if v},
            breadcrumb=(select_page, campaign["purpose"])))

    # --- coordinators: closing registration ---------------------------------------------------
    @page("GET", ORG + "/<campaign_id>/close")
    def panels_close_question(self, request, viewer, organisation_id, campaign_id):
        require(viewer.principal, ACTION, organisation_id)
        campaign = self._campaign(viewer, organisation_id, campaign_id)
        back = f"{self._base(organisation_id)}/{campaign_id}"
        if campaign["status"] != "open":
            return redirect(back + "?done=campaign-closed")
        people = campaign["registrations"]
        return confirm.ask(request, viewer, confirm.Question(
            title=f"Close registration for “{campaign['purpose']}”?",
            lead=f"{people} {'person has' if people == 1 else 'people have'} registered so far.",
            consequences=["Nobody else can register: the public page will say registration "
                          "has closed.",
                          "No more spreadsheets can be imported.",
                          "You can still change the quotas until a selection has chosen a panel.",
                          "This cannot be undone."],
            button="Close registration", back=(back, "No, keep it open"),
            breadcrumb=(back, campaign["purpose"])))

    @page("POST", ORG + "/<campaign_id>/close")
    def panels_close_form(self, request, viewer, organisation_id, campaign_id):
        require(viewer.principal, ACTION, organisation_id)
        if not confirm.confirmed(request):
            return confirm.to_question(request)
        call(self.rpc.panels.close_campaign, viewer.principal, organisation_id, campaign_id)
        return redirect(f"{self._base(organisation_id)}/{campaign_id}?done=campaign-closed")

    # --- coordinators: one selection ---------------------------------------------------------
    def _selection_nav(self, organisation_id, selection_id):
        base = f"{self._base(organisation_id)}/selections/{selection_id}"
        return [(base, "The panel"), (base + "/fairness", "How fair it was"),
                (base + "/chances", "Everyone's chance")]

    def _selection(self, viewer, organisation_id, selection_id):
        selection = call(self.rpc.panels.selection_status, viewer.principal, organisation_id,
                         selection_id)
        campaign = self._campaign(viewer, organisation_id, selection["campaign_id"])
        report = None
        if selection["status"] == "done":
            report = call(self.rpc.panels.selection_report, viewer.principal, organisation_id,
                          selection_id)
        return selection, campaign, report

    def _selection_common(self, request, viewer, organisation_id, selection, campaign):
        return {"organisation": self._organisation(viewer, organisation_id),
                "campaign": campaign, "selection": selection,
                "base": self._base(organisation_id),
                "nav": self._selection_nav(organisation_id, selection["id"]),
                "status_words": STATUS_WORDS, "algorithm_names": ALGORITHM_NAMES,
                "percent": _percent, "points": _points,
                "panels_notice": NOTICES.get(request.args.get("done", "")),
                "draw_link": f"/panels/draws/{selection['id']}"}

    @page("GET", ORG + "/selections/<selection_id>")
    def panels_selection_page(self, request, viewer, organisation_id, selection_id):
        return self._panel_page(request, viewer, organisation_id, selection_id)

    def _panel_page(self, request, viewer, organisation_id, selection_id, *, invite_form=None,
                    status=200):
        selection, campaign, report = self._selection(viewer, organisation_id, selection_id)
        common = self._selection_common(request, viewer, organisation_id, selection, campaign)
        feasibility = (selection.get("error") or {}).get("feasibility") or {}
        labels = quota_form.feature_words(campaign)
        failure = {"reasons": quota_form.reasons_in_words(feasibility, campaign),
                   "changes": [describe_change(c, labels) for c in
                               feasibility.get("suggested_changes") or []]}
        invited = members = None
        names = names_for(self.rpc, viewer, organisation_id, [], "")
        if report is not None:
            invited = call(self.rpc.panels.panel_invitations, viewer.principal, organisation_id,
                           selection_id)
            refs = report.get("spreadsheet_ids") or {}
            chances = report.get("probabilities") or {}
            if invited["invited"]:
                members = invited["members"]
            else:
                members = [{"registration_id": r, "person_id": None, "status": None,
                            "spreadsheet_id": refs.get(r), "channel": None,
                            "contact_ways": [], "sent": False, "send_failed": False,
                            "replaced_by": None, "replaces": None}
                           for r in report.get("panel") or []]
            for m in members:
                m["chance"] = chances.get(m["registration_id"])
            person_ids = [m["person_id"] for m in members if m.get("person_id")]
            if not invited["invited"]:
                person_ids = []  # named once invited: until then the draw is ids only
            names = names_for(self.rpc, viewer, organisation_id, person_ids,
                              "the invited members of a panel")
        return render(request, "panels/selection.html", viewer, status=status,
                      title="Panel selection: " + campaign["purpose"], report=report,
                      failure=failure, invited=invited, members=members, names=names,
                      by_id={m["registration_id"]: m for m in members or []},
                      show_names=can_see_names(viewer, organisation_id),
                      can_read_contact=viewer.can("people.read", organisation_id),
                      invite_form=invite_form or Form(prefix="invite-"),
                      invitation_words=INVITATION_WORDS, channel_words=CHANNEL_WORDS,
                      running=selection["status"] in ("queued", "running"),
                      status_url=f"/api/v1/organisations/{organisation_id}/panels/selections/"
                                 f"{selection_id}", **common)

    # cancelling: a question first, as it cannot be undone
    @page("GET", ORG + "/selections/<selection_id>/cancel")
    def panels_cancel_question(self, request, viewer, organisation_id, selection_id):
        require(viewer.principal, ACTION, organisation_id)
        selection, campaign, _ = self._selection(viewer, organisation_id, selection_id)
        back = f"{self._base(organisation_id)}/selections/{selection_id}"
        if selection["status"] not in ("queued", "running"):
            return redirect(back)
        return confirm.ask(request, viewer, confirm.Question(
            title="Cancel the selection?",
            consequences=["The selection stops within a few seconds and nobody is chosen.",
                          "You can start a new selection afterwards."],
            button="Cancel the selection", back=(back, "No, let it carry on"),
            breadcrumb=(back, campaign["purpose"])))

    @page("POST", ORG + "/selections/<selection_id>/cancel")
    def panels_cancel_form(self, request, viewer, organisation_id, selection_id):
        require(viewer.principal, ACTION, organisation_id)
        if not confirm.confirmed(request):
            return confirm.to_question(request)
        try:
            call(self.rpc.panels.cancel_selection, viewer.principal, organisation_id,
                 selection_id)
        except InvolveError as exc:
            if exc.status != 409:  # it finished meanwhile: just show the result
                raise
            return redirect(f"{self._base(organisation_id)}/selections/{selection_id}")
        return redirect(f"{self._base(organisation_id)}/selections/{selection_id}"
                        "?done=cancel-requested")

    # inviting the panel: the note is written on the panel page, then a question
    @page("POST", ORG + "/selections/<selection_id>/invite")
    def panels_invite_form(self, request, viewer, organisation_id, selection_id):
        require(viewer.principal, ACTION, organisation_id)
        form = Form(request.form, prefix="invite-")
        if len(form.get("message")) > contract.MESSAGE_MAX:
            form.fail("message", f"Use at most {contract.MESSAGE_MAX} characters for the note")
            return self._panel_page(request, viewer, organisation_id, selection_id,
                                    invite_form=form, status=form.status)
        back = f"{self._base(organisation_id)}/selections/{selection_id}"
        if not confirm.confirmed(request):
            _selection, campaign, report = self._selection(viewer, organisation_id,
                                                          selection_id)
            if report is None:
                return redirect(back)
            others = [s for s in call(self.rpc.panels.list_selections, viewer.principal,
                                      organisation_id, campaign["id"])
                      if s["status"] == "done" and s["id"] != selection_id]
            consequences = [
                "Everyone on this panel who gave an email address (or has an Involve account) "
                "is sent a link to say whether they will take part.",
                "People who gave only a phone number, and people from a spreadsheet, are listed "
                "for you to contact yourself; you then record their answers here.",
                "When someone says no, someone else who keeps every quota is chosen and "
                "invited in their place, and you are told.",
                "This selection becomes the campaign's panel: its quotas can no longer change"
                + (f", and the other {len(others)} selection"
                   f"{'' if len(others) == 1 else 's'} of this campaign cannot be invited."
                   if others else "."),
                "Invitations cannot be taken back."]
            return confirm.ask(request, viewer, confirm.Question(
                title=f"Invite the {len(report.get('panel') or [])} people chosen?",
                lead=(f"Your note, sent with each link: “{form.get('message')}”"
                      if form.get("message") else "You have not added a note to the "
                      "invitation. To add one, go back."),
                consequences=consequences, button="Invite the panel",
                back=(back, "No, not yet"), warning=False,
                hidden={"message": form.get("message")} if form.get("message") else {},
                breadcrumb=(back, campaign["purpose"])))
        call(self.rpc.panels.invite_panel, viewer.principal, organisation_id, selection_id,
             {"message": form.get("message") or None})
        return redirect(back + "?done=invited#panel")

    # replacing someone who dropped out (and, on an invited panel, inviting their replacement)
    def _member_label(self, viewer, organisation_id, selection_id, registration_id):
        invited = call(self.rpc.panels.panel_invitations, viewer.principal, organisation_id,
                       selection_id)
        member = next((m for m in invited["members"]
                       if m["registration_id"] == registration_id), None)
        label = f"the person with reference {registration_id}"
        if member and member.get("spreadsheet_id"):
            label = f"{member['spreadsheet_id']} (from your spreadsheet)"
        elif member and member.get("person_id"):
            named = names_for(self.rpc, viewer, organisation_id, [member["person_id"]],
                              "confirming a change to a panel")
            label = named.get(member["person_id"]) or label
        return invited, member, label

    @page("GET", ORG + "/selections/<selection_id>/replace/<registration_id>")
    def panels_replace_question(self, request, viewer, organisation_id, selection_id,
                                registration_id):
        require(viewer.principal, ACTION, organisation_id)
        _selection, campaign, report = self._selection(viewer, organisation_id, selection_id)
        back = f"{self._base(organisation_id)}/selections/{selection_id}"
        panel = set(report.get("panel") or []) if report else set()
        invited, _member, label = self._member_label(viewer, organisation_id, selection_id,
                                                    registration_id)
        if invited["invited"]:
            panel = {m["registration_id"] for m in invited["members"]
                     if m["status"] in ("invited", "accepted")}
        if registration_id not in panel:
            raise NotFound("That person is not on this panel.")
        consequences = [f"{label} is taken off the panel.",
                        "Someone else is chosen at random from the people who registered, "
                        "keeping every quota and the one-per-household rule, and the choice is "
                        "recorded."]
        if invited["invited"]:
            consequences.append("The person chosen is invited straight away.")
        consequences.append("This cannot be undone.")
        return confirm.ask(request, viewer, confirm.Question(
            title=f"Find a replacement for {label}?", consequences=consequences,
            button="Find a replacement", back=(back + "#panel", "No, keep them on the panel"),
            breadcrumb=(back, campaign["purpose"])))

    @page("POST", ORG + "/selections/<selection_id>/replace/<registration_id>")
    def panels_replace_form(self, request, viewer, organisation_id, selection_id,
                            registration_id):
        require(viewer.principal, ACTION, organisation_id)
        if not confirm.confirmed(request):
            return confirm.to_question(request)
        replaced = call(self.rpc.panels.replace_member, viewer.principal, organisation_id,
                        selection_id, {"dropped_id": registration_id, "seed": None})
        back = f"{self._base(organisation_id)}/selections/{selection_id}"
        if replaced.get("replacement_id"):
            return redirect(back + "?done=replaced#panel")
        raise InvalidInput(replaced.get("message") or "Nobody could replace them while keeping "
                           "every quota.")

    # answers the coordinator records for people they contacted themselves
    @page("POST", ORG + "/selections/<selection_id>/members/<registration_id>/accepted")
    def panels_member_accepted_form(self, request, viewer, organisation_id, selection_id,
                                    registration_id):
        require(viewer.principal, ACTION, organisation_id)
        call(self.rpc.panels.record_member_answer, viewer.principal, organisation_id,
             selection_id, {"registration_id": registration_id, "answer": "accept"})
        return redirect(f"{self._base(organisation_id)}/selections/{selection_id}"
                        "?done=answer-recorded#panel")

    @page("GET", ORG + "/selections/<selection_id>/members/<registration_id>/declined")
    def panels_member_declined_question(self, request, viewer, organisation_id, selection_id,
                                        registration_id):
        require(viewer.principal, ACTION, organisation_id)
        _, campaign, _ = self._selection(viewer, organisation_id, selection_id)
        _, member, label = self._member_label(viewer, organisation_id, selection_id,
                                              registration_id)
        back = f"{self._base(organisation_id)}/selections/{selection_id}"
        if member is None or member["status"] not in ("invited", "accepted"):
            raise NotFound("That person is not on this panel.")
        return confirm.ask(request, viewer, confirm.Question(
            title=f"Record that {label} cannot take part?",
            consequences=[f"{label} is taken off the panel.",
                          "Someone else who keeps every quota is chosen in their place and "
                          "invited.", "This cannot be undone."],
            button="Record that they cannot take part",
            back=(back + "#panel", "No, go back"), breadcrumb=(back, campaign["purpose"])))

    @page("POST", ORG + "/selections/<selection_id>/members/<registration_id>/declined")
    def panels_member_declined_form(self, request, viewer, organisation_id, selection_id,
                                    registration_id):
        require(viewer.principal, ACTION, organisation_id)
        if not confirm.confirmed(request):
            return confirm.to_question(request)
        call(self.rpc.panels.record_member_answer, viewer.principal, organisation_id,
             selection_id, {"registration_id": registration_id, "answer": "decline"})
        return redirect(f"{self._base(organisation_id)}/selections/{selection_id}"
                        "?done=answer-recorded#panel")

    @page("POST", ORG + "/selections/<selection_id>/members/<registration_id>/resend")
    def panels_member_resend_form(self, request, viewer, organisation_id, selection_id,
                                  registration_id):
        require(viewer.principal, ACTION, organisation_id)
        call(self.rpc.panels.resend_invitation, viewer.principal, organisation_id,
             selection_id, registration_id)
        return redirect(f"{self._base(organisation_id)}/selections/{selection_id}"
                        "?done=resent#panel")

    @page("GET", ORG + "/selections/<selection_id>/members/<registration_id>/contact")
    def panels_member_contact_page(self, request, viewer, organisation_id, selection_id,
                                   registration_id):
        """How to reach a chosen member (for those who gave a phone number only): for roles
        allowed to read contact details, and recorded in identity's audit log."""
        require(viewer.principal, ACTION, organisation_id)
        selection, campaign, _ = self._selection(viewer, organisation_id, selection_id)
        invited = call(self.rpc.panels.panel_invitations, viewer.principal, organisation_id,
                       selection_id)
        member = next((m for m in invited["members"]
                       if m["registration_id"] == registration_id and m.get("person_id")), None)
        if member is None:
            raise NotFound("We hold no contact details for that person: they came from your "
                           "spreadsheet, or did not leave any.")
        contact = None
        if viewer.can("people.read", organisation_id):
            contact = call(self.rpc.identity.read_person, viewer.principal, organisation_id,
                           member["person_id"], "contacting a chosen panel member about "
                           "their invitation")["contact"]
        return render(request, "panels/member_contact.html", viewer,
                      title="How to contact a chosen panel member", contact=contact,
                      member=member, **self._selection_common(request, viewer, organisation_id,
                                                              selection, campaign))

    # --- the chosen: answering an invitation by its link ---------------------------------------
    def _panel_invitation(self, token):
        try:
            return call(self.rpc.panels.public_invitation, token)
        except NotFound:
            raise NotFound("This link is not valid. It may be out of date: if you were sent a "
                           "newer invitation, use the link in that one. Otherwise, please "
                           "contact the organisers.") from None

    @page("GET", "/panels/invitations/<token>", signed_in=False)
    def panels_invitation_page(self, request, viewer, token):
        invitation = self._panel_invitation(token)
        return render(request, "panels/invitation.html", viewer, anonymous=True,
                      title="You have been chosen for a panel", invitation=invitation,
                      token=token, done=request.args.get("done", ""),
                      draw_link=f"/panels/draws/{invitation['selection_id']}"
                                f"#ref-{invitation['reference']}")

    @page("POST", "/panels/invitations/<token>/accept", signed_in=False, anonymous_form=True)
    def panels_invitation_accept(self, request, viewer, token):
        self._panel_invitation(token)
        try:
            call(self.rpc.panels.answer_invitation, token, {"answer": "accept"})
        except InvolveError as exc:
            if exc.status != 409:
                raise
        return redirect(f"/panels/invitations/{token}?done=accepted")

    @page("GET", "/panels/invitations/<token>/decline", signed_in=False)
    def panels_invitation_decline_question(self, request, viewer, token):
        invitation = self._panel_invitation(token)
        back = f"/panels/invitations/{token}"
        if invitation["status"] in ("declined", "dropped_out"):
            return redirect(back)
        question = confirm.Question(
            title="Tell the organisers you cannot take part?",
            lead=f"The panel: {invitation['purpose']}",
            consequences=["Your place is offered to someone else.",
                          "Nothing more will be asked of you for this panel.",
                          "You cannot take your place back with this link afterwards."],
            button="I cannot take part", back=(back, "Go back"), warning=False)
        # the foundation's confirmation page, for a form used without signing in
        return render(request, "confirm.html", viewer, anonymous=True, title=question.title,
                      question=question, action=request.path, back=back,
                      back_words=question.back[1], confirm_field=confirm.FIELD)

    @page("POST", "/panels/invitations/<token>/decline", signed_in=False, anonymous_form=True)
    def panels_invitation_decline(self, request, viewer, token):
        if not confirm.confirmed(request):
            return confirm.to_question(request)
        self._panel_invitation(token)
        try:
            call(self.rpc.panels.answer_invitation, token, {"answer": "decline"})
        except InvolveError as exc:
            if exc.status != 409:
                raise
        return redirect(f"/panels/invitations/{token}?done=declined")

    @page("GET", ORG + "/selections/<selection_id>/fairness")
    def panels_selection_fairness_page(self, request, viewer, organisation_id, selection_id):
        selection, campaign, report = self._selection(viewer, organisation_id, selection_id)
        if report is None:
            return redirect(f"{self._base(organisation_id)}/selections/{selection_id}")
        labels = quota_form.feature_words(campaign)
        quotas = [dict(q, label=labels.get((q["feature"], q["value"]),
                                            f"{q['feature']}: {q['value']}"))
                  for q in report.get("quotas") or []
                  if not quota_form.hidden_quota(campaign, q["feature"], q["value"])]
        return render(request, "panels/selection_fairness.html", viewer,
                      title="How fair it was: " + campaign["purpose"], report=report,
                      chart=safe_chart(report.get("chart_svg")), quotas=quotas,
                      **self._selection_common(request, viewer, organisation_id, selection,
                                               campaign))

    @page("GET", ORG + "/selections/<selection_id>/chances")
    def panels_selection_chances_page(self, request, viewer, organisation_id, selection_id):
        selection, campaign, report = self._selection(viewer, organisation_id, selection_id)
        if report is None:
            return redirect(f"{self._base(organisation_id)}/selections/{selection_id}")
        probabilities = sorted((report.get("probabilities") or {}).items(),
                               key=lambda kv: (-kv[1], kv[0]))
        return render(request, "panels/selection_chances.html", viewer,
                      title="Everyone's chance: " + campaign["purpose"],
                      probabilities=probabilities, panel=set(report.get("panel") or []),
                      spreadsheet_ids=report.get("spreadsheet_ids") or {},
                      **self._selection_common(request, viewer, organisation_id, selection,
                                               campaign))


def _too_few(campaign: dict) -> str:
    """Why no panel can be chosen yet: fewer people registered than the panel has places."""
    people, size = campaign["registrations"], campaign["panel_size"]
    return (f"{'Only ' if people else ''}{people} {'person has' if people == 1 else 'people have'}"
            f" registered so far, and the panel has {size} places. A panel can be chosen once "
            f"at least {size} people have registered; more than that gives the draw a real "
            "choice.")


def _import_columns(campaign: dict) -> list[str]:
    """The columns an imported spreadsheet needs: one per single-choice question, one yes/no
    column per answer of a multi-choice one."""
    out = []
    for cat in campaign["categories"]:
        if cat.get("multiple"):
            out.extend(f"{cat['name']}{contract.OPTION_SEPARATOR}{v['value']}"
                       for v in cat["values"])
        else:
            out.append(cat["name"])
    return out
