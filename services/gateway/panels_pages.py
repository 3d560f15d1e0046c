"""The panels web pages (issue 6): volunteers register their interest in a panel, and
coordinators open campaigns, import registrations, check the quotas can be met, run a fair
selection, watch its progress, read the result and replace someone who drops out.

Plain HTML forms (POST, then redirect or a page with the answer); every page works without
JavaScript. The selection page loads /static/panels-progress.js, which only polls the JSON status
API and updates the progress bar. Every change is checked here and again by the panels service.
"""
from __future__ import annotations

import csv
import io
import logging
import re
import xml.etree.ElementTree as ElementTree
from datetime import date

from markupsafe import Markup

from involve.kernel.errors import Forbidden, InvolveError, NotFound
from involve.kernel.policy import require

from .forms import Form, attempt, page, redirect, render
from .routes import call

log = logging.getLogger(__name__)

ORG = "/admin/organisations/<organisation_id>/panels"
ACTION = "panels.manage"
SLOW_SECONDS = 120.0
MAX_UPLOAD = 5_000_000

# The algorithms, in the order offered, each in one plain sentence.
ALGORITHMS = [
    ("leximin", "LEXIMIN (recommended)",
     "Gives everyone the most equal chance possible while meeting every quota: first it raises "
     "the lowest chance as far as it can, then the next lowest, and so on."),
    ("maximin", "MAXIMIN",
     "Makes the lowest chance anyone has as high as possible, but may spread the other chances "
     "less evenly. It is quicker on very large pools."),
    ("nash", "Nash",
     "Balances everyone's chances by a different measure of fairness (the product of the "
     "chances); results are usually close to LEXIMIN."),
    ("legacy", "Older greedy method",
     "The method many organisations used before: it fills the hardest quotas first, at random. "
     "Some people get much lower chances, so use it only to compare."),
]
ALGORITHM_NAMES = {key: name for key, name, _ in ALGORITHMS}
STATUS_WORDS = {"queued": "Waiting to start", "running": "Running", "done": "Finished",
                "failed": "Stopped without a result", "cancelled": "Cancelled"}
NOTICES = {
    "campaign-created": "The campaign is open. Share the registration link below.",
    "campaign-closed": "Registration has closed. Nobody else can register.",
    "cancel-requested": "We have asked the selection to stop.",
}


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
        if len(feature) > 100 or len(value) > 100:
            return [], f"Row {number}: use at most 100 characters for the feature and the value"
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


# --- the chart from the report -----------------------------------------------------------------
_SVG_TAGS = {"svg", "title", "desc", "line", "rect", "text", "g"}
_SVG_ATTRIBUTES = {"xmlns", "role", "viewBox", "width", "height", "aria-labelledby", "id", "x",
                   "y", "x1", "y1", "x2", "y2", "stroke", "stroke-width", "fill", "font-size",
                   "text-anchor", "transform"}
_SAFE_VALUE = re.compile(r"^[A-Za-z0-9 .,%#()\-:/]*$")


def safe_chart(svg_text: str | None) -> Markup | None:
    """The report's SVG chart, embedded only if it holds nothing but the chart's own parts: known
    tags and attributes, no scripts, links or styles. It comes from our own service and shows
    numbers only; anything unexpected is dropped (the table beside it has the same numbers)."""
    if not svg_text or len(svg_text) > 200_000:
        return None
    try:
        root = ElementTree.fromstring(svg_text)
    except ElementTree.ParseError:
        return None
    for element in root.iter():
        tag = element.tag.rsplit("}", 1)[-1]
        if tag not in _SVG_TAGS:
            return None
        for name, value in element.attrib.items():
            if name not in _SVG_ATTRIBUTES or not _SAFE_VALUE.match(value):
                return None
    return Markup(svg_text)


def _percent(value) -> str:
    return f"{float(value or 0) * 100:.1f}%"


def describe_change(change: dict) -> str:
    """A suggested quota change in words (as the selection core's QuotaChange.describe)."""
    parts = []
    if change.get("new_min") != change.get("old_min"):
        parts.append(f"lower the minimum from {change.get('old_min')} to {change.get('new_min')}")
    if change.get("new_max") != change.get("old_max"):
        parts.append(f"raise the maximum from {change.get('old_max')} to {change.get('new_max')}")
    return f"{change.get('feature')} = {change.get('value')}: " + " and ".join(parts)


def _display(text: str) -> str:
    """A category name as a question heading: first letter capital."""
    return text[:1].upper() + text[1:] if text else text


class PanelsPages:
    # --- volunteers: register interest ------------------------------------------------------
    def _public_campaign(self, request, viewer, campaign_id):
        """The campaign's questions, or a plain page saying it is unknown or closed."""
        try:
            campaign = call(self.rpc.panels.public_campaign, campaign_id)
        except NotFound:
            return None, render(
                request, "panels_unavailable.html", viewer, status=404,
                title="We could not find this panel",
                message="The link may be wrong or out of date. Please check it with the person "
                        "who sent it to you.")
        if campaign["status"] != "open":
            return None, render(
                request, "panels_unavailable.html", viewer, status=410,
                title="Registration for this panel has closed", campaign=campaign,
                message="Thank you for your interest. This panel is no longer taking "
                        "registrations, so there is nothing you need to do.")
        return campaign, None

    def _panel_register_page(self, request, viewer, campaign, form, status=200):
        questions = [{"name": q["category"], "label": _display(q["category"]),
                      "field": f"answer-{i}", "choices": q["choices"]}
                     for i, q in enumerate(campaign["questions"])]
        return render(request, "panels_register.html", viewer, status=status, anonymous=True,
                      title="Register your interest in a panel", campaign=campaign,
                      questions=questions, form=form,
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
        anchors = {f"answer-{i}": f"answer-{i}-0" for i in range(len(campaign["questions"]))}
        anchors["consent_to_selection"] = "consent-to-selection"
        form = Form(request.form, anchors=anchors)
        answers = {}
        for i, question in enumerate(campaign["questions"]):
            given = form.get(f"answer-{i}")
            if given not in question["choices"]:
                form.fail(f"answer-{i}", f"Choose an answer for “{_display(question['category'])}”")
            else:
                answers[question["category"]] = given
        if form.get("consent_to_selection") != "yes":
            form.fail("consent_to_selection", "Tick the box to agree to us using your answers "
                      "for the selection. We cannot include you in the draw without it")
        if len(form.get("household_address")) > 400:
            form.fail("household_address", "Use at most 400 characters for your address")
        body = {"answers": answers, "household_address": form.get("household_address") or None,
                "consent_to_contact": form.get("consent_to_contact") == "yes",
                "consent_to_selection": True}
        if viewer is not None and viewer.principal.get("person_id"):
            body["person_id"] = viewer.principal["person_id"]
        received = form.ok and attempt(form, self.rpc.panels.register_interest, campaign_id, body)
        if not received:
            if form.message and not form.errors and form.status == 409:
                return render(request, "panels_unavailable.html", viewer, status=410,
                              title="Registration for this panel has closed",
                              message=form.message)
            return self._panel_register_page(request, viewer, campaign, form, status=form.status)
        log.info("a volunteer registered interest in a panel through the web page")
        return render(request, "panels_registered.html", viewer, title="Thank you",
                      campaign=campaign, reference=received["id"],
                      contact=body["consent_to_contact"], signed_in=viewer is not None)

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

    # --- coordinators: the campaigns ----------------------------------------------------------
    def _campaigns_page(self, request, viewer, organisation_id, form, status=200):
        organisation = self._organisation(viewer, organisation_id)
        campaigns = call(self.rpc.panels.list_campaigns, viewer.principal, organisation_id)
        return render(request, "panels_campaigns.html", viewer, status=status,
                      title="Panels", organisation=organisation, campaigns=campaigns, form=form,
                      base=self._base(organisation_id), today=date.today().isoformat(),
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
        form.require("purpose", "panel_size")
        if form.get("purpose") and len(form.get("purpose")) < 3:
            form.fail("purpose", "Say what the panel is for in a few words")
        size = form.get("panel_size")
        if size and (not size.isdigit() or not 1 <= int(size) <= 10_000):
            form.fail("panel_size", "Enter the panel size as a whole number, like 12")
        closes_at = None
        if form.get("closes_on"):
            try:
                closes = date.fromisoformat(form.get("closes_on"))
            except ValueError:
                form.fail("closes_on", "Enter the closing date like 2025-06-30")
            else:
                if closes < date.today():
                    form.fail("closes_on", "The closing date must be today or later")
                closes_at = f"{closes.isoformat()}T23:59:59+00:00"
        try:
            text = _upload_or_text(request, "categories_file", "categories_csv")
        except ValueError as exc:
            form.fail("categories_csv", str(exc))
            text = ""
        categories = []
        if "categories_csv" not in form.errors:
            categories, problem = parse_categories(text)
            if problem:
                form.fail("categories_csv", problem)
        created = None
        if form.ok:
            body = {"purpose": form.get("purpose"), "panel_size": int(size),
                    "closes_at": closes_at, "categories": categories,
                    "household_rule": form.get("household_rule") == "yes"}
            created = attempt(form, self.rpc.panels.create_campaign, viewer.principal,
                              organisation_id, body)
            if not created and ("categories" in form.errors or "quota_rule" in form.errors):
                message = form.errors.pop("categories", None) or form.errors.pop("quota_rule")
                form.errors["categories_csv"] = (
                    form.message or "Check the categories and quotas: " + str(message))
                form.message = ""
        if created:
            return redirect(f"{self._base(organisation_id)}/{created['id']}?done=campaign-created")
        return self._campaigns_page(request, viewer, organisation_id, form, status=form.status)

    # --- coordinators: one campaign ----------------------------------------------------------
    def _campaign_page(self, request, viewer, organisation_id, campaign_id, *,
                       import_form=None, selection_form=None, feasibility=None, status=200):
        organisation = self._organisation(viewer, organisation_id)
        campaign = call(self.rpc.panels.get_campaign, viewer.principal, organisation_id,
                        campaign_id)
        selections = call(self.rpc.panels.list_selections, viewer.principal, organisation_id,
                          campaign_id)
        failed = next((f for f in (import_form, selection_form) if f is not None and not f.ok),
                      None)
        public_link = request.host_url.rstrip("/") + f"/panels/{campaign_id}/register"
        return render(request, "panels_campaign.html", viewer, status=status,
                      title=campaign["purpose"], organisation=organisation, campaign=campaign,
                      selections=selections, base=self._base(organisation_id),
                      import_form=import_form or Form(prefix="import-"),
                      selection_form=selection_form or Form(prefix="selection-"),
                      failed_form=failed, feasibility=feasibility, public_link=public_link,
                      algorithms=ALGORITHMS, algorithm_names=ALGORITHM_NAMES,
                      status_words=STATUS_WORDS, panels_notice=NOTICES.get(
                          request.args.get("done", "")), percent=_percent, display=_display,
                      imported=request.args.get("imported", "") if request.args.get(
                          "imported", "").isdigit() else None)

    @page("GET", ORG + "/<campaign_id>")
    def panels_campaign_page(self, request, viewer, organisation_id, campaign_id):
        self._organisation(viewer, organisation_id)
        feasibility = None
        if request.args.get("check") == "quotas":
            try:
                feasibility = call(self.rpc.panels.check_feasibility, viewer.principal,
                                   organisation_id, campaign_id, timeout=SLOW_SECONDS)
            except InvolveError as exc:
                if exc.status != 422:
                    raise
                feasibility = {"feasible": False, "message": exc.message, "reasons": [],
                               "suggested_changes": [], "unusable": True}
        if feasibility is not None:
            feasibility["changes_text"] = [describe_change(c) for c in
                                           feasibility.get("suggested_changes") or []]
        return self._campaign_page(request, viewer, organisation_id, campaign_id,
                                   feasibility=feasibility)

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
        if len(columns) > 10:
            form.fail("address_columns", "Name at most 10 address columns")
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

    @page("POST", ORG + "/<campaign_id>/close")
    def panels_close_form(self, request, viewer, organisation_id, campaign_id):
        require(viewer.principal, ACTION, organisation_id)
        call(self.rpc.panels.close_campaign, viewer.principal, organisation_id, campaign_id)
        return redirect(f"{self._base(organisation_id)}/{campaign_id}?done=campaign-closed")

    @page("POST", ORG + "/<campaign_id>/selections")
    def panels_start_form(self, request, viewer, organisation_id, campaign_id):
        require(viewer.principal, ACTION, organisation_id)
        form = Form(request.form, prefix="selection-",
                    anchors={"algorithm": "selection-algorithm-leximin"})
        algorithm = form.get("algorithm")
        if algorithm not in ALGORITHM_NAMES:
            form.fail("algorithm", "Choose how to select the panel")
        seed = form.get("seed").replace(" ", "")
        if seed and (not seed.isdigit() or int(seed) >= 2**63):
            form.fail("seed", "Enter the seed as a whole number, like 2024, or leave it empty")
        started = form.ok and attempt(form, self.rpc.panels.start_selection, viewer.principal,
                                      organisation_id, campaign_id,
                                      {"algorithm": algorithm,
                                       "seed": int(seed) if seed else None})
        if started:
            return redirect(f"{self._base(organisation_id)}/selections/{started['id']}")
        return self._campaign_page(request, viewer, organisation_id, campaign_id,
                                   selection_form=form, status=form.status)

    # --- coordinators: one selection ---------------------------------------------------------
    def _selection_page(self, request, viewer, organisation_id, selection_id, *,
                        replace_form=None, replaced=None, status=200):
        organisation = self._organisation(viewer, organisation_id)
        selection = call(self.rpc.panels.selection_status, viewer.principal, organisation_id,
                         selection_id)
        campaign = call(self.rpc.panels.get_campaign, viewer.principal, organisation_id,
                        selection["campaign_id"])
        report = chart = None
        if selection["status"] == "done":
            report = call(self.rpc.panels.selection_report, viewer.principal, organisation_id,
                          selection_id)
            chart = safe_chart(report.get("chart_svg"))
        feasibility = (selection.get("error") or {}).get("feasibility") or {}
        failure = {"reasons": feasibility.get("reasons") or [],
                   "changes": [describe_change(c) for c in
                               feasibility.get("suggested_changes") or []]}
        panel = (replaced or {}).get("panel") or selection.get("panel") or []
        probabilities = (report or {}).get("probabilities", {})
        return render(
            request, "panels_selection.html", viewer, status=status,
            title="Selection for: " + campaign["purpose"], organisation=organisation,
            campaign=campaign, selection=selection, report=report, chart=chart, panel=panel,
            failure=failure,
            probabilities=sorted(probabilities.items(), key=lambda kv: (-kv[1], kv[0])),
            base=self._base(organisation_id), status_words=STATUS_WORDS,
            algorithm_names=ALGORITHM_NAMES, percent=_percent,
            replace_form=replace_form or Form(prefix="replace-"), replaced=replaced,
            running=selection["status"] in ("queued", "running"),
            panels_notice=NOTICES.get(request.args.get("done", "")),
            status_url=f"/api/v1/organisations/{organisation_id}/panels/selections/"
                       f"{selection_id}")

    @page("GET", ORG + "/selections/<selection_id>")
    def panels_selection_page(self, request, viewer, organisation_id, selection_id):
        return self._selection_page(request, viewer, organisation_id, selection_id)

    @page("POST", ORG + "/selections/<selection_id>/cancel")
    def panels_cancel_form(self, request, viewer, organisation_id, selection_id):
        require(viewer.principal, ACTION, organisation_id)
        try:
            call(self.rpc.panels.cancel_selection, viewer.principal, organisation_id,
                 selection_id)
        except InvolveError as exc:
            if exc.status != 409:  # it finished meanwhile: just show the result
                raise
            return redirect(f"{self._base(organisation_id)}/selections/{selection_id}")
        return redirect(f"{self._base(organisation_id)}/selections/{selection_id}"
                        "?done=cancel-requested")

    @page("POST", ORG + "/selections/<selection_id>/replacements")
    def panels_replace_form(self, request, viewer, organisation_id, selection_id):
        require(viewer.principal, ACTION, organisation_id)
        form = Form(request.form, prefix="replace-",
                    missing={"dropped_id": "Choose the panel member who dropped out"})
        form.require("dropped_id")
        replaced = form.ok and attempt(form, self.rpc.panels.replace_member, viewer.principal,
                                       organisation_id, selection_id,
                                       {"dropped_id": form.get("dropped_id"), "seed": None})
        return self._selection_page(request, viewer, organisation_id, selection_id,
                                    replace_form=form, replaced=replaced or None,
                                    status=form.status if not form.ok else 200)
