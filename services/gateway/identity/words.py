"""The words people see for identity's kinds, permissions and consent purposes."""
from involve.identity.contract import CARE_SERVICE_KINDS, CONSENT_PURPOSES, ORGANISATION_KINDS
from involve.identity.contract import NOTIFICATION_CHOICES as _NOTIFICATION_CODES
from involve.kernel.policy import TOKEN_PERMISSIONS

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
    "reporting.read": "Read the involvement dashboards and self-assessments",
    "webhooks.manage": "Manage webhooks (they receive this organisation's events)",
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
# How a person wants to be told things (My account): a short name and what it means.
NOTIFICATION_CHOICES = {
    "email_and_inbox": ("By email, and as a message on Involve",
                        "We email you, and keep a copy in Messages on Involve."),
    "inbox_only": ("As a message on Involve only",
                   "We do not email you. Look in Messages when you sign in."),
}
# What each audit log entry records, in words (the log itself keeps the short codes).
AUDIT_ACTIONS = {
    "contact.read": "Read contact details", "names.read": "Saw people's names",
    "person.created": "Added a person", "roles.changed": "Changed roles",
    "invitation.sent": "Sent an invitation", "invitation.resent": "Sent an invitation again",
    "invitation.cancelled": "Cancelled an invitation",
    "invitations.read": "Saw the pending invitations",
    "token.created": "Created an API token", "token.revoked": "Revoked an API token",
    "data.exported": "Downloaded their data", "person.erased": "Deleted their data",
    "password.reset": "Reset their password",
}
assert set(PERMISSION_NAMES) == set(TOKEN_PERMISSIONS)
assert set(NOTIFICATION_CHOICES) == set(_NOTIFICATION_CODES)
assert set(PURPOSES) == set(CONSENT_PURPOSES)
assert set(ORGANISATION_KIND_NAMES) == set(ORGANISATION_KINDS)
assert set(CARE_SERVICE_KIND_NAMES) == set(CARE_SERVICE_KINDS)
