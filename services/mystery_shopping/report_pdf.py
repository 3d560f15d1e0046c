"""A round's report as PDF (fpdf2): scores by service as two bar charts (efficiency and feeling,
apart), trend lines across rounds, the questions, highlights and gaps.

Core fonts only: text is folded to Latin-1 so any name or quote prints safely.
"""
from __future__ import annotations

import base64
import unicodedata

from fpdf import FPDF

from .report_csv import filename

_FOLD = {"\u2018": "'", "\u2019": "'", "\u201c": '"', "\u201d": '"', "\u2013": "-",
         "\u2014": "-", "\u2026": "...", "\u00a0": " "}
EFFICIENCY_COLOUR = (31, 94, 153)
FEELING_COLOUR = (176, 64, 20)


def plain(text) -> str:
    text = "" if text is None else str(text)
    text = "".join(_FOLD.get(ch, ch) for ch in text)
    text = unicodedata.normalize("NFKD", text)
    return text.encode("latin-1", "ignore").decode("latin-1")


def _fmt(value, digits=1, missing="no calls") -> str:
    return missing if value is None else f"{value:.{digits}f}"


class _Pdf(FPDF):
    def footer(self):
        self.set_y(-12)
        self.set_font("Helvetica", size=8)
        self.cell(0, 6, f"Page {self.page_no()}", align="C")


def _heading(pdf, text):
    pdf.ln(3)
    pdf.set_font("Helvetica", "B", 13)
    pdf.multi_cell(0, 7, plain(text), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", size=10)


def _bars(pdf, title, services, key, top, colour, digits):
    """A horizontal bar chart of one score by service (0..top)."""
    _heading(pdf, title)
    label_w, bar_w, row_h = 60, 100, 7
    for s in services:
        if pdf.get_y() > pdf.h - 25:
            pdf.add_page()
        y = pdf.get_y()
        pdf.set_xy(pdf.l_margin, y)
        pdf.cell(label_w, row_h, plain(s["name"])[:34])
        x0 = pdf.l_margin + label_w
        pdf.set_draw_color(160, 160, 160)
        pdf.rect(x0, y + 1, bar_w, row_h - 2)
        value = s.get(key)
        if value is not None:
            low = 1.0 if top == 5 else 0.0
            width = bar_w * max(0.0, (value - low) / (top - low))
            pdf.set_fill_color(*colour)
            pdf.rect(x0, y + 1, max(width, 0.4), row_h - 2, style="F")
        pdf.set_xy(x0 + bar_w + 3, y)
        pdf.cell(25, row_h, _fmt(value, digits))
        pdf.ln(row_h)


def _trend_chart(pdf, title, trends, key, low, top, colour):
    series = [t for t in trends if len(t["points"]) >= 1]
    rounds = sorted({(p["ends_on"], p["round_name"]) for t in series for p in t["points"]})
    if len(rounds) < 2:
        return False
    _heading(pdf, title)
    if pdf.get_y() > pdf.h - 80:
        pdf.add_page()
    x0, y0, w, h = pdf.l_margin + 12, pdf.get_y() + 2, 150, 50
    pdf.set_draw_color(0, 0, 0)
    pdf.line(x0, y0, x0, y0 + h)
    pdf.line(x0, y0 + h, x0 + w, y0 + h)
    pdf.set_font("Helvetica", size=7)
    for tick in (low, (low + top) / 2, top):
        ty = y0 + h - h * (tick - low) / (top - low)
        pdf.set_xy(pdf.l_margin, ty - 2)
        pdf.cell(11, 4, f"{tick:g}", align="R")
    step = w / (len(rounds) - 1)
    for i, (_ends_on, name) in enumerate(rounds):
        pdf.set_xy(x0 + i * step - 15, y0 + h + 1)
        pdf.cell(30, 4, plain(name)[:22], align="C")
    shades = [(0, 0, 0), (90, 90, 90), (150, 150, 150)]
    for n, t in enumerate(series):
        pts = []
        for p in t["points"]:
            if p.get(key) is None:
                continue
            i = rounds.index((p["ends_on"], p["round_name"]))
            pts.append((x0 + i * step, y0 + h - h * (p[key] - low) / (top - low)))
        shade = colour if n == 0 else shades[n % len(shades)]
        pdf.set_draw_color(*shade)
        pdf.set_fill_color(*shade)
        for a, b in zip(pts, pts[1:], strict=False):
            pdf.line(a[0], a[1], b[0], b[1])
        for x, y in pts:
            pdf.rect(x - 0.8, y - 0.8, 1.6, 1.6, style="F")
        if pts:
            pdf.set_xy(pts[-1][0] + 2, pts[-1][1] - 2)
            pdf.cell(40, 4, plain(t["name"])[:24])
    pdf.set_draw_color(0, 0, 0)
    pdf.set_font("Helvetica", size=10)
    pdf.set_xy(pdf.l_margin, y0 + h + 8)
    return True


def render(report: dict) -> dict:
    pdf = _Pdf(format="A4")
    pdf.set_auto_page_break(auto=True, margin=15)
    pdf.set_title(plain(f"Mystery shopping: {report['round']['name']}"))
    pdf.add_page()
    r, qs = report["round"], report["question_set"]
    pdf.set_font("Helvetica", "B", 16)
    pdf.multi_cell(0, 8, plain(f"Mystery shopping: {r['name']}"), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", size=10)
    pdf.multi_cell(0, 5, plain(
        f"{r['starts_on']} to {r['ends_on']} ({r['status']}). Question set: {qs['title']} "
        f"(version {qs['version']}). {r.get('assignments_recorded', 0)} of "
        f"{r.get('assignments_total', 0)} calls recorded."), new_x="LMARGIN", new_y="NEXT")
    pdf.multi_cell(0, 5, plain(
        "Efficiency (0-100, share of 'yes' answers) and feeling (1-5, how the call felt) are "
        "reported apart: an efficient call and a therapeutic call are different things."),
        new_x="LMARGIN", new_y="NEXT")
    _heading(pdf, "Scores by service")
    for s in report["services"]:
        pdf.multi_cell(0, 5, plain(
            f"{s['name']}: efficiency {_fmt(s['efficiency'])}, feeling {_fmt(s['feeling'], 2)} "
            f"({s['calls']} calls)"), new_x="LMARGIN", new_y="NEXT")
    _bars(pdf, "Efficiency by service (0-100)", report["services"], "efficiency", 100,
          EFFICIENCY_COLOUR, 1)
    _bars(pdf, "Feeling by service (1-5)", report["services"], "feeling", 5, FEELING_COLOUR, 2)
    _trend_chart(pdf, "Efficiency across rounds", report["trends"], "efficiency", 0, 100,
                 EFFICIENCY_COLOUR)
    _trend_chart(pdf, "Feeling across rounds", report["trends"], "feeling", 1, 5, FEELING_COLOUR)
    _heading(pdf, "Questions")
    for q in report["questions"]:
        result = (f"{_fmt(q.get('yes_rate'))}% yes" if q["kind"] == "yes_no" else
                  f"mean {_fmt(q.get('mean'), 2)}" if q["kind"] == "scale_1_5" else
                  f"{q['answered']} answers in words")
        pdf.multi_cell(0, 5, plain(f"[{q['measures']}] {q['text']} - {result}"),
                       new_x="LMARGIN", new_y="NEXT")
    _heading(pdf, "Best practice to celebrate")
    if not report["highlights"]:
        pdf.multi_cell(0, 5, "No call felt good enough to quote yet.", new_x="LMARGIN",
                       new_y="NEXT")
    names = {s["care_service_id"]: s["name"] for s in report["services"]}
    for h in report["highlights"]:
        pdf.multi_cell(0, 5, plain(f"{names.get(h['care_service_id'], '')} (feeling "
                                   f"{_fmt(h['feeling'], 2)}): \"{h['quote']}\""),
                       new_x="LMARGIN", new_y="NEXT")
    _heading(pdf, "Gaps")
    if not report["gaps"]:
        pdf.multi_cell(0, 5, "No question stands out as a gap.", new_x="LMARGIN", new_y="NEXT")
    for g in report["gaps"]:
        result = f"{_fmt(g['yes_rate'])}% yes" if "yes_rate" in g else f"mean {_fmt(g['mean'], 2)}"
        pdf.multi_cell(0, 5, plain(f"{g['text']} - {result}"), new_x="LMARGIN", new_y="NEXT")
    a = report["agreement"]
    _heading(pdf, "Agreement between shoppers")
    pdf.multi_cell(0, 5, plain(
        f"Krippendorff's alpha, yes/no questions: {_fmt(a['efficiency_alpha'], 3, 'not measured')}; ratings: "
        f"{_fmt(a['feeling_alpha'], 3, 'not measured')} ({a['shoppers']} shoppers, {a['units']} comparable "
        f"answers). {a['note']}"), new_x="LMARGIN", new_y="NEXT")
    data = bytes(pdf.output())
    return {"filename": filename(report, "pdf"), "pdf_base64": base64.b64encode(data).decode()}
