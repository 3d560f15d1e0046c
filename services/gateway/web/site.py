"""What belongs to the whole site rather than to one area: health, the OpenAPI and AsyncAPI
documents, the event schemas, the home page, the public pages of organisations (the way in for
the public), static files, the favicon, and for any other address a plain "Page not found", or,
where the address is real but was asked with the wrong method (a GET of a form's target), a
plain 405 that says so."""
from __future__ import annotations

import functools
import logging

import eventlet
from marshmallow import fields
from nameko.extensions import ENTRYPOINT_EXTENSIONS_ATTR
from nameko.web.handlers import HttpRequestHandler, http
from werkzeug.exceptions import HTTPException, MethodNotAllowed
from werkzeug.routing import Map

from involve.kernel import catalogue, settings
from involve.kernel.errors import InvolveError
from involve.kernel.registry import BACKEND
from involve.kernel.rpc import call
from involve.kernel.schemas import StrictSchema

from . import asyncapi, openapi, rendering
from .pages import HTTP_REQUESTS, error_page, page, render, viewer_of
from .routes import json_response

log = logging.getLogger(__name__)
# Up to this many organisations are listed on the home page itself; more are on /organisations.
HOME_LIST = 12
NOT_FOUND = ("We could not find the page you asked for. The link may be old, or the address "
             "may have a mistake in it.")

# A page's address asked with a method it does not answer: (title, message), by whether it
# answers GET. Mostly someone who pressed Enter in the address bar after sending a form.
WRONG_METHOD = {
    False: ("This page cannot be opened on its own",
            "This address is only used when a form is sent. Go back to the page with the form "
            "and send it again: nothing has been changed."),
    True: ("This page cannot take a form",
           "Nothing was sent to it and nothing has been changed. Open the page again and use "
           "the links and buttons on it.")}
# The most general address: every real route wins over it, for any method it answers.
CATCH_ALL = "/<path:anything>"
CATCH_ALL_METHODS = "GET,POST,PUT,PATCH,DELETE"

VERSION = "0.1.0"


@functools.cache
def _real_routes(service_class) -> Map:
    """Every address the gateway answers, with its methods, except the catch-all."""
    rules = []
    for name in dir(service_class):
        for entrypoint in getattr(getattr(service_class, name), ENTRYPOINT_EXTENSIONS_ATTR, ()):
            if isinstance(entrypoint, HttpRequestHandler) and entrypoint.url != CATCH_ALL:
                rules.append(entrypoint.get_url_rule())
    return Map(rules)


def allowed_methods(service_class, request) -> list[str]:
    """The methods a real route at this address answers (empty if there is no such address):
    werkzeug gives a method mismatch to the catch-all, which answers every method."""
    adapter = _real_routes(service_class).bind_to_environ(request.environ)
    try:
        adapter.match(method=request.method)
    except MethodNotAllowed as exc:
        return sorted(m for m in exc.valid_methods or () if m != "HEAD")
    except HTTPException:  # no such address (or only with a slash added)
        return []
    return []  # a real route would have answered before the catch-all


class ServiceHealth(StrictSchema):
    status = fields.String(metadata={"description": "up or down"})
    detail = fields.String()


class Health(StrictSchema):
    status = fields.String(metadata={"description": "ok when every service is up, else degraded"})
    services = fields.Dict(keys=fields.String(), values=fields.Nested(ServiceHealth))


class Site:
    """Mixed into GatewayService."""

    def _service_health(self) -> dict:
        timeout = float(settings.get("HEALTH_TIMEOUT_SECONDS"))
        replies = {}
        for service in BACKEND:
            try:
                replies[service] = getattr(self.rpc, service).health.call_async()
            except Exception as exc:  # e.g. no queue for that service yet
                replies[service] = exc
        report = {}
        with eventlet.Timeout(timeout, False):
            for service, reply in replies.items():
                if isinstance(reply, Exception):
                    continue
                try:
                    reply.result()
                    report[service] = {"status": "up"}
                except Exception as exc:
                    report[service] = {"status": "down", "detail": type(exc).__name__}
        for service in BACKEND:
            report.setdefault(service, {"status": "down", "detail": "no answer in time"})
        return report

    @http("GET", "/health")
    def health(self, request):
        services = self._service_health()
        healthy = all(s["status"] == "up" for s in services.values())
        body = Health().dump({"status": "ok" if healthy else "degraded", "services": services})
        return json_response(body, 200 if healthy else 503)

    @http("GET", "/openapi.json")
    def openapi_document(self, request):
        return json_response(openapi.build(VERSION))

    @http("GET", "/asyncapi.json")
    def asyncapi_document(self, request):
        return json_response(asyncapi.build(VERSION))

    @http("GET", "/schemas/events/<string:name>")
    def event_schema(self, request, name):
        """The JSON Schema of one event type's data: what each envelope's dataschema names."""
        event = catalogue.by_type(name[:-len(".json")]) if name.endswith(".json") else None
        if event is None or event not in catalogue.published():
            return json_response({"error": {
                "code": "not_found", "message": "There is no event type of that name. The "
                "list is in /asyncapi.json.", "fields": {"type": ["Unknown event type."]}}}, 404)
        response = json_response(event.document(str(settings.get("GATEWAY_URL"))))
        response.headers["Content-Type"] = "application/schema+json"
        response.headers["Cache-Control"] = "public, max-age=300"
        return response

    def _site_organisations(self) -> list[dict] | None:
        """The public list of organisations (None if identity is not answering just now)."""
        try:
            return call(self.rpc.identity.organisation_directory)
        except InvolveError:
            log.warning("the organisation list could not be read for a public page")
            return None

    @page("GET", "/", signed_in=False)
    def home(self, request, viewer):
        organisations = self._site_organisations()
        return render(request, "home.html", viewer, title="Involve",
                      organisations=(organisations or [])[:HOME_LIST],
                      more=len(organisations or []) > HOME_LIST,
                      unavailable=organisations is None)

    @page("GET", "/organisations", signed_in=False)
    def organisations_list(self, request, viewer):
        organisations = self._site_organisations()
        query = (request.args.get("q") or "").strip()[:100]
        shown = [o for o in organisations or ()
                 if " ".join(query.split()).casefold() in " ".join(o["name"].split()).casefold()]
        return render(request, "organisations.html", viewer, title="Choose an organisation",
                      organisations=shown, query=query, total=len(organisations or ()),
                      unavailable=organisations is None)

    @page("GET", "/organisations/<organisation_id>", signed_in=False)
    def public_organisation_page(self, request, viewer, organisation_id):
        organisation = call(self.rpc.identity.public_organisation, organisation_id)
        try:
            panels = call(self.rpc.panels.open_campaigns, organisation_id)
        except InvolveError:
            log.warning("the open panels could not be read for an organisation page")
            panels = None
        return render(request, "organisation.html", viewer, title=organisation["name"],
                      organisation=organisation, panels=panels)

    @http("GET", "/static/<string:name>")
    def static(self, request, name):
        return rendering.static_file(name)

    @http("GET", "/favicon.ico")
    def favicon(self, request):
        """Browsers ask for it on every page without a link tag (JSON, downloads)."""
        return rendering.static_file("favicon.svg")

    @http(CATCH_ALL_METHODS, CATCH_ALL)
    def not_found_page(self, request, anything):
        """Any other address, or a real one asked with a method it does not answer: a 405 with
        the Allow header, never a 404 (a GET of a POST-only API route must not look absent).
        JSON for the API, a plain page for everything else."""
        allowed = allowed_methods(type(self), request)
        status = 405 if allowed else 404
        headers = {"Allow": ", ".join(allowed)} if allowed else {}
        if anything.startswith("api/"):
            if allowed:
                body = {"code": "method_not_allowed", "message": (
                    f"This address of the Involve API does not answer {request.method}. It "
                    f"answers {' or '.join(allowed)}. See /openapi.json."), "allowed": allowed}
            else:
                body = {"code": "not_found", "message": "There is no such address in the "
                        "Involve API. See /openapi.json."}
            response = json_response({"error": body}, status, headers)
        else:
            viewer = viewer_of(self.rpc, request)  # quiet: nobody if the session has ended
            if allowed:
                title, message = WRONG_METHOD["GET" in allowed]
                response = error_page(request, viewer, 405, message, title=title)
            else:
                response = error_page(request, viewer, 404, NOT_FOUND)
            response.headers.extend(headers)
        HTTP_REQUESTS.labels(f"{request.method} {CATCH_ALL}", response.status_code).inc()
        return response
