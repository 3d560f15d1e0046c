"""Finding identifying details in a story so the moderator sees them highlighted.

Detection is deliberately generous: a false alarm costs the moderator a glance, a miss could
expose someone. Each finding is ``{field, start, end, kind, text}`` (offsets into that field).
Kinds: name, first_name, phone, email, address, postcode, date_of_birth, nhs_number, date.

``first_name`` is a single word found on a list of common UK first names shipped with the
service (first_names.yaml): "Sarah was lovely" has no title, no surname and no "called" to go
by. Names that are also ordinary words ("Will", "Grace") count only when written with a capital
inside a sentence, and a name that is part of a place ("St Mary's", "Victoria Hospital") or of a
care service's name does not count.
"""
from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from pathlib import Path

import yaml

FIELDS = ("title", "text", "what_was_good", "what_could_be_improved")

_MONTHS = ("january february march april may june july august september october november "
           "december jan feb mar apr jun jul aug sep sept oct nov dec").split()
_MONTH = r"(?:" + "|".join(sorted(_MONTHS, key=len, reverse=True)) + r")\.?"

EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+")
NHS = re.compile(r"(?<![\d+])[1-9]\d{2}[ -]?\d{3}[ -]?\d{4}(?!\d)")
PHONE = re.compile(r"(?<![\w+])(?:\+44\s?(?:\(0\)\s?)?|0)\d(?:[ -]?\d){8,9}(?!\d)")
POSTCODE = re.compile(r"\b(?:GIR ?0AA|[A-PR-UWYZ][A-HK-Y]?\d[A-Z\d]? ?\d[ABD-HJLNP-UW-Z]{2})\b")
STREET_WORDS = ("Street|St|Road|Rd|Lane|Ln|Avenue|Ave|Close|Drive|Dr|Way|Court|Ct|Place|Pl|"
                "Crescent|Terrace|Gardens|Grove|Hill|Square|Row|Walk|Mews|Parade|Rise|View|"
                "Park|Green|Boulevard")
ADDRESS = re.compile(r"\b\d{1,4}[A-Za-z]?,?\s+(?:[A-Z][\w'’-]*\s+){1,3}(?:" + STREET_WORDS
                     + r")\b\.?")
DATE = re.compile(
    r"\b\d{1,2}[/.-]\d{1,2}[/.-](?:\d{4}|\d{2})\b"
    r"|\b\d{1,2}(?:st|nd|rd|th)?(?:\s+of)?\s+" + _MONTH + r"(?:,?\s+\d{4})?\b"
    r"|\b" + _MONTH + r"\s+\d{1,2}(?:st|nd|rd|th)?(?:,?\s+\d{4})?\b"
    r"|\b\d{4}-\d{2}-\d{2}\b",
    re.IGNORECASE)
BIRTH_CUE = re.compile(r"(?:born|birth|d\.?o\.?b\.?|birthday)\W*(?:\w+\W+){0,2}$", re.IGNORECASE)
TITLE_NAME = re.compile(
    r"\b(?:Mr|Mrs|Ms|Miss|Mx|Dr|Doctor|Nurse|Sister|Matron|Prof|Professor|Father|Rev)\.?\s+"
    r"([A-Z][a-z'’-]+(?: [A-Z][a-z'’-]+)?)")
CALLED_NAME = re.compile(
    r"\b(?i:my name is|name's|named|called|known as)\s+([A-Z][a-z'’-]+(?: [A-Z][a-z'’-]+)?)")
CAPITALISED_RUN = re.compile(r"\b[A-Z][a-z'’-]+(?:\s+[A-Z][a-z'’-]+)+")

# Capitalised words that are not names: sentence starters, places, days, the NHS's own words.
COMMON = set("""
a an the i i'm i've my me we our us you your he she his her they their them it its this that
these those there then when where what who why how and but or so because if after before while
yesterday today tomorrow last next first every each some all no not never always also only just
very really please thank thanks hello dear sir madam monday tuesday wednesday thursday friday
saturday sunday christmas easter nhs gp a&e hospital clinic ward centre center service services
team unit department surgery practice trust council health care recovery mental community
street road lane avenue close drive way court place reception waiting room doctor nurse staff
manager mr mrs ms miss dr st saint sister matron professor royal general infirmary house home group
support project drug alcohol addiction treatment emergency accident urgent day night morning
evening afternoon week month year good bad great poor excellent when while on in at to from by
of for with about over under into again once later soon still even however although overall
english british london england scotland wales ireland
""".split()) | set(_MONTHS)


PLACE_AFTER = {"hospital", "infirmary", "hospice", "clinic", "surgery", "centre", "center",
               "station", "street", "road", "avenue", "lane", "house", "court", "college",
               "school", "church", "park", "square"}
PLACE_BEFORE = {"st", "saint"}
WORD = re.compile(r"[^\W\d_]+")
SENTENCE_END = ".!?:;\n\"“”(•-–—*"


def _key(word: str) -> str:
    """A name as the list is looked up: case and accents folded ("Siân" is "sian")."""
    folded = unicodedata.normalize("NFKD", word.casefold())
    return "".join(ch for ch in folded if not unicodedata.combining(ch))


@lru_cache(maxsize=1)
def first_names() -> tuple[frozenset[str], frozenset[str]]:
    """(names marked anywhere, names that are also words), from first_names.yaml."""
    data = yaml.safe_load(Path(__file__).with_name("first_names.yaml").read_text("utf-8"))
    words = frozenset(_key(n) for n in data.get("also_words") or ())
    names = frozenset(_key(n) for n in data.get("names") or ()) - words
    return names - COMMON, words - COMMON


def _title_case_words(text: str) -> set[str]:
    words = {w.lower() for w in re.findall(r"[A-Za-z'’-]+", text)}
    return words | {_key(w) for w in WORD.findall(text)}


def find(fields: dict, ignore_names: list[str] | tuple = ()) -> list[dict]:
    """Identifying details in each of ``fields`` (field name -> text), in reading order.

    ``ignore_names`` are words that are not people (e.g. the organisation's care service names).
    """
    ignore = set(COMMON)
    for name in ignore_names:
        ignore |= _title_case_words(name)
    found = []
    for field in FIELDS:
        text = fields.get(field)
        if text:
            found.extend(dict(item, field=field) for item in find_in(text, ignore))
    return found


def find_in(text: str, ignore: set[str] | None = None) -> list[dict]:
    ignore = COMMON if ignore is None else ignore
    spans: list[tuple[int, int, str]] = []

    def add(start, end, kind):
        if any(start < e and s < end for s, e, _ in spans):
            return
        spans.append((start, end, kind))

    for m in EMAIL.finditer(text):
        add(m.start(), m.end(), "email")
    for m in PHONE.finditer(text):
        add(m.start(), m.end(), "phone")
    for m in NHS.finditer(text):
        add(m.start(), m.end(), "nhs_number")
    for m in DATE.finditer(text):
        before = text[max(0, m.start() - 30):m.start()]
        add(m.start(), m.end(), "date_of_birth" if BIRTH_CUE.search(before) else "date")
    for m in ADDRESS.finditer(text):
        add(m.start(), m.end(), "address")
    for m in POSTCODE.finditer(text):
        add(m.start(), m.end(), "postcode")
    for pattern in (TITLE_NAME, CALLED_NAME):
        for m in pattern.finditer(text):
            start, _end = m.span(1)
            words = m.group(1).split()
            if pattern is CALLED_NAME and words[0].lower() in ignore:
                continue
            # "called Riverside Clinic": keep only the leading name-like words
            while len(words) > 1 and words[-1].lower() in ignore:
                words.pop()
            add(start, start + len(" ".join(words)), "name")
    for m in CAPITALISED_RUN.finditer(text):
        _name_pairs(text, m.start(), m.group(0), ignore, add)
    _first_names(text, ignore, add)
    spans.sort()
    return [{"start": s, "end": e, "kind": k, "text": text[s:e]} for s, e, k in spans]


def _name_pairs(text, offset, run, ignore, add):
    """Within a run of capitalised words, each stretch of two or more non-common words."""
    stretch: list[tuple[int, int]] = []
    for word in re.finditer(r"\S+", run):
        if word.group(0).lower() in ignore:
            _flush(stretch, offset, add)
            stretch = []
        else:
            stretch.append((word.start(), word.end()))
    _flush(stretch, offset, add)


def _flush(stretch, offset, add):
    if len(stretch) >= 2:
        add(offset + stretch[0][0], offset + stretch[-1][1], "name")


def _sentence_start(text: str, start: int) -> bool:
    before = text[:start].rstrip(" \t")
    return not before or before[-1] in SENTENCE_END


def _first_names(text, ignore, add):
    """Single words on the list of common first names (see the module's notes)."""
    names, also_words = first_names()
    words = list(WORD.finditer(text))
    for i, m in enumerate(words):
        word = m.group(0)
        key = _key(word)
        if key in ignore or (key not in names and key not in also_words):
            continue
        if key in also_words and (not word[0].isupper() or _sentence_start(text, m.start())):
            continue
        previous = words[i - 1].group(0) if i else ""
        following = words[i + 1] if i + 1 < len(words) else None
        if following is not None and following.group(0) == "s" and text[
                m.end():following.start()] in ("'", "’"):  # Mary's: look past the 's
            following = words[i + 2] if i + 2 < len(words) else None
        if _key(previous) in PLACE_BEFORE and text[words[i - 1].end():m.start()].strip(
                ". ") == "":
            continue
        if following is not None and following.group(0)[0].isupper() and _key(
                following.group(0)) in PLACE_AFTER:
            continue
        add(m.start(), m.end(), "first_name")
