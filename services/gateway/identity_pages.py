"""The identity web pages: sign in and out, register, reset a password, My account, and the
administration of organisations (care services, people and roles, invitations, API tokens and
the audit log).

Plain HTML forms with POST and redirect-after-post; no JavaScript. The shared machinery
(sign-in, CSRF, errors, rendering) is in forms.py. Each change is checked here against the
shared policy and again by identity.
"""
from __future__ import annotations

import json
import logging

from werkzeug.wrappers import Response

from involve.kernel.errors import BadRequest, Forbidden, InvolveError, NotFound
from involve.kernel.policy import ROLES, TOKEN_PERMISSIONS, require

from . import forms, pages
from .auth import SESSION_COOKIE, clear_cookie, session_cookie
from .forms import Form, attempt, page, redirect, render, viewer_of
from .identity_api import client_address
from .routes import call

log = logging.getLogger(__name__)

ORG = "/admin/organisations/<organisation_id>"
_REGISTER_MISSING = {"name": "Enter your name", "email": "Enter your email address",
                     "password": "Choose a password",
                     "organisation_id": "Choose the organisation you are joining"}
_PERSON_MISSING = {"name": "Enter their name", "email": "Enter their email address",
                   "role": "Choose their role"}


def _dashed(value: str) -> str:
    return value.replace("_", "-").replace(".", "-")


def _with_session(response: Response, started: dict) -> Response:
    response.headers.add("Set-Cookie", session_cookie(started["session_token"],
                                                      started["expires_in_seconds"]))
    return response


class IdentityPages:
    def page_viewer(self, request):
        """Who is signed in, for pages outside this module (the home page); never fails."""
        return viewer_of(self.rpc, request)

    # --- signing in and out ---------------------------------------------------------------
    @page("GET", "/sign-in", signed_in=False)
    def sign_in_page(self, request, viewer):
        target = forms.safe_next(request.args.get("next"))
        if viewer is not None:
            return redirect(target)
        return render(request, "sign_in.html", viewer, anonymous=True, title="Sign in",
                      form=Form(), next=target)

    @page("POST", "/sign-in", signed_in=False, anonymous_form=True)
    def sign_in_form(self, request, viewer):
        form = Form(request.form, missing={"email": "Enter your email address"})
        password = request.form.get("password", "")
        form.require_email()
        if not password:
            form.fail("password", "Enter your password")
        target = forms.safe_next(form.get("next"))
        if form.ok:
            started = attempt(form, self.rpc.identity.sign_in,
                              {"email": form.get("email"), "password": password},
                              client_address(request), sign_in_errors_on_form=True)
            if started:
                return _with_session(redirect(target), started)
        return render(request, "sign_in.html", viewer, status=form.status, anonymous=True,
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
    def _register_page(self, request, viewer, form: Form, invitation: str, status: int = 200):
        # Public records (organisation.created is classified public): ids and names only.
        organisations = [] if invitation else call(self.rpc.identity.organisation_directory)
        return render(request, "register.html", viewer, status=status, anonymous=True,
                      title="Create an account", form=form, invitation=invitation,
                      organisations=organisations, purposes=forms.PURPOSES)

    @page("GET", "/register", signed_in=False)
    def register_page(self, request, viewer):
        return self._register_page(request, viewer, Form(), request.args.get("invitation", ""))

    @page("POST", "/register", signed_in=False, anonymous_form=True)
    def register_form(self, request, viewer):
        form = Form(request.form, missing=_REGISTER_MISSING, anchors={
            "consents": "consents-" + _dashed(next(iter(forms.PURPOSES)))})
        invitation = form.get("invitation")
        password = request.form.get("password", "")
        if not invitation:  # checked in the order the questions are asked
            form.require("organisation_id")
        form.require("name")
        form.require_email()
        form.require_password(password)
        if form.ok:
            data = {"name": form.get("name"), "email": form.get("email"), "password": password,
                    "consents": [p for p in form.getlist("consents") if p in forms.PURPOSES]}
            data.update({"invitation": invitation} if invitation
                        else {"organisation_id": form.get("organisation_id")})
            try:
                call(self.rpc.identity.register, data)
            except BadRequest as exc:
                if "token" not in exc.fields:
                    raise
                return render(request, "message.html", viewer, status=400,
                              title="This invitation cannot be used",
                              message="This invitation link has expired or has already been "
                                      "used. Please ask the organisation that invited you to "
                                      "send a new one.")
            except InvolveError as exc:
                form.from_error(exc)
        if not form.ok:
            return self._register_page(request, viewer, form, invitation, status=form.status)
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
            return render(request, "reset_choose.html", viewer, anonymous=True,
                          title="Choose a new password", form=Form(), token=token)
        if request.args.get("sent"):
            return render(request, "reset_sent.html", viewer, title="Check your email")
        return render(request, "reset_request.html", viewer, anonymous=True,
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
        return render(request, "reset_request.html", viewer, status=form.status, anonymous=True,
                      title="Reset your password", form=form)

    def _choose_password(self, request, viewer, token: str):
        form = Form(request.form, missing={"password": "Choose a new password"})
        password = request.form.get("password", "")
        form.require_password(password)
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
        return render(request, "reset_choose.html", viewer, status=form.status, anonymous=True,
                      title="Choose a new password", form=form, token=token)

    # --- my account -----------------------------------------------------------------------
    @page("GET", "/account")
    def account_page(self, request, viewer):
        names = {o["id"]: o["name"] for o in call(self.rpc.identity.list_organisations,
                                                  viewer.principal)}
        me = viewer.me
        memberships = sorted((names.get(org, "An organisation"), roles, org)
                             for org, roles in me["roles"].items())
        return render(request, "account.html", viewer, title="My account", me=me,
                      memberships=memberships, purposes=forms.PURPOSES,
                      consents=me.get("consents", {}))

    @page("POST", "/account/consents")
    def account_consent_form(self, request, viewer):
        purpose, given = request.form.get("purpose", ""), request.form.get("given", "")
        if purpose not in forms.PURPOSES or given not in ("yes", "no"):
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
                        headers={**pages.SECURITY_HEADERS, "Cache-Control": "no-store",
                                 "Content-Disposition": 'attachment; filename="my-involve-data.json"'})

    @page("GET", "/account/delete")
    def account_delete_page(self, request, viewer):
        return render(request, "account_delete.html", viewer, title="Delete my data", form=Form())

    @page("POST", "/account/delete")
    def account_delete_form(self, request, viewer):
        form = Form(request.form)
        if form.get("confirm") != "yes":
            form.fail("confirm", "Tick the box to confirm you want everything deleted",
                      anchor="confirm-yes")
            return render(request, "account_delete.html", viewer, status=form.status,
                          title="Delete my data", form=form)
        call(self.rpc.identity.erase_me, viewer.principal, {"confirm": True})
        log.info("a person erased their data through the web page")
        response = redirect("/account/deleted")
        response.headers.add("Set-Cookie", clear_cookie())
        return response

    @page("GET", "/account/deleted", signed_in=False)
    def account_deleted_page(self, request, viewer):
        return render(request, "account_deleted.html", viewer, title="Your data has been deleted")

    # --- administration: organisations ----------------------------------------------------
    def _organisations_page(self, request, viewer, form: Form, status: int = 200):
        organisations = [o for o in call(self.rpc.identity.list_organisations, viewer.principal)
                         if viewer.administers(o["id"])]
        if not organisations and not viewer.platform_admin:
            raise Forbidden("You do not look after any organisation on Involve. If you think you "
                            "should, ask your organisation's administrator.")
        return render(request, "admin_organisations.html", viewer, status=status,
                      title="Organisations", organisations=organisations, form=form,
                      kinds=forms.ORGANISATION_KIND_NAMES)

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
        if form.get("kind") not in forms.ORGANISATION_KIND_NAMES:
            form.fail("kind", "Choose what kind of organisation it is")
        created = form.ok and attempt(form, self.rpc.identity.create_organisation, viewer.principal,
                                      {"name": form.get("name"), "kind": form.get("kind")})
        if created:
            return redirect(f"/admin/organisations/{created['id']}?done=organisation-created")
        return self._organisations_page(request, viewer, form, status=form.status)

    def _organisation_page(self, request, viewer, organisation_id: str, failed: Form | None = None):
        if not viewer.administers(organisation_id):
            raise Forbidden("You do not have permission to look after this organisation.")
        identity, can = self.rpc.identity, viewer.can

        def read(action, method):
            return call(method, viewer.principal, organisation_id) if can(
                action, organisation_id) else None

        blank = {p: Form(prefix=p) for p in ("care-", "person-", "invite-", "token-")}
        if failed is not None:
            blank[failed.prefix] = failed
        organisation = call(identity.get_organisation, viewer.principal, organisation_id)
        return render(
            request, "admin_organisation.html", viewer, status=failed.status if failed else 200,
            title=organisation["name"], organisation=organisation,
            care_services=read("care_services.read", identity.list_care_services),
            people=read("people.read", identity.list_people),
            tokens=read("tokens.manage", identity.list_tokens),
            audit=read("audit.read", identity.audit_log),
            can={a: can(a, organisation_id) for a in forms.ADMIN_ACTIONS},
            failed_form=failed, care_form=blank["care-"], person_form=blank["person-"],
            invite_form=blank["invite-"], token_form=blank["token-"],
            care_kinds=forms.CARE_SERVICE_KIND_NAMES, permissions=forms.PERMISSION_NAMES,
            roles=ROLES)

    @page("GET", ORG)
    def organisation_page(self, request, viewer, organisation_id):
        return self._organisation_page(request, viewer, organisation_id)

    def _changed(self, request, viewer, organisation_id, form, result, done, section):
        if result is not None and form.ok:
            return redirect(f"/admin/organisations/{organisation_id}?done={done}#{section}")
        return self._organisation_page(request, viewer, organisation_id, failed=form)

    @page("POST", ORG + "/care-services")
    def care_service_form(self, request, viewer, organisation_id):
        require(viewer.principal, "care_services.manage", organisation_id)
        form = Form(request.form, prefix="care-", missing={"name": "Enter the service's name"})
        form.require("name")
        if form.get("kind") not in forms.CARE_SERVICE_KIND_NAMES:
            form.fail("kind", "Choose what kind of service it is")
        data = {"name": form.get("name"), "kind": form.get("kind"),
                **form.optional("region", "address", "public_phone", "public_email", "website")}
        result = form.ok and attempt(form, self.rpc.identity.create_care_service,
                                     viewer.principal, organisation_id, data)
        return self._changed(request, viewer, organisation_id, form, result or None,
                             "care-service-added", "care-services")

    def _person_form(self, request, prefix: str, email_required: bool) -> Form:
        form = Form(request.form, prefix=prefix, missing=_PERSON_MISSING)
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
        result = form.ok and attempt(form, self.rpc.identity.create_person, viewer.principal,
                                     organisation_id, data)
        if result:
            log.info("a person was added to an organisation through the web page")
        return self._changed(request, viewer, organisation_id, form, result or None,
                             "person-added", "people")

    @page("POST", ORG + "/invitations")
    def invitation_form(self, request, viewer, organisation_id):
        require(viewer.principal, "people.manage", organisation_id)
        form = self._person_form(request, "invite-", email_required=True)
        data = {"name": form.get("name"), "email": form.get("email"), "role": form.get("role")}
        result = form.ok and attempt(form, self.rpc.identity.invite, viewer.principal,
                                     organisation_id, data)
        return self._changed(request, viewer, organisation_id, form, result or None,
                             "invitation-sent", "invite")

    # --- administration: roles ------------------------------------------------------------
    def _roles_page(self, request, viewer, organisation_id, person_id, form: Form):
        require(viewer.principal, "roles.manage", organisation_id)
        people = call(self.rpc.identity.list_people, viewer.principal, organisation_id)
        person = next((p for p in people if p["id"] == person_id), None)
        if person is None:
            raise NotFound("We could not find that person in this organisation.")
        organisation = call(self.rpc.identity.get_organisation, viewer.principal, organisation_id)
        return render(request, "admin_roles.html", viewer, status=form.status,
                      title="Change roles", organisation=organisation, person=person, form=form,
                      ticked=form.getlist("roles") if not form.ok else person["roles"], roles=ROLES)

    @page("GET", ORG + "/people/<person_id>/roles")
    def roles_page(self, request, viewer, organisation_id, person_id):
        return self._roles_page(request, viewer, organisation_id, person_id, Form())

    @page("POST", ORG + "/people/<person_id>/roles")
    def roles_form(self, request, viewer, organisation_id, person_id):
        require(viewer.principal, "roles.manage", organisation_id)
        form = Form(request.form, anchors={"roles": "roles-" + _dashed(ROLES[0])})
        roles = [r for r in form.getlist("roles") if r in ROLES]
        if attempt(form, self.rpc.identity.set_roles, viewer.principal, organisation_id,
                   person_id, {"roles": roles}) is not None and form.ok:
            return redirect(f"/admin/organisations/{organisation_id}?done=roles-changed#people")
        return self._roles_page(request, viewer, organisation_id, person_id, form)

    # --- administration: API tokens -------------------------------------------------------
    @page("POST", ORG + "/tokens")
    def token_form(self, request, viewer, organisation_id):
        require(viewer.principal, "tokens.manage", organisation_id)
        form = Form(request.form, prefix="token-", missing={"name": "Give the token a name"},
                    anchors={"permissions": "token-permissions-"
                             + _dashed(next(iter(forms.PERMISSION_NAMES)))})
        form.require("name")
        permissions = [p for p in form.getlist("permissions") if p in TOKEN_PERMISSIONS]
        if not permissions:
            form.fail("permissions", "Choose at least one thing the token may do")
        days = form.get("expires_in_days", "90")
        if not days.isdigit() or not 1 <= int(days) <= 366:
            form.fail("expires_in_days", "Enter a number of days from 1 to 366")
        created = form.ok and attempt(form, self.rpc.identity.create_token, viewer.principal,
                                      organisation_id, {"name": form.get("name"),
                                                        "permissions": permissions,
                                                        "expires_in_days": int(days)})
        if not created:
            return self._organisation_page(request, viewer, organisation_id, failed=form)
        organisation = call(self.rpc.identity.get_organisation, viewer.principal, organisation_id)
        return render(request, "admin_token_created.html", viewer, status=201,
                      title="Your new API token", token=created, organisation=organisation,
                      permissions=forms.PERMISSION_NAMES)

    @page("POST", ORG + "/tokens/<token_id>/revoke")
    def revoke_token_form(self, request, viewer, organisation_id, token_id):
        require(viewer.principal, "tokens.manage", organisation_id)
        call(self.rpc.identity.revoke_token, viewer.principal, organisation_id, token_id)
        return redirect(f"/admin/organisations/{organisation_id}?done=token-revoked#tokens")
