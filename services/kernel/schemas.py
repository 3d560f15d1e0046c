"""Marshmallow base schema: unknown fields are refused, errors name the field."""
from __future__ import annotations

from marshmallow import RAISE, Schema, ValidationError, missing

from .errors import InvalidInput


class StrictSchema(Schema):
    class Meta:
        unknown = RAISE


class Partial:
    """Mixed in before a schema for a change (PATCH) body: only the fields sent are loaded, none
    is required and no default is filled in. ``class CareServiceUpdate(Partial, CareServiceCreate)``
    states the same rules once; OpenAPI shows no field as required and no default."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("partial", True)
        super().__init__(*args, **kwargs)
        if self.partial is True:  # a field left out keeps its stored value: it has no default
            for field in self.fields.values():
                field.load_default = missing


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


UNSTORABLE = "This contains a character we cannot store (a NUL byte)."


def unstorable_fields(value, path="") -> dict:
    """Fields whose text holds a NUL byte, which no database here can store."""
    found: dict = {}
    if isinstance(value, str):
        if "\x00" in value:
            found[path or "_value"] = [UNSTORABLE]
    elif isinstance(value, dict):
        for key, item in value.items():
            found.update(unstorable_fields(str(key), f"{path}.{key}" if path else str(key))
                         if "\x00" in str(key) else {})
            found.update(unstorable_fields(item, f"{path}.{key}" if path else str(key)))
    elif isinstance(value, (list, tuple)):
        for index, item in enumerate(value):
            found.update(unstorable_fields(item, f"{path}.{index}" if path else str(index)))
    return found


def validate(schema: Schema, data, partial=None) -> dict:
    """Load ``data`` with ``schema`` or raise InvalidInput naming every field at fault.
    ``partial``: None keeps the schema's own setting (see ``Partial``)."""
    if not isinstance(data, dict):
        raise InvalidInput("Please send a JSON object.", {"_body": ["Expected a JSON object."]})
    bad = unstorable_fields(data)
    if bad:
        raise InvalidInput(f"Some answers need checking: {', '.join(sorted(bad))}.", bad)
    try:
        return schema.load(data, partial=partial)
    except ValidationError as exc:
        fields = _plain(exc.normalized_messages())
        names = ", ".join(sorted(fields)) if isinstance(fields, dict) else "the request"
        raise InvalidInput(f"Some answers need checking: {names}.", fields) from None
