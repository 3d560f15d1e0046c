"""What every web page and form shares: who is signed in, the ``page`` decorator (sign-in,
CSRF, plain error pages), rendering, the anonymous forms' CSRF cookie, what people typed,
plain-English errors, the words shown for roles, kinds and consent purposes, and safe ``next``.

The services validate everything again; this module turns their answers (and its own first
checks) into messages a non-technical person can act on.
"""
from __future__ import annotations

import functools
import hmac
import logging
import re
import secrets
from datetime import datetime, timezone
from functools import cached_property
from urllib.parse import quote, urlsplit

from nameko.web.handlers import http
from werkzeug.wrappers import Response

from involve.kernel import settings
from involve.kernel.errors import Forbidden, InvolveError, NotAuthenticated
from involve.kernel.policy import ROLES, TOKEN_PERMISSIONS, allowed

from . import pages
from .auth import SESSION_COOKIE, clear_cookie, principal_from
from .routes import HTTP_REQUESTS, call
from .schemas import CARE_SERVICE_KINDS, CONSENT_PURPOSES, ORGANISATION_KINDS

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
ROLE_NAMES = {
    "service_user": "Person who uses services", "volunteer": "Volunteer",
    "council_member": "Council member", "staff": "Staff", "responder": "Answers stories",
    "moderator": "Moderator", "commissioner": "Commissioner",
    "involvement_lead": "Involvement lead", "admin": "Administrator",
}
ORGANISATION_KIND_NAMES = {"provider": "Care provider", "commissioner": "Commissioner",
                           "charity": "Charity", "peer_led": "Peer-led group", "other": "Other"}
CARE_SERVICE_KIND_NAMES = {"addiction": "Addiction", "mental_health": "Mental health",
                           "wellbeing": "Wellbeing", "housing": "Housing", "other": "Other"}
PERMISSION_NAMES = {
    "organisations.read": "See the organisation's details",
    "care_services.read": "See its care services",
    "care_services.manage": "Add and change care services",
    "people.read": "See people (by id and role only)",
    "panels.manage": "Run panels",
    "feedback.read": "Read published stories, responses and alerts",
    "mystery_shopping.read": "Read mystery-shopping rounds and reports",
    "mystery_shopping.manage": "Run mystery-shopping rounds",
}
# Consent purposes: a short name and what saying yes means, in plain words.
PURPOSES = {
    "panel_selection": ("Being chosen for panels",
                        "We may include you in the fair draw that picks people for panels."),
    "being_contacted": ("Hearing about ways to take part",
                        "We may email you about panels, events and other chances to have a say."),
    "sharing_demographics": ("Using facts like your age group to keep things fair",
                             "We may use facts such as your age group or area, without your "
                             "name, to check that panels and reports include everyone."),
    "story_replies": ("Getting replies to your stories",
                      "When you tell a story about a service, the people who run it may write "
                      "back to you."),
    "mystery_shopping": ("Being asked to mystery shop",
                         "We may ask you to contact a service as a new client would and tell us "
                         "how it went."),
}
assert set(ROLE_NAMES) == set(ROLES) and set(PERMISSION_NAMES) == set(TOKEN_PERMISSIONS)
assert set(PURPOSES) == set(CONSENT_PURPOSES)
assert set(ORGANISATION_KIND_NAMES) == set(ORGANISATION_KINDS)
assert set(CARE_SERVICE_KIND_NAMES) == set(CARE_SERVICE_KINDS)


def when(value: str | None) -> str:
    """An ISO time as people read it: 3 May 2025 at 14:05 (UTC)."""
    if not value:
        return ""
    try:
        moment = datetime.fromisoformat(str(value))
    except ValueError:
        return str(value)
    if moment.tzinfo is not None:
        moment = moment.astimezone(timezone.utc)
    return f"{moment.day} {moment:%B %Y} at {moment:%H:%M} (UTC)"


# --- forms, what was typed, and errors -----------------------------------------------------------
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_PLAIN = {
    "Not a valid email address.": "Enter an email address in the right format, like "
                                  "name@example.com",
    "Not a valid URL.": "Enter a web address starting with https://",
    "Not a valid integer.": "Enter a whole number",
    "Not a valid boolean.": "Choose yes or no",
    "This field is not expected here.": "This answer was not expected. Please reload the page.",
    "Already registered.": "This email address already has an account. Sign in, or reset your "
                           "password if you have forgotten it",
}


class Form:
    """One form: what the person typed (never passwords), and what needs fixing.

    ``prefix`` keeps ids unique when one page holds several forms; ``missing`` says, per field,
    what to ask for when it is left empty ("Enter your name").
    """

    def __init__(self, data=None, *, prefix: str = "", missing: dict | None = None,
                 anchors: dict | None = None, secret: tuple = ("password", "csrf_token")):
        self.prefix = prefix
        self.missing = missing or {}
        self.values: dict = {}
        self.lists: dict = {}
        if data is not None:
            for name in data.keys():
                if name not in secret:
                    self.values[name] = data.get(name, "").strip()
                    self.lists[name] = [v.strip() for v in data.getlist(name)]
        self.errors: dict[str, str] = {}
        self.anchors: dict[str, str] = dict(anchors or {})
        self.message = ""
        self.status = 200

    def id(self, name: str) -> str:
        return self.prefix + name.replace("_", "-")

    def get(self, name: str, default: str = "") -> str:
        return self.values.get(name, default)

    def getlist(self, name: str) -> list:
        return self.lists.get(name, [])

    def optional(self, *names) -> dict:
        """The optional answers that were given (empty ones are left out)."""
        return {n: self.values[n] for n in names if self.values.get(n)}

    @property
    def ok(self) -> bool:
        return not self.errors and not self.message

    def fail(self, name: str, message: str, status: int = 422, anchor: str | None = None):
        self.errors.setdefault(name, message)
        if anchor:
            self.anchors[name] = anchor
        if self.status == 200:
            self.status = status

    def require(self, *names) -> None:
        for name in names:
            if not self.get(name):
                self.fail(name, self.missing.get(name, "Answer this question"))

    def require_email(self, name: str = "email") -> None:
        if not self.get(name):
            self.fail(name, self.missing.get(name, "Enter an email address"))
        elif not EMAIL.match(self.get(name)):
            self.fail(name, _PLAIN["Not a valid email address."])

    def require_password(self, password: str, name: str = "password") -> None:
        if not password:
            self.fail(name, self.missing.get(name, "Enter a password"))
        elif len(password) < 10:
            self.fail(name, "Your password needs at least 10 characters")

    def from_error(self, exc: InvolveError) -> None:
        """Show a service's answer on this form, in plain words and beside the right fields."""
        self.status = exc.status
        for name, messages in (exc.fields or {}).items():
            if name.startswith("_"):
                continue
            self.errors.setdefault(name, self._plain(name, messages))
        if not self.errors or exc.status not in (400, 422):
            self.message = exc.message

    def _plain(self, name: str, messages) -> str:
        if isinstance(messages, dict):  # one entry of a list was refused
            return "Choose from the options given"
        message = messages[0] if isinstance(messages, list) and messages else str(messages)
        if not isinstance(message, str):
            return "Choose from the options given"
        if message in ("Missing data for required field.", "Field may not be null."):
            return self.missing.get(name, "Answer this question")
        if message.startswith("Choose one of:") or message.startswith("Choose from:"):
            return "Choose from the options given"
        return _PLAIN.get(message, message.rstrip("."))

    def summary(self) -> list[tuple[str, str]]:
        """(link, message) for the error summary, in the order the fields were checked."""
        return [("#" + self.anchors.get(name, self.id(name)), message)
                for name, message in self.errors.items()]


# --- who is signed in ------------------------------------------------------------------------------
ADMIN_ACTIONS = ("people.read", "people.manage", "roles.manage", "care_services.manage",
                 "tokens.manage", "audit.read")


class Viewer:
    """The signed-in person, as the page header and the pages need them."""

    def __init__(self, rpc, principal: dict):
        self.rpc = rpc
        self.principal = principal

    @cached_property
    def me(self) -> dict:
        return call(self.rpc.identity.me, self.principal)

    @property
    def name(self) -> str:
        try:
            return self.me.get("name") or "you"
        except InvolveError:
            return "you"

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
            principal = principal_from(rpc, request, csrf_field="csrf_token")
        else:
            token = request.cookies.get(SESSION_COOKIE)
            principal = call(rpc.identity.authenticate_session, token) if token else None
    except InvolveError:
        if not quiet:
            raise
        return None
    return Viewer(rpc, principal) if principal and principal.get("person_id") else None


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
}
ERROR_TITLES = {400: "This cannot be used", 401: "Please sign in", 403: "You cannot do that",
                404: "Page not found", 409: "This has already been done", 429: "Please wait",
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
    response = pages.render(
        template, status, viewer=viewer, csrf_token=csrf_token, path=request.path,
        notice=NOTICES.get(request.args.get("done", "")), failed=failed, when=when,
        role_names=ROLE_NAMES, **context)
    response.headers["Cache-Control"] = "no-store"
    if cookie:
        response.headers.add("Set-Cookie", cookie)
    return response


def error_page(request, viewer, status: int, message: str, **context) -> Response:
    title = "This form has expired" if message == EXPIRED else ERROR_TITLES.get(
        status, "Something went wrong")
    came_from = urlsplit(request.referrer or "")
    back = safe_next(came_from.path + (f"?{came_from.query}" if came_from.query else ""), "")
    if request.method == "POST" and back and "link" not in context:
        context["link"] = (back, "Go back to the form")
    return render(request, "message.html", viewer, status=status, title=title, message=message,
                  **context)


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


def attempt(form: Form, method, *args, sign_in_errors_on_form: bool = False):
    """Call a service for a form: a refusal is shown on the form and None is returned.
    An ended session (NotAuthenticated) goes on to the sign-in page unless
    ``sign_in_errors_on_form`` (the sign-in form itself)."""
    try:
        return call(method, *args)
    except NotAuthenticated as exc:
        if not sign_in_errors_on_form:
            raise
        form.from_error(exc)
    except InvolveError as exc:
        form.from_error(exc)
    return None
