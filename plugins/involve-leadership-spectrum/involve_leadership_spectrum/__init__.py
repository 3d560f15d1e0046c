"""The service user leadership spectrum as self-assessment criteria (seed 001: NSUN and
Together, "Where do you fit on the service user leadership spectrum?").

Each indicator belongs to one of three stages: beginnings of service user involvement, good
service user involvement, service user led. Service users and staff score how far each one
describes the organisation now (0 not at all, 1 a little, 2 mostly, 3 fully, with evidence);
reporting places the organisation at the furthest stage its agreed scores mostly describe, and
shows how that moved since the last assessment. Some indicators name the Involve metrics that
bear on them and suggest a score (spectrum.yaml).
"""
from pathlib import Path

import yaml

try:
    from involve.kernel.plugins import hookimpl
except ImportError:  # pragma: no cover - installed without Involve
    def hookimpl(fn):
        return fn

_DATA = Path(__file__).with_name("spectrum.yaml")


@hookimpl
def involve_spectrum_criteria():
    data = yaml.safe_load(_DATA.read_text())
    return [{"framework": "leadership-spectrum", "framework_title": data["title"],
             "area": data["stages"][c["stage"]], **c} for c in data["indicators"]]
