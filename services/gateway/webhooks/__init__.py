"""The webhooks area: endpoints, secrets and the delivery log, for organisation admins."""
