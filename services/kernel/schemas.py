"""Marshmallow base schema: unknown fields are refused, errors name the field."""
from __future__ import annotations

from marshmallow import RAISE, Schema, ValidationError

from .errors import InvalidInput


class StrictSchema(Schema):
    class Meta:
        unknown = RAISE


def _plain(messages):
    """Marshmallow's messages, with its 'Unknown field.' said plainly."""
    if isinstance(messages, dict):
        return {k: _plain(v) for k, v in messages.items()}
    if isinstance(messages, list):
        return [
            "This field is not expected here." if m == "Unknown field." else _plain(m)
            for m in messages
        ]
    return messages


def validate(schema: Schema, data, partial=False) -> dict:
    """Load ``data`` with ``schema`` or raise InvalidInput naming every field at fault."""
    if not isinstance(data, dict):
        raise InvalidInput("Please send a JSON object.", {"_body": ["Expected a JSON object."]})
    try:
        return schema.load(data, partial=partial)
    except ValidationError as exc:
        fields = _plain(exc.normalized_messages())
        names = ", ".join(sorted(fields)) if isinstance(fields, dict) else "the request"
        raise InvalidInput(f"Some answers need checking: {names}.", fields) from None
