"""What the identity service accepts over RPC. The gateway validates the same rules first."""
from marshmallow import ValidationError, fields, validate, validates_schema

from involve.kernel.policy import ROLES, TOKEN_PERMISSIONS
from involve.kernel.schemas import StrictSchema

ORGANISATION_KINDS = ("provider", "commissioner", "charity", "peer_led", "other")
CARE_SERVICE_KINDS = ("addiction", "mental_health", "wellbeing", "housing", "other")
CONSENT_PURPOSES = ("panel_selection", "being_contacted", "sharing_demographics",
                    "story_replies", "mystery_shopping")
_name = validate.Length(min=1, max=200, error="Use between 1 and 200 characters.")
_password = validate.Length(min=10, max=200, error="Use at least 10 characters.")


class OrganisationInput(StrictSchema):
    name = fields.String(required=True, validate=validate.Length(
        min=2, max=200, error="Use between 2 and 200 characters."))
    kind = fields.String(load_default="provider", validate=validate.OneOf(
        ORGANISATION_KINDS, error="Choose one of: {choices}."))


class OrganisationOutput(StrictSchema):
    id = fields.String()
    name = fields.String()
    kind = fields.String()
    created_at = fields.DateTime()


class CareServiceInput(StrictSchema):
    name = fields.String(required=True, validate=_name)
    kind = fields.String(required=True, validate=validate.OneOf(
        CARE_SERVICE_KINDS, error="Choose one of: {choices}."))
    address = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=400))
    region = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=100))
    public_phone = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=40))
    public_email = fields.Email(load_default=None, allow_none=True)
    website = fields.Url(load_default=None, allow_none=True)
    external_code = fields.String(load_default=None, allow_none=True,
                                  validate=validate.Length(max=60))


class CareServiceOutput(StrictSchema):
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


class ContactInput(StrictSchema):
    name = fields.String(required=True, validate=_name)
    email = fields.Email(load_default=None, allow_none=True)
    phone = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=40))
    address = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=400))


class PersonInput(ContactInput):
    roles = fields.List(fields.String(validate=validate.OneOf(ROLES, error="Choose one of: {choices}.")),
                        load_default=list)


class RolesInput(StrictSchema):
    roles = fields.List(fields.String(validate=validate.OneOf(
        ROLES, error="Choose one of: {choices}.")), required=True)


class ConsentInput(StrictSchema):
    purpose = fields.String(required=True, validate=validate.OneOf(
        CONSENT_PURPOSES, error="Choose one of: {choices}."))
    given = fields.Boolean(required=True)


class RegisterInput(ContactInput):
    email = fields.Email(required=True)
    password = fields.String(required=True, validate=_password, load_only=True)
    invitation = fields.String(load_default=None, allow_none=True)
    organisation_id = fields.String(load_default=None, allow_none=True)
    consents = fields.List(fields.String(validate=validate.OneOf(CONSENT_PURPOSES)), load_default=list)

    @validates_schema
    def _where(self, data, **kwargs):
        if not data.get("invitation") and not data.get("organisation_id"):
            raise ValidationError("Choose the organisation you are joining.", "organisation_id")


class SignInInput(StrictSchema):
    email = fields.Email(required=True)
    password = fields.String(required=True, validate=validate.Length(max=200))


class EmailInput(StrictSchema):
    email = fields.Email(required=True)


class PasswordResetInput(StrictSchema):
    token = fields.String(required=True, validate=validate.Length(min=10, max=200))
    password = fields.String(required=True, validate=_password)


class InvitationInput(StrictSchema):
    email = fields.Email(required=True)
    name = fields.String(required=True, validate=_name)
    role = fields.String(required=True, validate=validate.OneOf(ROLES, error="Choose one of: {choices}."))


class TokenInput(StrictSchema):
    name = fields.String(required=True, validate=validate.Length(min=1, max=100))
    permissions = fields.List(fields.String(validate=validate.OneOf(
        TOKEN_PERMISSIONS, error="Choose from: {choices}.")), required=True,
        validate=validate.Length(min=1, error="Choose at least one permission."))
    expires_in_days = fields.Integer(load_default=90, validate=validate.Range(
        min=1, max=366, error="Choose between 1 and 366 days."))


class EraseInput(StrictSchema):
    confirm = fields.Boolean(required=True, validate=validate.Equal(
        True, error="Tick the box to confirm you want everything deleted."))
