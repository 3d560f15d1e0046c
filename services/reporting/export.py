"""Downloads: the dashboard and a self-assessment as CSV and as PDF (fpdf2, charts drawn in).

Both are made from the same answer the pages show (dashboard.build, assessments.view), so a
figure reads the same on the page, in the spreadsheet and on paper. Core fonts only: text is
folded to Latin-1 so any name prints safely.
"""
from __future__ import annotations

import base64
import csv
import io
import re
import unicodedata

from fpdf import FPDF

from .metrics import display

_FOLD = {"\u2018": "'", "\u2019": "'", "\u201c": '"', "\u201d": '"', "\u2013": "-",
         "\u2014": "-", "\u2026": "...", "\u00a0": " "}
BAR = (29, 79, 145)


def plain(text) -> str:
    text = "" if text is None else str(text)
    text = "".join(_FOLD.get(ch, ch) for ch in text)
    text = unicodedata.normalize("NFKD", text)
    return text.encode("latin-1", "ignore").decode("latin-1")


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", plain(text).lower()).strip("-")[:60] or "report"


def _cell(value) -> str:
    """A spreadsheet cell that cannot run as a formula (CSV injection)."""
    text = "" if value is None else str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def _raw(unit, value):
    if value is None:
        return ""
    if unit == "share":
        return f"{value:.4f}"
    if isinstance(value, float):
        return f"{value:.2f}"
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value)


# --- the dashboard ---------------------------------------------------------------------------------
def dashboard_filename(dashboard: dict, ext: str) -> str:
    where = dashboard["care_service"]["name"] if dashboard["care_service"] else \
        dashboard["organisation"]["name"] or "organisation"
    return f"involvement-{_slug(where)}-{dashboard['period']['from']}-to-" \
           f"{dashboard['period']['to']}.{ext}"


def dashboard_csv(dashboard: dict) -> dict:
    """One row per metric and month (month "all" for the whole period), then tables and the
    operational figures; every row carries the metric's definition."""
    out = io.StringIO()
    w = csv.writer(out)
    w.writerow(["section", "metric", "month", "value", "shown as", "definition",
                "how it is computed"])
    for section in dashboard["sections"]:
        for metric in section["metrics"]:
            if metric["unit"] == "table":
                columns = metric["table"]["columns"]
                for row in metric["table"]["rows"]:
                    cells = "; ".join(f"{c['heading']}: {display(c['unit'], row.get(c['key']))}"
                                      for c in columns)
                    w.writerow([_cell(section["title"]), _cell(metric["name"]), "all", "",
                                _cell(cells), _cell(metric["definition"]),
                                _cell(metric["computation"])])
                continue
            w.writerow([_cell(section["title"]), _cell(metric["name"]), "all",
                        _raw(metric["unit"], metric["value"]), _cell(metric["display"]),
                        _cell(metric["definition"]), _cell(metric["computation"])])
            for point in metric.get("series", []):
                w.writerow([_cell(section["title"]), _cell(metric["name"]), point["month"],
                            _raw(metric["unit"], point["value"]), _cell(point["display"]), "", ""])
    for figure in dashboard["operational"]:
        w.writerow(["Now", _cell(figure["name"]), "now", figure["value"], figure["value"],
                    _cell(figure["definition"]), ""])
    return {"filename": dashboard_filename(dashboard, "csv"), "csv": out.getvalue()}


class _Pdf(FPDF):
    def footer(self):
        self.set_y(-12)
        self.set_font("Helvetica", size=8)
        self.cell(0, 6, f"Page {self.page_no()}", align="C")


def _text(pdf, text, size=10, style="", height=5):
    pdf.set_font("Helvetica", style, size)
    pdf.multi_cell(0, height, plain(text), new_x="LMARGIN", new_y="NEXT")


def _bars(pdf, metric: dict) -> None:
    """The metric month by month: a bar per month, its value written above, month below."""
    points = metric.get("series") or []
    values = [p["value"] for p in points]
    numeric = [float(v) for v in values if isinstance(v, (int, float)) and not isinstance(v, bool)]
    if len(points) < 2 or not numeric:
        return
    top = {"share": 1.0, "score_100": 100.0, "score_5": 5.0}.get(metric["unit"]) or \
        max(max(numeric), 1.0)
    if pdf.get_y() > pdf.h - 45:
        pdf.add_page()
    x0, y0, width, height = pdf.l_margin, pdf.get_y() + 4, pdf.w - 2 * pdf.l_margin, 22
    step = width / len(points)
    pdf.set_draw_color(120, 120, 120)
    pdf.line(x0, y0 + height, x0 + width, y0 + height)
    pdf.set_font("Helvetica", size=6)
    for i, point in enumerate(points):
        value = point["value"]
        x = x0 + i * step
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            bar = height * max(0.0, min(float(value), top)) / top
            pdf.set_fill_color(*BAR)
            pdf.rect(x + step * 0.15, y0 + height - bar, step * 0.7, max(bar, 0.3), style="F")
            pdf.set_xy(x, y0 + height - bar - 3)
            pdf.cell(step, 3, plain(_short(metric["unit"], value)), align="C")
        pdf.set_xy(x, y0 + height + 0.5)
        pdf.cell(step, 3, point["month"][2:], align="C")
    pdf.set_xy(pdf.l_margin, y0 + height + 5)
    pdf.set_font("Helvetica", size=10)


def _short(unit, value) -> str:
    if unit == "share":
        return f"{round(value * 100)}%"
    if isinstance(value, float):
        return f"{value:.1f}"
    return str(value)


def _table(pdf, columns, rows) -> None:
    if not rows:
        _text(pdf, "No data yet.", 9)
        return
    pdf.set_font("Helvetica", size=8)
    with pdf.table(col_widths=[1] * len(columns), text_align="LEFT") as table:
        head = table.row()
        for c in columns:
            head.cell(plain(c["heading"]))
        for row in rows:
            line = table.row()
            for c in columns:
                line.cell(plain(display(c["unit"], row.get(c["key"])) if c["unit"] != "text"
                                else row.get(c["key"])))
    pdf.set_font("Helvetica", size=10)


def dashboard_pdf(dashboard: dict) -> dict:
    pdf = _Pdf(format="A4")
    pdf.set_auto_page_break(auto=True, margin=15)
    title = f"Involvement at {dashboard['organisation']['name'] or 'the organisation'}"
    pdf.set_title(plain(title))
    pdf.add_page()
    _text(pdf, title, 16, "B", 8)
    where = f" at {dashboard['care_service']['name']}" if dashboard["care_service"] else ""
    _text(pdf, f"From {dashboard['period']['from']} to {dashboard['period']['to']}{where}. "
               "Every figure is defined once in Involve and reads the same on the page, in the "
               "spreadsheet and here.")
    _text(pdf, "Now", 13, "B", 7)
    for figure in dashboard["operational"]:
        _text(pdf, f"{figure['name']}: {figure['value']}. {figure['definition']}", 9)
    for section in dashboard["sections"]:
        pdf.ln(2)
        _text(pdf, section["title"], 13, "B", 7)
        for metric in section["metrics"]:
            if pdf.get_y() > pdf.h - 40:
                pdf.add_page()
            shown = "" if metric["unit"] == "table" else f": {metric['display']}"
            note = " (for the whole organisation)" if metric.get("organisation_wide") else ""
            _text(pdf, f"{metric['name']}{shown}{note}", 10, "B")
            _text(pdf, metric["definition"], 8, "", 4)
            if metric["unit"] == "table":
                _table(pdf, metric["table"]["columns"], metric["table"]["rows"])
            else:
                _bars(pdf, metric)
    data = bytes(pdf.output())
    return {"filename": dashboard_filename(dashboard, "pdf"),
            "pdf_base64": base64.b64encode(data).decode()}


# --- a self-assessment ----------------------------------------------------------------------------
def _score(side):
    if not side:
        return ""
    return "" if "score" not in side else str(side["score"])


def assessment_filename(view: dict, ext: str) -> str:
    return f"self-assessment-{_slug(view['title'])}-{view['period_end']}.{ext}"


def assessment_csv(view: dict) -> dict:
    out = io.StringIO()
    w = csv.writer(out)
    w.writerow(["criterion", "area or stage", "text", "service users' score",
                "service users' comment", "staff score", "staff comment", "suggested score",
                "why suggested", "evidence", "agreed score", "rationale"])
    for c in view["criteria"]:
        su, st = c["independent"]["service_users"] or {}, c["independent"]["staff"] or {}
        suggestion = c["suggestion"] or {}
        evidence = "; ".join(f"{e['name']}: {e['display']}" for e in suggestion.get("evidence", []))
        w.writerow([_cell(c["id"]), _cell(c["stage_name"] or c["area"]), _cell(c["text"]),
                    _score(su), _cell(su.get("comment", "")), _score(st),
                    _cell(st.get("comment", "")),
                    "" if suggestion.get("score") is None else suggestion["score"],
                    _cell(suggestion.get("reason") or ""), _cell(evidence),
                    "" if not c["agreed"] else c["agreed"]["score"],
                    _cell("" if not c["agreed"] else c["agreed"]["rationale"])])
    return {"filename": assessment_filename(view, "csv"), "csv": out.getvalue()}


def assessment_pdf(view: dict) -> dict:
    pdf = _Pdf(format="A4")
    pdf.set_auto_page_break(auto=True, margin=15)
    pdf.set_title(plain(view["title"]))
    pdf.add_page()
    _text(pdf, view["title"], 16, "B", 8)
    level = f", {view['level_name']}" if view.get("level_name") else ""
    where = f" at {view['care_service']['name']}" if view.get("care_service") else ""
    _text(pdf, f"{view['framework_title']}{level}. From {view['period_start']} to "
               f"{view['period_end']}{where}. Service users and staff scored each criterion "
               "independently (0 to 3) before agreeing a score; both independent scores are "
               "kept.")
    position = view.get("position")
    if position:
        if position.get("stage_name"):
            _text(pdf, f"Where we are on the spectrum: {position['stage_name']}.", 12, "B", 7)
        _text(pdf, f"{position['agreed']} of {position['of']} criteria agreed; mean agreed "
                   f"score {position['overall']:.2f}.")
        _chart_groups(pdf, position["groups"])
    movement = view.get("movement")
    if movement:
        moved = {"forward": "moved forward", "back": "moved back", "stayed": "stayed"}.get(
            movement.get("moved"), "")
        since = f"Since {movement['since']}: mean agreed score {movement['overall_before']:.2f} " \
                f"then, {movement['overall_now']:.2f} now."
        if moved:
            since += f" On the spectrum we {moved} (from {movement['stage_before_name']})."
        _text(pdf, since)
    for c in view["criteria"]:
        if pdf.get_y() > pdf.h - 45:
            pdf.add_page()
        pdf.ln(1)
        _text(pdf, f"{c['id']} ({c['stage_name'] or c['area']}): {c['text']}", 10, "B")
        for side, label in (("service_users", "Service users"), ("staff", "Staff")):
            given = c["independent"][side]
            if given and "score" in given:
                _text(pdf, f"{label}: {given['score']}. {given['comment']}", 9, "", 4)
            else:
                _text(pdf, f"{label}: {'scored, not shown yet' if given else 'not scored yet'}",
                      9, "", 4)
        suggestion = c["suggestion"] or {}
        if suggestion.get("evidence"):
            _text(pdf, "Evidence: " + "; ".join(f"{e['name']}: {e['display']}"
                                                for e in suggestion["evidence"]), 8, "", 4)
        if suggestion.get("score") is not None:
            _text(pdf, f"Suggested: {suggestion['score']}. {suggestion['reason']}", 8, "", 4)
        if c["agreed"]:
            _text(pdf, f"Agreed: {c['agreed']['score']}. {c['agreed']['rationale']}", 9, "B", 4)
    data = bytes(pdf.output())
    return {"filename": assessment_filename(view, "pdf"),
            "pdf_base64": base64.b64encode(data).decode()}


def _chart_groups(pdf, groups) -> None:
    """Mean agreed score (0-3) per area or stage as horizontal bars."""
    label_w, bar_w, row_h = 70, 90, 6
    for g in groups:
        y = pdf.get_y()
        pdf.set_xy(pdf.l_margin, y)
        pdf.set_font("Helvetica", size=9)
        pdf.cell(label_w, row_h, plain(g["name"])[:40])
        x0 = pdf.l_margin + label_w
        pdf.set_draw_color(160, 160, 160)
        pdf.rect(x0, y + 1, bar_w, row_h - 2)
        pdf.set_fill_color(*BAR)
        pdf.rect(x0, y + 1, max(bar_w * g["mean"] / 3, 0.4), row_h - 2, style="F")
        pdf.set_xy(x0 + bar_w + 3, y)
        pdf.cell(20, row_h, f"{g['mean']:.2f}")
        pdf.ln(row_h)
    pdf.set_font("Helvetica", size=10)
