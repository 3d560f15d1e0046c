"""The identity web pages: sign in and out, register, reset a password, My account (with the
choice of how to be told things) and Messages, and the administration of organisations, one
page per part (care services, people by name and roles, invitations to send again or cancel,
API tokens, the audit log), with a confirmation page before anything that cannot be undone.

Plain HTML forms with POST and redirect-after-post; no JavaScript. The shared machinery
(sign-in, CSRF, errors, rendering) is in ../web. Each change is checked here against the
shared policy and again by identity.
"""
from __future__ import annotations

import json
import logging

from werkzeug.wrappers import Response

from involve.identity.contract import PASSWORD_MIN_LENGTH, TOKEN_DAYS_DEFAULT, TOKEN_DAYS_MAX, TOKEN_DAYS_MIN
from involve.kernel.errors import BadRequest, Forbidden, InvolveError, NotFound
from involve.kernel.policy import ROLE_DESCRIPTIONS, ROLE_NAMES, ROLES, TOKEN_PERMISSIONS, require
from involve.kernel.rpc import call

from ..web import confirm, rendering
from ..web.auth import SESSION_COOKIE, clear_cookie, session_cookie
from ..web.forms import Form, attempt
from ..web.pages import ADMIN_ACTIONS, page, redirect, render, safe_next
from ..web.people import names_for, searching
from ..web.people import picker as people_picker
from . import words
from .api import client_address

log = logging.getLogger(__name__)

ORG = "/admin/organisations/<organisation_id>"
_REGISTER_MISSING = {"name": "Enter your name", "email": "Enter your email address",
                     "password": "Choose a password",
                     "organisation_id": "Choose the organisation you are joining"}
_PERSON_MISSING = {"name": "Enter their name", "email": "Enter their email address",
                   "role": "Choose their role"}


def _sentence(words_: str) -> str:
    """A role's description as a hint under its name: "Can take part in panels..."."""
    return f"Can {words_}."


def _dashed(value: str) -> str:
    return value.replace("_", "-").replace(".", "-")


def _with_session(response: Response, started: dict) -> Response:
    response.headers.add("Set-Cookie", session_cookie(started["session_token"],
                                                      started["expires_in_seconds"]))
    return response


class IdentityPages:
    # --- signing in and out ---------------------------------------------------------------
    @page("GET", "/sign-in", signed_in=False)
    def sign_in_page(self, request, viewer):
        target = safe_next(request.args.get("next"))
        if viewer is not None:
            return redirect(target)
        return render(request, "identity/sign_in.html", viewer, anonymous=True, title="Sign in",
                      form=Form(), next=target)

    @page("POST", "/sign-in", signed_in=False, anonymous_form=True)
    def sign_in_form(self, request, viewer):
        form = Form(request.form, missing={"email": "Enter your email address"})
        password = request.form.get("password", "")
        form.require_email()
        if not password:
            form.fail("password", "Enter your password")
        target = safe_next(form.get("next"))
        if form.ok:
            started = attempt(form, self.rpc.identity.sign_in,
                              {"email": form.get("email"), "password": password},
                              client_address(request), sign_in_errors_on_form=True)
            if started:
                return _with_session(redirect(target), started)
        return render(request, "identity/sign_in.html", viewer, status=form.status, anonymous=True,
                      title="Sign in", form=form, next=target)

    @page("POST", "/sign-out", signed_in=False)
    def sign_out_form(self, request, viewer):
        token = request.cookies.get(SESSION_COOKIE)
        if viewer is not None and token:
            call(self.rpc.identity.sign_out, token)
        response = redirect("/sign-in?done=signed-out")
        response.headers.add("Set-Cookie", clear_cookie())
        return response

    # --- registering ----------------------------------------------------------------------
    def _register_page(self, request, viewer, form: Form, invitation: str,
                       invited: dict | None = None, status: int = 200):
        # Public records (organisation.created is classified public): ids and names only.
        organisations = [] if invitation else call(self.rpc.identity.organisation_directory)
        return render(request, "identity/register.html", viewer, status=status, anonymous=True,
                      title="Create an account", form=form, invitation=invitation,
                      invited=invited, organisations=organisations, purposes=words.PURPOSES)

    def _invitation(self, token: str) -> dict | None:
        """What the invitation says (organisation, role, name, email), or None if its link has
        expired or been used."""
        try:
            return call(self.rpc.identity.invitation_details, token)
        except BadRequest:
            return None

    def _invitation_unusable(self, request, viewer):
        return render(request, "message.html", viewer, status=400,
                      title="This invitation cannot be used",
                      message="This invitation link has expired, has been cancelled or has "
                              "already been used. Please ask the organisation that invited you "
                              "to send a new one.")

    @page("GET", "/register", signed_in=False)
    def register_page(self, request, viewer):
        token = request.args.get("invitation", "")
        if not token:
            return self._register_page(request, viewer, Form(), "")
        invited = self._invitation(token)
        if invited is None:
            return self._invitation_unusable(request, viewer)
        form = Form()
        form.values.update({k: invited[k] for k in ("name", "email") if invited.get(k)})
        return self._register_page(request, viewer, form, token, invited)

    @page("POST", "/register", signed_in=False, anonymous_form=True)
    def register_form(self, request, viewer):
        form = Form(request.form, missing=_REGISTER_MISSING, anchors={
            "consents": "consents-" + _dashed(next(iter(words.PURPOSES)))})
        invitation = form.get("invitation")
        password = request.form.get("password", "")
        if not invitation:  # checked in the order the questions are asked
            form.require("organisation_id")
        form.require("name")
        form.require_email()
        form.require_password(password, PASSWORD_MIN_LENGTH)
        if form.ok:
            data = {"name": form.get("name"), "email": form.get("email"), "password": password,
                    "consents": [p for p in form.getlist("consents") if p in words.PURPOSES]}
            data.update({"invitation": invitation} if invitation
                        else {"organisation_id": form.get("organisation_id")})
            try:
                call(self.rpc.identity.register, data)
            except BadRequest as exc:
                if "token" not in exc.fields:
                    raise
                return self._invitation_unusable(request, viewer)
            except InvolveError as exc:
                form.from_error(exc)
        if not form.ok:
            invited = self._invitation(invitation) if invitation else None
            if invitation and invited is None:
                return self._invitation_unusable(request, viewer)
            return self._register_page(request, viewer, form, invitation, invited,
                                       status=form.status)
        log.info("a person registered through the web page")
        try:
            started = call(self.rpc.identity.sign_in, {"email": form.get("email"),
                                                       "password": password},
                           client_address(request))
        except InvolveError:
            return redirect("/sign-in?done=registered")
        return _with_session(redirect("/account?done=registered"), started)

    # --- resetting a password -------------------------------------------------------------
    @page("GET", "/reset-password", signed_in=False)
    def reset_password_page(self, request, viewer):
        token = request.args.get("token", "")
        if token:
            return render(request, "identity/reset_choose.html", viewer, anonymous=True,
                          title="Choose a new password", form=Form(), token=token)
        if request.args.get("sent"):
            return render(request, "identity/reset_sent.html", viewer, title="Check your email")
        return render(request, "identity/reset_request.html", viewer, anonymous=True,
                      title="Reset your password", form=Form())

    @page("POST", "/reset-password", signed_in=False, anonymous_form=True)
    def reset_password_form(self, request, viewer):
        token = request.form.get("token", "")
        if token:
            return self._choose_password(request, viewer, token)
        form = Form(request.form, missing={"email": "Enter your email address"})
        form.require_email()
        if form.ok and attempt(form, self.rpc.identity.request_password_reset,
                               {"email": form.get("email")}):
            return redirect("/reset-password?sent=1")
        return render(request, "identity/reset_request.html", viewer, status=form.status, anonymous=True,
                      title="Reset your password", form=form)

    def _choose_password(self, request, viewer, token: str):
        form = Form(request.form, missing={"password": "Choose a new password"})
        password = request.form.get("password", "")
        form.require_password(password, PASSWORD_MIN_LENGTH)
        if form.ok:
            try:
                call(self.rpc.identity.reset_password, {"token": token, "password": password})
                return redirect("/sign-in?done=password-changed")
            except BadRequest as exc:
                if "token" not in exc.fields:
                    raise
                return render(request, "message.html", viewer, status=400,
                              title="This link cannot be used",
                              message="This link has expired or has already been used. Your "
                                      "password has not been changed.",
                              link=("/reset-password", "Ask for a new link"))
            except InvolveError as exc:
                form.from_error(exc)
        return render(request, "identity/reset_choose.html", viewer, status=form.status, anonymous=True,
                      title="Choose a new password", form=form, token=token)

    # --- my account -----------------------------------------------------------------------
    @page("GET", "/account")
    def account_page(self, request, viewer):
        names = {o["id"]: o["name"] for o in call(self.rpc.identity.list_organisations,
                                                  viewer.principal)}
        me = viewer.me
        memberships = sorted((names.get(org, "An organisation"), roles, org)
                             for org, roles in me["roles"].items())
        return render(request, "identity/account.html", viewer, title="My account", me=me,
                      memberships=memberships, purposes=words.PURPOSES,
                      consents=me.get("consents", {}), form=Form(),
                      notification_choices=words.NOTIFICATION_CHOICES,
                      notifications=me.get("notifications", "email_and_inbox"))

    @page("POST", "/account/notifications")
    def account_notifications_form(self, request, viewer):
        choice = request.form.get("notifications", "")
        if choice not in words.NOTIFICATION_CHOICES:
            form = Form(request.form)
            form.fail("notifications", "Choose how you would like to be told about things",
                      anchor="notifications-email_and_inbox")
            me = viewer.me
            return render(request, "identity/account.html", viewer, status=form.status,
                          title="My account", me=me, memberships=[], purposes=words.PURPOSES,
                          consents=me.get("consents", {}), form=form,
                          notification_choices=words.NOTIFICATION_CHOICES,
                          notifications=me.get("notifications", "email_and_inbox"))
        call(self.rpc.identity.set_my_notifications, viewer.principal, {"notifications": choice})
        return redirect("/account?done=notifications-saved#notifications")

    # --- my messages ----------------------------------------------------------------------
    @page("GET", "/account/messages")
    def messages_page(self, request, viewer):
        found = call(self.rpc.identity.my_messages, viewer.principal)
        return render(request, "identity/messages.html", viewer, title="Messages",
                      messages=found, unread=sum(1 for m in found if not m["read_at"]))

    @page("POST", "/account/messages/read")
    def messages_read_form(self, request, viewer):
        call(self.rpc.identity.mark_my_messages_read, viewer.principal)
        return redirect("/account/messages?done=messages-read")

    @page("GET", "/account/messages/<message_id>")
    def message_page(self, request, viewer, message_id):
        message = call(self.rpc.identity.read_my_message, viewer.principal, message_id)
        if message["read_at"] is None and viewer.header:  # read just now: one fewer unread
            viewer.header["unread_messages"] = max(0, viewer.header["unread_messages"] - 1)
        return render(request, "identity/message.html", viewer, title=message["subject"],
                      message=message)

    @page("POST", "/account/consents")
    def account_consent_form(self, request, viewer):
        purpose, given = request.form.get("purpose", ""), request.form.get("given", "")
        if purpose not in words.PURPOSES or given not in ("yes", "no"):
            raise BadRequest("We could not tell which choice you made. Please go back to My "
                             "account and try again.")
        call(self.rpc.identity.set_my_consent, viewer.principal,
             {"purpose": purpose, "given": given == "yes"})
        done = "consent-given" if given == "yes" else "consent-withdrawn"
        return redirect(f"/account?done={done}#consents")

    @page("GET", "/account/download")
    def account_download(self, request, viewer):
        data = call(self.rpc.identity.export_me, viewer.principal)
        return Response(json.dumps(data, ensure_ascii=False, indent=2), mimetype="application/json",
                        headers={**rendering.SECURITY_HEADERS, "Cache-Control": "no-store",
                                 "Content-Disposition": 'attachment; filename="my-involve-data.json"'})

    @page("GET", "/account/delete")
    def account_delete_page(self, request, viewer):
        return render(request, "identity/account_delete.html", viewer, title="Delete my data", form=Form())

    @page("POST", "/account/delete")
    def account_delete_form(self, request, viewer):
        form = Form(request.form)
        if form.get("confirm") != "yes":
            form.fail("confirm", "Tick the box to confirm you want everything deleted",
                      anchor="confirm-yes")
            return render(request, "identity/account_delete.html", viewer, status=form.status,
                          title="Delete my data", form=form)
        call(self.rpc.identity.erase_me, viewer.principal, {"confirm": True})
        log.info("a person erased their data through the web page")
        response = redirect("/account/deleted")
        response.headers.add("Set-Cookie", clear_cookie())
        return response

    @page("GET", "/account/deleted", signed_in=False)
    def account_deleted_page(self, request, viewer):
        return render(request, "identity/account_deleted.html", viewer, title="Your data has been deleted")

    # --- administration: organisations ----------------------------------------------------
    def _organisations_page(self, request, viewer, form: Form, status: int = 200):
        organisations = [o for o in call(self.rpc.identity.list_organisations, viewer.principal)
                         if viewer.administers(o["id"])]
        if not organisations and not viewer.platform_admin:
            raise Forbidden("You do not look after any organisation on Involve. If you think you "
                            "should, ask your organisation's administrator.")
        return render(request, "identity/admin_organisations.html", viewer, status=status,
                      title="Organisations", organisations=organisations, form=form,
                      kinds=words.ORGANISATION_KIND_NAMES)

    @page("GET", "/admin/organisations")
    def organisations_page(self, request, viewer):
        return self._organisations_page(request, viewer, Form(prefix="organisation-"))

    @page("POST", "/admin/organisations")
    def organisation_form(self, request, viewer):
        if not viewer.platform_admin:
            raise Forbidden("Only a platform administrator can create an organisation.")
        form = Form(request.form, prefix="organisation-",
                    missing={"name": "Enter the organisation's name"})
        form.require("name")
        if form.get("kind") not in words.ORGANISATION_KIND_NAMES:
            form.fail("kind", "Choose what kind of organisation it is")
        created = form.ok and attempt(form, self.rpc.identity.create_organisation, viewer.principal,
                                      {"name": form.get("name"), "kind": form.get("kind")})
        if created:
            return redirect(f"/admin/organisations/{created['id']}?done=organisation-created")
        return self._organisations_page(request, viewer, form, status=form.status)

    # --- administration: one organisation, split into pages --------------------------------
    # (path under ORG, words, the action that shows it); the overview is always there.
    SECTIONS = (("", "Overview", None), ("/care-services", "Care services", "care_services.read"),
                ("/people", "People", "people.read"), ("/invitations", "Invitations", "people.manage"),
                ("/tokens", "API tokens", "tokens.manage"), ("/audit", "Audit log", "audit.read"))

    def _admin_render(self, request, viewer, organisation_id: str, template: str, *,
                      status: int = 200, heading: str | None = None, **context):
        if not viewer.administers(organisation_id):
            raise Forbidden("You do not have permission to look after this organisation.")
        organisation = context.pop("organisation", None) or call(
            self.rpc.identity.get_organisation, viewer.principal, organisation_id)
        base = f"/admin/organisations/{organisation_id}"
        sections = [(base + path, words_) for path, words_, action in self.SECTIONS
                    if action is None or viewer.can(action, organisation_id)]
        title = f"{heading}: {organisation['name']}" if heading else organisation["name"]
        return render(request, template, viewer, status=status, title=title, heading=heading,
                      organisation=organisation, sections=sections, base=base,
                      can={a: viewer.can(a, organisation_id) for a in ADMIN_ACTIONS},
                      role_options=[(r, ROLE_NAMES[r], _sentence(ROLE_DESCRIPTIONS[r]))
                                    for r in ROLES],
                      **context)

    def _read(self, viewer, action, method, organisation_id):
        return call(method, viewer.principal, organisation_id) if viewer.can(
            action, organisation_id) else None

    def _people(self, viewer, organisation_id: str) -> tuple[list[dict], bool]:
        """The members, by name for those who may see names (one audited call), else by id."""
        if viewer.can("people.names", organisation_id):
            return call(self.rpc.identity.people_directory, viewer.principal, organisation_id,
                        {}, "the organisation's list of people"), True
        return call(self.rpc.identity.list_people, viewer.principal, organisation_id), False

    @page("GET", ORG)
    def organisation_page(self, request, viewer, organisation_id):
        identity = self.rpc.identity
        return self._admin_render(
            request, viewer, organisation_id, "identity/admin_organisation.html",
            care_services=self._read(viewer, "care_services.read", identity.list_care_services,
                                     organisation_id),
            people=self._read(viewer, "people.read", identity.list_people, organisation_id),
            tokens=self._read(viewer, "tokens.manage", identity.list_tokens, organisation_id))

    def _care_services_page(self, request, viewer, organisation_id, form: Form):
        require(viewer.principal, "care_services.read", organisation_id)
        return self._admin_render(
            request, viewer, organisation_id, "identity/admin_care_services.html",
            status=form.status, heading="Care services", form=form,
            care_services=call(self.rpc.identity.list_care_services, viewer.principal,
                               organisation_id), care_kinds=words.CARE_SERVICE_KIND_NAMES)

    @page("GET", ORG + "/care-services")
    def care_services_page(self, request, viewer, organisation_id):
        return self._care_services_page(request, viewer, organisation_id, Form(prefix="care-"))

    @page("POST", ORG + "/care-services")
    def care_service_form(self, request, viewer, organisation_id):
        require(viewer.principal, "care_services.manage", organisation_id)
        form = Form(request.form, prefix="care-", missing={"name": "Enter the service's name"})
        form.require("name")
        if form.get("kind") not in words.CARE_SERVICE_KIND_NAMES:
            form.fail("kind", "Choose what kind of service it is")
        data = {"name": form.get("name"), "kind": form.get("kind"),
                **form.optional("region", "address", "public_phone", "public_email", "website")}
        if form.ok and attempt(form, self.rpc.identity.create_care_service, viewer.principal,
                               organisation_id, data) and form.ok:
            return redirect(f"/admin/organisations/{organisation_id}/care-services"
                            "?done=care-service-added")
        return self._care_services_page(request, viewer, organisation_id, form)

    def _people_page(self, request, viewer, organisation_id, form: Form):
        require(viewer.principal, "people.read", organisation_id)
        people, named = self._people(viewer, organisation_id)
        return self._admin_render(
            request, viewer, organisation_id, "identity/admin_people.html", status=form.status,
            heading="People", form=form, people=people, named=named)

    @page("GET", ORG + "/people")
    def people_page(self, request, viewer, organisation_id):
        return self._people_page(request, viewer, organisation_id, Form(prefix="person-"))

    def _person_form(self, request, prefix: str, email_required: bool) -> Form:
        form = Form(request.form, prefix=prefix, missing=_PERSON_MISSING,
                    anchors={"role": prefix + "role-" + ROLES[0]})
        form.require("name")
        if email_required or form.get("email"):
            form.require_email()
        if form.get("role") not in ROLES:
            form.fail("role", "Choose their role")
        return form

    @page("POST", ORG + "/people")
    def person_form(self, request, viewer, organisation_id):
        require(viewer.principal, "people.manage", organisation_id)
        form = self._person_form(request, "person-", email_required=False)
        data = {"name": form.get("name"), "roles": [form.get("role")],
                **form.optional("email", "phone")}
        if form.ok and attempt(form, self.rpc.identity.create_person, viewer.principal,
                               organisation_id, data) and form.ok:
            log.info("a person was added to an organisation through the web page")
            return redirect(f"/admin/organisations/{organisation_id}/people?done=person-added")
        return self._people_page(request, viewer, organisation_id, form)

    def _add_role_page(self, request, viewer, organisation_id, form: Form, data):
        require(viewer.principal, "roles.manage", organisation_id)
        chooser = people_picker(self.rpc, viewer, organisation_id, data,
                                reason="choosing people to give a role")
        return self._admin_render(
            request, viewer, organisation_id, "identity/admin_add_role.html",
            status=form.status, heading="Give people a role", form=form, picker=chooser)

    @page("GET", ORG + "/people/add-role")
    def add_role_page(self, request, viewer, organisation_id):
        return self._add_role_page(request, viewer, organisation_id, Form(request.args),
                                   request.args)

    @page("POST", ORG + "/people/add-role")
    def add_role_form(self, request, viewer, organisation_id):
        """Tick people by name (the picker), choose a role: each keeps their other roles."""
        require(viewer.principal, "roles.manage", organisation_id)
        form = Form(request.form, anchors={"role": "role-" + ROLES[0],
                                           "person_ids": "person-ids-q"})
        if searching(request.form):
            return self._add_role_page(request, viewer, organisation_id, form, request.form)
        chooser = people_picker(self.rpc, viewer, organisation_id, request.form,
                                reason="giving people a role")
        if not chooser.chosen:
            form.fail("person_ids", "Tick at least one person")
        role = form.get("role")
        if role not in ROLES:
            form.fail("role", "Choose the role to give them")
        if form.ok:
            for person in chooser.chosen:
                if role not in person.roles:
                    call(self.rpc.identity.set_roles, viewer.principal, organisation_id,
                         person.id, {"roles": sorted({*person.roles, role})})
            return redirect(f"/admin/organisations/{organisation_id}/people?done=roles-changed")
        return self._add_role_page(request, viewer, organisation_id, form, request.form)

    # --- administration: invitations ------------------------------------------------------
    def _invitations_page(self, request, viewer, organisation_id, form: Form):
        require(viewer.principal, "people.manage", organisation_id)
        return self._admin_render(
            request, viewer, organisation_id, "identity/admin_invitations.html",
            status=form.status, heading="Invitations", form=form,
            invitations=call(self.rpc.identity.list_invitations, viewer.principal,
                             organisation_id))

    @page("GET", ORG + "/invitations")
    def invitations_page(self, request, viewer, organisation_id):
        return self._invitations_page(request, viewer, organisation_id, Form(prefix="invite-"))

    @page("POST", ORG + "/invitations")
    def invitation_form(self, request, viewer, organisation_id):
        require(viewer.principal, "people.manage", organisation_id)
        form = self._person_form(request, "invite-", email_required=True)
        data = {"name": form.get("name"), "email": form.get("email"), "role": form.get("role")}
        if form.ok and attempt(form, self.rpc.identity.invite, viewer.principal,
                               organisation_id, data) and form.ok:
            return redirect(f"/admin/organisations/{organisation_id}/invitations"
                            "?done=invitation-sent")
        return self._invitations_page(request, viewer, organisation_id, form)

    def _pending_invitation(self, viewer, organisation_id, invitation_id) -> dict:
        for invitation in call(self.rpc.identity.list_invitations, viewer.principal,
                               organisation_id):
            if invitation["id"] == invitation_id:
                return invitation
        raise NotFound("We could not find that invitation. It may have been answered or "
                       "cancelled already.")

    @page("POST", ORG + "/invitations/<invitation_id>/resend")
    def invitation_resend_form(self, request, viewer, organisation_id, invitation_id):
        require(viewer.principal, "people.manage", organisation_id)
        call(self.rpc.identity.resend_invitation, viewer.principal, organisation_id,
             invitation_id)
        return redirect(f"/admin/organisations/{organisation_id}/invitations"
                        "?done=invitation-resent")

    @page("GET", ORG + "/invitations/<invitation_id>/cancel")
    def invitation_cancel_question(self, request, viewer, organisation_id, invitation_id):
        require(viewer.principal, "people.manage", organisation_id)
        invitation = self._pending_invitation(viewer, organisation_id, invitation_id)
        who = invitation["name"] or "this person"
        back = f"/admin/organisations/{organisation_id}/invitations"
        return confirm.ask(request, viewer, confirm.Question(
            title=f"Cancel the invitation to {who}?",
            consequences=[f"The link we emailed to {invitation['email'] or who} will stop "
                          "working at once.",
                          f"{who} will not be told. If they try the link, they will be asked "
                          "to contact you.",
                          "You can invite them again later if you change your mind."],
            button="Cancel the invitation", back=(back, "No, keep the invitation"),
            breadcrumb=(back, "Back to the invitations")))

    @page("POST", ORG + "/invitations/<invitation_id>/cancel")
    def invitation_cancel_form(self, request, viewer, organisation_id, invitation_id):
        require(viewer.principal, "people.manage", organisation_id)
        if not confirm.confirmed(request):
            return confirm.to_question(request)
        call(self.rpc.identity.cancel_invitation, viewer.principal, organisation_id,
             invitation_id)
        return redirect(f"/admin/organisations/{organisation_id}/invitations"
                        "?done=invitation-cancelled")

    # --- administration: roles ------------------------------------------------------------
    def _roles_page(self, request, viewer, organisation_id, person_id, form: Form):
        require(viewer.principal, "roles.manage", organisation_id)
        people, _ = self._people(viewer, organisation_id)
        person = next((p for p in people if p["id"] == person_id), None)
        if person is None:
            raise NotFound("We could not find that person in this organisation.")
        return self._admin_render(
            request, viewer, organisation_id, "identity/admin_roles.html", status=form.status,
            heading="Change roles", person=person, form=form,
            ticked=form.getlist("roles") if not form.ok else person["roles"], roles=ROLES)

    @page("GET", ORG + "/people/<person_id>/roles")
    def roles_page(self, request, viewer, organisation_id, person_id):
        return self._roles_page(request, viewer, organisation_id, person_id, Form())

    @page("POST", ORG + "/people/<person_id>/roles")
    def roles_form(self, request, viewer, organisation_id, person_id):
        require(viewer.principal, "roles.manage", organisation_id)
        form = Form(request.form, anchors={"roles": "roles-" + _dashed(ROLES[0])})
        roles = [r for r in form.getlist("roles") if r in ROLES]
        if not roles and not confirm.confirmed(request):
            # no role left means leaving the organisation: they could only come back by a new
            # invitation, so ask first
            people, _named = self._people(viewer, organisation_id)
            person = next((p for p in people if p["id"] == person_id), None)
            if person is None:
                raise NotFound("We could not find that person in this organisation.")
            who = person.get("name") or "this person"
            back = f"/admin/organisations/{organisation_id}/people/{person_id}/roles"
            return confirm.ask(request, viewer, confirm.Question(
                title=f"Remove {who} from the organisation?",
                consequences=[f"{who.capitalize() if who == 'this person' else who} will have "
                              "no role here, so they will no longer see or do anything for "
                              "this organisation.",
                              "To bring them back you would need to invite them again."],
                button="Remove them from the organisation", back=(back, "No, go back to their roles")))
        if attempt(form, self.rpc.identity.set_roles, viewer.principal, organisation_id,
                   person_id, {"roles": roles}) is not None and form.ok:
            return redirect(f"/admin/organisations/{organisation_id}/people?done=roles-changed")
        return self._roles_page(request, viewer, organisation_id, person_id, form)

    # --- administration: API tokens -------------------------------------------------------
    def _tokens_page(self, request, viewer, organisation_id, form: Form):
        require(viewer.principal, "tokens.manage", organisation_id)
        return self._admin_render(
            request, viewer, organisation_id, "identity/admin_tokens.html", status=form.status,
            heading="API tokens", form=form, permissions=words.PERMISSION_NAMES,
            tokens=call(self.rpc.identity.list_tokens, viewer.principal, organisation_id),
            token_days=(TOKEN_DAYS_MIN, TOKEN_DAYS_MAX, TOKEN_DAYS_DEFAULT))

    @page("GET", ORG + "/tokens")
    def tokens_page(self, request, viewer, organisation_id):
        return self._tokens_page(request, viewer, organisation_id, Form(prefix="token-"))

    @page("POST", ORG + "/tokens")
    def token_form(self, request, viewer, organisation_id):
        require(viewer.principal, "tokens.manage", organisation_id)
        form = Form(request.form, prefix="token-", missing={"name": "Give the token a name"},
                    anchors={"permissions": "token-permissions-"
                             + _dashed(next(iter(words.PERMISSION_NAMES)))})
        form.require("name")
        permissions = [p for p in form.getlist("permissions") if p in TOKEN_PERMISSIONS]
        if not permissions:
            form.fail("permissions", "Choose at least one thing the token may do")
        days = form.get("expires_in_days", str(TOKEN_DAYS_DEFAULT))
        if not days.isdigit() or not TOKEN_DAYS_MIN <= int(days) <= TOKEN_DAYS_MAX:
            form.fail("expires_in_days",
                      f"Enter a number of days from {TOKEN_DAYS_MIN} to {TOKEN_DAYS_MAX}")
        created = form.ok and attempt(form, self.rpc.identity.create_token, viewer.principal,
                                      organisation_id, {"name": form.get("name"),
                                                        "permissions": permissions,
                                                        "expires_in_days": int(days)})
        if not created:
            return self._tokens_page(request, viewer, organisation_id, form)
        return self._admin_render(
            request, viewer, organisation_id, "identity/admin_token_created.html", status=201,
            heading="Your new API token", token=created, permissions=words.PERMISSION_NAMES)

    def _token(self, viewer, organisation_id, token_id) -> dict:
        for token in call(self.rpc.identity.list_tokens, viewer.principal, organisation_id):
            if token["id"] == token_id:
                return token
        raise NotFound("We could not find that API token.")

    @page("GET", ORG + "/tokens/<token_id>/revoke")
    def revoke_token_question(self, request, viewer, organisation_id, token_id):
        require(viewer.principal, "tokens.manage", organisation_id)
        token = self._token(viewer, organisation_id, token_id)
        back = f"/admin/organisations/{organisation_id}/tokens"
        if token["revoked_at"]:
            return redirect(back)
        return confirm.ask(request, viewer, confirm.Question(
            title=f"Revoke the API token “{token['name']}”?",
            consequences=["It stops working at once: any system using it will be refused "
                          "from its next request.",
                          "This cannot be undone. To let a system in again, create a new "
                          "token and give it that one."],
            button="Revoke the token", back=(back, "No, keep it working"),
            breadcrumb=(back, "Back to the API tokens")))

    @page("POST", ORG + "/tokens/<token_id>/revoke")
    def revoke_token_form(self, request, viewer, organisation_id, token_id):
        require(viewer.principal, "tokens.manage", organisation_id)
        if not confirm.confirmed(request):
            return confirm.to_question(request)
        call(self.rpc.identity.revoke_token, viewer.principal, organisation_id, token_id)
        return redirect(f"/admin/organisations/{organisation_id}/tokens?done=token-revoked")

    # --- administration: the audit log ----------------------------------------------------
    @page("GET", ORG + "/audit")
    def audit_page(self, request, viewer, organisation_id):
        require(viewer.principal, "audit.read", organisation_id)
        entries = call(self.rpc.identity.audit_log, viewer.principal, organisation_id)
        ids = [e["actor"].split(":", 1)[1] for e in entries if e["actor"].startswith("person:")]
        ids += [e["subject_person_id"] for e in entries if e["subject_person_id"]]
        names = names_for(self.rpc, viewer, organisation_id, ids, "the audit log")
        return self._admin_render(
            request, viewer, organisation_id, "identity/admin_audit.html", heading="Audit log",
            audit=entries, names=names, actions=words.AUDIT_ACTIONS)
