"""The first-contact benchmark question set (Involve DESIGN.md section 5, after seed 000).

A starting point to co-produce your own: efficiency questions (yes/no) and feeling questions
(1-5) are scored and reported apart, because an efficient call and a therapeutic call are
different things.
"""
from pathlib import Path

import yaml

try:  # the hook marker is optional: pluggy matches hooks by name
    from involve.kernel.plugins import hookimpl
except ImportError:  # pragma: no cover - installed without Involve
    def hookimpl(fn):
        return fn

_SET = Path(__file__).with_name("first_contact.yaml")


@hookimpl
def involve_benchmark_sets():
    return [yaml.safe_load(_SET.read_text())]
