"""The identity part of the HTTP API: organisations, care services, people, roles, accounts,
consent, privacy rights, tokens and the audit log. Every route calls the identity service."""
from __future__ import annotations

from involve.kernel.errors import InvalidInput
from involve.kernel.rpc import call

from ..web.auth import SESSION_COOKIE, clear_cookie, session_cookie
from ..web.routes import json_response, route
from . import schemas as s

ORG = "/api/v1/organisations/<organisation_id>"


def client_address(request) -> str:
    return request.remote_addr or "unknown"


class IdentityApi:
    # --- organisations ------------------------------------------------------------------
    @route("POST", "/api/v1/organisations", summary="Create an organisation (platform admin)",
           tags=["organisations"], body=s.OrganisationCreate, response=s.Organisation, status=201,
           errors=(409,))
    def create_organisation(self, request, principal, body):
        return call(self.rpc.identity.create_organisation, principal, body)

    @route("GET", "/api/v1/organisations", summary="Organisations you belong to",
           tags=["organisations"], response=s.Organisation, many=True)
    def list_organisations(self, request, principal):
        return call(self.rpc.identity.list_organisations, principal)

    @route("GET", ORG, summary="Read one organisation", tags=["organisations"],
           response=s.Organisation, errors=(404,), action="organisations.read")
    def get_organisation(self, request, principal, organisation_id):
        return call(self.rpc.identity.get_organisation, principal, organisation_id)

    # --- care services ------------------------------------------------------------------
    @route("POST", ORG + "/care-services", summary="Add a care service", tags=["care services"],
           body=s.CareServiceCreate, response=s.CareService, status=201, errors=(404, 409),
           action="care_services.manage")
    def create_care_service(self, request, principal, body, organisation_id):
        return call(self.rpc.identity.create_care_service, principal, organisation_id, body)

    @route("GET", ORG + "/care-services", summary="List care services", tags=["care services"],
           response=s.CareService, many=True, errors=(404,), action="care_services.read")
    def list_care_services(self, request, principal, organisation_id):
        return call(self.rpc.identity.list_care_services, principal, organisation_id)

    @route("GET", ORG + "/care-services/<care_service_id>", summary="Read a care service",
           tags=["care services"], response=s.CareService, errors=(404,),
           action="care_services.read")
    def get_care_service(self, request, principal, organisation_id, care_service_id):
        return call(self.rpc.identity.get_care_service, principal, organisation_id, care_service_id)

    @route("PATCH", ORG + "/care-services/<care_service_id>", summary="Change a care service",
           tags=["care services"], body=s.CareServiceUpdate, response=s.CareService,
           errors=(404,), action="care_services.manage")
    def update_care_service(self, request, principal, body, organisation_id, care_service_id):
        return call(self.rpc.identity.update_care_service, principal, organisation_id,
                    care_service_id, body)

    # --- people and roles ---------------------------------------------------------------
    @route("POST", ORG + "/people", summary="Add a person (contact details are encrypted)",
           tags=["people"], body=s.PersonCreate, response=s.PersonSummary, status=201,
           errors=(404, 409), action="people.manage")
    def create_person(self, request, principal, body, organisation_id):
        return call(self.rpc.identity.create_person, principal, organisation_id, body)

    @route("GET", ORG + "/people", summary="People in the organisation (ids and roles only)",
           tags=["people"], response=s.PersonSummary, many=True, action="people.read")
    def list_people(self, request, principal, organisation_id):
        return call(self.rpc.identity.list_people, principal, organisation_id)

    @route("GET", ORG + "/people/<person_id>",
           summary="Read a person's contact details (recorded in the audit log with your reason)",
           tags=["people"], response=s.PersonDetail, errors=(404, 422), action="people.read",
           query=("reason",))
    def read_person(self, request, principal, organisation_id, person_id):
        reason = (request.args.get("reason") or "").strip()
        if not 3 <= len(reason) <= 300:
            raise InvalidInput("Say why you need these contact details (3 to 300 characters).",
                               {"reason": ["Say why you need these details."]})
        return call(self.rpc.identity.read_person, principal, organisation_id, person_id, reason)

    @route("PUT", ORG + "/people/<person_id>/roles", summary="Set a person's roles",
           tags=["people"], body=s.Roles, response=s.PersonSummary, errors=(404,),
           action="roles.manage")
    def set_roles(self, request, principal, body, organisation_id, person_id):
        return call(self.rpc.identity.set_roles, principal, organisation_id, person_id, body)

    @route("GET", ORG + "/directory",
           summary="People by name, for roles that may see names (each read is audited)",
           tags=["people"], response=s.NamedPerson, many=True, errors=(422,),
           action="people.names", query=("roles", "purpose", "q"))
    def people_directory(self, request, principal, organisation_id):
        roles = [r for r in (request.args.get("roles") or "").split(",") if r.strip()]
        query = {"roles": [r.strip() for r in roles], "q": request.args.get("q") or "",
                 "purpose": request.args.get("purpose") or None}
        return call(self.rpc.identity.people_directory, principal, organisation_id, query,
                    "read through the API")

    @route("POST", ORG + "/invitations", summary="Invite someone by email", tags=["people"],
           body=s.Invitation, response=s.InvitationSent, status=202, errors=(404,),
           action="people.manage")
    def invite(self, request, principal, body, organisation_id):
        return call(self.rpc.identity.invite, principal, organisation_id, body)

    @route("GET", ORG + "/invitations", summary="Invitations waiting for an answer",
           tags=["people"], response=s.InvitationSummary, many=True, action="people.manage")
    def list_invitations(self, request, principal, organisation_id):
        return call(self.rpc.identity.list_invitations, principal, organisation_id)

    @route("POST", ORG + "/invitations/<invitation_id>/resend",
           summary="Email an invitation again with a new link (the old one stops working)",
           tags=["people"], response=s.InvitationSummary, errors=(404, 409),
           action="people.manage")
    def resend_invitation(self, request, principal, organisation_id, invitation_id):
        return call(self.rpc.identity.resend_invitation, principal, organisation_id,
                    invitation_id)

    @route("DELETE", ORG + "/invitations/<invitation_id>",
           summary="Cancel an invitation: its link stops working", tags=["people"],
           response=s.InvitationSummary, errors=(404, 409), action="people.manage")
    def cancel_invitation(self, request, principal, organisation_id, invitation_id):
        return call(self.rpc.identity.cancel_invitation, principal, organisation_id,
                    invitation_id)

    @route("GET", ORG + "/audit", summary="Who read or changed personal data",
           tags=["audit"], response=s.AuditEntry, many=True, action="audit.read")
    def audit_log(self, request, principal, organisation_id):
        return call(self.rpc.identity.audit_log, principal, organisation_id)

    # --- tokens -------------------------------------------------------------------------
    @route("POST", ORG + "/tokens", summary="Create an API token (shown once)", tags=["tokens"],
           body=s.TokenCreate, response=s.Token, status=201, errors=(404,), action="tokens.manage")
    def create_token(self, request, principal, body, organisation_id):
        return call(self.rpc.identity.create_token, principal, organisation_id, body)

    @route("GET", ORG + "/tokens", summary="List API tokens", tags=["tokens"], response=s.Token,
           many=True, action="tokens.manage")
    def list_tokens(self, request, principal, organisation_id):
        return call(self.rpc.identity.list_tokens, principal, organisation_id)

    @route("DELETE", ORG + "/tokens/<token_id>", summary="Revoke an API token at once",
           tags=["tokens"], response=s.Token, errors=(404,), action="tokens.manage")
    def revoke_token(self, request, principal, organisation_id, token_id):
        return call(self.rpc.identity.revoke_token, principal, organisation_id, token_id)

    # --- accounts -----------------------------------------------------------------------
    @route("POST", "/api/v1/auth/register", summary="Create an account", tags=["account"],
           body=s.Register, response=s.PersonSummary, status=201, errors=(409,), auth="anonymous")
    def register(self, request, principal, body):
        return call(self.rpc.identity.register, body)

    @route("POST", "/api/v1/auth/sign-in", summary="Sign in (sets a session cookie)",
           tags=["account"], body=s.SignIn, response=s.SignedIn, errors=(401, 429),
           auth="anonymous")
    def sign_in(self, request, principal, body):
        started = call(self.rpc.identity.sign_in, body, client_address(request))
        response = json_response({"person_id": started["person_id"],
                                  "csrf_token": started["csrf_token"]})
        response.headers.add("Set-Cookie", session_cookie(started["session_token"],
                                                          started["expires_in_seconds"]))
        return response

    @route("POST", "/api/v1/auth/sign-out", summary="Sign out", tags=["account"])
    def sign_out(self, request, principal):
        token = request.cookies.get(SESSION_COOKIE)
        if token:
            call(self.rpc.identity.sign_out, token)
        response = json_response({"signed_out": True})
        response.headers.add("Set-Cookie", clear_cookie())
        return response

    @route("POST", "/api/v1/auth/password-reset", summary="Email a password reset link",
           tags=["account"], body=s.EmailOnly, status=202, auth="anonymous")
    def request_password_reset(self, request, principal, body):
        return call(self.rpc.identity.request_password_reset, body)

    @route("POST", "/api/v1/auth/password-reset/confirm", summary="Choose a new password",
           tags=["account"], body=s.PasswordReset, auth="anonymous")
    def reset_password(self, request, principal, body):
        return call(self.rpc.identity.reset_password, body)

    # --- me -----------------------------------------------------------------------------
    @route("GET", "/api/v1/me", summary="Your account, roles and consents", tags=["me"],
           response=s.Me)
    def me(self, request, principal):
        return call(self.rpc.identity.me, principal)

    @route("PUT", "/api/v1/me/consents", summary="Give or withdraw consent for a purpose",
           tags=["me"], body=s.ConsentChange)
    def set_my_consent(self, request, principal, body):
        return call(self.rpc.identity.set_my_consent, principal, body)

    @route("PUT", "/api/v1/me/notifications",
           summary="Choose email and messages on Involve, or messages on Involve only",
           tags=["me"], body=s.NotificationChoice, response=s.NotificationChoice)
    def set_my_notifications(self, request, principal, body):
        return call(self.rpc.identity.set_my_notifications, principal, body)

    @route("GET", "/api/v1/me/messages", summary="Your messages on Involve, newest first",
           tags=["me"], response=s.Message, many=True)
    def my_messages(self, request, principal):
        return call(self.rpc.identity.my_messages, principal)

    @route("POST", "/api/v1/me/messages/<message_id>/read", summary="Mark one of your messages read",
           tags=["me"], response=s.Message, errors=(404,))
    def read_my_message(self, request, principal, message_id):
        return call(self.rpc.identity.read_my_message, principal, message_id)

    @route("POST", "/api/v1/me/messages/read", summary="Mark all your messages read",
           tags=["me"], response=s.MessagesRead)
    def mark_my_messages_read(self, request, principal):
        return call(self.rpc.identity.mark_my_messages_read, principal)

    @route("GET", "/api/v1/me/export", summary="Download everything held about you (JSON)",
           tags=["me"])
    def export_me(self, request, principal):
        data = call(self.rpc.identity.export_me, principal)
        response = json_response(data)
        response.headers["Content-Disposition"] = 'attachment; filename="my-involve-data.json"'
        return response

    @route("POST", "/api/v1/me/erase", summary="Delete everything held about you",
           tags=["me"], body=s.Erase)
    def erase_me(self, request, principal, body):
        result = call(self.rpc.identity.erase_me, principal, body)
        response = json_response(result)
        response.headers.add("Set-Cookie", clear_cookie())
        return response
