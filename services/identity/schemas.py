"""What the identity service accepts over RPC (the gateway validates the same rules first)."""
from marshmallow import fields, validate

from involve.kernel.schemas import StrictSchema

ORGANISATION_KINDS = ("provider", "commissioner", "charity", "peer_led", "other")


class OrganisationInput(StrictSchema):
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


class OrganisationOutput(StrictSchema):
    id = fields.String(metadata={"description": "Stable id of the organisation"})
    name = fields.String()
    kind = fields.String()
    created_at = fields.DateTime()
