"""The feedback part of the public API's bodies (documented in /openapi.json).

The feedback service validates the same rules again at its RPC boundary (docs/decisions.md);
the contract is docs/feedback-service.md.
"""
import re

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from involve.kernel.schemas import StrictSchema

RELATIONSHIPS = ("service_user", "family_member", "carer", "staff")
CHANGE_STATUSES = ("none", "planned", "made")
VERDICTS = ("confirmed", "disputed")
SENTIMENTS = ("positive", "negative", "neutral")
DELIVERIES = ("immediate", "digest")
STATUSES = ("received", "in_moderation", "held", "published", "responded", "change_planned",
            "change_made", "rejected")

# Text people type may hold line breaks and tabs, never other control characters (binary data).
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
TEXT_ONLY = "This looks like binary data, not text. Please type or paste plain text."


def _plain_text(value: str) -> None:
    if _CONTROL.search(value or ""):
        raise ValidationError(TEXT_ONLY)


def _text(min_len: int, max_len: int, what: str = "characters", **kw):
    return fields.String(validate=[validate.Length(
        min=min_len, max=max_len, error=f"Use between {min_len} and {max_len} {what}."),
        _plain_text], **kw)


def _optional_text(max_len: int, **kw):
    return fields.String(load_default=None, allow_none=True, validate=[validate.Length(
        max=max_len, error=f"Use at most {max_len} characters."), _plain_text], **kw)


_id = fields.String(validate=validate.Length(min=1, max=36, error="Not a valid id."))
_criticality = validate.Range(min=0, max=5, error="Choose a number from 0 (not critical) to 5 "
                                                  "(severely critical).")


class _Stripped(StrictSchema):
    """Leading and trailing spaces do not count: "   " is empty."""

    def load(self, data, *args, **kwargs):
        if isinstance(data, dict):
            data = {k: v.strip() if isinstance(v, str) else v for k, v in data.items()}
        return super().load(data, *args, **kwargs)


class FeedbackStoryCreate(_Stripped):
    care_service_ids = fields.List(fields.String(validate=validate.Length(min=1, max=36)),
                                   required=True, validate=validate.Length(
        min=1, max=5, error="Choose between 1 and 5 care services."),
        metadata={"description": "The care services the story is about (1-5)"})
    title = _text(1, 150, required=True, metadata={"example": "Waiting in reception"})
    text = _text(1, 7000, required=True, metadata={
        "description": "The story, about one episode of care (up to about 1,000 words)"})
    what_was_good = _optional_text(2000)
    what_could_be_improved = _optional_text(2000)
    relationship = fields.String(required=True, validate=validate.OneOf(
        RELATIONSHIPS, error="Choose one of: {choices}."))
    email = fields.Email(load_default=None, allow_none=True, validate=validate.Length(max=254),
                         metadata={"description": "Optional, private: only for replies. It is "
                                                  "held by identity and never shown."})
    form_id = fields.String(load_default=None, allow_none=True, validate=validate.Length(
        min=8, max=64), metadata={"description": "Optional: an id the form carries, so a "
                                                 "replayed form is refused (409), not stored twice"})

    def load(self, data, *args, **kwargs):
        if isinstance(data, dict):
            data = {**data, **{k: None for k in ("email", "form_id", "what_was_good",
                                                 "what_could_be_improved") if data.get(k) == ""}}
        return super().load(data, *args, **kwargs)


class FeedbackStoryReceived(Schema):
    story_id = fields.String()
    status = fields.String(metadata={"enum": ["received"]})
    tracking_code = fields.String(metadata={"description": "Shown once: the author keeps it to "
                                                           "follow the story"})


class FeedbackStoryFilters(StrictSchema):
    care_service_id = fields.String(validate=validate.Length(min=1, max=36))
    tag = fields.String(validate=validate.Length(min=1, max=60))
    page = fields.Integer(validate=validate.Range(min=1, max=10_000,
                                                  error="Use a page number from 1 to 10000."))


class FeedbackStaffFilters(StrictSchema):
    care_service_id = fields.String(validate=validate.Length(min=1, max=36))
    min_criticality = fields.Integer(validate=_criticality)
    status = fields.String(validate=validate.OneOf(STATUSES, error="Choose one of: {choices}."))
    page = fields.Integer(validate=validate.Range(min=1, max=10_000,
                                                  error="Use a page number from 1 to 10000."))


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


class FeedbackTracking(_Stripped):
    tracking_code = fields.String(required=True, validate=validate.Length(
        min=1, max=100, error="Enter the tracking code you were given."))


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


class FeedbackPanelVerdict(_Stripped):
    verdict = fields.String(required=True, validate=validate.OneOf(
        VERDICTS, error="Choose one of: {choices}."))
    note = _optional_text(1000)


class FeedbackVerdict(_Stripped):
    tracking_code = fields.String(required=True, validate=validate.Length(min=1, max=100))
    response_id = fields.String(required=True, validate=validate.Length(min=1, max=36))
    verdict = fields.String(required=True, validate=validate.OneOf(
        VERDICTS, error="Choose one of: {choices}."))
    note = _optional_text(1000)


class FeedbackModerationItem(Schema):
    id = fields.String()
    title = fields.String()
    status = fields.String()
    submitted_at = fields.String()
    care_services = fields.List(fields.Nested(FeedbackCareServiceRef))
    identifying_count = fields.Integer()


class FeedbackIdentifyingDetail(Schema):
    field = fields.String()
    start = fields.Integer()
    end = fields.Integer()
    kind = fields.String(metadata={"enum": ["name", "phone", "email", "address", "postcode",
                                            "date_of_birth", "nhs_number", "date"]})
    text = fields.String()


class FeedbackModerationStory(Schema):
    id = fields.String()
    status = fields.String()
    original = fields.Dict()
    edited = fields.Dict()
    criticality = fields.Integer(allow_none=True)
    tags = fields.List(fields.Nested(FeedbackTag))
    identifying_details = fields.List(fields.Nested(FeedbackIdentifyingDetail))


class FeedbackModerate(_Stripped):
    title = _text(1, 150, required=True)
    text = _text(1, 7000, required=True)
    what_was_good = _optional_text(2000)
    what_could_be_improved = _optional_text(2000)
    criticality = fields.Integer(required=True, strict=True, validate=_criticality)
    tag_ids = fields.List(_id, load_default=list, validate=validate.Length(max=50))


class FeedbackPublish(StrictSchema):
    hold_days = fields.Integer(load_default=0, strict=True, validate=validate.Range(
        min=0, max=14, error="Use a whole number of days from 0 to 14."))
    identifying_details_checked = fields.Boolean(load_default=False)


class FeedbackReject(_Stripped):
    reason = _text(1, 1000, required=True, metadata={"description": "Shown to the author"})


class FeedbackTagCreate(_Stripped):
    name = _text(1, 60, required=True)
    group = _text(1, 60, required=True)
    sentiment = fields.String(required=True, validate=validate.OneOf(
        SENTIMENTS, error="Choose one of: {choices}."))


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


class FeedbackSubscriptionCreate(StrictSchema):
    person_id = fields.String(load_default=None, allow_none=True,
                              validate=validate.Length(min=1, max=36))
    team_name = _optional_text(120)
    team_email = fields.Email(load_default=None, allow_none=True,
                              validate=validate.Length(max=254))
    care_service_ids = fields.List(_id, load_default=list, validate=validate.Length(max=1000),
                                   metadata={"description": "Empty: every care service"})
    tag_ids = fields.List(_id, load_default=list, validate=validate.Length(max=100),
                          metadata={"description": "Empty: any tag"})
    min_criticality = fields.Integer(load_default=0, strict=True, validate=_criticality)
    delivery = fields.String(load_default="immediate", validate=validate.OneOf(
        DELIVERIES, error="Choose one of: {choices}."))
    escalation_contact = fields.Boolean(load_default=False)

    @validates_schema
    def _team(self, data, **kwargs):
        if data.get("team_name") and not data.get("team_email"):
            raise ValidationError("Give the team's email address.", "team_email")
        if data.get("team_email") and not data.get("team_name"):
            raise ValidationError("Give the team's name.", "team_name")
        if data.get("team_name") and data.get("person_id"):
            raise ValidationError("Subscribe either a person or a team, not both.", "person_id")


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
    kind = fields.String(metadata={"enum": ["story", "response", "escalation"]})
    story_id = fields.String()
    title = fields.String()
    stage = fields.Integer(allow_none=True, metadata={"description": "Escalations: 1 or 2"})
    created_at = fields.String()
    read_at = fields.String(allow_none=True)


class FeedbackRespond(_Stripped):
    text = _text(1, 5000, required=True)
    responder_title = _text(1, 150, required=True, metadata={
        "example": "Service manager, Riverside", "description": "Shown instead of a name"})
    change_status = fields.String(load_default="none", validate=validate.OneOf(
        CHANGE_STATUSES, error="Choose one of: {choices}."))
    change_description = _optional_text(2000)

    @validates_schema
    def _change(self, data, **kwargs):
        if data.get("change_status", "none") != "none" and not data.get("change_description"):
            raise ValidationError("Describe the change.", "change_description")


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
