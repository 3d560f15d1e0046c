"""Configuration: embedded defaults, an optional YAML file, then environment variables.

The platform runs with no set-up at all: every setting has a default that uses local SQLite
files and a RabbitMQ on localhost. A YAML file (``INVOLVE_CONFIG`` or ``--config``) may override
any key and may use ``${VAR:default}`` in unquoted values (Nameko's loader). Environment variables
named ``INVOLVE_<KEY>`` (and the plain ``AMQP_URI``) win over both.
"""
from __future__ import annotations

import os
from pathlib import Path

import yaml

DEFAULTS: dict = {
    "AMQP_URI": "pyamqp://guest:guest@localhost:5672/",
    # RabbitMQ's management API; `involve up` enables it on the broker it starts.
    "RABBIT_MANAGEMENT_URI": "http://guest:guest@localhost:15672",
    "DATA_DIR": "./data",
    # One database per service: "{service}" is replaced by the service's name.
    # Empty means a SQLite file per service under DATA_DIR.
    "DATABASE_URL": "",
    "WEB_SERVER_ADDRESS": "127.0.0.1:8000",
    "GATEWAY_URL": "http://localhost:8000",
    "LOG_LEVEL": "INFO",
    "LOG_FORMAT": "json",
    # `involve up` loads the services' code once and forks each service from it, so that they
    # share that memory; false starts each as a fresh interpreter (as containers run).
    "UP_FORK": True,
    # Fail start-up when a plugin is broken (CI sets this).
    "PLUGINS_STRICT": False,
    # How often the outbox relay looks for unsent events, in seconds.
    "OUTBOX_POLL_SECONDS": 0.5,
    # How long relayed events stay in each service's outbox (days), so a consumer that lost them
    # (reporting, `involve reporting backfill`) can have them sent again. 0 keeps them forever.
    "OUTBOX_RETENTION_DAYS": 90,
    # How long the gateway waits for each service to answer a health check, in seconds.
    "HEALTH_TIMEOUT_SECONDS": 3.0,
    "RPC_TIMEOUT_SECONDS": 30.0,
    # RabbitMQ queue types (classic or quorum): event handlers' queues (and their .retry and
    # .parked queues), and RPC request and reply queues (quorum on a cluster).
    "EVENT_QUEUE_TYPE": "quorum",
    "RPC_QUEUE_TYPE": "classic",
    # A handler that fails on an event tries again this many times, first after this many
    # seconds, doubling (at most a minute) each time; then the event is parked.
    "EVENT_RETRIES": 6,
    "EVENT_RETRY_SECONDS": 2.0,
    # Identity: keys for contact details at rest. Empty: generated once into DATA_DIR.
    # CONTACT_KEYS is a list (or comma-separated) of Fernet keys; the first encrypts, all decrypt.
    "CONTACT_KEYS": "",
    "LOOKUP_KEY": "",
    "SESSION_HOURS": 12,
    # Send cookies only over HTTPS (set true behind TLS, as in compose).
    "SECURE_COOKIES": False,
    # Sign-in throttling: this many failures within the window blocks further tries.
    "SIGN_IN_MAX_FAILURES": 5,
    "SIGN_IN_WINDOW_MINUTES": 15,
    # Anonymous writes (register, sign in, reset emails, panel registrations) per client per
    # route per minute, counted by each gateway instance.
    "ANONYMOUS_WRITES_PER_MINUTE": 20,
    # How long a gateway instance keeps the principal identity resolved for a token or session
    # (0: ask identity on every request). Identity's access.changed event empties it at once.
    "GATEWAY_PRINCIPAL_CACHE_SECONDS": 10,
    # Email: an smtp://user:pass@host:port URL, or empty for a folder of .eml files in DATA_DIR.
    "SMTP_URL": "",
    "MAIL_FROM": "Involve <no-reply@involve.local>",
    # Panels: LEXIMIN stops after this many seconds and the selection falls back to MAXIMIN.
    "PANELS_LEXIMIN_SECONDS": 120,
    # How long a cancelled selection may take to stop before its worker is terminated.
    "PANELS_CANCEL_GRACE_SECONDS": 5,
    # A selection job left "running" with no live worker this long after start-up is failed.
    "PANELS_RECOVERY_SECONDS": 30,
    # Secret for the keyed hash of household addresses. Empty: generated once into DATA_DIR.
    "PANELS_HOUSEHOLD_KEY": "",
    # Feedback: published responses after which a responder's responses skip moderation
    # (unless they claim a change).
    "FEEDBACK_TRUSTED_AFTER": 10,
    # A published story this critical (0-5) with no response escalates...
    "FEEDBACK_ESCALATION_CRITICALITY": 4,
    # ...after this long to the services' escalation contacts, and after twice this long to the
    # organisation's involvement leads (three days).
    "FEEDBACK_ESCALATION_SECONDS": 259200,
    # How often held stories, escalations, digests and unsent emails are checked.
    "FEEDBACK_TIMER_SECONDS": 60,
    # How often digests go out (a day).
    "FEEDBACK_DIGEST_SECONDS": 86400,
    # Alert emails to people: how many go to identity in one notify_people call (1: one
    # notify_person call each, as before batching; kept so the benchmark can compare).
    "FEEDBACK_EMAIL_BATCH": 200,
    # Commissioning: how often briefings due for release are looked for (the release itself is
    # claimed in the database, so several instances release each item once).
    "COMMISSIONING_TIMER_SECONDS": 30,
    # A briefing released within this long of its time counts as released on time.
    "COMMISSIONING_RELEASE_ON_TIME_SECONDS": 3600,
    # The plain-English check: sentences longer than this are flagged, and a Flesch reading
    # ease below this target.
    "COMMISSIONING_LONG_SENTENCE_WORDS": 25,
    "COMMISSIONING_READABILITY_TARGET": 60,
    # The OCDS prefix of the organisation's open contracting ids (register one for publication).
    "COMMISSIONING_OCID_PREFIX": "ocds-involve",
    # Reporting: how often the operational gauges (unanswered critical stories, overdue claims,
    # briefings past their release time) are recomputed, in seconds.
    "REPORTING_GAUGE_SECONDS": 30,
    # Webhooks: allow http:// and addresses on private networks (loopback, 10.x, ...). Only for
    # tests and local runs (`involve up` sets it): in production a webhook could reach inside.
    "WEBHOOKS_ALLOW_PRIVATE": False,
    # How long a receiver has to answer one delivery, in seconds.
    "WEBHOOKS_TIMEOUT_SECONDS": 15,
    # Seconds to wait after each failed attempt (Standard Webhooks' example schedule: about
    # three days in all); each is varied by up to WEBHOOKS_RETRY_JITTER either way.
    "WEBHOOKS_RETRY_SCHEDULE": [5, 300, 1800, 7200, 18000, 36000, 50400, 72000, 86400],
    "WEBHOOKS_RETRY_JITTER": 0.1,
    # Longest Retry-After honoured (429, 502, 503, 504), in seconds.
    "WEBHOOKS_RETRY_AFTER_MAX_SECONDS": 86400,
    # Deliveries in flight at once per webhook service instance.
    "WEBHOOKS_CONCURRENCY": 20,
    # How often due retries are looked for when nothing wakes the sender, in seconds.
    "WEBHOOKS_POLL_SECONDS": 1.0,
    # After a secret is rotated, the old one still signs (beside the new) for this long.
    "WEBHOOKS_ROTATION_OVERLAP_SECONDS": 86400,
    # Fernet key(s) for webhook secrets at rest (the first encrypts, all decrypt). Empty:
    # generated once into DATA_DIR for local use.
    "WEBHOOKS_SECRET_KEYS": "",
}

ENV_ALIASES = {"AMQP_URI": ("INVOLVE_AMQP_URI", "AMQP_URI")}


def _from_env(key: str, env) -> object | None:
    for name in ENV_ALIASES.get(key, (f"INVOLVE_{key}",)):
        if name in env:
            return yaml.safe_load(env[name]) if env[name] != "" else ""
    return None


def load(path: str | os.PathLike | None = None, env=None) -> dict:
    """Return the whole configuration as a dict (a fresh copy every time)."""
    env = os.environ if env is None else env
    config = dict(DEFAULTS)
    path = path or env.get("INVOLVE_CONFIG")
    if path:
        from nameko.cli.utils.config import load_config

        with open(path) as handle:
            config.update(load_config(handle) or {})
    for key in list(config):
        value = _from_env(key, env)
        if value is not None:
            config[key] = value
    return config


def get(key: str):
    """Read one setting from the running Nameko config, falling back to the defaults."""
    from nameko import config

    if key in config:
        return config[key]
    value = _from_env(key, os.environ)
    return DEFAULTS.get(key) if value is None else value


def database_url(service: str, configured: str | None = None, data_dir: str | None = None) -> str:
    """The database URL for one service."""
    url = configured if configured is not None else get("DATABASE_URL")
    if url:
        return url.replace("{service}", service)
    folder = Path(data_dir or get("DATA_DIR")).resolve()
    return f"sqlite:///{folder / (service + '.db')}"
