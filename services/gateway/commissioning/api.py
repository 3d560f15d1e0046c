"""Gateway: the commissioning HTTP API (issue 12): projects, groups, opportunities, working
agreements, training, meetings and papers, confidentiality briefings, conflicts of interest,
provider evaluation, payments and expenses, bulletins and "My involvement".

Every route is one RPC method of the commissioning service (docs/commissioning-service.md),
declared once in ``ROUTES`` below: the HTTP method and path, the RPC method, the policy action
checked here before the call (the service checks again, with what only it knows: who sits on a
project, who is in a confidential item's group, who submitted a claim), the request body (the
service's own contract class) and what OpenAPI says of it. Three routes answer with a file
rather than JSON: a paper's download (through ``get_paper``, never a cached copy, so the 403 of
a confidential paper is the download's too), the finance CSV and the OCDS release package.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from werkzeug.wrappers import Response

from involve.kernel.rpc import call
from involve.kernel.schemas import validate

from ..web.routes import json_response, read_json, route
from . import schemas as s

ORG = "/api/v1/organisations/<organisation_id>"
C = ORG + "/commissioning"
P = ORG + "/payments"

TAKE_PART = "commissioning.take_part"
READ = "commissioning.read"
MANAGE = "commissioning.manage"
RELEASE = "commissioning.release"
PAY_READ = "payments.read"
PAY_AUTHORISE = "payments.authorise"
PAY_MANAGE = "payments.manage"


@dataclass(frozen=True)
class Api:
    """One route: ``rpc`` is the commissioning method; its arguments after ``organisation_id``
    are the path's ids in order, then the body (or the query, validated with ``query``)."""
    method: str
    path: str
    rpc: str
    action: str
    summary: str
    tag: str
    body: type | None = None
    response: type | None = None
    many: bool = False
    status: int = 200
    errors: tuple = (404, 409)
    query: type | None = None
    kind: str = "json"  # json, paper, csv, ocds


def _a(method, path, rpc, action, summary, tag, **kw) -> Api:
    return Api(method, path, rpc, action, summary, tag, **kw)


PROJECTS, GROUPS, PEOPLE, MEETINGS = "commissioning projects", "commissioning groups", \
    "commissioning people", "commissioning meetings"
BRIEFINGS, EVALUATION, PAYMENTS, BULLETINS = "commissioning briefings", \
    "commissioning evaluation", "payments", "commissioning bulletins"

ROUTES = (
    # --- projects ------------------------------------------------------------------------------
    _a("GET", C + "/projects", "list_projects", TAKE_PART,
       "Projects: every one for readers, else the projects you sit on", PROJECTS,
       response=s.CommissioningProjectSummary, many=True, errors=()),
    _a("POST", C + "/projects", "create_project", MANAGE,
       "Start a project with its clarity of purpose (what is negotiable, who decides)", PROJECTS,
       body=s.CommissioningProjectCreate, response=s.CommissioningProject, status=201),
    _a("GET", C + "/projects/<project_id>", "get_project", TAKE_PART,
       "A project: purpose, phase and its dated history, principles agreed, budget", PROJECTS,
       response=s.CommissioningProject),
    _a("PATCH", C + "/projects/<project_id>", "update_project", MANAGE,
       "Change a project (only the fields sent)", PROJECTS, body=s.CommissioningProjectUpdate,
       response=s.CommissioningProject),
    _a("POST", C + "/projects/<project_id>/phase", "change_phase", MANAGE,
       "Move the project on (Analyse, Plan, Do, Review); it cannot leave Analyse without "
       "principles agreed", PROJECTS, body=s.CommissioningPhaseChange,
       response=s.CommissioningProject),
    _a("POST", C + "/projects/<project_id>/principles", "add_principle", MANAGE,
       "Record a principle agreed with service users (who agreed, when, how)", PROJECTS,
       body=s.CommissioningPrinciple, status=201),
    _a("POST", C + "/projects/<project_id>/budget-lines", "add_budget_line", MANAGE,
       "Add a budget line (project management, training and support, reimbursement)",
       PROJECTS, body=s.CommissioningBudgetLine, status=201),
    _a("POST", C + "/budget-lines/<budget_line_id>/spend", "record_spend", MANAGE,
       "Record spend against a budget line", PROJECTS, body=s.CommissioningSpend, status=201),
    _a("GET", C + "/projects/<project_id>/warnings", "project_warnings", MANAGE,
       "Who still needs a signed working agreement or training before taking part", PROJECTS,
       response=s.CommissioningWarning, many=True),
    # --- groups ----------------------------------------------------------------------------
    _a("GET", C + "/projects/<project_id>/groups", "list_groups", TAKE_PART,
       "The project's groups, their members and the service-user share", GROUPS,
       response=s.CommissioningGroup, many=True),
    _a("POST", C + "/projects/<project_id>/groups", "create_group", MANAGE,
       "Add a reference, steering, evaluation-panel or service-users-only peer group", GROUPS,
       body=s.CommissioningGroupCreate, response=s.CommissioningGroup, status=201),
    _a("POST", C + "/groups/<group_id>/members", "add_member", MANAGE,
       "Add someone to a group (warnings: no signed agreement, training missing)", GROUPS,
       body=s.CommissioningMembership, status=201),
    _a("POST", C + "/memberships/<membership_id>/end", "end_membership", MANAGE,
       "End a membership on a date", GROUPS, body=s.CommissioningMembershipEnd),
    # --- opportunities -----------------------------------------------------------------------
    _a("GET", C + "/opportunities", "list_opportunities", TAKE_PART,
       "Involvement opportunities open to you (managers: drafts and interest too)", GROUPS,
       errors=()),
    _a("POST", C + "/projects/<project_id>/opportunities", "create_opportunity", MANAGE,
       "Describe an involvement opportunity (activity, time, payment, training, access)",
       GROUPS, body=s.CommissioningOpportunityCreate, status=201),
    _a("GET", C + "/opportunities/<opportunity_id>", "get_opportunity", TAKE_PART,
       "One opportunity", GROUPS),
    _a("POST", C + "/opportunities/<opportunity_id>/publish", "publish_opportunity", MANAGE,
       "Publish an opportunity so people can express interest", GROUPS),
    _a("POST", C + "/opportunities/<opportunity_id>/panel-campaign", "open_panel_campaign",
       MANAGE, "Fill the places fairly: open a panels campaign for the opportunity", GROUPS,
       body=s.CommissioningPanelCampaign),
    _a("POST", C + "/opportunities/<opportunity_id>/interest", "express_interest", TAKE_PART,
       "Express interest in an opportunity", GROUPS, body=s.CommissioningInterest, status=201),
    _a("DELETE", C + "/opportunities/<opportunity_id>/interest", "withdraw_interest",
       TAKE_PART, "Withdraw your interest", GROUPS),
    _a("POST", C + "/opportunities/<opportunity_id>/selection", "select_people", MANAGE,
       "Select people who expressed interest; they join the opportunity's group", GROUPS,
       body=s.CommissioningSelection),
    _a("POST", C + "/opportunities/<opportunity_id>/panel-selection", "apply_panel_selection",
       MANAGE, "Select the people the panels service drew", GROUPS),
    # --- working agreements and training ---------------------------------------------------
    _a("GET", C + "/projects/<project_id>/agreements", "list_agreements", MANAGE,
       "The current working agreement of every member", PEOPLE, response=s.CommissioningAgreement,
       many=True),
    _a("POST", C + "/projects/<project_id>/agreements", "create_agreement", MANAGE,
       "Write a member's working agreement (12 terms), to be signed by both", PEOPLE,
       body=s.CommissioningAgreementCreate, response=s.CommissioningAgreement, status=201),
    _a("POST", C + "/agreements/<agreement_id>/versions", "change_agreement", MANAGE,
       "Change an agreement: a new version that needs both signatures again", PEOPLE,
       body=s.CommissioningAgreementChange, response=s.CommissioningAgreement, status=201),
    _a("POST", C + "/agreements/<agreement_id>/sign", "sign_agreement", TAKE_PART,
       "Sign an agreement: the member their side, a commissioner the other", PEOPLE,
       response=s.CommissioningAgreement),
    _a("GET", C + "/projects/<project_id>/people/<person_id>/agreements", "agreement_history",
       TAKE_PART, "Every version of a person's agreement (your own, or as a manager)", PEOPLE,
       response=s.CommissioningAgreement, many=True),
    _a("GET", C + "/training-kinds", "list_training_kinds", TAKE_PART,
       "Kinds of training (built in and the organisation's own)", PEOPLE, errors=()),
    _a("POST", C + "/training-kinds", "add_training_kind", MANAGE,
       "Add a kind of training", PEOPLE, body=s.CommissioningTrainingKind, status=201,
       errors=(409,)),
    _a("POST", C + "/training", "record_training", MANAGE, "Record training someone has had",
       PEOPLE, body=s.CommissioningTrainingRecord, status=201),
    _a("GET", C + "/people/<person_id>/training", "training_of", TAKE_PART,
       "A person's training (your own, or as a reader)", PEOPLE),
    # --- meetings, papers, plain English -----------------------------------------------------
    _a("GET", C + "/projects/<project_id>/meetings", "list_meetings", TAKE_PART,
       "The project's meetings", MEETINGS),
    _a("POST", C + "/projects/<project_id>/meetings", "create_meeting", MANAGE,
       "Arrange a meeting, interview or visit (warnings for people not ready)", MEETINGS,
       body=s.CommissioningMeetingCreate, status=201),
    _a("GET", C + "/meetings/<meeting_id>", "get_meeting", TAKE_PART,
       "A meeting: agenda, papers, decisions, attendance and briefings", MEETINGS),
    _a("POST", C + "/meetings/<meeting_id>/cancel", "cancel_meeting", MANAGE,
       "Cancel a planned meeting", MEETINGS),
    _a("POST", C + "/meetings/<meeting_id>/papers", "add_paper", MANAGE,
       "Add a paper: it is checked for jargon, acronyms, long sentences and readability",
       MEETINGS, body=s.CommissioningPaper, status=201),
    _a("PUT", C + "/papers/<paper_id>", "revise_paper", MANAGE,
       "Revise a paper before it is issued (checked again)", MEETINGS, body=s.CommissioningPaper),
    _a("POST", C + "/papers/<paper_id>/issue", "issue_paper", MANAGE,
       "Send a paper out (409 with the advice while the check finds problems)", MEETINGS,
       body=s.CommissioningPaperIssue),
    _a("GET", C + "/papers/<paper_id>", "get_paper", TAKE_PART,
       "A paper (403 while confidential, to anyone outside its group)", MEETINGS, errors=(404,)),
    _a("GET", C + "/papers/<paper_id>/download", "get_paper", TAKE_PART,
       "Download a paper as text (403 while confidential, to anyone outside its group)",
       MEETINGS, errors=(404,), kind="paper"),
    _a("POST", C + "/meetings/<meeting_id>/held", "record_meeting_held", MANAGE,
       "Record who attended (and whether a decision-maker did) and the minutes", MEETINGS,
       body=s.CommissioningMeetingHeld),
    _a("POST", C + "/meetings/<meeting_id>/decisions", "record_decision", MANAGE,
       "Record a decision with its reasons", MEETINGS, body=s.CommissioningDecision,
       status=201),
    _a("GET", C + "/decisions/<decision_id>", "get_decision", TAKE_PART,
       "A decision (403 while confidential, to anyone outside its group)", MEETINGS,
       errors=(404,)),
    _a("POST", C + "/text-check", "check_text", TAKE_PART,
       "Check a text for plain English: jargon, acronyms, long sentences, readability",
       MEETINGS, body=s.CommissioningTextCheck, response=s.CommissioningCheck, errors=()),
    _a("GET", C + "/jargon", "list_jargon", TAKE_PART,
       "The organisation's list of jargon and acronyms", MEETINGS, errors=()),
    _a("POST", C + "/jargon", "add_jargon", MANAGE, "Add a term to the jargon list", MEETINGS,
       body=s.CommissioningJargonTerm, status=201, errors=(409,)),
    _a("DELETE", C + "/jargon/<term_id>", "remove_jargon", MANAGE,
       "Take a term off the jargon list", MEETINGS, errors=(404,)),
    # --- confidentiality briefings -----------------------------------------------------------
    _a("POST", C + "/meetings/<meeting_id>/briefings", "create_briefing", MANAGE,
       "Say what is confidential from a meeting, and until when (a time or an event)",
       BRIEFINGS, body=s.CommissioningBriefing, status=201),
    _a("GET", C + "/confidential-items/<item_id>", "get_confidential_item", TAKE_PART,
       "A confidential item: 'you may share this now' or 'keep this confidential until ...' "
       "(403 outside its group until released)", BRIEFINGS, response=s.CommissioningItem,
       errors=(404,)),
    _a("POST", C + "/confidential-items/<item_id>/release", "release_item", RELEASE,
       "Release an item now (never by a service user)", BRIEFINGS,
       response=s.CommissioningItem),
    _a("POST", C + "/projects/<project_id>/release-events", "mark_release_event", RELEASE,
       "Mark that an event happened (e.g. contract awarded): items waiting for it are released",
       BRIEFINGS, body=s.CommissioningReleaseEvent),
    # --- conflicts of interest ---------------------------------------------------------------
    _a("GET", C + "/projects/<project_id>/conflicts", "list_conflicts", TAKE_PART,
       "Declarations of interest (managers: all; others: their own)", EVALUATION),
    _a("POST", C + "/projects/<project_id>/conflicts", "declare_conflict", TAKE_PART,
       "Declare a conflict of interest (e.g. I use this service, I work for a bidder)",
       EVALUATION, body=s.CommissioningConflict, status=201),
    _a("POST", C + "/conflicts/<conflict_id>/decision", "decide_conflict", MANAGE,
       "The steering group's decision on a declaration: may score or may not", EVALUATION,
       body=s.CommissioningConflictDecision),
    # --- provider evaluation -----------------------------------------------------------------
    _a("GET", C + "/projects/<project_id>/tenders", "list_tenders", READ,
       "The project's tenders", EVALUATION),
    _a("POST", C + "/projects/<project_id>/tenders", "create_tender", MANAGE,
       "Start a tender with weights (quality, price, social value) and an evaluation panel",
       EVALUATION, body=s.CommissioningTenderCreate, status=201),
    _a("GET", C + "/tenders/<tender_id>", "get_tender", TAKE_PART,
       "A tender: bidders, questions and your progress", EVALUATION),
    _a("POST", C + "/tenders/<tender_id>/bidders", "add_bidder", MANAGE, "Add a bidder",
       EVALUATION, body=s.CommissioningBidder, status=201),
    _a("POST", C + "/tenders/<tender_id>/questions", "add_question", MANAGE,
       "Add a question (the same for every bidder)", EVALUATION, body=s.CommissioningQuestion,
       status=201),
    _a("POST", C + "/tenders/<tender_id>/start-scoring", "start_scoring", MANAGE,
       "Open scoring to the evaluation panel", EVALUATION),
    _a("PUT", C + "/tenders/<tender_id>/bidders/<bidder_id>/scores", "save_scores", TAKE_PART,
       "Save your scores (0-5 with a justification) for a bidder as a draft", EVALUATION,
       body=s.CommissioningScores),
    _a("POST", C + "/tenders/<tender_id>/bidders/<bidder_id>/scores/submit", "submit_scores",
       TAKE_PART, "Submit your scores for a bidder: they are locked, and you then see others'",
       EVALUATION, response=s.CommissioningBidderScores),
    _a("GET", C + "/tenders/<tender_id>/bidders/<bidder_id>/scores", "bidder_scores",
       TAKE_PART, "Scores for a bidder: others' only once yours are submitted", EVALUATION,
       response=s.CommissioningBidderScores),
    _a("POST", C + "/tenders/<tender_id>/start-moderation", "start_moderation", MANAGE,
       "Start moderation (409 naming who has not submitted yet)", EVALUATION),
    _a("POST", C + "/tenders/<tender_id>/moderation", "moderate", MANAGE,
       "Agree a consensus score for an answer, with a rationale", EVALUATION,
       body=s.CommissioningModeration),
    _a("GET", C + "/tenders/<tender_id>/results", "tender_results", MANAGE,
       "Weighted totals and the ranking (409 before moderation is complete)", EVALUATION,
       response=s.CommissioningResults),
    _a("POST", C + "/tenders/<tender_id>/award", "award_tender", MANAGE, "Award the tender",
       EVALUATION, body=s.CommissioningAward),
    _a("GET", C + "/tenders/<tender_id>/audit", "tender_audit", MANAGE,
       "The evaluation's audit trail", EVALUATION),
    _a("GET", C + "/tenders/<tender_id>/ocds", "export_ocds", MANAGE,
       "The outcome as an OCDS 1.1 release package (never an evaluator or a score)",
       EVALUATION, kind="ocds"),
    # --- payments and expenses ---------------------------------------------------------------
    _a("GET", P + "/policies", "list_payment_policies", TAKE_PART,
       "Every version of the payment policy", PAYMENTS, errors=()),
    _a("POST", P + "/policies", "set_payment_policy", PAY_MANAGE,
       "A new version of the payment policy (rates are data, not code)", PAYMENTS,
       body=s.PaymentPolicyCreate, status=201, errors=(409,)),
    _a("POST", P + "/benefits-advice", "record_benefits_advice", PAY_MANAGE,
       "Record that benefits advice was offered (needed before a first payment)", PAYMENTS,
       body=s.BenefitsAdviceRecord, status=201),
    _a("GET", P + "/claims", "list_claims", PAY_READ, "Claims, newest first", PAYMENTS,
       response=s.PaymentClaim, many=True, errors=(), query=s.PaymentClaimFilters),
    _a("POST", P + "/claims", "submit_claim", TAKE_PART,
       "Claim a fee and expenses (the same claim_key again returns the same claim)", PAYMENTS,
       body=s.PaymentClaimCreate, response=s.PaymentClaim, status=201),
    _a("GET", P + "/claims/<claim_id>", "get_claim", TAKE_PART,
       "A claim (your own, or as a payments reader)", PAYMENTS, response=s.PaymentClaim),
    _a("POST", P + "/claims/<claim_id>/authorise", "authorise_claim", PAY_AUTHORISE,
       "Authorise a claim (never your own)", PAYMENTS, response=s.PaymentClaim),
    _a("POST", P + "/claims/<claim_id>/reject", "reject_claim", PAY_AUTHORISE,
       "Reject a claim with a reason", PAYMENTS, body=s.PaymentClaimReject,
       response=s.PaymentClaim),
    _a("POST", P + "/claims/<claim_id>/pay", "pay_claim", PAY_AUTHORISE,
       "Record the payment of an authorised claim (paying again changes nothing)", PAYMENTS,
       body=s.PaymentMade, response=s.PaymentClaim),
    _a("GET", P + "/people/<person_id>", "person_payments", TAKE_PART,
       "A person's claims and yearly totals (your own, or as a payments reader)", PAYMENTS,
       response=s.PaymentPerson),
    _a("GET", P + "/timeliness", "payment_timeliness", PAY_READ,
       "How quickly claims are paid", PAYMENTS, errors=()),
    _a("GET", P + "/export.csv", "export_payments_csv", PAY_READ,
       "The finance export: one row per claim, as CSV", PAYMENTS, errors=(),
       query=s.PaymentExportFilters, kind="csv"),
    # --- bulletins and my involvement --------------------------------------------------------
    _a("GET", C + "/projects/<project_id>/bulletin-sources", "bulletin_sources", MANAGE,
       "What a bulletin may use: released items and decisions no longer confidential",
       BULLETINS),
    _a("GET", C + "/projects/<project_id>/bulletins", "list_bulletins", TAKE_PART,
       "Published bulletins (managers: drafts too)", BULLETINS),
    _a("POST", C + "/projects/<project_id>/bulletins", "draft_bulletin", MANAGE,
       "Draft a bulletin from released information only (422 naming anything confidential)",
       BULLETINS, body=s.CommissioningBulletinCreate, status=201),
    _a("POST", C + "/bulletins/<bulletin_id>/publish", "publish_bulletin", MANAGE,
       "Publish a bulletin (checked again)", BULLETINS, body=s.CommissioningBulletinPublish),
    _a("GET", C + "/my-involvement", "my_involvement", TAKE_PART,
       "My involvement: what to sign, what is coming up, what I may share now, my payments",
       BULLETINS, response=s.CommissioningMyInvolvement, errors=()),
)

_PARAM = re.compile(r"<(?:[a-z]+:)?([a-z_]+)>")


def _ids(path: str) -> list[str]:
    return [p for p in _PARAM.findall(path) if p != "organisation_id"]


def _query(request, schema) -> dict:
    """The query string, validated like a body (a bad status is a 422 naming it)."""
    return validate(schema(), {k: v for k, v in request.args.items() if v != ""})


def _paper_file(paper: dict) -> Response:
    name = re.sub(r"[^A-Za-z0-9]+", "-", paper.get("title") or "paper").strip("-")[:60]
    text = f"{paper.get('title', '')}\n\n{paper.get('body', '')}\n"
    return Response(text, mimetype="text/plain", headers={
        "Content-Disposition": f'attachment; filename="{name or "paper"}.txt"',
        "Cache-Control": "no-store"})


def _handler(spec: Api):
    ids = _ids(spec.path)

    def handler(self, request, principal, *rest, organisation_id, **params):
        args = [principal, organisation_id, *(params[i] for i in ids)]
        if spec.query is not None:
            args.append(_query(request, spec.query))
        if rest:
            # the body as sent: the route has checked it with the contract class (a 422 naming
            # the field); the service checks it again and wants JSON, not the loaded dates and
            # Decimals, which do not cross RPC
            args.append(read_json(request))
        result = call(getattr(self.rpc.commissioning, spec.rpc), *args)
        if spec.kind == "paper":
            return _paper_file(result)
        if spec.kind == "csv":
            return Response(result["csv"], mimetype="text/csv", headers={
                "Content-Disposition": f'attachment; filename="{result["filename"]}"',
                "Cache-Control": "no-store"})
        if spec.kind == "ocds":
            response = json_response(result)
            response.headers["Content-Disposition"] = (
                f'attachment; filename="ocds-{params["tender_id"]}.json"')
            return response
        if spec.rpc == "submit_claim" and isinstance(result, dict) and result.get("replayed"):
            return json_response(result, 200)  # the same claim again: nothing new was made
        return result

    handler.__name__ = "commissioning_" + spec.rpc + ("_download" if spec.kind == "paper"
                                                      else "")
    return route(spec.method, spec.path, summary=spec.summary, tags=[spec.tag],
                 body=spec.body, response=spec.response, many=spec.many, status=spec.status,
                 errors=spec.errors, action=spec.action,
                 query=tuple(spec.query().fields) if spec.query else ())(handler)


class CommissioningApi:
    """Mixed into GatewayService; its methods (``commissioning_<rpc method>``) are made from
    ``ROUTES`` below the class, so each route is declared once."""


for _spec in ROUTES:
    _fn = _handler(_spec)
    assert not hasattr(CommissioningApi, _fn.__name__), _fn.__name__
    setattr(CommissioningApi, _fn.__name__, _fn)
del _spec, _fn
