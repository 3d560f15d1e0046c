"""The report's charts, drawn as inline SVG from numbers only (names are escaped by the
template): scores by service and trends across rounds, efficiency and feeling apart."""
from .words import efficiency_text, feeling_number

BAR_COLOURS = {"efficiency": "#1d4f91", "feeling": "#7a2e8e"}
LINE_STYLES = [("#1d4f91", "circle"), ("#b3400a", "square"), ("#00703c", "triangle"),
               ("#7a2e8e", "diamond"), ("#505a5f", "circle"), ("#8a1538", "square")]


def bar_chart(services: list[dict]) -> dict:
    """Scores by service: efficiency (0-100%) and feeling (1-5) in two panels side by side, each
    on its own scale, so the two are never read as one number. Each service's name is written
    above its bars, across the whole width."""
    left, panel, gap, row, top = 10, 230, 90, 62, 44
    width = left + 2 * panel + gap + 70
    rows = []
    for i, service in enumerate(services):
        y = top + i * row
        eff, feel = service.get("efficiency"), service.get("feeling")
        rows.append({
            "name": service.get("name") or "Unnamed service", "name_y": y + 14, "y": y + 22,
            "text_y": y + 40,
            "efficiency": None if eff is None else round(panel * max(0.0, min(float(eff), 100.0))
                                                         / 100, 1),
            "efficiency_text": efficiency_text(eff),
            "feeling": None if feel is None else round(panel * max(0.0, min(float(feel), 5.0))
                                                       / 5, 1),
            "feeling_text": feeling_number(feel),
        })
    return {"width": width, "height": top + len(services) * row + 6, "left": left,
            "panel": panel, "feeling_x": left + panel + gap, "rows": rows,
            "colours": BAR_COLOURS}


def line_chart(trends: list[dict]) -> dict:
    """Trends across rounds: one line per service, efficiency and feeling in two panels."""
    rounds: list[tuple] = []
    for trend in trends:
        for point in trend.get("points") or []:
            key = (point.get("ends_on") or "", point.get("round_id"))
            if key not in rounds:
                rounds.append(key)
    rounds.sort()
    names = {}
    for trend in trends:
        for point in trend.get("points") or []:
            names[point.get("round_id")] = point.get("round_name") or point.get("ends_on") or ""
    panel_w, panel_h, left, top, gap, inset = 250, 160, 50, 30, 70, 45
    step = (panel_w - 2 * inset) / max(len(rounds) - 1, 1)
    x_of = {key[1]: left + (inset + i * step if len(rounds) > 1 else panel_w / 2)
            for i, key in enumerate(rounds)}

    def y_efficiency(v):
        return round(top + panel_h - panel_h * max(0.0, min(float(v), 100.0)) / 100, 1)

    def y_feeling(v):
        return round(top + panel_h - panel_h * (max(1.0, min(float(v), 5.0)) - 1) / 4, 1)

    lines = []
    for i, trend in enumerate(trends):
        colour, marker = LINE_STYLES[i % len(LINE_STYLES)]
        for measure, y_of, offset in (("efficiency", y_efficiency, 0),
                                      ("feeling", y_feeling, panel_w + gap + left)):
            points = [(round(x_of[p.get("round_id")] + offset, 1), y_of(p[measure]))
                      for p in sorted(trend.get("points") or [],
                                      key=lambda p: (p.get("ends_on") or "", p.get("round_id")))
                      if p.get(measure) is not None and p.get("round_id") in x_of]
            if points:
                lines.append({"measure": measure, "colour": colour, "marker": marker,
                              "points": points, "name": trend.get("name") or "Unnamed service",
                              "path": " ".join(f"{x},{y}" for x, y in points),
                              "last": points[-1]})
    ticks = [{"x": round(x_of[key[1]], 1), "name": names.get(key[1], "")} for key in rounds]
    return {"width": 2 * (left + panel_w) + gap + 40, "height": top + panel_h + 60,
            "left": left, "top": top, "panel_w": panel_w, "panel_h": panel_h,
            "feeling_left": panel_w + gap + 2 * left, "lines": lines, "ticks": ticks,
            "bottom": top + panel_h, "offset": panel_w + gap + left,
            "efficiency_grid": [(v, y_efficiency(v)) for v in (0, 50, 100)],
            "feeling_grid": [(v, y_feeling(v)) for v in (1, 3, 5)]}
