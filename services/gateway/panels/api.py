"""The panels part of the HTTP API: campaigns, registrations, feasibility, selections, reports,
replacements. Coordinator routes live under /api/v1/organisations/<organisation_id>/panels and
need "panels.manage"; registering interest and reading a public draw record are open to anyone
(/api/v1/panels/...). Every route calls the panels service."""
from __future__ import annotations

from werkzeug.wrappers import Response

from involve.kernel.errors import Forbidden
from involve.kernel.rpc import call

from ..web.auth import principal_from
from ..web.routes import route
from . import schemas as s

ORG = "/api/v1/organisations/<organisation_id>/panels"
PUBLIC = "/api/v1/panels"
ACTION = "panels.manage"
SLOW_SECONDS = 120.0  # feasibility explanations on big pools take a few MIPs


def _csv(text: str, filename: str) -> Response:
    return Response(text, status=200, mimetype="text/csv", headers={
        "Content-Disposition": f'attachment; filename="{filename}"'})


class PanelsApi:
    # --- campaigns ----------------------------------------------------------------------
    @route("GET", ORG + "/quota-rules", summary="Quota rules available from plugins",
           tags=["panels"], response=s.PanelQuotaRuleInfo, many=True, action=ACTION)
    def panels_quota_rules(self, request, principal, organisation_id):
        return call(self.rpc.panels.list_quota_rules, principal, organisation_id)

    @route("POST", ORG + "/campaigns", summary="Open a panel campaign", tags=["panels"],
           body=s.PanelCampaignCreate, response=s.PanelCampaign, status=201, action=ACTION)
    def panels_create_campaign(self, request, principal, body, organisation_id):
        return call(self.rpc.panels.create_campaign, principal, organisation_id, _json(body))

    @route("GET", ORG + "/campaigns", summary="Panel campaigns", tags=["panels"],
           response=s.PanelCampaign, many=True, action=ACTION)
    def panels_list_campaigns(self, request, principal, organisation_id):
        return call(self.rpc.panels.list_campaigns, principal, organisation_id)

    @route("GET", ORG + "/campaigns/<campaign_id>", summary="Read a panel campaign",
           tags=["panels"], response=s.PanelCampaign, errors=(404,), action=ACTION)
    def panels_get_campaign(self, request, principal, organisation_id, campaign_id):
        return call(self.rpc.panels.get_campaign, principal, organisation_id, campaign_id)

    @route("PATCH", ORG + "/campaigns/<campaign_id>",
           summary="Change a campaign's size or quotas while it is open", tags=["panels"],
           body=s.PanelCampaignUpdate, response=s.PanelCampaign, errors=(404, 409),
           action=ACTION)
    def panels_update_campaign(self, request, principal, body, organisation_id, campaign_id):
        return call(self.rpc.panels.update_campaign, principal, organisation_id, campaign_id,
                    _json(body))

    @route("POST", ORG + "/campaigns/<campaign_id>/close", summary="Close registration",
           tags=["panels"], response=s.PanelCampaign, errors=(404,), action=ACTION)
    def panels_close_campaign(self, request, principal, organisation_id, campaign_id):
        return call(self.rpc.panels.close_campaign, principal, organisation_id, campaign_id)

    # --- registrations ------------------------------------------------------------------
    @route("POST", ORG + "/campaigns/<campaign_id>/registrations/import",
           summary="Import registrations from a respondents CSV (all or nothing)",
           tags=["panels"], body=s.PanelImport, response=s.PanelImported, status=201,
           errors=(404, 409), action=ACTION)
    def panels_import(self, request, principal, body, organisation_id, campaign_id):
        return call(self.rpc.panels.import_registrations_csv, principal, organisation_id,
                    campaign_id, body)

    @route("GET", ORG + "/campaigns/<campaign_id>/registrations.csv",
           summary="Registrations as a respondents CSV (Sortition Foundation format)",
           tags=["panels"], errors=(404,), action=ACTION)
    def panels_export_people(self, request, principal, organisation_id, campaign_id):
        out = call(self.rpc.panels.export_registrations_csv, principal, organisation_id,
                   campaign_id)
        return _csv(out["people_csv"], "respondents.csv")

    @route("GET", ORG + "/campaigns/<campaign_id>/categories.csv",
           summary="Categories and quotas as CSV (feature,value,min,max,min_flex,max_flex)",
           tags=["panels"], errors=(404,), action=ACTION)
    def panels_export_categories(self, request, principal, organisation_id, campaign_id):
        out = call(self.rpc.panels.export_registrations_csv, principal, organisation_id,
                   campaign_id)
        return _csv(out["categories_csv"], "categories.csv")

    # --- feasibility and selections -----------------------------------------------------
    @route("GET", ORG + "/campaigns/<campaign_id>/feasibility",
           summary="Can the quotas be met? If not, why not and what to change",
           tags=["panels"], response=s.PanelFeasibility, errors=(404,), action=ACTION)
    def panels_feasibility(self, request, principal, organisation_id, campaign_id):
        return call(self.rpc.panels.check_feasibility, principal, organisation_id, campaign_id,
                    timeout=SLOW_SECONDS)

    @route("POST", ORG + "/campaigns/<campaign_id>/selections",
           summary="Start a selection (runs in the background; poll its status)",
           tags=["panels"], body=s.PanelSelectionStart, response=s.PanelSelection, status=202,
           errors=(404,), action=ACTION)
    def panels_start_selection(self, request, principal, body, organisation_id, campaign_id):
        return call(self.rpc.panels.start_selection, principal, organisation_id, campaign_id,
                    body)

    @route("GET", ORG + "/campaigns/<campaign_id>/selections",
           summary="A campaign's selections", tags=["panels"], response=s.PanelSelection,
           many=True, errors=(404,), action=ACTION)
    def panels_list_selections(self, request, principal, organisation_id, campaign_id):
        return call(self.rpc.panels.list_selections, principal, organisation_id, campaign_id)

    @route("GET", ORG + "/selections/<selection_id>",
           summary="A selection's status and progress", tags=["panels"],
           response=s.PanelSelection, errors=(404,), action=ACTION)
    def panels_selection_status(self, request, principal, organisation_id, selection_id):
        return call(self.rpc.panels.selection_status, principal, organisation_id, selection_id)

    @route("POST", ORG + "/selections/<selection_id>/cancel", summary="Cancel a selection",
           tags=["panels"], response=s.PanelSelection, status=202, errors=(404, 409),
           action=ACTION)
    def panels_cancel_selection(self, request, principal, organisation_id, selection_id):
        return call(self.rpc.panels.cancel_selection, principal, organisation_id, selection_id)

    @route("GET", ORG + "/selections/<selection_id>/report",
           summary="Fairness report: everyone's chance, minimum, spread, quotas, chart",
           tags=["panels"], errors=(404, 409), action=ACTION)
    def panels_selection_report(self, request, principal, organisation_id, selection_id):
        return call(self.rpc.panels.selection_report, principal, organisation_id, selection_id)

    @route("POST", ORG + "/selections/<selection_id>/replacements",
           summary="Replace a panel member who dropped out, keeping every quota",
           tags=["panels"], body=s.PanelReplacementCreate, response=s.PanelReplacement,
           status=201, errors=(404, 409), action=ACTION)
    def panels_replace_member(self, request, principal, body, organisation_id, selection_id):
        return call(self.rpc.panels.replace_member, principal, organisation_id, selection_id,
                    body)

    # --- inviting the chosen ------------------------------------------------------------
    @route("POST", ORG + "/selections/<selection_id>/invitations",
           summary="Invite the selection's panel (links by identity; the rest for you to "
                   "contact)", tags=["panels"], body=s.PanelInvite, response=s.PanelInvitations,
           status=201, errors=(404, 409), action=ACTION)
    def panels_invite(self, request, principal, body, organisation_id, selection_id):
        return call(self.rpc.panels.invite_panel, principal, organisation_id, selection_id, body)

    @route("GET", ORG + "/selections/<selection_id>/invitations",
           summary="Who was invited, accepted, declined or replaced", tags=["panels"],
           response=s.PanelInvitations, errors=(404,), action=ACTION)
    def panels_invitations(self, request, principal, organisation_id, selection_id):
        return call(self.rpc.panels.panel_invitations, principal, organisation_id, selection_id)

    @route("POST", ORG + "/selections/<selection_id>/invitations/answers",
           summary="Record the answer of someone you contacted yourself (a decline is "
                   "replaced)", tags=["panels"], body=s.PanelMemberAnswer,
           response=s.PanelInvitations, errors=(404, 409), action=ACTION)
    def panels_record_answer(self, request, principal, body, organisation_id, selection_id):
        return call(self.rpc.panels.record_member_answer, principal, organisation_id,
                    selection_id, body)

    @route("POST", ORG + "/selections/<selection_id>/invitations/<registration_id>/resend",
           summary="Send a member's invitation link again (the old link stops working)",
           tags=["panels"], response=s.PanelInvitations, errors=(404, 409), action=ACTION)
    def panels_resend_invitation(self, request, principal, organisation_id, selection_id,
                                 registration_id):
        return call(self.rpc.panels.resend_invitation, principal, organisation_id, selection_id,
                    registration_id)

    @route("GET", ORG + "/selections/<selection_id>/panel.csv",
           summary="The panel as CSV: reference, spreadsheet id, status, replacements",
           tags=["panels"], errors=(404, 409), action=ACTION)
    def panels_panel_csv(self, request, principal, organisation_id, selection_id):
        return _csv(call(self.rpc.panels.panel_csv, principal, organisation_id, selection_id),
                    "panel.csv")

    # --- public -------------------------------------------------------------------------
    @route("GET", PUBLIC + "/campaigns/<campaign_id>",
           summary="A campaign's questions, for volunteers (no sign-in)", tags=["panels"],
           response=s.PanelPublicCampaign, errors=(404,), auth="anonymous")
    def panels_public_campaign(self, request, principal, campaign_id):
        return call(self.rpc.panels.public_campaign, campaign_id)

    @route("POST", PUBLIC + "/campaigns/<campaign_id>/registrations",
           summary="Register interest in a panel (no sign-in; the campaign must be open)",
           tags=["panels"], body=s.PanelRegistrationCreate, response=s.PanelRegistrationReceived,
           status=201, errors=(403, 404, 409, 503), auth="anonymous")
    def panels_register_interest(self, request, principal, body, campaign_id):
        if body.get("person_id"):  # only a signed-in person may link their own account
            signed_in = principal_from(self.rpc, request)
            if not signed_in or signed_in.get("person_id") != body["person_id"]:
                raise Forbidden("Only the signed-in person can register with their own Involve "
                                "account. Otherwise, give your contact details instead.",
                                {"person_id": ["This is not you."]})
        return call(self.rpc.panels.register_interest, campaign_id, body)

    @route("GET", PUBLIC + "/campaigns/<campaign_id>/draws",
           summary="A campaign's finished draws, and which became the panel (no sign-in)",
           tags=["panels"], response=s.PanelCampaignDraws, errors=(404,), auth="anonymous")
    def panels_public_draws(self, request, principal, campaign_id):
        return call(self.rpc.panels.public_campaign_draws, campaign_id)

    @route("GET", PUBLIC + "/invitations/<token>",
           summary="An invitation to a chosen panel member, by its link (no sign-in)",
           tags=["panels"], response=s.PanelInvitationView, errors=(404,), auth="anonymous")
    def panels_public_invitation(self, request, principal, token):
        return call(self.rpc.panels.public_invitation, token)

    @route("POST", PUBLIC + "/invitations/<token>/answer",
           summary="Accept or decline an invitation to a panel (a decline is replaced)",
           tags=["panels"], body=s.PanelInvitationAnswer, response=s.PanelInvitationAnswered,
           errors=(404, 409), auth="anonymous")
    def panels_answer_invitation(self, request, principal, body, token):
        return call(self.rpc.panels.answer_invitation, token, body)

    @route("GET", PUBLIC + "/selections/<selection_id>/draw-record",
           summary="The public draw record: re-check the draw without personal data",
           tags=["panels"], errors=(404, 409), auth="anonymous")
    def panels_public_draw_record(self, request, principal, selection_id):
        return call(self.rpc.panels.public_draw_record, selection_id)


def _json(body: dict) -> dict:
    """Marshmallow gives datetimes; RPC carries JSON."""
    out = dict(body)
    if out.get("closes_at") is not None and hasattr(out["closes_at"], "isoformat"):
        out["closes_at"] = out["closes_at"].isoformat()
    return out
