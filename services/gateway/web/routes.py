"""How the gateway declares an API route once and gets both the handler and its OpenAPI entry.

Every route validates its input with a marshmallow schema and answers JSON. Whatever goes
wrong, the caller gets a precise status and a plain-English message, never a stack trace.
"""
from __future__ import annotations

import functools
import json
import logging
import re
from dataclasses import dataclass, field

from marshmallow import Schema
from nameko.web.handlers import http
from prometheus_client import Counter
from werkzeug.wrappers import Response

from involve.kernel.errors import BadRequest, InvolveError, NotAuthenticated, NotFound
from involve.kernel.policy import require
from involve.kernel.schemas import validate

from . import ratelimit
from .auth import principal_from

log = logging.getLogger(__name__)

HTTP_REQUESTS = Counter(
    "involve_http_requests_total", "HTTP requests answered by the gateway", ["route", "status"]
)


@dataclass
class RouteDoc:
    method: str
    path: str  # OpenAPI style: /api/v1/organisations/{organisation_id}
    summary: str
    tags: tuple = ()
    body: type[Schema] | None = None
    response: type[Schema] | None = None
    many: bool = False
    status: int = 200
    errors: tuple = (422,)
    path_params: list = field(default_factory=list)
    auth: str = "required"
    query: tuple = ()


ROUTES: list[RouteDoc] = []
_PARAM = re.compile(r"<(?:[a-z]+:)?([a-z_]+)>")
# Every id Involve gives is at most 36 characters (a UUID); a longer one in an address names
# nothing, so it is a 404 before any service or database is asked (a database would refuse it
# with an error of its own).
ID_MAX_LENGTH = 36


def is_id(name: str) -> bool:
    """A path parameter that names something by its id (``<story_id>``)."""
    return name.endswith("_id")


def path_param_schema(name: str) -> dict:
    """The OpenAPI schema of a path parameter: the same rule check_path_ids applies."""
    return {"type": "string", "maxLength": ID_MAX_LENGTH} if is_id(name) else {"type": "string"}


def check_path_ids(params: dict) -> None:
    for name, value in params.items():
        if is_id(name) and len(str(value)) > ID_MAX_LENGTH:
            raise NotFound("Nothing is found at this address: please check it.",
                           {name: [f"No such id (ids are at most {ID_MAX_LENGTH} characters)."]})


def json_response(body, status=200, headers=None) -> Response:
    return Response(
        json.dumps(body, ensure_ascii=False, default=str),
        status=status,
        mimetype="application/json",
        headers=headers,
    )


def read_json(request) -> object:
    raw = request.get_data(cache=True)
    if not raw:
        return {}
    if request.mimetype != "application/json":
        raise BadRequest(
            "Please send JSON with the header Content-Type: application/json.",
            {"_body": ["Expected application/json."]},
        )
    try:
        return json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        raise BadRequest(
            "We could not read that request: it is not valid JSON.",
            {"_body": ["Not valid JSON."]},
        ) from None


def route(method: str, path: str, *, summary: str, tags=(), body=None, response=None,
          many=False, status=200, errors=(422,), auth="required", action=None, query=()):
    """Declare an API route. ``path`` uses werkzeug syntax (``<organisation_id>``).

    ``auth``: "required" (401 without a valid session or token), "optional" or "anonymous".
    ``action``: checked against the shared policy for the path's ``organisation_id`` before the
    service is called (the service checks again). The handler receives
    ``(self, request, principal, [body], **path_params)`` and returns JSON-able data or a Response.
    """
    doc_path = _PARAM.sub(r"{\1}", path)
    errors = set(errors)
    if auth == "required":
        errors |= {401, 403}
    if auth != "anonymous":
        errors |= {401}
    if body is not None:
        errors |= {400, 422}
    if auth == "anonymous" and method.upper() != "GET":
        errors |= {429}
    doc = RouteDoc(method.upper(), doc_path, summary, tuple(tags), body, response, many, status,
                   tuple(sorted(errors)), _PARAM.findall(path), auth, tuple(query))
    ROUTES.append(doc)

    def decorate(fn):
        @functools.wraps(fn)
        def handler(self, request, **params):
            try:
                check_path_ids(params)
                if auth == "anonymous" and method.upper() != "GET":
                    ratelimit.check(f"{method} {doc_path}", request.remote_addr or "unknown")
                principal = None if auth == "anonymous" else principal_from(
                    self.rpc, request, cache=getattr(self, "principals", None))
                if auth == "required":
                    if principal is None:
                        raise NotAuthenticated("Please sign in first.")
                    if action is not None:
                        require(principal, action, params.get("organisation_id"))
                args = [principal]
                if body is not None:
                    args.append(validate(body(), read_json(request)))
                result = fn(self, request, *args, **params)
                response_obj = result if isinstance(result, Response) else json_response(
                    result, status)
            except InvolveError as exc:
                response_obj = json_response(exc.to_dict(), exc.status)
            except Exception:
                log.exception("unexpected error answering %s %s", method, doc_path)
                response_obj = json_response(
                    {"error": {"code": "internal_error",
                               "message": "Something went wrong on our side. Nothing you sent "
                                          "was lost; please try again."}}, 500)
            HTTP_REQUESTS.labels(f"{method} {doc_path}", response_obj.status_code).inc()
            return response_obj

        return http(method, path)(handler)

    return decorate
