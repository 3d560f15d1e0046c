"""NSUN 4PI National Involvement Standards as self-assessment criteria (DESIGN.md section 5).

Five areas (Principles, Purpose, Presence, Process, Impact), each assessed at three levels, and
scored 0 absent, 1 partial, 2 in place, 3 in place with evidence. Some criteria name the
Involve metrics that evidence them and suggest a score from them (standards.yaml).
"""
from pathlib import Path

import yaml

try:
    from involve.kernel.plugins import hookimpl
except ImportError:  # pragma: no cover - installed without Involve
    def hookimpl(fn):
        return fn

_DATA = Path(__file__).with_name("standards.yaml")


@hookimpl
def involve_spectrum_criteria():
    data = yaml.safe_load(_DATA.read_text())
    return [
        {"framework": "nsun-4pi", "framework_title": "NSUN 4PI National Involvement Standards",
         "levels": data["levels"], "scores": data["scores"],
         **{k: c[k] for k in ("id", "area", "text", "evidence", "suggest") if k in c}}
        for c in data["criteria"]
    ]
