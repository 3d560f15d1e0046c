"""Errors that cross service boundaries, and their one mapping to HTTP.

Each error is registered with Nameko so that an RPC caller gets the same exception back (not a
generic RemoteError), and the gateway turns it into a precise 4xx with a plain-English message
and, for bad input, the fields at fault.
"""
from __future__ import annotations

from nameko.exceptions import deserialize_to_instance


class InvolveError(Exception):
    status = 400
    code = "bad_request"

    def __init__(self, message: str, fields: dict | None = None):
        super().__init__(message, fields or {})
        self.message = message
        self.fields = fields or {}

    def __str__(self):
        return self.message

    def to_dict(self) -> dict:
        body = {"code": self.code, "message": self.message}
        if self.fields:
            body["fields"] = self.fields
        return {"error": body}


@deserialize_to_instance
class InvalidInput(InvolveError):
    status = 422
    code = "invalid_input"


@deserialize_to_instance
class BadRequest(InvolveError):
    status = 400
    code = "bad_request"


@deserialize_to_instance
class NotAuthenticated(InvolveError):
    status = 401
    code = "not_signed_in"


@deserialize_to_instance
class Forbidden(InvolveError):
    status = 403
    code = "not_allowed"


@deserialize_to_instance
class NotFound(InvolveError):
    status = 404
    code = "not_found"


@deserialize_to_instance
class Conflict(InvolveError):
    status = 409
    code = "conflict"


@deserialize_to_instance
class TooManyRequests(InvolveError):
    status = 429
    code = "too_many_requests"


@deserialize_to_instance
class ServiceUnavailable(InvolveError):
    """A part of Involve (or the broker between them) did not answer; nothing was changed by
    this request as far as the caller can tell, and trying again soon is the remedy."""

    status = 503
    code = "service_unavailable"


EXPECTED = (InvolveError,)
