"""Who may do what, where: one policy (role x action x organisation) for the whole platform.

The gateway checks it before calling a service, and every service checks it again for the
organisation it is asked about, so a bug in one place cannot open another organisation's data.

A *principal* is what the gateway learned about the caller from identity, passed to services as
a plain dict:

    {"person_id": "...",            # None for an API token
     "token_id": "...",             # None for a signed-in person
     "platform_admin": False,
     "roles": {"<organisation id>": ["staff", "responder"]},
     "token_scope": {"organisation_id": "...", "permissions": ["care_services.read"]}}
"""
from __future__ import annotations

from .errors import Forbidden, NotAuthenticated

ROLES = ("service_user", "volunteer", "council_member", "staff", "responder", "moderator",
         "commissioner", "involvement_lead", "admin")

# What each role may do inside its own organisation.
_EVERYONE = {"organisations.read", "care_services.read"}
_STAFF = _EVERYONE | {"people.read", "feedback.read", "feedback.assist", "mystery_shopping.read"}
_LEAD = _STAFF | {"people.manage", "roles.manage", "care_services.manage", "panels.manage",
                  "feedback.moderate", "feedback.respond", "feedback.route", "feedback.verify",
                  "mystery_shopping.manage"}
ROLE_ACTIONS: dict[str, set[str]] = {
    "service_user": set(_EVERYONE),
    "volunteer": _EVERYONE | {"feedback.assist", "mystery_shopping.shop"},
    "council_member": _EVERYONE | {"feedback.assist", "feedback.verify", "mystery_shopping.shop",
                                   "mystery_shopping.read"},
    "staff": set(_STAFF),
    "responder": _STAFF | {"feedback.respond"},
    "moderator": _STAFF | {"feedback.moderate"},
    "commissioner": _STAFF,
    "involvement_lead": set(_LEAD),
    "admin": _LEAD | {"organisations.manage", "tokens.manage", "audit.read"},
}
ACTIONS = sorted(set().union(*ROLE_ACTIONS.values()))
# Permissions an API token may be given (never token or role management).
TOKEN_PERMISSIONS = sorted({
    "organisations.read", "care_services.read", "care_services.manage", "people.read",
    "panels.manage", "feedback.read", "mystery_shopping.read", "mystery_shopping.manage",
})


def allowed(principal: dict | None, action: str, organisation_id: str | None) -> bool:
    if not principal:
        return False
    if principal.get("platform_admin"):
        return True
    if organisation_id is None:
        return False
    scope = principal.get("token_scope")
    if scope:
        return scope.get("organisation_id") == organisation_id and action in scope.get(
            "permissions", ())
    roles = principal.get("roles", {}).get(organisation_id, ())
    return any(action in ROLE_ACTIONS.get(role, ()) for role in roles)


def require(principal: dict | None, action: str, organisation_id: str | None) -> None:
    """Raise NotAuthenticated (401) or Forbidden (403) unless the principal may act."""
    if not principal:
        raise NotAuthenticated("Please sign in first.")
    if not allowed(principal, action, organisation_id):
        raise Forbidden("You do not have permission to do that for this organisation.")


def require_platform_admin(principal: dict | None) -> None:
    if not principal:
        raise NotAuthenticated("Please sign in first.")
    if not principal.get("platform_admin"):
        raise Forbidden("Only a platform administrator can do that.")
