"""The public API's request and response bodies (documented in /openapi.json)."""
from marshmallow import fields, validate

from involve.kernel.schemas import StrictSchema

ORGANISATION_KINDS = ("provider", "commissioner", "charity", "peer_led", "other")


class OrganisationCreate(StrictSchema):
    name = fields.String(
        required=True,
        validate=validate.Length(min=2, max=200, error="Use between 2 and 200 characters."),
        metadata={"description": "The organisation's public name", "example": "Phoenix Futures"},
    )
    kind = fields.String(
        load_default="provider",
        validate=validate.OneOf(ORGANISATION_KINDS, error="Choose one of: {choices}."),
        metadata={"description": "What sort of organisation this is"},
    )


class Organisation(StrictSchema):
    id = fields.String(required=True)
    name = fields.String(required=True)
    kind = fields.String(required=True)
    created_at = fields.String(required=True, metadata={"format": "date-time"})


class ServiceHealth(StrictSchema):
    status = fields.String(metadata={"description": "up or down"})
    detail = fields.String()


class Health(StrictSchema):
    status = fields.String(metadata={"description": "ok when every service is up, else degraded"})
    services = fields.Dict(keys=fields.String(), values=fields.Nested(ServiceHealth))
