import pytest

from involve.gateway.web import ratelimit
from involve.kernel.errors import TooManyRequests


def test_the_window_slides(monkeypatch):
    monkeypatch.setattr(ratelimit.settings, "get", lambda key: 2)
    ratelimit.check("POST /x", "10.0.0.9", now=1000.0)
    ratelimit.check("POST /x", "10.0.0.9", now=1001.0)
    ratelimit.check("POST /x", "10.0.0.8", now=1001.0)  # another client has its own count
    with pytest.raises(TooManyRequests, match="wait 60 seconds"):
        ratelimit.check("POST /x", "10.0.0.9", now=1001.0)
    ratelimit.check("POST /x", "10.0.0.9", now=1060.5)  # the first request has left the window
