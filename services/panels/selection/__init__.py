"""Fair stratified random selection ("sortition") of panels: the pure-Python core.

No Nameko, database or broker here; the panels service calls these functions from a worker
process.  Typical use::

    pool = load_pool("features.csv", "people.csv", panel_size=22,
                     id_column="nationbuilder_id", address_columns="primary_address1,primary_zip")
    feasibility = check_feasibility(pool, 22)          # explain + suggest if not feasible
    dist = find_distribution(pool, 22, "leximin", seed=seed,
                             progress=lambda f, msg: ..., should_stop=lambda: False)
    selection = draw(dist, seed)                        # selection.panel, selection.audit
    assert verify(selection.audit, pool)
    report = make_report(dist, selection.panel)         # report.text(), report.as_dict()

See docs/panel-selection.md.
"""

from .algorithms import ALGORITHMS, find_distribution
from .distribution import Distribution
from .draw import Selection, Verification, draw, verify
from .feasibility import FeasibilityResult, QuotaChange, check_feasibility
from .model import InfeasibleQuotasError, SelectionCancelled
from .pool import Person, Pool, PoolError, Quota, load_pool, load_quotas, make_pool
from .report import Replacement, Report, geometric_mean, gini, make_report, replacement

__all__ = [
    "ALGORITHMS", "Distribution", "FeasibilityResult", "InfeasibleQuotasError", "Person",
    "Pool", "PoolError", "Quota", "QuotaChange", "Replacement", "Report", "Selection",
    "SelectionCancelled", "Verification", "check_feasibility", "draw", "find_distribution",
    "geometric_mean", "gini", "load_pool", "load_quotas", "make_pool", "make_report",
    "replacement", "verify",
]
