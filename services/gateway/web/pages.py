"""What every web page shares: who is signed in, the ``page`` decorator (sign-in, CSRF, plain
error pages), rendering with the header and notices, the anonymous forms' CSRF cookie, the
words shown for roles, and a safe ``next``.
"""
from __future__ import annotations

import functools
import hmac
import logging
import re
import secrets
from datetime import UTC, datetime
from functools import cached_property
from urllib.parse import quote, urlsplit

from nameko.web.handlers import http
from werkzeug.wrappers import Response

from involve.kernel import settings
from involve.kernel.errors import Forbidden, InvolveError, NotAuthenticated
from involve.kernel.policy import ROLE_NAMES, allowed
from involve.kernel.rpc import call

from . import rendering
from .auth import SESSION_COOKIE, clear_cookie, principal_from
from .forms import Form
from .routes import HTTP_REQUESTS, check_path_ids

log = logging.getLogger(__name__)

# --- CSRF for forms used before signing in (double-submit cookie) ---------------------------
CSRF_COOKIE = "involve_csrf"
_TOKEN_SHAPE = re.compile(r"^[A-Za-z0-9_-]{32,64}$")


def anonymous_csrf(request) -> tuple[str, str | None]:
    """The token to put in the form, and a Set-Cookie value if a new one was made."""
    current = request.cookies.get(CSRF_COOKIE, "")
    if _TOKEN_SHAPE.match(current):
        return current, None
    token = secrets.token_urlsafe(32)
    secure = "; Secure" if settings.get("SECURE_COOKIES") else ""
    return token, f"{CSRF_COOKIE}={token}; Path=/; HttpOnly; SameSite=Strict{secure}"


def anonymous_csrf_ok(request) -> bool:
    cookie = request.cookies.get(CSRF_COOKIE, "")
    sent = request.form.get("csrf_token", "")
    return bool(_TOKEN_SHAPE.match(cookie)) and hmac.compare_digest(sent, cookie)


# --- where to go after signing in --------------------------------------------------------------
def safe_next(value: str | None, default: str = "/account") -> str:
    """Only a path on this site: never another site, never a scheme or a backslash trick."""
    if not value or not value.startswith("/") or value.startswith("//") or "\\" in value:
        return default
    if any(ord(ch) < 32 for ch in value):
        return default
    parts = urlsplit(value)
    if parts.scheme or parts.netloc:
        return default
    return value


# --- words people see ----------------------------------------------------------------------------


def when(value: str | None) -> str:
    """An ISO time as people read it: 3 May 2025 at 14:05 (UTC)."""
    if not value:
        return ""
    try:
        moment = datetime.fromisoformat(str(value))
    except ValueError:
        return str(value)
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC)
    return f"{moment.day} {moment:%B %Y} at {moment:%H:%M} (UTC)"


# --- who is signed in ------------------------------------------------------------------------------
ADMIN_ACTIONS = ("people.read", "people.manage", "roles.manage", "care_services.manage",
                 "tokens.manage", "audit.read")


class Viewer:
    """The signed-in person, as the page header and the pages need them.

    ``header`` came with the session check (one identity call per page view for both): the
    name and the number of unread messages. ``me`` (roles, consents...) is asked only by the
    pages that need it. The header never travels on to other services in the principal."""

    def __init__(self, rpc, principal: dict, header: dict | None = None):
        self.rpc = rpc
        self.principal = principal
        self.header = header

    @cached_property
    def me(self) -> dict:
        return call(self.rpc.identity.me, self.principal)

    def _header(self, key: str, default):
        if self.header is None:
            try:
                self.header = {"name": self.me.get("name"),
                               "unread_messages": self.me.get("unread_messages", 0)}
            except InvolveError:
                return default
        return self.header.get(key) or default

    @property
    def name(self) -> str:
        return self._header("name", "you")

    @property
    def unread_messages(self) -> int:
        return int(self._header("unread_messages", 0))

    @property
    def csrf_token(self) -> str:
        return self.principal.get("csrf_token", "")

    @property
    def platform_admin(self) -> bool:
        return bool(self.principal.get("platform_admin"))

    def can(self, action: str, organisation_id: str) -> bool:
        return allowed(self.principal, action, organisation_id)

    def administers(self, organisation_id: str) -> bool:
        return any(self.can(action, organisation_id) for action in ADMIN_ACTIONS)

    @property
    def administers_any(self) -> bool:
        return self.platform_admin or any(self.administers(o) for o in self.principal.get("roles", {}))


def viewer_of(rpc, request, *, check_csrf: bool = False, quiet: bool = True) -> Viewer | None:
    """Who is signed in (None if nobody). ``check_csrf``: a POST must carry the session's token.
    ``quiet``: never fail (an ended session or a silent identity service means nobody)."""
    try:
        if check_csrf:
            principal = principal_from(rpc, request, csrf_field="csrf_token", header=True)
        else:
            token = request.cookies.get(SESSION_COOKIE)
            principal = call(rpc.identity.authenticate_session, token, True) if token else None
            if principal:
                principal.pop("valid_for_seconds", None)
    except InvolveError:
        if not quiet:
            raise
        return None
    if not principal or not principal.get("person_id"):
        return None
    header = principal.pop("header", None)
    return Viewer(rpc, principal, header)


# --- answering -------------------------------------------------------------------------------------
EXPIRED = "This form has expired. Please go back, reload the page and try again."
# Short confirmations shown after a change (?done=key): fixed words, never what was typed.
NOTICES = {
    "signed-out": "You have signed out.",
    "password-changed": "Your password has been changed. You can now sign in with it.",
    "registered": "Your account is ready. Welcome to Involve.",
    "consent-given": "Thank you. We have recorded that you agree.",
    "consent-withdrawn": "You have withdrawn your consent. We will stop using your details "
                         "for that.",
    "organisation-created": "The organisation has been created.",
    "care-service-added": "The care service has been added.",
    "person-added": "The person has been added.",
    "invitation-sent": "The invitation has been sent by email.",
    "roles-changed": "Their roles have been changed.",
    "token-revoked": "The API token has been revoked. It no longer works.",
    "webhook-changed": "The webhook has been changed.",
    "webhook-on": "The webhook is on. New events will be sent to it.",
    "webhook-off": "The webhook is off. No events will be sent to it until you turn it on.",
    "webhook-deleted": "The webhook has been deleted.",
    "delivery-replayed": "The delivery will be sent again in a moment.",
    "notifications-saved": "Your choice has been saved.",
    "messages-read": "All your messages are marked as read.",
    "invitation-resent": "The invitation has been sent again. The link in the earlier email "
                         "no longer works.",
    "invitation-cancelled": "The invitation has been cancelled. Its link no longer works.",
}
ERROR_TITLES = {400: "This cannot be used", 401: "Please sign in", 403: "You cannot do that",
                404: "Page not found", 405: "This page cannot be opened on its own",
                409: "This has already been done", 429: "Please wait",
                503: "Please try again soon", 500: "Something went wrong"}


def redirect(location: str) -> Response:
    return Response(status=303, headers={"Location": location, "Cache-Control": "no-store"})


def render(request, template: str, viewer: Viewer | None, *, status: int = 200,
           anonymous: bool = False, **context) -> Response:
    """A page, with the header's signed-in person, a notice, and the right CSRF token.
    ``anonymous``: the page holds a form used before signing in (double-submit cookie)."""
    cookie = None
    if anonymous:
        csrf_token, cookie = anonymous_csrf(request)
    else:
        csrf_token = viewer.csrf_token if viewer else ""
    failed = any(isinstance(v, Form) and not v.ok for v in context.values())
    context.setdefault("title", "Involve")
    response = rendering.render(
        template, status, viewer=viewer, csrf_token=csrf_token, path=request.path,
        notice=NOTICES.get(request.args.get("done", "")), failed=failed, when=when,
        role_names=ROLE_NAMES, **context)
    response.headers["Cache-Control"] = "no-store"
    if cookie:
        response.headers.add("Set-Cookie", cookie)
    return response


def error_page(request, viewer, status: int, message: str, *, title: str | None = None,
               **context) -> Response:
    title = title or ("This form has expired" if message == EXPIRED else ERROR_TITLES.get(
        status, "Something went wrong"))
    came_from = urlsplit(request.referrer or "")
    back = safe_next(came_from.path + (f"?{came_from.query}" if came_from.query else ""), "")
    if came_from.netloc and came_from.netloc != request.host:
        back = ""  # only ever back to a page of this site
    if back and "link" not in context:
        if request.method == "POST":
            context["link"] = (back, "Go back to the form")
        elif came_from.path != request.path:
            context["link"] = (back, "Go back to the page you were on")
    return render(request, "error.html", viewer, status=status, title=title, message=message,
                  error_status=status, **context)


def sign_in_redirect(request) -> Response:
    target = request.full_path.rstrip("?") if request.method == "GET" else "/account"
    response = redirect("/sign-in?next=" + quote(safe_next(target), safe="/"))
    if request.cookies.get(SESSION_COOKIE):
        response.headers.add("Set-Cookie", clear_cookie())
    return response


def page(method: str, path: str, *, signed_in: bool = True, anonymous_form: bool = False):
    """Declare a page. The handler gets ``(self, request, viewer, **path_params)``.

    ``signed_in``: people who are not are sent to /sign-in?next=... ``anonymous_form``: a form
    used before signing in, protected by the double-submit cookie; every other POST must carry
    the session's CSRF token. Whatever goes wrong, the answer is a plain page with a 4xx status.
    """

    def decorate(fn):
        @functools.wraps(fn)
        def handler(self, request, **params):
            viewer = None
            try:
                check_path_ids(params)
                try:
                    viewer = viewer_of(self.rpc, request, check_csrf=not anonymous_form,
                                       quiet=False)
                except NotAuthenticated:  # the session has ended
                    if signed_in:
                        raise
                if anonymous_form and not anonymous_csrf_ok(request):
                    raise Forbidden(EXPIRED, {"csrf_token": ["Missing or wrong."]})
                if signed_in and viewer is None:
                    raise NotAuthenticated("Please sign in first.")
                response = fn(self, request, viewer, **params)
            except NotAuthenticated:
                response = sign_in_redirect(request)
            except InvolveError as exc:
                viewer = viewer or viewer_of(self.rpc, request)
                response = error_page(request, viewer, exc.status, exc.message)
            except Exception:
                log.exception("unexpected error answering the page %s %s", method, path)
                response = error_page(request, None, 500, "Something went wrong on our side. "
                                      "Nothing you sent was lost; please try again.")
            HTTP_REQUESTS.labels(f"{method} {path}", response.status_code).inc()
            return response

        return http(method, path)(handler)

    return decorate
