"""The identity part of the public API's bodies (documented in /openapi.json).

Request bodies and the organisation and care-service responses are identity's contract
(involve.identity.contract), written once and validated again by the service. Here is only what
HTTP alone has: the responses the service has no schema for.
"""
from marshmallow import fields

from involve.identity.contract import (
    CareService,
    CareServiceCreate,
    CareServiceUpdate,
    ConsentChange,
    Contact,
    EmailOnly,
    Erase,
    Invitation,
    InvitationSummary,
    Message,
    NamedPerson,
    NotificationChoice,
    Organisation,
    OrganisationCreate,
    PasswordReset,
    PersonCreate,
    Register,
    Roles,
    SignIn,
    TokenCreate,
)
from involve.kernel.schemas import StrictSchema

__all__ = [
    "AuditEntry",
    "CareService",
    "CareServiceCreate",
    "CareServiceUpdate",
    "ConsentChange",
    "Contact",
    "EmailOnly",
    "Erase",
    "Invitation",
    "InvitationSent",
    "InvitationSummary",
    "Me",
    "Message",
    "MessagesRead",
    "NamedPerson",
    "NotificationChoice",
    "Organisation",
    "OrganisationCreate",
    "PasswordReset",
    "PersonCreate",
    "PersonDetail",
    "PersonSummary",
    "Register",
    "Roles",
    "SignIn",
    "SignedIn",
    "Token",
    "TokenCreate",
]


class PersonSummary(StrictSchema):
    id = fields.String(metadata={"description": "Pseudonymous id, the same in every service"})
    roles = fields.List(fields.String())


class PersonDetail(PersonSummary):
    contact = fields.Nested(Contact)


class SignedIn(StrictSchema):
    person_id = fields.String()
    csrf_token = fields.String(metadata={"description": "Send as X-CSRF-Token on changes"})


class Token(StrictSchema):
    id = fields.String()
    name = fields.String()
    organisation_id = fields.String()
    permissions = fields.List(fields.String())
    created_at = fields.String()
    expires_at = fields.String()
    revoked_at = fields.String(allow_none=True)
    last_used_at = fields.String(allow_none=True)
    token = fields.String(metadata={"description": "Shown only once, when created"})


class AuditEntry(StrictSchema):
    at = fields.String()
    actor = fields.String()
    action = fields.String()
    subject_person_id = fields.String(allow_none=True)
    people_count = fields.Integer(metadata={"description": "How many people an entry about "
                                            "several is about (a list of names read)"})
    reason = fields.String()


class InvitationSent(StrictSchema):
    id = fields.String()
    sent = fields.Boolean()
    expires_in_days = fields.Integer()


class MessagesRead(StrictSchema):
    marked_read = fields.Integer()


class Me(StrictSchema):
    id = fields.String()
    name = fields.String(allow_none=True)
    platform_admin = fields.Boolean()
    roles = fields.Dict(keys=fields.String(), values=fields.List(fields.String()))
    consents = fields.Dict()
    notifications = fields.String(metadata={"description": "email_and_inbox or inbox_only"})
    unread_messages = fields.Integer()
