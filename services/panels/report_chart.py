"""The selection report's chart: an accessible inline SVG of how the chances are spread, with the
same numbers as a data table (for screen readers and anyone who prefers numbers)."""
from __future__ import annotations

from html import escape


def bands(probabilities: list[float], bins: int = 10) -> list[dict]:
    """Probability bands (equal width between the lowest and highest chance) and head counts."""
    if not probabilities:
        return []
    lo, hi = min(probabilities), max(probabilities)
    if hi - lo < 1e-9:
        return [{"from": round(lo, 6), "to": round(hi, 6), "people": len(probabilities)}]
    width = (hi - lo) / bins
    counts = [0] * bins
    for p in probabilities:
        counts[min(int((p - lo) / width), bins - 1)] += 1
    return [{"from": round(lo + i * width, 6), "to": round(lo + (i + 1) * width, 6),
             "people": c} for i, c in enumerate(counts)]


def svg(probabilities: list[float], panel_size: int, chart_id: str = "chances") -> str:
    """A bar chart of selection probability bands, role="img" with <title> and <desc>."""
    rows = bands(probabilities)
    n = len(probabilities)
    fair = panel_size / n if n else 0.0
    title = "How the chances of selection are spread across the pool"
    if rows:
        desc = (f"{n} volunteers, {panel_size} places: an equal share would be {fair:.1%} each. "
                f"The lowest chance is {min(probabilities):.1%} and the highest "
                f"{max(probabilities):.1%}. " + "; ".join(
                    f"{r['people']} people between {r['from']:.1%} and {r['to']:.1%}"
                    for r in rows) + ".")
    else:
        desc = "Nobody is in the pool."
    width, height, left, bottom, top = 640, 300, 60, 50, 20
    plot_w, plot_h = width - left - 20, height - bottom - top
    most = max((r["people"] for r in rows), default=1) or 1
    bar_w = plot_w / max(len(rows), 1)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" viewBox="0 0 {width} {height}" '
        f'width="100%" aria-labelledby="{chart_id}-title {chart_id}-desc">',
        f'<title id="{chart_id}-title">{escape(title)}</title>',
        f'<desc id="{chart_id}-desc">{escape(desc)}</desc>',
        f'<line x1="{left}" y1="{top + plot_h}" x2="{left + plot_w}" y2="{top + plot_h}" '
        'stroke="#333" stroke-width="1"/>',
        f'<line x1="{left}" y1="{top}" x2="{left}" y2="{top + plot_h}" stroke="#333" '
        'stroke-width="1"/>',
    ]
    for i, r in enumerate(rows):
        h = plot_h * r["people"] / most
        x = left + i * bar_w
        parts.append(
            f'<rect x="{x + 2:.1f}" y="{top + plot_h - h:.1f}" width="{max(bar_w - 4, 1):.1f}" '
            f'height="{h:.1f}" fill="#1d5c96"><title>{r["people"]} people: '
            f'{r["from"]:.1%} to {r["to"]:.1%}</title></rect>')
        parts.append(
            f'<text x="{x + bar_w / 2:.1f}" y="{top + plot_h + 16}" font-size="11" '
            f'text-anchor="middle" fill="#222">{r["from"]:.1%}</text>')
        parts.append(
            f'<text x="{x + bar_w / 2:.1f}" y="{top + plot_h - h - 4:.1f}" font-size="11" '
            f'text-anchor="middle" fill="#222">{r["people"]}</text>')
    parts.append(f'<text x="{left + plot_w / 2}" y="{height - 10}" font-size="12" '
                 'text-anchor="middle" fill="#222">chance of being selected (band starts at)</text>')
    parts.append(f'<text x="14" y="{top + plot_h / 2}" font-size="12" text-anchor="middle" '
                 f'fill="#222" transform="rotate(-90 14 {top + plot_h / 2})">people</text>')
    parts.append("</svg>")
    return "".join(parts)


def table_html(probabilities: list[float], chart_id: str = "chances") -> str:
    rows = bands(probabilities)
    body = "".join(f"<tr><td>{r['from']:.2%} to {r['to']:.2%}</td><td>{r['people']}</td></tr>"
                   for r in rows)
    return (f'<table id="{chart_id}-table"><caption>How the chances of selection are spread '
            f'(the numbers in the chart)</caption><thead><tr><th scope="col">Chance of being '
            f'selected</th><th scope="col">People</th></tr></thead><tbody>{body}</tbody></table>')
