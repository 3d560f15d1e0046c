"""Agreement between shoppers who called the same service: Krippendorff's alpha.

Units are (service, question) pairs, coders are shoppers (their first submitted call to that
service). Yes/no answers are nominal data, 1-5 ratings ordinal; the two are measured apart, like
efficiency and feeling. ``alpha`` is that of the yes/no questions, or of the ratings when a set
has no yes/no questions; both are also given separately.
"""
from __future__ import annotations

import math

SCALE = [1, 2, 3, 4, 5]


def alpha(matrix: list[list[float | None]], level: str,
          value_domain: list | None = None) -> float | None:
    """Krippendorff's alpha of a coders x units matrix (None = not coded); None if undefined."""
    import krippendorff  # numpy and krippendorff: loaded by the first report, not at start
    import numpy as np

    data = np.array([[np.nan if v is None else float(v) for v in row] for row in matrix],
                    dtype=float)
    if data.size == 0 or data.shape[0] < 2:
        return None
    pairable = (~np.isnan(data)).sum(axis=0) >= 2
    if not pairable.any():
        return None
    try:
        with np.errstate(divide="ignore", invalid="ignore"):
            value = krippendorff.alpha(reliability_data=data[:, pairable],
                                       level_of_measurement=level, value_domain=value_domain)
    except (ValueError, ZeroDivisionError):
        return None
    return None if value is None or math.isnan(value) else round(float(value), 3)


def _matrix(questions, calls, kind, to_value):
    first: dict[tuple[str, str], dict] = {}
    for call in sorted(calls, key=lambda c: (c.get("submitted_at") or "", c["id"])):
        first.setdefault((call["shopper_id"], call["care_service_id"]), call)
    coders = sorted({shopper for shopper, _ in first})
    services = sorted({service for _, service in first})
    units = [(s, q["id"]) for s in services for q in questions if q["kind"] == kind]
    matrix = []
    for coder in coders:
        row = []
        for service, question_id in units:
            call = first.get((coder, service))
            answer = call["answers"].get(question_id) if call else None
            row.append(None if answer is None else to_value(answer))
        matrix.append(row)
    pairable = sum(1 for j in range(len(units))
                   if sum(1 for row in matrix if row[j] is not None) >= 2)
    return matrix, pairable, len(coders)


def between_shoppers(questions: list[dict], calls: list[dict]) -> dict:
    calls = [c for c in calls if c.get("shopper_id") and c["shopper_id"] != "erased"]
    yes_no, yes_no_units, shoppers = _matrix(questions, calls, "yes_no",
                                             lambda a: 1.0 if a == "yes" else 0.0)
    scales, scale_units, _ = _matrix(questions, calls, "scale_1_5", float)
    efficiency = alpha(yes_no, "nominal") if yes_no_units else None
    feeling = alpha(scales, "ordinal", SCALE) if scale_units else None
    units = yes_no_units + scale_units
    if not units:
        note = ("Fewer than two shoppers called the same service, so agreement between shoppers "
                "cannot be measured yet.")
    elif efficiency is None and feeling is None:
        note = ("Shoppers who called the same service gave answers that leave agreement "
                "undefined (for example, everyone gave the same answer), so alpha is not shown.")
    else:
        note = ("Krippendorff's alpha: 1 is perfect agreement, 0 is no better than chance; "
                "below about 0.667 shoppers may need to calibrate. Yes/no questions are compared "
                "as categories, 1-5 ratings as ordered values.")
    return {"alpha": efficiency if efficiency is not None else feeling,
            "efficiency_alpha": efficiency, "feeling_alpha": feeling,
            "units": units, "yes_no_units": yes_no_units, "scale_units": scale_units,
            "shoppers": shoppers, "note": note}
