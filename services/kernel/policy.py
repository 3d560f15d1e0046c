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
# Commissioning (issue 12): anyone may take part in a project they are a member of (sign their
# agreement, see their briefings, declare a conflict, score as an evaluator); claiming payment
# is for the people who are paid for involvement; nobody authorises their own claim (the
# service checks that too), and releasing a briefing is a commissioner's job, never a service
# user's.
_TAKE_PART = {"commissioning.take_part"}
_PAID = {"payments.claim"}
_COMMISSIONING_READ = {"commissioning.read"}
_COMMISSIONING_MANAGE = {"commissioning.read", "commissioning.manage", "commissioning.release",
                         "payments.read"}
# Reporting (issue 13): staff and council members read the dashboards; service users and staff
# score a self-assessment from their own side; involvement leads start assessments, record the
# agreed scores and choose which mystery-shopping results the public page shows.
_ASSESS = {"reporting.assess"}
_REPORTING_READ = {"reporting.read"}
_STAFF = _EVERYONE | _TAKE_PART | _COMMISSIONING_READ | _ASSESS | _REPORTING_READ | {
    "people.read", "feedback.read", "feedback.assist", "mystery_shopping.read"}
# "people.names": see people by name (identity checks it, and records each read in its audit
# log); everyone else sees people by pseudonymous id only.
_LEAD = _STAFF | _COMMISSIONING_MANAGE | {
    "people.manage", "people.names", "roles.manage", "care_services.manage", "panels.manage",
    "feedback.moderate", "feedback.respond", "feedback.route", "feedback.verify",
    "mystery_shopping.manage", "payments.authorise", "payments.manage", "reporting.manage"}
ROLE_ACTIONS: dict[str, set[str]] = {
    "service_user": _EVERYONE | _TAKE_PART | _PAID | _ASSESS,
    "volunteer": _EVERYONE | _TAKE_PART | _PAID | _ASSESS | {"feedback.assist",
                                                              "mystery_shopping.shop"},
    "council_member": _EVERYONE | _TAKE_PART | _PAID | _ASSESS | _REPORTING_READ | {
        "feedback.assist", "feedback.verify", "mystery_shopping.shop", "mystery_shopping.read"},
    "staff": set(_STAFF),
    "responder": _STAFF | {"feedback.respond"},
    "moderator": _STAFF | {"feedback.moderate"},
    "commissioner": _STAFF | _COMMISSIONING_MANAGE | {"people.names"},
    "involvement_lead": set(_LEAD),
    "admin": _LEAD | {"organisations.manage", "tokens.manage", "audit.read", "webhooks.manage"},
}
ACTIONS = sorted(set().union(*ROLE_ACTIONS.values()))
# The words people see for each role (pages, invitation emails), written once.
ROLE_NAMES = {
    "service_user": "Person who uses services", "volunteer": "Volunteer",
    "council_member": "Council member", "staff": "Staff", "responder": "Answers stories",
    "moderator": "Moderator", "commissioner": "Commissioner",
    "involvement_lead": "Involvement lead", "admin": "Administrator",
}
# What each role does, in a few plain words (the invitation email, the sign-up page, forms).
ROLE_DESCRIPTIONS = {
    "service_user": "take part in panels, tell your story and choose what you agree to",
    "volunteer": "help people tell their stories, and be asked to mystery shop services",
    "council_member": "help people tell their stories, check the changes services say they "
                      "have made, and mystery shop services",
    "staff": "read stories and feedback, and see mystery-shopping reports",
    "responder": "read stories and answer them for the organisation",
    "moderator": "check stories before they are published, taking out anything that could "
                 "identify someone",
    "commissioner": "read stories, feedback and reports, and see the people taking part by name",
    "involvement_lead": "run panels, mystery shopping and feedback for the organisation",
    "admin": "look after the organisation on Involve: its people, care services and settings",
}
assert set(ROLE_NAMES) == set(ROLES) == set(ROLE_DESCRIPTIONS)
# Permissions an API token may be given (never token or role management, never names).
TOKEN_PERMISSIONS = sorted({
    "organisations.read", "care_services.read", "care_services.manage", "people.read",
    "panels.manage", "feedback.read", "mystery_shopping.read", "mystery_shopping.manage",
    "reporting.read",
    "webhooks.manage",
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
