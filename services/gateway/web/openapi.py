"""The OpenAPI 3 document, generated from the routes and their marshmallow schemas."""
from __future__ import annotations

from apispec import APISpec
from apispec.ext.marshmallow import MarshmallowPlugin

from .routes import ROUTES, path_param_schema

ERROR_TEXT = {
    400: "The request could not be read",
    401: "Not signed in",
    403: "Not allowed",
    404: "Not found",
    409: "Conflicts with what is already there",
    422: "Some fields need checking (see error.fields)",
    429: "Too many requests",
    503: "A service is not answering",
}


def build(version: str) -> dict:
    spec = APISpec(
        title="Involve API",
        version=version,
        openapi_version="3.0.3",
        plugins=[MarshmallowPlugin()],
        info={"description": "Service user involvement: panels, mystery shopping, feedback, "
                             "commissioning and reporting."},
    )
    spec.components.schema(
        "Error",
        {
            "type": "object",
            "properties": {
                "error": {
                    "type": "object",
                    "properties": {
                        "code": {"type": "string"},
                        "message": {"type": "string"},
                        "fields": {"type": "object", "additionalProperties": True},
                    },
                    "required": ["code", "message"],
                }
            },
        },
    )
    spec.components.security_scheme("bearer", {"type": "http", "scheme": "bearer",
                                               "description": "An API token (inv_...)"})
    spec.components.security_scheme("session", {"type": "apiKey", "in": "cookie",
                                                "name": "involve_session"})
    for route in sorted(ROUTES, key=lambda r: (r.path, r.method)):
        operation: dict = {"summary": route.summary, "tags": list(route.tags), "responses": {}}
        if route.auth == "anonymous":
            operation["security"] = []
        elif route.auth == "optional":
            operation["security"] = [{}, {"bearer": []}, {"session": []}]
        else:
            operation["security"] = [{"bearer": []}, {"session": []}]
        parameters = [{"name": p, "in": "path", "required": True, "schema": path_param_schema(p)}
                      for p in route.path_params]
        parameters += [{"name": q, "in": "query", "required": False, "schema": {"type": "string"}}
                       for q in route.query]
        if parameters:
            operation["parameters"] = parameters
        if route.body is not None:
            operation["requestBody"] = {
                "required": True,
                "content": {"application/json": {"schema": route.body}},
            }
        ok: dict = {"description": "Success"}
        if route.response is not None:
            schema = route.response
            ok["content"] = {"application/json": {"schema": (
                {"type": "array", "items": schema} if route.many else schema)}}
        operation["responses"][str(route.status)] = ok
        for status in sorted(set(route.errors) | {503}):
            operation["responses"][str(status)] = {
                "description": ERROR_TEXT[status],
                "content": {"application/json": {"schema": "Error"}},
            }
        spec.path(path=route.path, operations={route.method.lower(): operation})
    return _numbers_as_numbers(spec.to_dict())


def _numbers_as_numbers(node):
    """apispec writes a Decimal field's bounds and default (money, weights) as strings, which
    OpenAPI refuses for a number: write them as JSON numbers."""
    if isinstance(node, list):
        return [_numbers_as_numbers(item) for item in node]
    if not isinstance(node, dict):
        return node
    node = {key: _numbers_as_numbers(value) for key, value in node.items()}
    if node.get("type") in ("number", "integer"):
        for key in ("minimum", "maximum", "default", "exclusiveMinimum", "exclusiveMaximum"):
            if isinstance(node.get(key), str):
                try:
                    node[key] = float(node[key])
                except ValueError:
                    pass
    return node
