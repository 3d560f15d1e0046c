"""The field rules of the feedback API, written once (docs/feedback-service.md).

The gateway checks request bodies with these schemas (their class names are the OpenAPI
component names in /openapi.json) and the feedback service checks them again at its RPC
boundary with the same classes. The web pages take their limits and choices from the constants
here. Plain marshmallow: this module imports nothing but marshmallow, the standard library and
the kernel's schemas (tests/test_layout.py).
"""
from __future__ import annotations

import unicodedata

from marshmallow import ValidationError, fields, pre_load, validates_schema
from marshmallow import validate as check

from involve.kernel.schemas import StrictSchema

RELATIONSHIPS = ("service_user", "family_member", "carer", "staff")
CHANGE_STATUSES = ("none", "planned", "made")
SENTIMENTS = ("positive", "negative", "neutral")
VERDICTS = ("confirmed", "disputed")
DELIVERIES = ("immediate", "digest")
STATUSES = ("received", "in_moderation", "held", "published", "responded", "change_planned",
            "change_made", "rejected")
CRITICALITY_MIN, CRITICALITY_MAX = 0, 5  # Care Opinion's scale, seen by staff only

ID_MAX = 36
STORY_CARE_SERVICES_MAX = 5
TITLE_MAX = 150
STORY_TEXT_MAX = 7000  # about 1,000 words
STORY_ASIDE_MAX = 2000  # what was good, what could be improved
TAGS_PER_STORY_MAX = 30
TAG_NAME_MAX = 60
HOLD_DAYS_MAX = 14
REASON_MAX = 1000
RESPONSE_TEXT_MAX = 5000
RESPONDER_TITLE_MAX = 150
CHANGE_DESCRIPTION_MAX = 2000
NOTE_MAX = 1000
TEAM_NAME_MAX = 120
EMAIL_MAX = 254
TRACKING_CODE_MAX = 64
SUBSCRIPTION_CARE_SERVICES_MAX = 1000
SUBSCRIPTION_TAGS_MAX = 100
PAGE_MAX = 10_000

NOT_TEXT = ("This contains characters that are not ordinary text (perhaps from a file or a "
            "program). Please type or paste plain words.")
CRITICALITY_ERROR = f"Choose a level from {CRITICALITY_MIN} to {CRITICALITY_MAX}."
VERDICT_ERROR = "Please say whether the change happened."


def plain_text(value: str) -> None:
    """Refuse control characters (other than new lines and tabs) and other non-text."""
    for ch in value:
        if ch in "\n\r\t":
            continue
        if unicodedata.category(ch) in ("Cc", "Cs", "Co", "Cn") or ch == "\ufffd":
            raise ValidationError(NOT_TEXT)


def Text(min=1, max=7000, required=True, **kw):  # noqa: N802 (a field factory)
    length = check.Length(min=min, max=max,
                          error=f"Please write between {min} and {max} characters.")
    if required:
        return fields.String(required=True, validate=[length, plain_text],
                             error_messages={"required": "Please fill this in."}, **kw)
    return fields.String(load_default=None, allow_none=True,
                         validate=[check.Length(max=max, error=f"Please keep this to {max} "
                                                "characters or fewer."), plain_text], **kw)


def Id(**kw):  # noqa: N802 (a field factory)
    return fields.String(validate=check.Length(min=1, max=ID_MAX, error="Not a valid id."),
                         **kw)


def Email(**kw):  # noqa: N802 (a field factory)
    return fields.Email(load_default=None, allow_none=True, validate=check.Length(
        max=EMAIL_MAX, error=f"Please use an email address of at most {EMAIL_MAX} characters."),
        error_messages={"invalid": "Please enter an email address like name@example.com, or "
                                   "leave it empty."}, **kw)


def Criticality(**kw):  # noqa: N802 (a field factory)
    return fields.Integer(strict=True, validate=check.Range(
        CRITICALITY_MIN, CRITICALITY_MAX, error=CRITICALITY_ERROR), **kw)


def one_of(choices, error="Choose one of: {choices}."):
    return check.OneOf(choices, error=error)


class _Stripped(StrictSchema):
    """Leading and trailing spaces do not count ("   " is empty); the fields named in
    ``empty_is_none`` count an empty answer as no answer."""
    empty_is_none: tuple = ()

    @pre_load
    def strip(self, data, **kwargs):
        if not isinstance(data, dict):
            return data
        data = {k: (v.strip() if isinstance(v, str) else v) for k, v in data.items()}
        for key in self.empty_is_none:
            if data.get(key) == "":
                data[key] = None
        return data


class FeedbackStoryCreate(_Stripped):
    empty_is_none = ("what_was_good", "what_could_be_improved", "email", "form_id")

    care_service_ids = fields.List(
        fields.String(validate=check.Length(min=1, max=ID_MAX)), required=True,
        validate=check.Length(min=1, max=STORY_CARE_SERVICES_MAX,
                              error=f"Please choose between 1 and {STORY_CARE_SERVICES_MAX} "
                                    "services."),
        error_messages={"required": "Please choose the service your story is about."},
        metadata={"description": f"The care services the story is about "
                                 f"(1-{STORY_CARE_SERVICES_MAX})"})
    title = Text(max=TITLE_MAX, metadata={"example": "Waiting in reception"})
    text = Text(max=STORY_TEXT_MAX, metadata={
        "description": "The story, about one episode of care (up to about 1,000 words)"})
    what_was_good = Text(max=STORY_ASIDE_MAX, required=False)
    what_could_be_improved = Text(max=STORY_ASIDE_MAX, required=False)
    relationship = fields.String(required=True, validate=one_of(
        RELATIONSHIPS, error="Please choose how you are connected to the service."),
        error_messages={"required": "Please choose how you are connected to the service."})
    email = Email(metadata={"description": "Optional, private: only for replies. It is held by "
                                           "identity and never shown."})
    # an id the form carries, so a replayed form is refused instead of stored twice
    form_id = fields.String(load_default=None, allow_none=True,
                            validate=check.Length(min=8, max=64),
                            metadata={"description": "Optional: an id the form carries, so a "
                                                     "replayed form is refused (409), not "
                                                     "stored twice"})


class FeedbackModerate(_Stripped):
    """The moderator's edits. A criticality may wait (publishing asks for one)."""
    title = Text(max=TITLE_MAX)
    text = Text(max=STORY_TEXT_MAX)
    what_was_good = Text(max=STORY_ASIDE_MAX, required=False)
    what_could_be_improved = Text(max=STORY_ASIDE_MAX, required=False)
    criticality = Criticality(load_default=None, allow_none=True, metadata={
        "description": "0 (not critical) to 5 (severely critical); needed before publishing"})
    tag_ids = fields.List(Id(), load_default=list, validate=check.Length(
        max=TAGS_PER_STORY_MAX, error=f"Choose at most {TAGS_PER_STORY_MAX} tags."))


class FeedbackPublish(StrictSchema):
    hold_days = fields.Integer(load_default=0, strict=True, validate=check.Range(
        0, HOLD_DAYS_MAX, error=f"A story can be held for 0 to {HOLD_DAYS_MAX} days."))
    identifying_details_checked = fields.Boolean(load_default=False)


class FeedbackReject(_Stripped):
    reason = Text(max=REASON_MAX, metadata={"description": "Shown to the author"})


class FeedbackTagCreate(_Stripped):
    name = Text(max=TAG_NAME_MAX)
    group = Text(max=TAG_NAME_MAX)
    sentiment = fields.String(required=True, validate=one_of(SENTIMENTS))


class FeedbackStoryFilters(StrictSchema):
    """The query of the public story list."""
    care_service_id = fields.String(load_default=None, allow_none=True,
                                    validate=check.Length(min=1, max=ID_MAX))
    tag = fields.String(load_default=None, allow_none=True,
                        validate=check.Length(min=1, max=TAG_NAME_MAX))
    page = fields.Integer(load_default=1, strict=False, validate=check.Range(
        1, PAGE_MAX, error=f"Use a page number from 1 to {PAGE_MAX}."))


class FeedbackStaffFilters(StrictSchema):
    """The query of the staff story list."""
    care_service_id = fields.String(load_default=None, allow_none=True,
                                    validate=check.Length(min=1, max=ID_MAX))
    min_criticality = fields.Integer(load_default=None, allow_none=True, strict=False,
                                     validate=check.Range(CRITICALITY_MIN, CRITICALITY_MAX,
                                                          error=CRITICALITY_ERROR))
    status = fields.String(load_default=None, allow_none=True, validate=one_of(STATUSES))
    page = fields.Integer(load_default=1, strict=False, validate=check.Range(
        1, PAGE_MAX, error=f"Use a page number from 1 to {PAGE_MAX}."))


class FeedbackSubscriptionCreate(_Stripped):
    person_id = fields.String(load_default=None, allow_none=True,
                              validate=check.Length(min=1, max=ID_MAX))
    team_name = fields.String(load_default=None, allow_none=True, validate=[
        check.Length(min=1, max=TEAM_NAME_MAX,
                     error=f"Please write between 1 and {TEAM_NAME_MAX} characters."),
        plain_text])
    team_email = Email()
    care_service_ids = fields.List(Id(), load_default=list, validate=check.Length(
        max=SUBSCRIPTION_CARE_SERVICES_MAX,
        error=f"Choose at most {SUBSCRIPTION_CARE_SERVICES_MAX} care services."),
        metadata={"description": "Empty: every care service"})
    tag_ids = fields.List(Id(), load_default=list, validate=check.Length(
        max=SUBSCRIPTION_TAGS_MAX, error=f"Choose at most {SUBSCRIPTION_TAGS_MAX} tags."),
        metadata={"description": "Empty: any tag"})
    min_criticality = Criticality(load_default=0)
    delivery = fields.String(load_default="immediate", validate=one_of(DELIVERIES))
    escalation_contact = fields.Boolean(load_default=False)

    @validates_schema
    def team_or_person(self, data, **kwargs):
        if data.get("team_name") or data.get("team_email"):
            if data.get("person_id"):
                raise ValidationError("Choose a person or a team, not both.", "person_id")
            if not data.get("team_name"):
                raise ValidationError("Please give the team a name.", "team_name")
            if not data.get("team_email"):
                raise ValidationError("Please give the team's email address.", "team_email")


class FeedbackRespond(_Stripped):
    text = Text(max=RESPONSE_TEXT_MAX)
    responder_title = fields.String(required=True, validate=[
        check.Length(min=1, max=RESPONDER_TITLE_MAX, error="Please give your role, for example "
                                                           "'Service manager'."), plain_text],
        metadata={"example": "Service manager, Riverside",
                  "description": "Shown instead of a name"})
    change_status = fields.String(load_default="none", validate=one_of(CHANGE_STATUSES))
    change_description = Text(max=CHANGE_DESCRIPTION_MAX, required=False)

    @validates_schema
    def change_described(self, data, **kwargs):
        if data.get("change_status", "none") != "none" and not data.get("change_description"):
            raise ValidationError("Please describe the change.", "change_description")


class FeedbackTracking(_Stripped):
    tracking_code = fields.String(required=True, validate=check.Length(
        min=1, max=TRACKING_CODE_MAX, error="Enter the tracking code you were given."),
        error_messages={"required": "Please enter your tracking code."})


class FeedbackPanelVerdict(_Stripped):
    verdict = fields.String(required=True, validate=one_of(VERDICTS, error=VERDICT_ERROR))
    note = Text(max=NOTE_MAX, required=False)


class FeedbackVerdict(FeedbackTracking):
    response_id = fields.String(required=True, validate=check.Length(min=1, max=ID_MAX))
    verdict = fields.String(required=True, validate=one_of(VERDICTS, error=VERDICT_ERROR))
    note = Text(max=NOTE_MAX, required=False)
