"""Dates as people type them: one reader for every date field on the site.

Accepts what a date picker sends (``2026-12-01``) and what people type where there is none:
``1 December 2026``, ``1st Dec 2026``, ``Tuesday 1 December 2026``, ``December 1, 2026``,
``1/12/2026``, ``1-12-26``, ``1.12.2026`` (day before month, as in the UK). Anything else, or a
date that does not exist (``31/2/2026``), is refused with a message a person can act on.

Use ``Form.date(name)`` (web/forms.py) in a page handler and the ``date_input`` macro
(templates/_macros.html) in its template; ``long_date`` shows a date back in words.
"""
from __future__ import annotations

import re
from datetime import date

EXAMPLE = "1 December 2026"
MESSAGE = f"Enter a date like {EXAMPLE}, or 1/12/2026"

MONTHS = {name: number for number, names in enumerate((
    ("january", "jan"), ("february", "feb"), ("march", "mar"), ("april", "apr"), ("may",),
    ("june", "jun"), ("july", "jul"), ("august", "aug"), ("september", "sep", "sept"),
    ("october", "oct"), ("november", "nov"), ("december", "dec")), start=1) for name in names}
_WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday",
             "mon", "tue", "tues", "wed", "thu", "thur", "thurs", "fri", "sat", "sun")
_ISO = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$")
_NUMERIC = re.compile(r"^(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{2}|\d{4})$")
_DAY = r"(\d{1,2})(?:st|nd|rd|th)?"
_DAY_MONTH_YEAR = re.compile(rf"^{_DAY} ([a-z]+) (\d{{4}})$")
_MONTH_DAY_YEAR = re.compile(rf"^([a-z]+) {_DAY} (\d{{4}})$")


class DateError(ValueError):
    """Not a date we can read; ``str(error)`` is the message to show."""


def _year(text: str) -> int:
    return 2000 + int(text) if len(text) == 2 else int(text)


def _make(year: int, month: int, day: int) -> date:
    try:
        return date(year, month, day)
    except ValueError:
        raise DateError(f"That date does not exist. {MESSAGE}") from None


def parse_date(text: str) -> date:
    """The date in ``text``, or DateError with a plain message."""
    if not isinstance(text, str):
        raise DateError(MESSAGE)
    cleaned = " ".join(text.replace(",", " ").split()).casefold()
    if (match := _ISO.match(cleaned)):
        return _make(int(match[1]), int(match[2]), int(match[3]))
    if (match := _NUMERIC.match(cleaned)):
        return _make(_year(match[3]), int(match[2]), int(match[1]))
    words = cleaned.split(" ")
    if len(words) == 4 and words[0] in _WEEKDAYS:  # "Tuesday 1 December 2026"
        cleaned = " ".join(words[1:])
    if (match := _DAY_MONTH_YEAR.match(cleaned)) and match[2] in MONTHS:
        return _make(int(match[3]), MONTHS[match[2]], int(match[1]))
    if (match := _MONTH_DAY_YEAR.match(cleaned)) and match[1] in MONTHS:
        return _make(int(match[3]), MONTHS[match[1]], int(match[2]))
    raise DateError(MESSAGE)


def long_date(value) -> str:
    """``1 December 2026`` from a date, a datetime or an ISO string (unreadable: as given)."""
    if isinstance(value, str):
        try:
            value = parse_date(value[:10])
        except DateError:
            return value
    return f"{value.day} {value:%B %Y}" if isinstance(value, date) else str(value)


def iso_or_typed(text: str) -> str:
    """What to put back in a date field: the ISO date if ``text`` is one we can read (a date
    picker shows it), else exactly what was typed."""
    try:
        return parse_date(text).isoformat()
    except DateError:
        return text or ""
