"""The identity API's field rules, written once: the gateway validates HTTP bodies with these
classes and the identity service validates the same classes again at its RPC boundary.

Class names are the public OpenAPI component names (integrators generate clients from them).
Plain marshmallow only (tests/test_layout.py): the gateway imports this module.
"""
import re

from marshmallow import ValidationError, fields, validate, validates_schema

from involve.kernel.policy import ROLES, TOKEN_PERMISSIONS
from involve.kernel.schemas import Partial, StrictSchema

ORGANISATION_KINDS = ("provider", "commissioner", "charity", "peer_led", "other")
CARE_SERVICE_KINDS = ("addiction", "mental_health", "wellbeing", "housing", "other")
CONSENT_PURPOSES = ("panel_selection", "being_contacted", "sharing_demographics",
                    "story_replies", "mystery_shopping")
# How a person wants to be told things: every message lands in their Involve inbox (when they
# have an account); with the default it is emailed too.
NOTIFICATION_CHOICES = ("email_and_inbox", "inbox_only")
MESSAGE_SUBJECT_MAX, MESSAGE_BODY_MAX, MESSAGE_LINK_MAX = 200, 20000, 500
NAMES_AT_ONCE = 1000  # the most people whose names one call may ask for
PASSWORD_MIN_LENGTH, PASSWORD_MAX_LENGTH = 10, 200
TOKEN_DAYS_MIN, TOKEN_DAYS_MAX, TOKEN_DAYS_DEFAULT = 1, 366, 90

_CHOICE = "Choose one of: {choices}."
_password = validate.Length(min=PASSWORD_MIN_LENGTH, max=PASSWORD_MAX_LENGTH,
                            error=f"Use at least {PASSWORD_MIN_LENGTH} characters.")


def _choice(choices, **kw):
    return fields.String(validate=validate.OneOf(choices, error=_CHOICE), **kw)


def _text(max_length: int, required: bool = False, **kw):
    """Required text of 1 to max_length characters, or optional text (None allowed) of at most
    max_length."""
    if required:
        return fields.String(required=True, validate=validate.Length(
            min=1, max=max_length, error=f"Use between 1 and {max_length} characters."), **kw)
    return fields.String(allow_none=True, validate=validate.Length(
        max=max_length, error=f"Use at most {max_length} characters."), **kw)


# --- organisations and care services ---------------------------------------------------------
class OrganisationCreate(StrictSchema):
    name = fields.String(
        required=True,
        validate=validate.Length(min=2, max=200, error="Use between 2 and 200 characters."),
        metadata={"description": "The organisation's public name", "example": "Phoenix Futures"},
    )
    kind = _choice(ORGANISATION_KINDS, load_default="provider")


class Organisation(StrictSchema):
    id = fields.String(required=True)
    name = fields.String(required=True)
    kind = fields.String(required=True)
    created_at = fields.DateTime(required=True)


class CareServiceCreate(StrictSchema):
    name = _text(200, required=True)
    kind = _choice(CARE_SERVICE_KINDS, required=True)
    address = _text(400)
    region = _text(100)
    public_phone = _text(40)
    public_email = fields.Email(allow_none=True)
    website = fields.Url(allow_none=True)
    external_code = _text(60)


class CareServiceUpdate(Partial, CareServiceCreate):
    """Only the fields sent change; each keeps its create rule (a name cannot be blanked)."""


class CareService(StrictSchema):
    id = fields.String()
    organisation_id = fields.String()
    name = fields.String()
    kind = fields.String()
    address = fields.String(allow_none=True)
    region = fields.String(allow_none=True)
    public_phone = fields.String(allow_none=True)
    public_email = fields.String(allow_none=True)
    website = fields.String(allow_none=True)
    external_code = fields.String(allow_none=True)
    created_at = fields.DateTime()


# --- people, roles and consent ---------------------------------------------------------------
class Contact(StrictSchema):
    name = _text(200, required=True)
    email = fields.Email(load_default=None, allow_none=True)
    phone = _text(40, load_default=None)
    address = _text(400, load_default=None)


class PersonCreate(Contact):
    roles = fields.List(_choice(ROLES), load_default=list)


class Roles(StrictSchema):
    roles = fields.List(_choice(ROLES), required=True)


class Invitation(StrictSchema):
    email = fields.Email(required=True)
    name = _text(200, required=True)
    role = _choice(ROLES, required=True)


class ConsentChange(StrictSchema):
    purpose = _choice(CONSENT_PURPOSES, required=True)
    given = fields.Boolean(required=True)


class Erase(StrictSchema):
    confirm = fields.Boolean(required=True, validate=validate.Equal(
        True, error="Tick the box to confirm you want everything deleted."))


class NotificationChoice(StrictSchema):
    notifications = _choice(NOTIFICATION_CHOICES, required=True, metadata={
        "description": "email_and_inbox (the default) or inbox_only"})


# --- messages: identity's notify_person RPC and the person's own inbox -----------------------
# A path on this site: one leading slash, no scheme or host, no spaces or backslashes.
SITE_PATH = re.compile(r"^/(?!/)[^\s\\]*$")


class Notification(StrictSchema):
    """What another service asks identity to tell a person (``notify_person``)."""
    subject = fields.String(required=True, validate=validate.Length(
        min=1, max=MESSAGE_SUBJECT_MAX, error=f"Use between 1 and {MESSAGE_SUBJECT_MAX} characters."))
    body = fields.String(required=True, validate=validate.Length(
        min=1, max=MESSAGE_BODY_MAX, error=f"Use between 1 and {MESSAGE_BODY_MAX} characters."))
    link = fields.String(load_default=None, allow_none=True, validate=[
        validate.Length(max=MESSAGE_LINK_MAX, error=f"Use at most {MESSAGE_LINK_MAX} characters."),
        validate.Regexp(SITE_PATH, error="Give a path on this site, starting with /.")])
    organisation_id = fields.String(load_default=None, allow_none=True,
                                    validate=validate.Length(max=36))


class Message(StrictSchema):
    id = fields.String()
    subject = fields.String()
    body = fields.String()
    link = fields.String(allow_none=True, metadata={"description": "A path on this site"})
    organisation_id = fields.String(allow_none=True)
    organisation_name = fields.String(allow_none=True)
    created_at = fields.String()
    read_at = fields.String(allow_none=True)
    emailed = fields.Boolean(metadata={"description": "Whether it was also sent by email"})


# --- people by name (for roles allowed "people.names"; every read is audited) ----------------
class PeopleDirectoryQuery(StrictSchema):
    roles = fields.List(_choice(ROLES), load_default=list,
                        metadata={"description": "Only people holding one of these roles"})
    purpose = _choice(CONSENT_PURPOSES, load_default=None, allow_none=True, metadata={
        "description": "Say for each person whether their latest consent for this is given"})
    q = fields.String(load_default="", validate=validate.Length(
        max=100, error="Use at most 100 characters."), metadata={"description": "Part of a name"})
    ids = fields.List(fields.String(validate=validate.Length(max=36)), load_default=None,
                      allow_none=True, validate=validate.Length(max=NAMES_AT_ONCE),
                      metadata={"description": "Only these people"})


class NamedPerson(StrictSchema):
    id = fields.String()
    name = fields.String()
    roles = fields.List(fields.String())
    agreed = fields.Boolean(allow_none=True, metadata={
        "description": "Latest consent for the purpose asked about (null if none was asked)"})


class InvitationSummary(StrictSchema):
    id = fields.String()
    name = fields.String(allow_none=True)
    email = fields.String(allow_none=True)
    role = fields.String()
    status = fields.String(metadata={"description": "pending, accepted or cancelled"})
    expired = fields.Boolean()
    created_at = fields.String()
    last_sent_at = fields.String()
    times_sent = fields.Integer()
    expires_at = fields.String()


# --- accounts --------------------------------------------------------------------------------
class Register(Contact):
    email = fields.Email(required=True)
    password = fields.String(required=True, validate=_password, load_only=True)
    invitation = fields.String(allow_none=True)
    organisation_id = fields.String(allow_none=True)
    consents = fields.List(_choice(CONSENT_PURPOSES), load_default=list)

    @validates_schema
    def _where(self, data, **kwargs):
        if not data.get("invitation") and not data.get("organisation_id"):
            raise ValidationError("Choose the organisation you are joining.", "organisation_id")


class SignIn(StrictSchema):
    email = fields.Email(required=True)
    password = fields.String(required=True, validate=validate.Length(max=PASSWORD_MAX_LENGTH),
                             load_only=True)


class EmailOnly(StrictSchema):
    email = fields.Email(required=True)


class PasswordReset(StrictSchema):
    token = fields.String(required=True, validate=validate.Length(min=10, max=200))
    password = fields.String(required=True, validate=_password, load_only=True)


# --- API tokens ------------------------------------------------------------------------------
class TokenCreate(StrictSchema):
    name = _text(100, required=True)
    permissions = fields.List(_choice(TOKEN_PERMISSIONS), required=True,
                              validate=validate.Length(min=1, error="Choose at least one permission."))
    expires_in_days = fields.Integer(load_default=TOKEN_DAYS_DEFAULT, validate=validate.Range(
        min=TOKEN_DAYS_MIN, max=TOKEN_DAYS_MAX,
        error=f"Choose between {TOKEN_DAYS_MIN} and {TOKEN_DAYS_MAX} days."))
