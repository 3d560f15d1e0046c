"""What the feedback service accepts, checked with marshmallow: errors name the field."""
from __future__ import annotations

import unicodedata

from marshmallow import ValidationError, fields, pre_load, validates_schema
from marshmallow import validate as check

from involve.kernel.schemas import StrictSchema

RELATIONSHIPS = ("service_user", "family_member", "carer", "staff")
CHANGE_STATUSES = ("none", "planned", "made")
SENTIMENTS = ("positive", "negative", "neutral")
NOT_TEXT = ("This contains characters that are not ordinary text (perhaps from a file or a "
            "program). Please type or paste plain words.")


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
                         validate=[check.Length(max=max, error=f"Please keep this under {max} "
                                                "characters."), plain_text], **kw)


class _Stripped(StrictSchema):
    @pre_load
    def strip(self, data, **kwargs):
        if isinstance(data, dict):
            return {k: (v.strip() if isinstance(v, str) else v) for k, v in data.items()}
        return data




class StoryInput(_Stripped):
    care_service_ids = fields.List(
        fields.String(validate=check.Length(min=1, max=36)), required=True,
        validate=check.Length(min=1, max=5, error="Please choose between 1 and 5 services."),
        error_messages={"required": "Please choose the service your story is about."})
    title = Text(max=150)
    text = Text(max=7000)
    what_was_good = Text(max=2000, required=False)
    what_could_be_improved = Text(max=2000, required=False)
    relationship = fields.String(required=True, validate=check.OneOf(
        RELATIONSHIPS, error="Please choose how you are connected to the service."),
        error_messages={"required": "Please choose how you are connected to the service."})
    email = fields.Email(load_default=None, allow_none=True,
                         error_messages={"invalid": "Please enter an email address like "
                                                    "name@example.com, or leave it empty."})
    # an id the form carries, so a replayed form is refused instead of stored twice
    form_id = fields.String(load_default=None, allow_none=True,
                            validate=check.Length(min=8, max=64))

    @pre_load
    def empty_is_none(self, data, **kwargs):
        if isinstance(data, dict):
            data = dict(data)
            for key in ("what_was_good", "what_could_be_improved", "email", "form_id"):
                if data.get(key) == "":
                    data[key] = None
        return data


class ModerateInput(_Stripped):
    title = Text(max=150)
    text = Text(max=7000)
    what_was_good = Text(max=2000, required=False)
    what_could_be_improved = Text(max=2000, required=False)
    criticality = fields.Integer(load_default=None, allow_none=True, strict=False,
                                 validate=check.Range(0, 5, error="Choose a level from 0 to 5."))
    tag_ids = fields.List(fields.String(validate=check.Length(min=1, max=36)), load_default=list,
                          validate=check.Length(max=30))


class PublishInput(StrictSchema):
    hold_days = fields.Integer(load_default=0, strict=False, validate=check.Range(
        0, 14, error="A story can be held for 0 to 14 days."))
    identifying_details_checked = fields.Boolean(load_default=False)


class ReasonInput(_Stripped):
    reason = Text(max=1000)


class TagInput(_Stripped):
    name = fields.String(required=True, validate=[check.Length(min=1, max=60), plain_text])
    group = fields.String(required=True, validate=[check.Length(min=1, max=60), plain_text])
    sentiment = fields.String(required=True, validate=check.OneOf(SENTIMENTS))


class PublicFilters(StrictSchema):
    care_service_id = fields.String(load_default=None, allow_none=True,
                                    validate=check.Length(max=36))
    tag = fields.String(load_default=None, allow_none=True, validate=check.Length(max=60))
    page = fields.Integer(load_default=1, strict=False, validate=check.Range(1, 10000))


class StaffFilters(StrictSchema):
    care_service_id = fields.String(load_default=None, allow_none=True,
                                    validate=check.Length(max=36))
    min_criticality = fields.Integer(load_default=None, allow_none=True, strict=False,
                                     validate=check.Range(0, 5))
    status = fields.String(load_default=None, allow_none=True, validate=check.OneOf(
        ("received", "in_moderation", "held", "published", "responded", "change_planned",
         "change_made", "rejected")))
    page = fields.Integer(load_default=1, strict=False, validate=check.Range(1, 10000))


class SubscriptionInput(_Stripped):
    person_id = fields.String(load_default=None, allow_none=True, validate=check.Length(max=36))
    team_name = fields.String(load_default=None, allow_none=True,
                              validate=[check.Length(min=1, max=120), plain_text])
    team_email = fields.Email(load_default=None, allow_none=True)
    care_service_ids = fields.List(fields.String(validate=check.Length(min=1, max=36)),
                                   load_default=list, validate=check.Length(max=50))
    tag_ids = fields.List(fields.String(validate=check.Length(min=1, max=36)),
                          load_default=list, validate=check.Length(max=50))
    min_criticality = fields.Integer(load_default=0, strict=False, validate=check.Range(0, 5))
    delivery = fields.String(load_default="immediate",
                             validate=check.OneOf(("immediate", "digest")))
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


class RespondInput(_Stripped):
    text = Text(max=5000)
    responder_title = fields.String(required=True, validate=[
        check.Length(min=1, max=150, error="Please give your role, for example "
                                           "'Service manager'."), plain_text])
    change_status = fields.String(load_default="none", validate=check.OneOf(CHANGE_STATUSES))
    change_description = Text(max=2000, required=False)

    @validates_schema
    def change_described(self, data, **kwargs):
        if data.get("change_status", "none") != "none" and not data.get("change_description"):
            raise ValidationError("Please describe the change.", "change_description")


class TrackInput(_Stripped):
    tracking_code = fields.String(required=True, validate=check.Length(min=1, max=64),
                                  error_messages={"required": "Please enter your tracking code."})


class PanelVerdictInput(StrictSchema):
    verdict = fields.String(required=True, validate=check.OneOf(
        ("confirmed", "disputed"), error="Please say whether the change happened."))
    note = Text(max=1000, required=False)


class VerdictInput(TrackInput):
    response_id = fields.String(required=True, validate=check.Length(min=1, max=36))
    verdict = fields.String(required=True, validate=check.OneOf(
        ("confirmed", "disputed"), error="Please say whether the change happened."))
    note = Text(max=1000, required=False)
