"""A round's report as CSV: one row per service, then one per question. Efficiency and feeling
are separate columns, never merged. Numbers are written as the report page writes them
(the contract's ``score_text``)."""
from __future__ import annotations

import csv
import io
import re

from .contract import EFFICIENCY_DECIMALS, FEELING_DECIMALS, score_text


def _efficiency(value):
    return score_text(value, EFFICIENCY_DECIMALS, missing="")


def _feeling(value):
    return score_text(value, FEELING_DECIMALS, missing="")


def _safe(value):
    """Spreadsheet-safe text: a cell never starts a formula."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return "" if value is None else value


def filename(report: dict, extension: str) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", report["round"]["name"].lower()).strip("-") or "round"
    return f"mystery-shopping-{slug[:60]}.{extension}"


def render(report: dict) -> dict:
    out = io.StringIO()
    writer = csv.writer(out)
    r = report["round"]
    writer.writerow(["organisation", "round", "question set", "version", "starts on", "ends on",
                     "status"])
    writer.writerow([_safe((report.get("organisation") or {}).get("name")),
                     _safe(r["name"]), _safe(report["question_set"]["title"]),
                     report["question_set"]["version"], r["starts_on"], r["ends_on"], r["status"]])
    writer.writerow([])
    writer.writerow(["service", "calls", "efficiency (0-100)", "feeling (1-5)",
                     "median seconds to answer", "call-backs promised", "call-backs kept"])
    for s in report["services"]:
        writer.writerow([_safe(s["name"]), s["calls"], _efficiency(s["efficiency"]),
                         _feeling(s["feeling"]),
                         _safe(s["answered_within_seconds_median"]), s["callbacks_promised"],
                         s["callbacks_kept"]])
    writer.writerow([])
    writer.writerow(["question id", "question", "kind", "measures", "answered", "yes %",
                     "mean (1-5)"])
    for q in report["questions"]:
        writer.writerow([q["id"], _safe(q["text"]), q["kind"], q["measures"], q["answered"],
                         _efficiency(q.get("yes_rate")), _feeling(q.get("mean"))])
    writer.writerow([])
    writer.writerow(["trend: service", "round", "ends on", "efficiency (0-100)", "feeling (1-5)"])
    for t in report["trends"]:
        for p in t["points"]:
            writer.writerow([_safe(t["name"]), _safe(p["round_name"]), p["ends_on"],
                             _efficiency(p["efficiency"]), _feeling(p["feeling"])])
    a = report["agreement"]
    writer.writerow([])
    writer.writerow(["agreement", "yes/no alpha", "ratings alpha", "units", "shoppers"])
    writer.writerow(["Krippendorff's alpha", _safe(a["efficiency_alpha"]),
                     _safe(a["feeling_alpha"]), a["units"], a["shoppers"]])
    return {"filename": filename(report, "csv"), "csv": out.getvalue()}
