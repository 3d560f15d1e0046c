"""The webhooks pages for organisation admins: the list of endpoints with a form to add one, the
secret shown once, and each endpoint's page (change, turn off or on, new secret, delete, the
delivery log with "send again"). Plain forms with redirect-after-post; errors beside the fields.
"""
from __future__ import annotations

from involve.kernel.policy import require
from involve.kernel.rpc import call

from ..web.forms import Form, attempt
from ..web.pages import page, redirect, render
from . import words

ORG = "/admin/organisations/<organisation_id>/webhooks"
ONE = ORG + "/<webhook_id>"
ACTION = "webhooks.manage"


def _base(organisation_id: str) -> str:
    return f"/admin/organisations/{organisation_id}/webhooks"


def _anchors(prefix: str) -> dict:
    first = words.event_options()[0][0].replace("_", "-").replace(".", "-")
    return {"event_types": f"{prefix}event-types-{first}"}


def _values(form: Form) -> dict:
    return {"url": form.get("url"), "description": form.get("description"),
            "event_types": form.getlist("event_types")}


class WebhooksPages:
    def _webhooks_page(self, request, viewer, organisation_id, form: Form):
        require(viewer.principal, ACTION, organisation_id)
        organisation = call(self.rpc.identity.get_organisation, viewer.principal, organisation_id)
        hooks = call(self.rpc.webhooks.list_webhooks, viewer.principal, organisation_id)
        return render(request, "webhooks/list.html", viewer, status=form.status, title="Webhooks",
                      organisation=organisation, webhooks=hooks, form=form,
                      options=words.event_options(), words=words)

    @page("GET", ORG)
    def webhooks_page(self, request, viewer, organisation_id):
        return self._webhooks_page(request, viewer, organisation_id, Form(prefix="new-"))

    @page("POST", ORG)
    def webhooks_create_form(self, request, viewer, organisation_id):
        require(viewer.principal, ACTION, organisation_id)
        form = Form(request.form, prefix="new-", missing=words.MISSING,
                    anchors=_anchors("new-"))
        form.require("url")
        if not form.getlist("event_types"):
            form.fail("event_types", words.MISSING["event_types"])
        created = form.ok and attempt(form, self.rpc.webhooks.create_webhook, viewer.principal,
                                      organisation_id, _values(form))
        if not created:
            return self._webhooks_page(request, viewer, organisation_id, form)
        organisation = call(self.rpc.identity.get_organisation, viewer.principal, organisation_id)
        return render(request, "webhooks/secret.html", viewer, status=201,
                      title="Your webhook's secret", organisation=organisation, webhook=created,
                      secret=created["secret"], new=True)

    def _webhook_page(self, request, viewer, organisation_id, webhook_id, form: Form):
        require(viewer.principal, ACTION, organisation_id)
        hook = call(self.rpc.webhooks.get_webhook, viewer.principal, organisation_id, webhook_id)
        log = call(self.rpc.webhooks.list_deliveries, viewer.principal, organisation_id,
                   webhook_id, {})
        organisation = call(self.rpc.identity.get_organisation, viewer.principal, organisation_id)
        ticked = form.getlist("event_types") if not form.ok else hook["event_types"]
        if form.ok:
            form.values.update(url=hook["url"], description=hook["description"])
        return render(request, "webhooks/webhook.html", viewer, status=form.status,
                      title="Webhook", organisation=organisation, webhook=hook, deliveries=log,
                      form=form, ticked=ticked, options=words.event_options(), words=words)

    @page("GET", ONE)
    def webhook_page(self, request, viewer, organisation_id, webhook_id):
        return self._webhook_page(request, viewer, organisation_id, webhook_id, Form())

    @page("POST", ONE)
    def webhook_change_form(self, request, viewer, organisation_id, webhook_id):
        require(viewer.principal, ACTION, organisation_id)
        form = Form(request.form, missing=words.MISSING, anchors=_anchors(""))
        form.require("url")
        if not form.getlist("event_types"):
            form.fail("event_types", words.MISSING["event_types"])
        if form.ok and attempt(form, self.rpc.webhooks.change_webhook, viewer.principal,
                               organisation_id, webhook_id, _values(form)) is not None:
            return redirect(f"{_base(organisation_id)}/{webhook_id}?done=webhook-changed")
        return self._webhook_page(request, viewer, organisation_id, webhook_id, form)

    @page("POST", ONE + "/enabled")
    def webhook_switch_form(self, request, viewer, organisation_id, webhook_id):
        require(viewer.principal, ACTION, organisation_id)
        turn_on = request.form.get("enabled") == "yes"
        call(self.rpc.webhooks.change_webhook, viewer.principal, organisation_id, webhook_id,
             {"enabled": turn_on})
        done = "webhook-on" if turn_on else "webhook-off"
        return redirect(f"{_base(organisation_id)}/{webhook_id}?done={done}")

    @page("POST", ONE + "/rotate-secret")
    def webhook_rotate_form(self, request, viewer, organisation_id, webhook_id):
        require(viewer.principal, ACTION, organisation_id)
        hook = call(self.rpc.webhooks.get_webhook, viewer.principal, organisation_id, webhook_id)
        rotated = call(self.rpc.webhooks.rotate_secret, viewer.principal, organisation_id,
                       webhook_id)
        organisation = call(self.rpc.identity.get_organisation, viewer.principal, organisation_id)
        return render(request, "webhooks/secret.html", viewer, title="Your webhook's new secret",
                      organisation=organisation, webhook=hook, secret=rotated["secret"],
                      new=False, overlap_until=rotated["previous_secret_expires_at"])

    @page("POST", ONE + "/delete")
    def webhook_delete_form(self, request, viewer, organisation_id, webhook_id):
        require(viewer.principal, ACTION, organisation_id)
        call(self.rpc.webhooks.delete_webhook, viewer.principal, organisation_id, webhook_id)
        return redirect(f"{_base(organisation_id)}?done=webhook-deleted")

    @page("POST", ONE + "/deliveries/<delivery_id>/replay")
    def webhook_replay_form(self, request, viewer, organisation_id, webhook_id, delivery_id):
        require(viewer.principal, ACTION, organisation_id)
        call(self.rpc.webhooks.replay_delivery, viewer.principal, organisation_id, webhook_id,
             delivery_id)
        return redirect(f"{_base(organisation_id)}/{webhook_id}?done=delivery-replayed#deliveries")
