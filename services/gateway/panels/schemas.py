"""The panels part of the public API (documented in /openapi.json).

The request bodies are the panels service's contract (involve.panels.contract), which the
service checks again at its RPC boundary; what is here only HTTP has: the response bodies.
"""
from marshmallow import Schema, fields

from involve.panels.contract import (
    PanelCampaignCreate,
    PanelCampaignUpdate,
    PanelImport,
    PanelInvitationAnswer,
    PanelInvite,
    PanelMemberAnswer,
    PanelRegistrationCreate,
    PanelReplacementCreate,
    PanelSelectionStart,
)

# The request bodies (from the contract), then the responses.
__all__ = [
    "PanelCampaign",
    "PanelCampaignCreate",
    "PanelCampaignDraws",
    "PanelCampaignUpdate",
    "PanelFeasibility",
    "PanelImport",
    "PanelImported",
    "PanelInvitationAnswer",
    "PanelInvitationAnswered",
    "PanelInvitationView",
    "PanelInvitations",
    "PanelInvite",
    "PanelMemberAnswer",
    "PanelPublicCampaign",
    "PanelQuotaRuleInfo",
    "PanelRegistrationCreate",
    "PanelRegistrationReceived",
    "PanelReplacement",
    "PanelReplacementCreate",
    "PanelSelection",
    "PanelSelectionStart",
]


class PanelCampaign(Schema):
    id = fields.String()
    organisation_id = fields.String()
    purpose = fields.String()
    panel_size = fields.Integer()
    status = fields.String(metadata={"enum": ["open", "closed"]})
    closes_at = fields.String(allow_none=True)
    categories = fields.List(fields.Dict())
    quota_rule = fields.Dict(allow_none=True)
    household_rule = fields.Boolean()
    created_at = fields.String()
    closed_at = fields.String(allow_none=True)
    registrations = fields.Integer()
    answer_counts = fields.Dict(metadata={"description": "{category: {answer: how many who "
                                                         "registered gave (or ticked) it}}"})
    quotas_locked = fields.Boolean(metadata={"description": "A selection has chosen a panel, "
                                                            "so the quotas can no longer change"})
    panel_selection_id = fields.String(allow_none=True, metadata={
        "description": "The selection whose panel was invited"})


class PanelPublicCampaign(Schema):
    id = fields.String()
    purpose = fields.String()
    status = fields.String()
    closes_at = fields.String(allow_none=True)
    household_rule = fields.Boolean(metadata={"description": "Whether a home address is asked, "
                                                             "so at most one per household is chosen"})
    questions = fields.List(fields.Dict())




class PanelRegistrationReceived(Schema):
    id = fields.String()
    campaign_id = fields.String()
    received = fields.Boolean()
    contact_ways = fields.List(fields.String(), metadata={
        "description": "How identity can reach them: email, phone, account"})
    message = fields.String()




class PanelImported(Schema):
    imported = fields.Integer()
    campaign_id = fields.String()




class PanelSelection(Schema):
    id = fields.String()
    campaign_id = fields.String()
    organisation_id = fields.String()
    algorithm = fields.String()
    seed = fields.Integer()
    status = fields.String(metadata={"enum": ["queued", "running", "done", "failed",
                                              "cancelled"]})
    progress = fields.Float()
    message = fields.String()
    cancel_requested = fields.Boolean()
    created_at = fields.String()
    started_at = fields.String(allow_none=True)
    finished_at = fields.String(allow_none=True)
    pool_size = fields.Integer()
    panel_size = fields.Integer()
    panel = fields.List(fields.String(), allow_none=True)
    algorithm_used = fields.String(allow_none=True)
    fallback = fields.Dict(allow_none=True)
    error = fields.Dict(allow_none=True)


class PanelFeasibility(Schema):
    feasible = fields.Boolean()
    panel_size = fields.Integer()
    pool_size = fields.Integer()
    reasons = fields.List(fields.String())
    conflicting_quotas = fields.List(fields.Dict())
    suggested_changes = fields.List(fields.Dict())
    suggested_changes_text = fields.List(fields.String())
    within_flex = fields.Boolean(allow_none=True)
    relaxation_feasible = fields.Boolean(allow_none=True)
    message = fields.String()




class PanelReplacement(Schema):
    dropped_id = fields.String()
    replacement_id = fields.String(allow_none=True)
    seed = fields.Integer()
    candidates = fields.Integer()
    panel = fields.List(fields.String())
    message = fields.String()
    quotas = fields.List(fields.Dict())
    quotas_met = fields.Boolean()


class PanelQuotaRuleInfo(Schema):
    name = fields.String()
    title = fields.String()
    description = fields.String()
    parameters = fields.Dict()
    plugin = fields.String()


class PanelInvitationMember(Schema):
    registration_id = fields.String()
    person_id = fields.String(allow_none=True)
    spreadsheet_id = fields.String(allow_none=True, metadata={
        "description": "The id column of the spreadsheet they were imported from"})
    status = fields.String(metadata={"enum": ["invited", "accepted", "declined", "dropped_out"]})
    channel = fields.String(metadata={"enum": ["link", "coordinator"], "description": (
        "link: sent a link to answer; coordinator: contact them yourself and record the answer")})
    contact_ways = fields.List(fields.String())
    sent = fields.Boolean()
    send_failed = fields.Boolean()
    sent_at = fields.String(allow_none=True)
    answered_at = fields.String(allow_none=True)
    replaced_by = fields.String(allow_none=True)
    replaces = fields.String(allow_none=True)


class PanelInvitations(Schema):
    selection_id = fields.String()
    invited = fields.Boolean()
    invited_at = fields.String(allow_none=True)
    invited_by = fields.String(allow_none=True)
    message = fields.String(allow_none=True)
    members = fields.List(fields.Nested(PanelInvitationMember))
    counts = fields.Dict()
    replacement_id = fields.String(allow_none=True)
    replacement_message = fields.String(allow_none=True)


class PanelInvitationView(Schema):
    status = fields.String()
    purpose = fields.String()
    organisation_id = fields.String()
    campaign_id = fields.String()
    selection_id = fields.String()
    reference = fields.String()
    message = fields.String(allow_none=True)
    answered_at = fields.String(allow_none=True)


class PanelInvitationAnswered(Schema):
    status = fields.String()
    purpose = fields.String()
    campaign_id = fields.String()
    selection_id = fields.String()
    reference = fields.String()
    answered_at = fields.String(allow_none=True)


class PanelDraw(Schema):
    selection_id = fields.String()
    finished_at = fields.String(allow_none=True)
    used_for_panel = fields.Boolean()
    panel_size = fields.Integer()
    pool_size = fields.Integer()


class PanelCampaignDraws(Schema):
    campaign = fields.Nested(PanelPublicCampaign)
    draws = fields.List(fields.Nested(PanelDraw))
