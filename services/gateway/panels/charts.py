"""The fairness report's chart on the selection page: embedded only if it is safe to."""
from __future__ import annotations

import re
import xml.etree.ElementTree as ElementTree

from markupsafe import Markup

_SVG_TAGS = {"svg", "title", "desc", "line", "rect", "text", "g"}
_SVG_ATTRIBUTES = {"xmlns", "role", "viewBox", "width", "height", "aria-labelledby", "id", "x",
                   "y", "x1", "y1", "x2", "y2", "stroke", "stroke-width", "fill", "font-size",
                   "text-anchor", "transform"}
_SAFE_VALUE = re.compile(r"^[A-Za-z0-9 .,%#()\-:/]*$")


def safe_chart(svg_text: str | None) -> Markup | None:
    """The report's SVG chart, embedded only if it holds nothing but the chart's own parts: known
    tags and attributes, no scripts, links or styles. It comes from our own service and shows
    numbers only; anything unexpected is dropped (the table beside it has the same numbers)."""
    if not svg_text or len(svg_text) > 200_000:
        return None
    try:
        root = ElementTree.fromstring(svg_text)
    except ElementTree.ParseError:
        return None
    for element in root.iter():
        tag = element.tag.rsplit("}", 1)[-1]
        if tag not in _SVG_TAGS:
            return None
        for name, value in element.attrib.items():
            if name not in _SVG_ATTRIBUTES or not _SAFE_VALUE.match(value):
                return None
    return Markup(svg_text)
