"""Gateway: the reporting pages (issue 13).

For involvement leads, staff and council members: the organisation's involvement dashboard
(every metric, defined once by the reporting service, each chart with its data table beside it,
filters by period and care service, CSV and PDF downloads, how far a rebuild or backfill has got);
the 4PI and leadership-spectrum self-assessments, co-produced: service users and staff each score
every criterion from their own side, see the suggested evidence, and the involvement lead records
the score both agreed and why. And the public "you said, we did" page, with each change's source.

Plain HTML forms (POST, then redirect); no JavaScript. Everything is checked here for a helpful
message and again by the reporting service.
"""
from __future__ import annotations

from involve.kernel.errors import InvolveError
from involve.kernel.policy import allowed, require
from involve.kernel.rpc import call
from involve.reporting.contract import LEVELS, MAX_COMMENT, PERSPECTIVES, RATIONALE, SCORES, TITLE

from ..web.forms import Form, attempt
from ..web.pages import page, redirect, render
from .api import reporting_download, reporting_require_any
from .charts import month_name, monthly_bars

BASE = "/organisations/<organisation_id>/reporting"
ASSESSMENT = BASE + "/assessments/<assessment_id>"
PUBLIC = "/organisations/<organisation_id>/you-said-we-did"
READ, ASSESS, MANAGE = "reporting.read", "reporting.assess", "reporting.manage"
PERSPECTIVE_NAMES = {"service_users": "People who use services", "staff": "Staff"}
LEVEL_NAMES = {"own_care": "Own care", "services_and_communities": "Services and communities",
               "governance_and_strategy": "Governance and strategy"}
SCORE_NAMES = {0: "0: not yet", 1: "1: starting", 2: "2: mostly", 3: "3: fully"}
MISSING = {"framework": "Choose what to assess against", "title": "Give the assessment a title",
           "period_start": "Enter the first day of the period",
           "period_end": "Enter the last day of the period",
           "level": "Choose the 4PI level", "score": "Choose a score from 0 to 3",
           "rationale": "Say why this score was agreed"}
NOTICES = {"assessment-started": "The self-assessment has started. Service users and staff can "
                                 "now score each criterion.",
           "scored": "Your score has been saved.", "agreed": "The agreed score has been saved.",
           "round-shown": "The round's results now show on the public page.",
           "round-hidden": "The round's results no longer show on the public page."}


def _base(organisation_id: str) -> str:
    return f"/organisations/{organisation_id}/reporting"


def _filters(form: Form) -> dict:
    return {k: form.get(k) for k in ("from", "to", "care_service_id") if form.get(k)}


def _query(filters: dict) -> str:
    from urllib.parse import urlencode

    return ("?" + urlencode(filters)) if filters else ""


def _percent(done, total) -> int:
    return 100 if not total else max(0, min(100, round(100 * (done or 0) / total)))


def _jobs(jobs: dict) -> dict:
    rebuild = jobs.get("rebuild")
    if rebuild:
        rebuild = {**rebuild, "percent": _percent(rebuild["done"], rebuild["events"])}
    return {"rebuild": rebuild, "backfill": [{**b, "percent": _percent(b["sent"], b["total"])}
                                              for b in jobs.get("backfill", [])]}


class ReportingPages:
    # --- the dashboard ------------------------------------------------------------------------
    @page("GET", BASE)
    def reporting_dashboard_page(self, request, viewer, organisation_id):
        require(viewer.principal, READ, organisation_id)
        form = Form(request.args)
        filters = _filters(form)
        built = attempt(form, self.rpc.reporting.dashboard, viewer.principal, organisation_id,
                        filters)
        if built is None:  # the filters were refused: show why, and the default period
            built = call(self.rpc.reporting.dashboard, viewer.principal, organisation_id, {})
            filters = {}
        else:
            form.values.setdefault("from", built["period"]["from"])
            form.values.setdefault("to", built["period"]["to"])
        for section in built["sections"]:
            for metric in section["metrics"]:
                metric["chart"] = monthly_bars(metric)
        jobs = _jobs(call(self.rpc.reporting.jobs, viewer.principal, organisation_id))
        return render(request, "reporting/dashboard.html", viewer, status=form.status,
                      title="Involvement dashboard", dashboard=built, form=form, jobs=jobs,
                      query=_query(filters), base=_base(organisation_id),
                      month_name=month_name,
                      service_options=[(c["id"], c["name"]) for c in built["care_services"]],
                      contents=[("now", "Now")] + [(x["key"], x["title"])
                                                   for x in built["sections"]]
                      + [("jobs", "Rebuilds and backfills")],
                      may_manage=allowed(viewer.principal, MANAGE, organisation_id),
                      may_assess=allowed(viewer.principal, ASSESS, organisation_id))

    @page("GET", BASE + "/dashboard.csv")
    def reporting_dashboard_csv_page(self, request, viewer, organisation_id):
        require(viewer.principal, READ, organisation_id)
        return reporting_download(call(self.rpc.reporting.export_dashboard_csv, viewer.principal,
                                       organisation_id, _filters(Form(request.args))))

    @page("GET", BASE + "/dashboard.pdf")
    def reporting_dashboard_pdf_page(self, request, viewer, organisation_id):
        require(viewer.principal, READ, organisation_id)
        return reporting_download(call(self.rpc.reporting.export_dashboard_pdf, viewer.principal,
                                       organisation_id, _filters(Form(request.args))))

    @page("GET", BASE + "/metrics")
    def reporting_metrics_page(self, request, viewer, organisation_id):
        require(viewer.principal, READ, organisation_id)
        found = call(self.rpc.reporting.metric_definitions, viewer.principal, organisation_id)
        return render(request, "reporting/metrics.html", viewer, title="What each figure means",
                      definitions=found, base=_base(organisation_id))

    # --- self-assessments ------------------------------------------------------------------------
    def _assessments_page(self, request, viewer, organisation_id, form: Form):
        reporting_require_any(viewer.principal, organisation_id, ASSESS, READ)
        found = call(self.rpc.reporting.list_criteria, viewer.principal, organisation_id)
        listed = call(self.rpc.reporting.list_assessments, viewer.principal, organisation_id)
        services = call(self.rpc.identity.list_care_services, viewer.principal, organisation_id)
        return render(request, "reporting/assessments.html", viewer, status=form.status,
                      title="Self-assessments", frameworks=found["frameworks"],
                      problems=found["problems"], assessments=listed, form=form,
                      care_services=services, levels=[(v, LEVEL_NAMES[v]) for v in LEVELS],
                      base=_base(organisation_id), title_limits=TITLE,
                      may_manage=allowed(viewer.principal, MANAGE, organisation_id),
                      notice_text=NOTICES.get(request.args.get("done", "")))

    @page("GET", BASE + "/assessments")
    def reporting_assessments_page(self, request, viewer, organisation_id):
        return self._assessments_page(request, viewer, organisation_id, Form(prefix="new-"))

    @page("POST", BASE + "/assessments")
    def reporting_assessment_create_form(self, request, viewer, organisation_id):
        require(viewer.principal, MANAGE, organisation_id)
        form = Form(request.form, prefix="new-", missing=MISSING)
        form.require("framework", "title")
        start, end = form.date("period_start"), form.date("period_end")
        if form.get("framework") == "nsun-4pi" and not form.get("level"):
            form.fail("level", MISSING["level"])
        made = None
        if form.ok:
            made = attempt(form, self.rpc.reporting.create_assessment, viewer.principal,
                           organisation_id, {
                               "framework": form.get("framework"), "title": form.get("title"),
                               "level": form.get("level") or None,
                               "period_start": start.isoformat(), "period_end": end.isoformat(),
                               "care_service_id": form.get("care_service_id") or None})
        if not made:
            return self._assessments_page(request, viewer, organisation_id, form)
        return redirect(f"{_base(organisation_id)}/assessments/{made['id']}"
                        "?done=assessment-started")

    def _assessment_page(self, request, viewer, organisation_id, assessment_id, form=None,
                         failed_on=None):
        reporting_require_any(viewer.principal, organisation_id, ASSESS, READ)
        view = call(self.rpc.reporting.get_assessment, viewer.principal, organisation_id,
                    assessment_id)
        return render(request, "reporting/assessment.html", viewer,
                      status=form.status if form else 200, title=view["title"], a=view,
                      form=form, failed_on=failed_on, base=_base(organisation_id),
                      perspective_names=PERSPECTIVE_NAMES,
                      score_options=[(str(v), SCORE_NAMES[v]) for v in SCORES],
                      may_manage=allowed(viewer.principal, MANAGE, organisation_id),
                      may_assess=allowed(viewer.principal, ASSESS, organisation_id),
                      max_comment=MAX_COMMENT, rationale=RATIONALE,
                      notice_text=NOTICES.get(request.args.get("done", "")))

    @page("GET", ASSESSMENT)
    def reporting_assessment_page(self, request, viewer, organisation_id, assessment_id):
        return self._assessment_page(request, viewer, organisation_id, assessment_id)

    @page("POST", ASSESSMENT + "/scores")
    def reporting_score_form(self, request, viewer, organisation_id, assessment_id):
        require(viewer.principal, ASSESS, organisation_id)
        criterion = request.form.get("criterion_id", "")
        prefix = f"score-{criterion}-{request.form.get('perspective', '')}-"
        form = Form(request.form, prefix=prefix, missing=MISSING,
                    anchors={"score": prefix + "score-0"})
        form.require("score")
        if form.ok and form.get("perspective") not in PERSPECTIVES:
            form.fail("perspective", "Choose whose score this is")
        if form.ok and attempt(form, self.rpc.reporting.score_criterion, viewer.principal,
                               organisation_id, assessment_id, {
                                   "criterion_id": criterion,
                                   "perspective": form.get("perspective"),
                                   "score": int(form.get("score")) if form.get("score").isdigit()
                                   else form.get("score"),
                                   "comment": form.get("comment")}) is not None:
            return redirect(f"{_base(organisation_id)}/assessments/{assessment_id}?done=scored"
                            f"#criterion-{criterion}")
        return self._assessment_page(request, viewer, organisation_id, assessment_id, form,
                                     ("score", criterion))

    @page("POST", ASSESSMENT + "/agreements")
    def reporting_agree_form(self, request, viewer, organisation_id, assessment_id):
        require(viewer.principal, MANAGE, organisation_id)
        criterion = request.form.get("criterion_id", "")
        form = Form(request.form, prefix=f"agree-{criterion}-", missing=MISSING,
                    anchors={"score": f"agree-{criterion}-score-0"})
        form.require("score", "rationale")
        if form.ok and attempt(form, self.rpc.reporting.agree_criterion, viewer.principal,
                               organisation_id, assessment_id, {
                                   "criterion_id": criterion,
                                   "score": int(form.get("score")) if form.get("score").isdigit()
                                   else form.get("score"),
                                   "rationale": form.get("rationale")}) is not None:
            return redirect(f"{_base(organisation_id)}/assessments/{assessment_id}?done=agreed"
                            f"#criterion-{criterion}")
        return self._assessment_page(request, viewer, organisation_id, assessment_id, form,
                                     ("agree", criterion))

    @page("GET", ASSESSMENT + "/export.csv")
    def reporting_assessment_csv_page(self, request, viewer, organisation_id, assessment_id):
        reporting_require_any(viewer.principal, organisation_id, ASSESS, READ)
        return reporting_download(call(self.rpc.reporting.export_assessment_csv,
                                       viewer.principal, organisation_id, assessment_id))

    @page("GET", ASSESSMENT + "/export.pdf")
    def reporting_assessment_pdf_page(self, request, viewer, organisation_id, assessment_id):
        reporting_require_any(viewer.principal, organisation_id, ASSESS, READ)
        return reporting_download(call(self.rpc.reporting.export_assessment_pdf,
                                       viewer.principal, organisation_id, assessment_id))

    # --- choosing what the public page shows --------------------------------------------------------
    @page("GET", BASE + "/rounds")
    def reporting_rounds_page(self, request, viewer, organisation_id):
        require(viewer.principal, MANAGE, organisation_id)
        rounds = call(self.rpc.reporting.rounds_to_publish, viewer.principal, organisation_id)
        return render(request, "reporting/rounds.html", viewer,
                      title="Mystery-shopping results on the public page", rounds=rounds,
                      base=_base(organisation_id), organisation_id=organisation_id,
                      notice_text=NOTICES.get(request.args.get("done", "")))

    @page("POST", BASE + "/rounds/<round_id>")
    def reporting_round_form(self, request, viewer, organisation_id, round_id):
        require(viewer.principal, MANAGE, organisation_id)
        show = request.form.get("published") == "yes"
        call(self.rpc.reporting.publish_round, viewer.principal, organisation_id, round_id,
             {"published": show})
        return redirect(f"{_base(organisation_id)}/rounds?done="
                        f"{'round-shown' if show else 'round-hidden'}")

    # --- public ------------------------------------------------------------------------------------
    @page("GET", PUBLIC, signed_in=False)
    def reporting_public_page(self, request, viewer, organisation_id):
        wanted = {k: request.args[k] for k in ("care_service_id",) if request.args.get(k)}
        try:
            found = call(self.rpc.reporting.public_you_said_we_did, organisation_id, wanted)
        except InvolveError as exc:
            if exc.status != 404 or not wanted:
                raise
            found = call(self.rpc.reporting.public_you_said_we_did, organisation_id, {})
        return render(request, "reporting/you_said_we_did.html", viewer,
                      title=f"You said, we did: {found['organisation']['name'] or ''}".strip(),
                      page_data=found, organisation_id=organisation_id)

    @page("GET", PUBLIC + "/rounds/<round_id>", signed_in=False)
    def reporting_public_round_page(self, request, viewer, organisation_id, round_id):
        found = call(self.rpc.reporting.public_round, organisation_id, round_id)
        return render(request, "reporting/public_round.html", viewer,
                      title=f"Mystery shopping: {found['round']['name']}", page_data=found,
                      organisation_id=organisation_id)

    @page("GET", PUBLIC + "/bulletins/<bulletin_id>", signed_in=False)
    def reporting_public_bulletin_page(self, request, viewer, organisation_id, bulletin_id):
        found = call(self.rpc.reporting.public_bulletin, organisation_id, bulletin_id)
        return render(request, "reporting/public_bulletin.html", viewer,
                      title=found["bulletin"]["title"] if "bulletin" in found else "Bulletin",
                      page_data=found, organisation_id=organisation_id)
