"""One HTTP POST of a delivery: to the address that was checked, within the timeout.

The name in the URL is resolved and every address checked (``addresses.resolve``) before each
attempt; the connection then goes to that very address, with the name kept for the Host header
and for TLS (SNI and certificate checks), so DNS cannot be switched between the check and the
request. Redirects are not followed (a 3xx is a failure, as Standard Webhooks says). At most a
little of the answer is read. Everything is green (eventlet), and one attempt never takes longer
than ``WEBHOOKS_TIMEOUT_SECONDS``.
"""
from __future__ import annotations

import email.utils
import time
from collections import OrderedDict

import eventlet
import urllib3

from involve.kernel import settings

from . import addresses
from .deliveries import Outcome

USER_AGENT = "Involve-Webhooks/1 (Standard Webhooks v1)"
READ_AT_MOST = 4096


def retry_after(value: str | None) -> float | None:
    """Seconds from a Retry-After header (a number of seconds or an HTTP date)."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        moment = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, moment.timestamp() - time.time()) if moment else None


class Sender:
    """Keeps a few connection pools (per checked address) so receivers are reached quickly."""

    def __init__(self, pools: int = 256, connections: int = 20):
        self._pools: OrderedDict = OrderedDict()
        self._size = pools
        self._connections = connections  # per address: as many as may be in flight at once

    def _pool(self, target: addresses.Target, timeout: float):
        key = (target.scheme, target.address, target.port, target.host)
        pool = self._pools.get(key)
        if pool is None:
            kwargs = {"timeout": urllib3.Timeout(connect=min(5.0, timeout), read=timeout),
                      "retries": False, "maxsize": self._connections, "block": False}
            if target.scheme == "https":
                pool = urllib3.HTTPSConnectionPool(
                    target.address, target.port, server_hostname=target.host,
                    assert_hostname=target.host, cert_reqs="CERT_REQUIRED", **kwargs)
            else:
                pool = urllib3.HTTPConnectionPool(target.address, target.port, **kwargs)
            self._pools[key] = pool
            while len(self._pools) > self._size:
                self._pools.popitem(last=False)[1].close()
        else:
            self._pools.move_to_end(key)
        return pool

    def post(self, url: str, headers: dict, body: bytes) -> Outcome:
        timeout = float(settings.get("WEBHOOKS_TIMEOUT_SECONDS"))
        try:
            target = addresses.resolve(url)
        except addresses.AddressRefused as exc:
            return Outcome(error=str(exc))
        default_port = 443 if target.scheme == "https" else 80
        host = target.host if target.port == default_port else f"{target.host}:{target.port}"
        if ":" in target.host and not host.startswith("["):  # an IPv6 literal
            host = f"[{target.host}]" + ("" if target.port == default_port else f":{target.port}")
        headers = {**headers, "Host": host, "Content-Type": "application/json",
                   "User-Agent": USER_AGENT}
        try:
            with eventlet.Timeout(timeout):
                response = self._pool(target, timeout).urlopen(
                    "POST", target.path, body=body, headers=headers, redirect=False,
                    assert_same_host=False, preload_content=False)
                try:
                    response.read(READ_AT_MOST)
                finally:
                    response.release_conn()
        except eventlet.Timeout:
            return Outcome(error=f"No answer within {timeout:g} seconds.")
        except urllib3.exceptions.HTTPError as exc:
            return Outcome(error=_plain(exc, timeout))
        except OSError as exc:
            return Outcome(error=f"Could not connect ({type(exc).__name__}).")
        outcome = Outcome(status=response.status,
                          retry_after=retry_after(response.headers.get("Retry-After")))
        if not outcome.delivered:
            outcome.error = f"The receiver answered {response.status}."
        return outcome


def _plain(exc: Exception, timeout: float) -> str:
    if isinstance(exc, (urllib3.exceptions.ReadTimeoutError, urllib3.exceptions.ConnectTimeoutError)):
        return f"No answer within {timeout:g} seconds."
    if isinstance(exc, urllib3.exceptions.SSLError):
        return "The receiver's TLS certificate could not be checked."
    if isinstance(exc, urllib3.exceptions.NewConnectionError):
        return "Could not connect to the receiver."
    return f"The request failed ({type(exc).__name__})."
