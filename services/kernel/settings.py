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
    # Fail start-up when a plugin is broken (CI sets this).
    "PLUGINS_STRICT": False,
    # How often the outbox relay looks for unsent events, in seconds.
    "OUTBOX_POLL_SECONDS": 0.5,
    # How long the gateway waits for each service to answer a health check, in seconds.
    "HEALTH_TIMEOUT_SECONDS": 3.0,
    "RPC_TIMEOUT_SECONDS": 30.0,
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
