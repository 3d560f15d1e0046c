"""A round's report as PDF (fpdf2): the organisation's name, scores by service as two bar charts
(efficiency and feeling, apart), trend lines across rounds, the questions, highlights and gaps.

Numbers are written with the contract's ``score_text``, as the report page and the CSV write
them. Long names are never cut: bar labels wrap onto more lines, and trend lines carry a number
whose key, under the chart, gives the service's whole name.

Accessibility, as far as fpdf2 2.8 goes: the document states its language (en-GB) and title (shown
in the reader's title bar), author, subject and keywords; every section is a bookmark; the text is
real text in reading order, one column; every chart is followed by the same numbers in words.
What fpdf2 cannot do is tag the text (headings, paragraphs, tables as a structure tree, PDF/UA):
the PDF says so on its first page and points to the report page on Involve, which is the
accessible version, and to the CSV. (Tagging only the charts as figures would mark the file as
tagged while leaving its text out of the tree, which screen readers then skip: worse than none.)

Core fonts only: text is folded to Latin-1 so any name or quote prints safely.
"""
from __future__ import annotations

import base64
import itertools
import unicodedata
from datetime import date

from fpdf import FPDF
from fpdf.prefs import ViewerPreferences

from .contract import EFFICIENCY_DECIMALS, FEELING_DECIMALS, score_text
from .report_csv import filename

_FOLD = {"\u2018": "'", "\u2019": "'", "\u201c": '"', "\u201d": '"', "\u2013": "-",
         "\u2014": "-", "\u2026": "...", "\u00a0": " "}
EFFICIENCY_COLOUR = (31, 94, 153)
FEELING_COLOUR = (176, 64, 20)
LINE_COLOURS = [(29, 79, 145), (179, 64, 10), (0, 112, 60), (122, 46, 142), (80, 90, 95),
                (138, 21, 56)]  # as on the report page; each line also carries its number
LANGUAGE = "en-GB"
STATUS_WORDS = {"scheduled": "open", "closed": "closed"}


def plain(text) -> str:
    text = "" if text is None else str(text)
    text = "".join(_FOLD.get(ch, ch) for ch in text)
    text = unicodedata.normalize("NFKD", text)
    return text.encode("latin-1", "ignore").decode("latin-1")


def _efficiency(value, missing="no calls") -> str:
    return score_text(value, EFFICIENCY_DECIMALS, missing)


def _feeling(value, missing="no calls") -> str:
    return score_text(value, FEELING_DECIMALS, missing)


def day_text(value) -> str:
    """2026-01-05 as "5 January 2026", as the pages write dates."""
    try:
        day = date.fromisoformat(str(value)[:10])
    except ValueError:
        return str(value or "")
    return f"{day.day} {day:%B %Y}"


class _Pdf(FPDF):
    def footer(self):
        self.set_y(-12)
        self.set_font("Helvetica", size=8)
        self.cell(0, 6, f"Page {self.page_no()}", align="C")


def _paragraph(pdf, text, height=5):
    """Ragged right, never justified: even spaces are easier to read."""
    pdf.multi_cell(0, height, plain(text), align="L", new_x="LMARGIN", new_y="NEXT")


def _heading(pdf, text, level=0, room=40):
    """A heading, and the bookmark that leads to it, kept with ``room`` mm of what follows."""
    pdf.ln(3)
    if pdf.get_y() > pdf.h - room:
        pdf.add_page()
    pdf.start_section(plain(text), level=level)
    pdf.set_font("Helvetica", "B", 13 if level == 0 else 11)
    pdf.multi_cell(0, 7, plain(text), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", size=10)


def _lines(pdf, width, text) -> list[str]:
    return pdf.multi_cell(width, 4, plain(text), dry_run=True, output="LINES") or [""]


def _bars(pdf, title, services, key, top, colour, words):
    """A horizontal bar chart of one score by service (0..top); names wrap, never cut."""
    _heading(pdf, title, level=1)
    label_w, bar_w, line_h = 60, 100, 4
    for s in services:
        label = _lines(pdf, label_w, s["name"])
        row_h = max(7, len(label) * line_h + 2)
        if pdf.get_y() + row_h > pdf.h - 20:
            pdf.add_page()
        y = pdf.get_y()
        for n, line in enumerate(label):
            pdf.set_xy(pdf.l_margin, y + 1 + n * line_h)
            pdf.cell(label_w, line_h, line)
        x0 = pdf.l_margin + label_w
        pdf.set_draw_color(160, 160, 160)
        pdf.rect(x0, y + 1, bar_w, 5)
        value = s.get(key)
        if value is not None:
            low = 1.0 if top == 5 else 0.0
            width = bar_w * max(0.0, (value - low) / (top - low))
            pdf.set_fill_color(*colour)
            pdf.rect(x0, y + 1, max(width, 0.4), 5, style="F")
        pdf.set_xy(x0 + bar_w + 3, y)
        pdf.cell(25, 7, words(s.get(key)))
        pdf.set_xy(pdf.l_margin, y + row_h)
    pdf.set_font("Helvetica", "I", 9)
    _paragraph(pdf, "In words: " + "; ".join(f"{s['name']} {words(s.get(key))}"
                                              for s in services) + ".")
    pdf.set_font("Helvetica", size=10)


def _trend_chart(pdf, title, trends, key, low, top, words):
    series = [t for t in trends if len(t["points"]) >= 1]
    rounds = sorted({(p["ends_on"], p["round_name"]) for t in series for p in t["points"]})
    if len(rounds) < 2:
        return False
    _heading(pdf, title, level=1, room=100 + 5 * len(series))
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
    label_w = max(14.0, min(step - 2, 34.0))
    deepest = 0
    for i, (_ends_on, name) in enumerate(rounds):
        lines = pdf.multi_cell(label_w, 3, plain(name), dry_run=True, output="LINES") or [""]
        for n, line in enumerate(lines[:4]):
            pdf.set_xy(x0 + i * step - label_w / 2, y0 + h + 1 + n * 3)
            pdf.cell(label_w, 3, line, align="C")
        deepest = max(deepest, min(len(lines), 4))
    for n, t in enumerate(series, start=1):
        pts = []
        for p in t["points"]:
            if p.get(key) is None:
                continue
            i = rounds.index((p["ends_on"], p["round_name"]))
            pts.append((x0 + i * step, y0 + h - h * (p[key] - low) / (top - low)))
        shade = LINE_COLOURS[(n - 1) % len(LINE_COLOURS)]
        pdf.set_draw_color(*shade)
        pdf.set_fill_color(*shade)
        pdf.set_text_color(*shade)
        for a, b in itertools.pairwise(pts):
            pdf.line(a[0], a[1], b[0], b[1])
        for x, y in pts:
            pdf.rect(x - 0.8, y - 0.8, 1.6, 1.6, style="F")
        if pts:  # the line's number; the key below gives the name in full
            pdf.set_xy(pts[-1][0] + 2, pts[-1][1] - 2)
            pdf.cell(6, 4, str(n))
    pdf.set_draw_color(0, 0, 0)
    pdf.set_text_color(0, 0, 0)
    pdf.set_xy(pdf.l_margin, y0 + h + 3 + deepest * 3)
    pdf.set_font("Helvetica", size=9)
    for n, t in enumerate(series, start=1):
        points = ", ".join(f"{p['round_name']} {words(p.get(key), 'not scored')}"
                           for p in t["points"])
        _paragraph(pdf, f"{n}: {t['name']} ({points})", height=4.5)
    pdf.set_font("Helvetica", size=10)
    return True


def render(report: dict) -> dict:
    """``report`` is the service's round report, with ``organisation`` {id, name} and
    ``web_link`` (the report page on Involve) added by the service."""
    r, qs = report["round"], report["question_set"]
    organisation = (report.get("organisation") or {}).get("name") or ""
    title = f"Mystery shopping report: {r['name']}"
    pdf = _Pdf(format="A4")
    pdf.set_auto_page_break(auto=True, margin=15)
    pdf.set_lang(LANGUAGE)
    pdf.set_title(plain(f"{organisation}: {title}" if organisation else title))
    if organisation:
        pdf.set_author(plain(organisation))
    pdf.set_subject(plain(f"Mystery shopping round {r['name']}: efficiency and feeling by "
                          "service, trends, best practice and gaps"))
    pdf.set_keywords(["mystery shopping", "service user involvement", "first contact"])
    pdf.set_creator("Involve")
    pdf.viewer_preferences = ViewerPreferences(display_doc_title=True)
    pdf.add_page()
    if organisation:
        pdf.set_font("Helvetica", "B", 12)
        _paragraph(pdf, organisation, height=6)
    pdf.start_section(plain(title))
    pdf.set_font("Helvetica", "B", 16)
    _paragraph(pdf, title, height=8)
    pdf.set_font("Helvetica", size=10)
    _paragraph(pdf, f"{day_text(r['starts_on'])} to {day_text(r['ends_on'])} "
                    f"({STATUS_WORDS.get(r['status'], r['status'])}). Question set: "
                    f"{qs['title']} (version {qs['version']}). "
                    f"{r.get('assignments_recorded', 0)} of {r.get('assignments_total', 0)} "
                    "calls recorded.")
    _paragraph(pdf, "Efficiency (0-100, share of 'yes' answers) and feeling (1-5, how the call "
                    "felt) are reported apart: an efficient call and a therapeutic call are "
                    "different things.")
    pdf.set_font("Helvetica", "I", 9)
    where = f" at {report['web_link']}" if report.get("web_link") else " on Involve"
    _paragraph(pdf, "This PDF is not tagged for screen readers. The same report, with every "
                    f"chart also as a table, is on its web page{where}; the numbers are also in "
                    "the CSV download.", height=4.5)
    pdf.set_font("Helvetica", size=10)
    _heading(pdf, "Scores by service")
    for s in report["services"]:
        _paragraph(pdf, f"{s['name']}: efficiency {_efficiency(s['efficiency'])}, feeling "
                        f"{_feeling(s['feeling'])} ({s['calls']} calls)")
    _bars(pdf, "Efficiency by service (0-100)", report["services"], "efficiency", 100,
          EFFICIENCY_COLOUR, _efficiency)
    _bars(pdf, "Feeling by service (1-5)", report["services"], "feeling", 5, FEELING_COLOUR,
          _feeling)
    _trend_chart(pdf, "Efficiency across rounds", report["trends"], "efficiency", 0, 100,
                 _efficiency)
    _trend_chart(pdf, "Feeling across rounds", report["trends"], "feeling", 1, 5, _feeling)
    _heading(pdf, "Questions")
    for q in report["questions"]:
        result = (f"{_efficiency(q.get('yes_rate'), 'no answers')}% yes"
                  if q["kind"] == "yes_no" else
                  f"mean {_feeling(q.get('mean'), 'no answers')}" if q["kind"] == "scale_1_5"
                  else f"{q['answered']} answers in words")
        _paragraph(pdf, f"[{q['measures']}] {q['text']} - {result}")
    _heading(pdf, "Best practice to celebrate")
    if not report["highlights"]:
        _paragraph(pdf, "No call felt good enough to quote yet.")
    names = {s["care_service_id"]: s["name"] for s in report["services"]}
    for hl in report["highlights"]:
        _paragraph(pdf, f"{names.get(hl['care_service_id'], '')} (feeling "
                        f"{_feeling(hl['feeling'])}): \"{hl['quote']}\"")
    _heading(pdf, "Gaps")
    if not report["gaps"]:
        _paragraph(pdf, "No question stands out as a gap.")
    for g in report["gaps"]:
        result = (f"{_efficiency(g['yes_rate'])}% yes" if "yes_rate" in g
                  else f"mean {_feeling(g['mean'])}")
        _paragraph(pdf, f"{g['text']} - {result}")
    a = report["agreement"]
    _heading(pdf, "Agreement between shoppers")
    alpha = "not measured"
    _paragraph(pdf, f"Krippendorff's alpha, yes/no questions: "
                    f"{score_text(a['efficiency_alpha'], 3, alpha)}; ratings: "
                    f"{score_text(a['feeling_alpha'], 3, alpha)} ({a['shoppers']} shoppers, "
                    f"{a['units']} comparable answers). {a['note']}")
    data = bytes(pdf.output())
    return {"filename": filename(report, "pdf"), "pdf_base64": base64.b64encode(data).decode()}
