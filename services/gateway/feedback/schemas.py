"""The feedback part of the public API (documented in /openapi.json): the request bodies are the
feedback service's contract (involve.feedback.contract, the field rules written once); this module
adds only what HTTP alone has, the shapes of the answers.
"""
from marshmallow import Schema, fields

from involve.feedback.contract import (
    CHANGE_STATUSES,
    RELATIONSHIPS,
    SENTIMENTS,
    VERDICTS,
    FeedbackModerate,
    FeedbackPanelVerdict,
    FeedbackPublish,
    FeedbackReject,
    FeedbackRespond,
    FeedbackStaffFilters,
    FeedbackStoryCreate,
    FeedbackStoryFilters,
    FeedbackSubscriptionCreate,
    FeedbackTagCreate,
    FeedbackTracking,
    FeedbackVerdict,
)

__all__ = ["FeedbackModerate", "FeedbackPanelVerdict", "FeedbackPublish", "FeedbackReject",
           "FeedbackRespond", "FeedbackStaffFilters", "FeedbackStoryCreate",
           "FeedbackStoryFilters", "FeedbackSubscriptionCreate", "FeedbackTagCreate",
           "FeedbackTracking", "FeedbackVerdict"]


class FeedbackStoryReceived(Schema):
    story_id = fields.String()
    status = fields.String(metadata={"enum": ["received"]})
    tracking_code = fields.String(metadata={"description": "Shown once: the author keeps it to "
                                                           "follow the story"})


class FeedbackTag(Schema):
    id = fields.String()
    name = fields.String()
    group = fields.String()
    sentiment = fields.String(metadata={"enum": list(SENTIMENTS)})


class FeedbackCareServiceRef(Schema):
    id = fields.String()
    name = fields.String()


class FeedbackPublicResponse(Schema):
    id = fields.String()
    responder_title = fields.String()
    text = fields.String()
    change_status = fields.String(metadata={"enum": list(CHANGE_STATUSES)})
    change_description = fields.String(allow_none=True)
    author_verdict = fields.String(allow_none=True, metadata={"enum": list(VERDICTS)})
    panel_verdict = fields.String(allow_none=True, metadata={
        "enum": list(VERDICTS), "description": "A panel's check of the claimed change"})
    published_at = fields.String()


class FeedbackPublicStory(Schema):
    id = fields.String()
    title = fields.String()
    text = fields.String()
    what_was_good = fields.String(allow_none=True)
    what_could_be_improved = fields.String(allow_none=True)
    relationship = fields.String(metadata={"enum": list(RELATIONSHIPS)})
    care_services = fields.List(fields.Nested(FeedbackCareServiceRef))
    tags = fields.List(fields.Nested(FeedbackTag))
    published_at = fields.String()
    status = fields.String()
    responses = fields.List(fields.Nested(FeedbackPublicResponse))


class FeedbackStoryPage(Schema):
    stories = fields.List(fields.Nested(FeedbackPublicStory))
    total = fields.Integer()
    page = fields.Integer()
    per_page = fields.Integer()


class FeedbackServiceSummary(Schema):
    care_service = fields.Nested(FeedbackCareServiceRef)
    stories_published = fields.Integer()
    stories_responded = fields.Integer()
    response_rate = fields.Float(allow_none=True, metadata={"description": "0-1"})
    changes_planned = fields.Integer()
    changes_made = fields.Integer()
    changes_confirmed = fields.Integer()
    median_days_to_response = fields.Float(allow_none=True)


class FeedbackTrackedStory(Schema):
    id = fields.String()
    status = fields.String()
    title = fields.String()
    text = fields.String()
    published = fields.Dict(allow_none=True)
    rejection_reason = fields.String(allow_none=True)
    responses = fields.List(fields.Nested(FeedbackPublicResponse))
    awaiting_verdict = fields.List(fields.String())


class FeedbackChangeToCheck(FeedbackPublicResponse):
    story_id = fields.String()
    story_title = fields.String()


class FeedbackModerationItem(Schema):
    id = fields.String()
    title = fields.String()
    status = fields.String()
    submitted_at = fields.String()
    care_services = fields.List(fields.Nested(FeedbackCareServiceRef))
    identifying_count = fields.Integer()


class FeedbackModerationCount(Schema):
    stories = fields.Integer(metadata={"description": "Stories received or being moderated"})
    responses = fields.Integer(metadata={"description": "Responses waiting to be published"})


class FeedbackIdentifyingDetail(Schema):
    field = fields.String()
    start = fields.Integer()
    end = fields.Integer()
    kind = fields.String(metadata={"enum": ["name", "first_name", "phone", "email", "address",
                                            "postcode", "date_of_birth", "nhs_number", "date"]})
    text = fields.String()


class FeedbackModerationStory(Schema):
    id = fields.String()
    status = fields.String()
    original = fields.Dict()
    edited = fields.Dict()
    criticality = fields.Integer(allow_none=True)
    tags = fields.List(fields.Nested(FeedbackTag))
    identifying_details = fields.List(fields.Nested(FeedbackIdentifyingDetail))


class FeedbackStaffStory(Schema):
    id = fields.String()
    title = fields.String()
    text = fields.String()
    status = fields.String()
    criticality = fields.Integer(allow_none=True)
    care_services = fields.List(fields.Nested(FeedbackCareServiceRef))
    tags = fields.List(fields.Nested(FeedbackTag))
    published_at = fields.String(allow_none=True)
    submitted_at = fields.String()
    hold_until = fields.String(allow_none=True)
    assisted = fields.Boolean()
    escalation_stage = fields.Integer()


class FeedbackStaffStoryPage(Schema):
    stories = fields.List(fields.Nested(FeedbackStaffStory))
    total = fields.Integer()
    page = fields.Integer()
    per_page = fields.Integer()


class FeedbackSubscription(Schema):
    id = fields.String()
    person_id = fields.String(allow_none=True)
    team_name = fields.String(allow_none=True)
    team_email = fields.String(allow_none=True)
    care_service_ids = fields.List(fields.String())
    tag_ids = fields.List(fields.String())
    min_criticality = fields.Integer()
    delivery = fields.String()
    escalation_contact = fields.Boolean()
    created_at = fields.String()


class FeedbackAlert(Schema):
    id = fields.String()
    kind = fields.String(metadata={"enum": ["story", "response", "escalation", "moderation"]})
    story_id = fields.String()
    title = fields.String()
    stage = fields.Integer(allow_none=True, metadata={"description": "Escalations: 1 or 2"})
    created_at = fields.String()
    read_at = fields.String(allow_none=True)


class FeedbackResponse(Schema):
    id = fields.String()
    story_id = fields.String()
    story_title = fields.String(metadata={"description": "In the moderation queue"})
    responder_person_id = fields.String(allow_none=True)
    rejection_reason = fields.String(allow_none=True)
    author_verdict = fields.String(allow_none=True)
    panel_verdict = fields.String(allow_none=True)
    status = fields.String(metadata={"enum": ["pending", "published", "rejected"]})
    responder_title = fields.String()
    text = fields.String()
    change_status = fields.String()
    change_description = fields.String(allow_none=True)
    created_at = fields.String()
    published_at = fields.String(allow_none=True)
