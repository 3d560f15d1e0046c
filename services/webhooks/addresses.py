"""Which web addresses a webhook may be sent to: the guard against server-side request forgery.

A webhook makes Involve's servers send requests to an address someone typed, so that address must
not reach inside: loopback, private networks (10.x, 172.16-31.x, 192.168.x, fc00::/7), link-local
(169.254.x, fe80::/10, where cloud metadata services live), shared, reserved, multicast and
unspecified addresses are refused, checked on every address the name resolves to. The check is
made when the endpoint is saved (a precise 422) and again before every attempt, and the request
then goes to the very address that was checked (``pinned``), so a name that resolves somewhere
else a second later (DNS rebinding) cannot slip through. Only https is accepted.

``WEBHOOKS_ALLOW_PRIVATE`` (tests and local runs) allows http and private addresses; cloud
metadata addresses stay refused even then.
"""
from __future__ import annotations

import ipaddress
import socket
from dataclasses import dataclass
from urllib.parse import urlsplit

from involve.kernel import settings
from involve.kernel.errors import InvalidInput

METADATA = {ipaddress.ip_address(a) for a in (
    "169.254.169.254", "169.254.170.2", "100.100.100.200", "fd00:ec2::254")}
PRIVATE = ("This address is on a private network or this machine, which webhooks may not reach. "
           "Use the public https:// address of your system.")


class AddressRefused(Exception):
    """A delivery-time refusal (the name now resolves to a forbidden address, or not at all)."""


@dataclass(frozen=True)
class Target:
    scheme: str
    host: str           # as written in the URL (for the Host header and TLS)
    port: int
    path: str           # path and query, as sent
    address: str        # the checked IP the request goes to


def allow_private() -> bool:
    return bool(settings.get("WEBHOOKS_ALLOW_PRIVATE"))


def _refuse(message: str):
    raise InvalidInput(message, {"url": [message]})


def check_url(url: str) -> str:
    """The URL, cleaned, if its shape is acceptable; else InvalidInput naming ``url``."""
    url = (url or "").strip()
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        _refuse("Enter a whole web address, like https://example.org/webhooks/involve")
    schemes = ("https", "http") if allow_private() else ("https",)
    if parts.scheme.lower() not in schemes:
        _refuse("Use an address starting with https:// (deliveries are always encrypted).")
    if not parts.hostname:
        _refuse("Enter a whole web address, like https://example.org/webhooks/involve")
    if parts.username is not None or parts.password is not None:
        _refuse("Do not put a user name or password in the address: we sign every delivery "
                "instead, so your system can check it came from us.")
    if parts.fragment:
        _refuse("Leave out the part after # (it is never sent).")
    if port == 0:
        _refuse("That port number cannot be used.")
    if any(ch.isspace() or ord(ch) < 32 for ch in url):
        _refuse("A web address cannot contain spaces.")
    return url


def address_allowed(ip) -> bool:
    ip = ipaddress.ip_address(ip)
    if ip.version == 6 and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    if ip in METADATA or ip.is_multicast or ip.is_unspecified:
        return False
    return True if allow_private() else ip.is_global


def resolve(url: str) -> Target:
    """Where a request for ``url`` goes: its first address, once every address it resolves to has
    been checked. Raises AddressRefused (with a plain reason) if any is refused."""
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    port = parts.port or (443 if scheme == "https" else 80)
    host = parts.hostname
    try:
        found = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError, OSError):
        raise AddressRefused(f"We could not find the address {host}. Check it is spelt "
                             "correctly and reachable from the internet.") from None
    addresses = list(dict.fromkeys(info[4][0] for info in found))
    if not addresses:
        raise AddressRefused(f"We could not find the address {host}.")
    if not all(address_allowed(a) for a in addresses):
        raise AddressRefused(PRIVATE)
    path = parts.path or "/"
    if parts.query:
        path += "?" + parts.query
    return Target(scheme, host, port, path, addresses[0])


def check(url: str) -> str:
    """``check_url`` and ``resolve`` together, for saving an endpoint: InvalidInput on ``url``."""
    url = check_url(url)
    try:
        resolve(url)
    except AddressRefused as exc:
        _refuse(str(exc))
    return url
