"""Who is calling: an API token (Authorization: Bearer) or a signed-in person (session cookie).

Identity is asked, or the principal cache (``principals.py``) answers what identity said a
moment ago and forgets it as soon as identity says access changed: a revoked token or an ended
session stops working at once. Requests that change something with a session cookie must carry
the session's CSRF token (header X-CSRF-Token for the API, a hidden form field for pages).
"""
from __future__ import annotations

import hmac

from involve.kernel import settings
from involve.kernel.errors import Forbidden, NotAuthenticated
from involve.kernel.rpc import call

from .principals import key_of

SESSION_COOKIE = "involve_session"
UNSAFE = {"POST", "PUT", "PATCH", "DELETE"}


def _resolved(cache, kind: str, secret: str, ask) -> dict:
    """What identity says of this secret, from the cache if it still holds it."""
    if cache is None:
        principal = ask()
        principal.pop("valid_for_seconds", None)
        return principal
    key = key_of(kind, secret)
    principal = cache.get(key)
    if principal is None:
        mark = cache.mark()
        principal = ask()
        cache.put(key, principal, principal.pop("valid_for_seconds", None), mark)
    return principal


def principal_from(rpc, request, *, csrf_field: str | None = None,
                   header: bool = False, cache=None) -> dict | None:
    """The caller's principal, or None. ``header`` (pages): identity adds, under "header", what
    the page header shows (name, unread messages), in the same call; take it out with
    ``pop("header")`` before passing the principal on to services. ``cache``: the gateway's
    principal cache (not for ``header``, which changes with every message)."""
    authorization = request.headers.get("Authorization", "")
    if authorization:
        scheme, _, secret = authorization.partition(" ")
        if scheme.lower() != "bearer" or not secret.strip():
            raise NotAuthenticated("Send your API token as: Authorization: Bearer <token>.")
        secret = secret.strip()
        return _resolved(cache, "token", secret,
                         lambda: call(rpc.identity.authenticate_token, secret))
    token = request.cookies.get(SESSION_COOKIE)
    if not token:
        return None
    if header:
        principal = call(rpc.identity.authenticate_session, token, True)
        principal.pop("valid_for_seconds", None)
    else:
        principal = _resolved(cache, "session", token,
                              lambda: call(rpc.identity.authenticate_session, token))
    if request.method in UNSAFE:
        sent = (request.form.get(csrf_field) if csrf_field else request.headers.get("X-CSRF-Token"))
        if not sent or not hmac.compare_digest(sent, principal.get("csrf_token", "")):
            raise Forbidden("This form has expired. Please go back, reload the page and try again.",
                            {"csrf_token": ["Missing or wrong."]})
    return principal


def session_cookie(token: str, max_age: int) -> str:
    secure = "; Secure" if settings.get("SECURE_COOKIES") else ""
    return (f"{SESSION_COOKIE}={token}; Max-Age={max_age}; Path=/; HttpOnly; "
            f"SameSite=Lax{secure}")


def clear_cookie() -> str:
    return f"{SESSION_COOKIE}=; Max-Age=0; Path=/; HttpOnly; SameSite=Lax"
