"""The dashboard's charts: one bar per month, drawn as inline SVG from numbers only (the page
shows the same numbers in a table beside each chart). Hand-drawn rather than a chart library:
see docs/decisions.md ("Reporting's charts")."""
from __future__ import annotations

# what each unit's bars are measured against (None: the largest value shown)
SCALES = {"share": 1.0, "score_100": 100.0, "score_5": 5.0, "yes_no": 1.0}
CHARTED = ("count", "share", "days", "score_100", "score_5", "points", "yes_no")
BAR = "#1d4f91"


def month_name(month: str) -> str:
    """2026-03 as people read it: Mar 2026."""
    names = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
    try:
        year, number = month.split("-")
        return f"{names[int(number) - 1]} {year}"
    except (ValueError, IndexError):
        return month


def monthly_bars(metric: dict) -> dict | None:
    """A bar chart of a metric's monthly series, or None when it has no numbers to draw."""
    series = metric.get("series") or []
    if metric.get("unit") not in CHARTED or not series:
        return None
    values = [p["value"] for p in series if isinstance(p.get("value"), (int, float))]
    if not values:
        return None
    top = SCALES.get(metric["unit"]) or max(max(abs(v) for v in values), 1)
    left, bottom_gap, height, step = 8, 34, 120, 26
    width = left * 2 + step * len(series)
    bars = []
    for i, point in enumerate(series):
        value = point.get("value")
        x = left + i * step
        drawn = isinstance(value, (int, float))
        h = round(height * max(0.0, min(float(value), top)) / top, 1) if drawn else 0
        bars.append({"x": x + 3, "width": step - 6, "y": round(20 + height - h, 1), "height": h,
                     "label": month_name(point["month"]).split(" ")[0][:1],
                     "label_x": x + step / 2, "drawn": drawn})
    return {"width": width, "height": 20 + height + bottom_gap, "bars": bars,
            "baseline": 20 + height, "left": left, "right": width - left,
            "label_y": 20 + height + 16, "colour": BAR,
            "first": month_name(series[0]["month"]), "last": month_name(series[-1]["month"])}
