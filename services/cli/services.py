"""Loading a service's Nameko class by name, running a service in the foreground, and the local
ports used by `involve up`."""
from __future__ import annotations

import importlib

from involve.kernel.registry import BACKEND, SERVICES

__all__ = ["BACKEND", "SERVICES", "local_metrics_port", "run_service", "service_class"]


def service_class(name: str):
    module, cls = SERVICES[name].split(":")
    return getattr(importlib.import_module(module), cls)


def run_service(name: str, config: dict) -> None:
    """One service in this process until it is stopped (SIGTERM or Ctrl-C): what each container
    runs (``involve service NAME``) and what `involve up` runs in each process it forks."""
    from nameko import config as nameko_config
    from nameko.cli.run import run

    from involve.kernel import logs

    logs.setup(name, config["LOG_LEVEL"], config["LOG_FORMAT"])
    nameko_config.update(config)
    run([SERVICES[name]])


def local_metrics_port(name: str, gateway_port: int) -> int:
    """Each back-end service serves /metrics on its own loopback port next to the gateway's."""
    return gateway_port + 1 + BACKEND.index(name)


def event_handler_queues() -> dict[str, str]:
    """Every event handler of every service: ``{"service.method": its queue's name}``."""
    from involve.kernel.handlers import EventHandler, queue_name

    found = {}
    for name in BACKEND:
        cls = service_class(name)
        for attr in dir(cls):
            for entrypoint in getattr(getattr(cls, attr, None), "nameko_entrypoints", ()):
                if isinstance(entrypoint, EventHandler):
                    found[f"{cls.name}.{attr}"] = queue_name(
                        entrypoint.source_service, entrypoint.event_type, cls.name, attr)
    return found
