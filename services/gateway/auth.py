"""Who is calling: an API token (Authorization: Bearer) or a signed-in person (session cookie).

Identity is asked on every request, so a revoked token or an ended session stops working at
once. Requests that change something with a session cookie must carry the session's CSRF token
(header X-CSRF-Token for the API, a hidden form field for pages).
"""
from __future__ import annotations

import hmac

from involve.kernel import settings
from involve.kernel.errors import Forbidden, NotAuthenticated

from .routes import call

SESSION_COOKIE = "involve_session"
UNSAFE = {"POST", "PUT", "PATCH", "DELETE"}


def principal_from(rpc, request, *, csrf_field: str | None = None) -> dict | None:
    header = request.headers.get("Authorization", "")
    if header:
        scheme, _, secret = header.partition(" ")
        if scheme.lower() != "bearer" or not secret.strip():
            raise NotAuthenticated("Send your API token as: Authorization: Bearer <token>.")
        return call(rpc.identity.authenticate_token, secret.strip())
    token = request.cookies.get(SESSION_COOKIE)
    if not token:
        return None
    principal = call(rpc.identity.authenticate_session, token)
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
