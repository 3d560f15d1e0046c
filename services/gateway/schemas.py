"""The public API's request and response bodies (documented in /openapi.json).

These are the HTTP contract. The services validate the same rules again at their RPC boundary
(see docs/decisions.md).
"""
from marshmallow import ValidationError, fields, validate, validates_schema

from involve.kernel.policy import ROLES, TOKEN_PERMISSIONS
from involve.kernel.schemas import StrictSchema

ORGANISATION_KINDS = ("provider", "commissioner", "charity", "peer_led", "other")
CARE_SERVICE_KINDS = ("addiction", "mental_health", "wellbeing", "housing", "other")
CONSENT_PURPOSES = ("panel_selection", "being_contacted", "sharing_demographics",
                    "story_replies", "mystery_shopping")
_choice = "Choose one of: {choices}."
_password = validate.Length(min=10, max=200, error="Use at least 10 characters.")


def _text(max_length, required=False, **kw):
    if required:
        return fields.String(required=True, validate=validate.Length(
            min=1, max=max_length, error=f"Use between 1 and {max_length} characters."), **kw)
    return fields.String(allow_none=True, validate=validate.Length(
        max=max_length, error=f"Use at most {max_length} characters."), **kw)


class OrganisationCreate(StrictSchema):
    name = fields.String(
        required=True,
        validate=validate.Length(min=2, max=200, error="Use between 2 and 200 characters."),
        metadata={"description": "The organisation's public name", "example": "Phoenix Futures"},
    )
    kind = fields.String(load_default="provider", validate=validate.OneOf(ORGANISATION_KINDS,
                                                                          error=_choice))


class Organisation(StrictSchema):
    id = fields.String(required=True)
    name = fields.String(required=True)
    kind = fields.String(required=True)
    created_at = fields.String(required=True, metadata={"format": "date-time"})


class CareServiceCreate(StrictSchema):
    name = _text(200, required=True)
    kind = fields.String(required=True, validate=validate.OneOf(CARE_SERVICE_KINDS, error=_choice))
    address = _text(400)
    region = _text(100)
    public_phone = _text(40)
    public_email = fields.Email(allow_none=True)
    website = fields.Url(allow_none=True)
    external_code = _text(60)


class CareServiceUpdate(CareServiceCreate):
    name = _text(200)
    kind = fields.String(validate=validate.OneOf(CARE_SERVICE_KINDS, error=_choice))


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
    created_at = fields.String(metadata={"format": "date-time"})


class Contact(StrictSchema):
    name = _text(200, required=True)
    email = fields.Email(allow_none=True)
    phone = _text(40)
    address = _text(400)


class PersonCreate(Contact):
    roles = fields.List(fields.String(validate=validate.OneOf(ROLES, error=_choice)))


class PersonSummary(StrictSchema):
    id = fields.String(metadata={"description": "Pseudonymous id, the same in every service"})
    roles = fields.List(fields.String())


class PersonDetail(PersonSummary):
    contact = fields.Nested(Contact)


class Roles(StrictSchema):
    roles = fields.List(fields.String(validate=validate.OneOf(ROLES, error=_choice)), required=True)


class Invitation(StrictSchema):
    email = fields.Email(required=True)
    name = _text(200, required=True)
    role = fields.String(required=True, validate=validate.OneOf(ROLES, error=_choice))


class Register(Contact):
    email = fields.Email(required=True)
    password = fields.String(required=True, validate=_password, load_only=True)
    invitation = fields.String(allow_none=True)
    organisation_id = fields.String(allow_none=True)
    consents = fields.List(fields.String(validate=validate.OneOf(CONSENT_PURPOSES, error=_choice)))

    @validates_schema
    def _where(self, data, **kwargs):
        if not data.get("invitation") and not data.get("organisation_id"):
            raise ValidationError("Choose the organisation you are joining.", "organisation_id")


class SignIn(StrictSchema):
    email = fields.Email(required=True)
    password = fields.String(required=True, validate=validate.Length(max=200), load_only=True)


class SignedIn(StrictSchema):
    person_id = fields.String()
    csrf_token = fields.String(metadata={"description": "Send as X-CSRF-Token on changes"})


class EmailOnly(StrictSchema):
    email = fields.Email(required=True)


class PasswordReset(StrictSchema):
    token = fields.String(required=True, validate=validate.Length(min=10, max=200))
    password = fields.String(required=True, validate=_password, load_only=True)


class ConsentChange(StrictSchema):
    purpose = fields.String(required=True, validate=validate.OneOf(CONSENT_PURPOSES, error=_choice))
    given = fields.Boolean(required=True)


class Erase(StrictSchema):
    confirm = fields.Boolean(required=True, validate=validate.Equal(
        True, error="Tick the box to confirm you want everything deleted."))


class TokenCreate(StrictSchema):
    name = _text(100, required=True)
    permissions = fields.List(fields.String(validate=validate.OneOf(
        TOKEN_PERMISSIONS, error=_choice)), required=True,
        validate=validate.Length(min=1, error="Choose at least one permission."))
    expires_in_days = fields.Integer(validate=validate.Range(
        min=1, max=366, error="Choose between 1 and 366 days."))


class Token(StrictSchema):
    id = fields.String()
    name = fields.String()
    organisation_id = fields.String()
    permissions = fields.List(fields.String())
    created_at = fields.String()
    expires_at = fields.String()
    revoked_at = fields.String(allow_none=True)
    last_used_at = fields.String(allow_none=True)
    token = fields.String(metadata={"description": "Shown only once, when created"})


class AuditEntry(StrictSchema):
    at = fields.String()
    actor = fields.String()
    action = fields.String()
    subject_person_id = fields.String(allow_none=True)
    reason = fields.String()


class Me(StrictSchema):
    id = fields.String()
    name = fields.String(allow_none=True)
    platform_admin = fields.Boolean()
    roles = fields.Dict(keys=fields.String(), values=fields.List(fields.String()))
    consents = fields.Dict()


class ServiceHealth(StrictSchema):
    status = fields.String(metadata={"description": "up or down"})
    detail = fields.String()


class Health(StrictSchema):
    status = fields.String(metadata={"description": "ok when every service is up, else degraded"})
    services = fields.Dict(keys=fields.String(), values=fields.Nested(ServiceHealth))
