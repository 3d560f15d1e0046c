"""Forms on the web pages: what the person typed (never passwords), what needs fixing, and the
service's refusals shown beside the right fields in plain English.

The services validate everything again; this module turns their answers (and the page's own
first checks) into messages a non-technical person can act on.
"""
from __future__ import annotations

import re

from involve.kernel.errors import InvolveError, NotAuthenticated
from involve.kernel.rpc import call

from . import dates

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
            for name in data:
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

    def require_password(self, password: str, min_length: int, name: str = "password") -> None:
        """``min_length``: from the contract of the service that keeps passwords."""
        if not password:
            self.fail(name, self.missing.get(name, "Enter a password"))
        elif len(password) < min_length:
            self.fail(name, f"Your password needs at least {min_length} characters")

    def date(self, name: str, *, required: bool = True, earliest=None, latest=None):
        """The date typed or picked in ``name`` (a ``datetime.date``), or None with the error
        recorded on the form. Reads ISO dates from ``<input type="date">`` and typed ones like
        "1 December 2026" or "1/12/2026" (web/dates.py). ``earliest``/``latest``: dates."""
        text = self.get(name)
        if not text:
            if required:
                self.fail(name, self.missing.get(name, "Enter a date"))
            return None
        try:
            value = dates.parse_date(text)
        except dates.DateError as exc:
            self.fail(name, str(exc))
            return None
        if earliest is not None and value < earliest:
            self.fail(name, f"Enter a date on or after {dates.long_date(earliest)}")
            return None
        if latest is not None and value > latest:
            self.fail(name, f"Enter a date on or before {dates.long_date(latest)}")
            return None
        return value

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
