"""Gateway: the mystery-shopping HTTP API (issue 5).

Everything lives under /api/v1/organisations/<organisation_id>/mystery-shopping. Coordinators
("mystery_shopping.manage") keep the question sets, the roster of shoppers and the rounds;
shoppers ("mystery_shopping.shop") see their own assignments and record their calls; staff and
council members ("mystery_shopping.read") read the reports. Every route calls the
mystery_shopping service, which checks the same permission again for the organisation
(docs/mystery-shopping-service.md).
"""
from __future__ import annotations

import base64
import binascii
from datetime import date, datetime

from werkzeug.wrappers import Response

from involve.kernel.errors import ServiceUnavailable
from involve.kernel.policy import allowed, require
from involve.kernel.rpc import call

from ..web.routes import route
from . import schemas as s

ORG = "/api/v1/organisations/<organisation_id>/mystery-shopping"
MANAGE = "mystery_shopping.manage"
SHOP = "mystery_shopping.shop"
READ = "mystery_shopping.read"
TAGS = ["mystery shopping"]
SLOW_SECONDS = 60.0  # a PDF report with its charts takes a moment


def mystery_json(value):
    """Marshmallow gives dates and datetimes; RPC carries JSON."""
    if isinstance(value, dict):
        return {k: mystery_json(v) for k, v in value.items()}
    if isinstance(value, list):
        return [mystery_json(v) for v in value]
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    return value


def mystery_require_any(principal, organisation_id, *actions) -> None:
    """Go on if the principal may do any of ``actions`` here; else 403 (401 if not signed in)."""
    if not any(allowed(principal, action, organisation_id) for action in actions):
        require(principal, actions[0], organisation_id)


def mystery_download(content: bytes | str, filename: str, mimetype: str) -> Response:
    safe = "".join(ch for ch in filename if ch.isalnum() or ch in "-_.") or "report"
    return Response(content, status=200, mimetype=mimetype, headers={
        "Content-Disposition": f'attachment; filename="{safe}"', "Cache-Control": "no-store"})


class MysteryShoppingApi:
    """Mixed into GatewayService; every method name here must be unique across the mixins."""

    # --- question sets --------------------------------------------------------------------------
    @route("GET", ORG + "/question-sets", summary="Benchmark question sets (plugins and your own)",
           tags=TAGS, response=s.MysteryQuestionSet, many=True)
    def mystery_list_question_sets(self, request, principal, organisation_id):
        mystery_require_any(principal, organisation_id, SHOP, READ)
        return call(self.rpc.mystery_shopping.list_question_sets, principal, organisation_id)

    @route("GET", ORG + "/question-sets/<question_set_id>", summary="One question set",
           tags=TAGS, response=s.MysteryQuestionSet, errors=(404,))
    def mystery_get_question_set(self, request, principal, organisation_id, question_set_id):
        mystery_require_any(principal, organisation_id, SHOP, READ)
        return call(self.rpc.mystery_shopping.get_question_set, principal, organisation_id,
                    question_set_id)

    @route("PATCH", ORG + "/question-sets/<question_set_id>",
           summary="Adapt a question set (a set used by a round gets a new version instead)",
           tags=TAGS, body=s.MysteryQuestionSetEdit, response=s.MysteryQuestionSet,
           errors=(404, 409), action=MANAGE)
    def mystery_edit_question_set(self, request, principal, body, organisation_id,
                                  question_set_id):
        return call(self.rpc.mystery_shopping.edit_question_set, principal, organisation_id,
                    question_set_id, mystery_json(body))

    @route("GET", ORG + "/question-set-problems",
           summary="Question-set plugins that were refused, and why", tags=TAGS,
           response=s.MysteryQuestionSetProblem, many=True, action=MANAGE)
    def mystery_question_set_problems(self, request, principal, organisation_id):
        return call(self.rpc.mystery_shopping.question_set_problems, principal, organisation_id)

    # --- shoppers --------------------------------------------------------------------------------
    @route("GET", ORG + "/shoppers", summary="The shoppers (council members and volunteers)",
           tags=TAGS, response=s.MysteryShopper, many=True, action=MANAGE)
    def mystery_list_shoppers(self, request, principal, organisation_id):
        return call(self.rpc.mystery_shopping.list_shoppers, principal, organisation_id)

    @route("POST", ORG + "/shoppers",
           summary="Add a shopper, with the services they use or used (never assigned to those)",
           tags=TAGS, body=s.MysteryShopperCreate, response=s.MysteryShopper, status=201,
           errors=(404, 409), action=MANAGE)
    def mystery_add_shopper(self, request, principal, body, organisation_id):
        return call(self.rpc.mystery_shopping.add_shopper, principal, organisation_id,
                    mystery_json(body))

    @route("PATCH", ORG + "/shoppers/<shopper_id>", summary="Change a shopper's services or personas",
           tags=TAGS, body=s.MysteryShopperUpdate, response=s.MysteryShopper, errors=(404,),
           action=MANAGE)
    def mystery_update_shopper(self, request, principal, body, organisation_id, shopper_id):
        return call(self.rpc.mystery_shopping.update_shopper, principal, organisation_id,
                    shopper_id, mystery_json(body))

    @route("DELETE", ORG + "/shoppers/<shopper_id>",
           summary="Take a shopper off the roster (their open calls are reassigned)", tags=TAGS,
           errors=(404,), action=MANAGE)
    def mystery_remove_shopper(self, request, principal, organisation_id, shopper_id):
        return call(self.rpc.mystery_shopping.remove_shopper, principal, organisation_id,
                    shopper_id)

    # --- rounds ------------------------------------------------------------------------------------
    @route("POST", ORG + "/rounds",
           summary="Schedule a round: question set, services, personas; shoppers are assigned fairly",
           tags=TAGS, body=s.MysteryRoundCreate, response=s.MysteryRound, status=201,
           errors=(404, 409), action=MANAGE)
    def mystery_schedule_round(self, request, principal, body, organisation_id):
        return call(self.rpc.mystery_shopping.schedule_round, principal, organisation_id,
                    mystery_json(body))

    @route("GET", ORG + "/rounds", summary="Mystery-shopping rounds", tags=TAGS,
           response=s.MysteryRound, many=True, action=READ)
    def mystery_list_rounds(self, request, principal, organisation_id):
        return call(self.rpc.mystery_shopping.list_rounds, principal, organisation_id)

    @route("GET", ORG + "/rounds/<round_id>", summary="A round with its assignments", tags=TAGS,
           response=s.MysteryRound, errors=(404,), action=READ)
    def mystery_get_round(self, request, principal, organisation_id, round_id):
        return call(self.rpc.mystery_shopping.get_round, principal, organisation_id, round_id)

    @route("POST", ORG + "/rounds/<round_id>/close",
           summary="Close a round: scores are final and reported", tags=TAGS,
           response=s.MysteryRound, errors=(404, 409), action=MANAGE)
    def mystery_close_round(self, request, principal, organisation_id, round_id):
        return call(self.rpc.mystery_shopping.close_round, principal, organisation_id, round_id)

    @route("POST", ORG + "/assignments/<assignment_id>/reassign",
           summary="Give a call to the least-loaded other shopper who may make it", tags=TAGS,
           body=s.MysteryReassign, response=s.MysteryAssignment, errors=(404, 409),
           action=MANAGE)
    def mystery_reassign(self, request, principal, body, organisation_id, assignment_id):
        return call(self.rpc.mystery_shopping.reassign, principal, organisation_id,
                    assignment_id, mystery_json(body))

    @route("POST", ORG + "/my-assignments/<assignment_id>/decline",
           summary="I cannot make this call: pass it to another shopper", tags=TAGS,
           body=s.MysteryReassign, response=s.MysteryAssignment, errors=(404, 409),
           action=SHOP)
    def mystery_decline(self, request, principal, body, organisation_id, assignment_id):
        return call(self.rpc.mystery_shopping.reassign, principal, organisation_id,
                    assignment_id, mystery_json(body))

    # --- calls ---------------------------------------------------------------------------------------
    @route("GET", ORG + "/my-assignments", summary="The calls I have been asked to make",
           tags=TAGS, response=s.MysteryMyAssignment, many=True, action=SHOP)
    def mystery_my_assignments(self, request, principal, organisation_id):
        return call(self.rpc.mystery_shopping.my_assignments, principal, organisation_id)

    @route("PUT", ORG + "/assignments/<assignment_id>/call",
           summary="Save a call record as a draft (any part of it)", tags=TAGS,
           body=s.MysteryCall, response=s.MysteryCallRecord, errors=(404, 409), action=SHOP)
    def mystery_save_call(self, request, principal, body, organisation_id, assignment_id):
        return call(self.rpc.mystery_shopping.save_call, principal, organisation_id,
                    assignment_id, mystery_json(body))

    @route("POST", ORG + "/assignments/<assignment_id>/call",
           summary="Submit a call record (it must be complete)", tags=TAGS,
           body=s.MysteryCall, response=s.MysteryCallRecord, status=201, errors=(404, 409),
           action=SHOP)
    def mystery_submit_call(self, request, principal, body, organisation_id, assignment_id):
        return call(self.rpc.mystery_shopping.submit_call, principal, organisation_id,
                    assignment_id, mystery_json(body))

    # --- reports -------------------------------------------------------------------------------------
    @route("GET", ORG + "/rounds/<round_id>/report",
           summary="A round's scores: efficiency and feeling apart, trends, highlights, gaps, "
                   "agreement between shoppers",
           tags=TAGS, response=s.MysteryReport, errors=(404,), action=READ)
    def mystery_round_report(self, request, principal, organisation_id, round_id):
        return call(self.rpc.mystery_shopping.round_report, principal, organisation_id, round_id)

    @route("GET", ORG + "/rounds/<round_id>/report.csv", summary="A round's scores as CSV",
           tags=TAGS, errors=(404,), action=READ)
    def mystery_round_report_csv(self, request, principal, organisation_id, round_id):
        out = call(self.rpc.mystery_shopping.export_round_csv, principal, organisation_id,
                   round_id)
        return mystery_download(out["csv"], out.get("filename") or "mystery-shopping.csv",
                                "text/csv")

    @route("GET", ORG + "/rounds/<round_id>/report.pdf",
           summary="A round's report as PDF, with charts", tags=TAGS, errors=(404,),
           action=READ)
    def mystery_round_report_pdf(self, request, principal, organisation_id, round_id):
        out = call(self.rpc.mystery_shopping.export_round_pdf, principal, organisation_id,
                   round_id, timeout=SLOW_SECONDS)
        try:
            pdf = base64.b64decode(out["pdf_base64"], validate=True)
        except (binascii.Error, KeyError, TypeError, ValueError):
            raise ServiceUnavailable("The PDF could not be made just now. Please try again, or "
                                    "download the CSV instead.") from None
        return mystery_download(pdf, out.get("filename") or "mystery-shopping.pdf",
                                "application/pdf")
