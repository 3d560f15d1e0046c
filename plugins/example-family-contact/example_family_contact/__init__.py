"""An example benchmark question set for mystery shopping, written as an organisation would.

Calls from family members and carers who are worried about someone. The questions live in
family_contact.yaml beside this file; this module only hands them to Involve.
"""
from pathlib import Path

import yaml

try:  # Involve's marker is optional: hooks are matched by their name
    from involve.kernel.plugins import hookimpl
except ImportError:  # pragma: no cover - installed without Involve
    def hookimpl(fn):
        return fn

_SET = Path(__file__).with_name("family_contact.yaml")


@hookimpl
def involve_benchmark_sets():
    """Involve calls this to get our question sets: a list, here with just one."""
    return [yaml.safe_load(_SET.read_text(encoding="utf-8"))]
