"""The plain-English check of papers and bulletins: jargon and acronyms from the organisation's
editable list (seeded with common commissioning jargon), acronyms nobody explained, long
sentences, and a readability score from textstat (Flesch reading ease; Flesch-Kincaid grade),
so the author sees what to fix before the paper goes out."""
from __future__ import annotations

import re
import uuid

from sqlalchemy import select

from involve.kernel import settings
from involve.kernel.errors import Conflict, NotFound
from involve.kernel.schemas import validate

from .contract import CommissioningJargonTerm, CommissioningTextCheck, case_key
from .models import JargonListState, JargonTerm

_term_input = CommissioningJargonTerm()
_text_input = CommissioningTextCheck()

DEFAULT_TERMS: list[tuple[str, str, str]] = [
    # (term, plainer words, kind)
    ("stakeholder", "people with an interest", "jargon"),
    ("options appraisal", "comparing the choices", "jargon"),
    ("procurement", "buying services", "jargon"),
    ("reconfiguration", "changing how services are arranged", "jargon"),
    ("decommission", "stop paying for a service", "jargon"),
    ("mobilisation", "getting the new service ready", "jargon"),
    ("care pathway", "the steps someone goes through", "jargon"),
    ("outcomes framework", "the results we want", "jargon"),
    ("deliverables", "what will be done", "jargon"),
    ("going forward", "from now on", "jargon"),
    ("utilise", "use", "jargon"),
    ("facilitate", "help", "jargon"),
    ("leverage", "use", "jargon"),
    ("initiate", "start", "jargon"),
    ("undertake", "do", "jargon"),
    ("in accordance with", "under", "jargon"),
    ("with regard to", "about", "jargon"),
    ("holistic", "whole-person", "jargon"),
    ("key performance indicator", "a measure of how well it is doing", "jargon"),
    ("KPI", "key performance indicator: a measure of how well it is doing", "acronym"),
    ("QIPP", "Quality, Innovation, Productivity and Prevention (a savings programme)", "acronym"),
    ("CQUIN", "Commissioning for Quality and Innovation (payments for quality)", "acronym"),
    ("ICB", "integrated care board", "acronym"),
    ("ICS", "integrated care system", "acronym"),
    ("CCG", "clinical commissioning group", "acronym"),
    ("PSR", "Provider Selection Regime (the rules for choosing health providers)", "acronym"),
    ("ITT", "invitation to tender", "acronym"),
    ("PQQ", "pre-qualification questionnaire", "acronym"),
    ("SLA", "service level agreement", "acronym"),
    ("CQC", "Care Quality Commission", "acronym"),
    ("CMHT", "community mental health team", "acronym"),
    ("VCSE", "voluntary, community and social enterprise sector", "acronym"),
    ("TUPE", "the rules that move staff to a new employer", "acronym"),
    ("JSNA", "joint strategic needs assessment", "acronym"),
]
# Abbreviations most readers know; never flagged as unexplained.
WELL_KNOWN = {"NHS", "UK", "GP", "OK", "TV", "AM", "PM", "BBC", "A&E", "ID", "PDF", "FAQ"}
_ACRONYM = re.compile(r"\b([A-Z][A-Z0-9&]*[A-Z0-9])s?\b")
# a listed word counts in its other forms too: facilitate, facilitates, facilitated, facilitating
_ENDINGS = r"(?:s|es|d|ed|ing|ment|ments)?"
_WORD = re.compile(r"[A-Za-z0-9][A-Za-z0-9'’&-]*")


# --- the organisation's list ---------------------------------------------------------------------
def ensure_defaults(session, organisation_id: str, now) -> None:
    if session.get(JargonListState, organisation_id) is not None:
        return
    session.add(JargonListState(organisation_id=organisation_id, seeded_at=now))
    for term, plain, kind in DEFAULT_TERMS:
        session.add(JargonTerm(id=str(uuid.uuid4()), organisation_id=organisation_id, term=term,
                               term_key=case_key(term), plain=plain, kind=kind, created_at=now))
    session.flush()


def terms(session, organisation_id: str) -> list[JargonTerm]:
    return list(session.scalars(select(JargonTerm).where(
        JargonTerm.organisation_id == organisation_id).order_by(JargonTerm.term_key)))


def list_terms(session, organisation_id: str, now) -> list[dict]:
    ensure_defaults(session, organisation_id, now)
    return [term_dict(t) for t in terms(session, organisation_id)]


def term_dict(t: JargonTerm) -> dict:
    return {"id": t.id, "term": t.term, "plain": t.plain, "kind": t.kind}


def add_term(session, organisation_id: str, data, now) -> dict:
    values = validate(_term_input, data)
    ensure_defaults(session, organisation_id, now)
    term = " ".join(values["term"].split())
    if session.scalar(select(JargonTerm.id).where(JargonTerm.organisation_id == organisation_id,
                                                  JargonTerm.term_key == case_key(term))):
        raise Conflict("That term is already on the list.", {"term": ["Already on the list."]})
    row = JargonTerm(id=str(uuid.uuid4()), organisation_id=organisation_id, term=term,
                     term_key=case_key(term), plain=values["plain"].strip(), kind=values["kind"],
                     created_at=now)
    session.add(row)
    session.flush()
    return term_dict(row)


def remove_term(session, organisation_id: str, term_id: str, now) -> dict:
    ensure_defaults(session, organisation_id, now)
    row = session.get(JargonTerm, term_id) if isinstance(term_id, str) else None
    if row is None or row.organisation_id != organisation_id:
        raise NotFound("We could not find that term.", {"term_id": ["Unknown id."]})
    session.delete(row)
    return {"removed": True, "id": term_id}


# --- the check -------------------------------------------------------------------------------------
def sentences(text: str) -> list[str]:
    found = []
    for block in re.split(r"\n\s*\n|\n(?=\s*[-*•\d])", text):
        for part in re.split(r"(?<=[.!?])\s+(?=[A-Z0-9“\"'(])", " ".join(block.split())):
            if _WORD.search(part):
                found.append(part.strip())
    return found


def _explained(text: str, acronym: str) -> bool:
    """Spelt out at first use, as in "Care Quality Commission (CQC)"."""
    return re.search(r"[A-Za-z][^()]{3,}\(\s*" + re.escape(acronym) + r"\s*\)", text) is not None


def check(session, organisation_id: str, data, now) -> dict:
    values = validate(_text_input, data)
    ensure_defaults(session, organisation_id, now)
    return check_text(values["text"], terms(session, organisation_id))


def check_text(text: str, listed: list[JargonTerm]) -> dict:
    long_words = int(settings.get("COMMISSIONING_LONG_SENTENCE_WORDS"))
    target = float(settings.get("COMMISSIONING_READABILITY_TARGET"))
    jargon, acronyms = [], []
    listed_acronyms = {}
    for t in listed:
        if t.kind == "acronym":
            listed_acronyms[t.term] = t
            continue
        stem = re.escape(t.term[:-1] if t.term.endswith("e") and " " not in t.term else t.term)
        ending = (r"(?:e|es|ed|ing|ment|ments)?" if t.term.endswith("e") and " " not in t.term
                  else _ENDINGS)
        count = len(re.findall(r"(?<![\w-])" + stem + ending + r"(?![\w-])", text,
                               flags=re.IGNORECASE))
        if count:
            jargon.append({"term": t.term, "plain": t.plain, "count": count})
    for acronym in dict.fromkeys(_ACRONYM.findall(text)):
        if acronym in WELL_KNOWN or len(acronym) < 2 or _explained(text, acronym):
            continue
        count = len(re.findall(r"\b" + re.escape(acronym) + r"s?\b", text))
        known = listed_acronyms.get(acronym)
        acronyms.append({"acronym": acronym, "count": count, "known": known is not None,
                         "plain": known.plain if known else ""})
    long_ones = []
    for sentence in sentences(text):
        words = len(_WORD.findall(sentence))
        if words > long_words:
            long_ones.append({"sentence": sentence, "words": words})
    word_count = len(_WORD.findall(text))
    if word_count >= 10:
        # textstat's pronouncing dictionary holds ~100 MiB: loaded by the first check (about a
        # second), not by every commissioning process at start-up (docs/performance.md)
        import textstat

        ease = round(float(textstat.flesch_reading_ease(text)), 1)
        grade = round(float(textstat.flesch_kincaid_grade(text)), 1)
        readable = ease >= target
    else:
        ease = grade = None
        readable = True
    advice = []
    for j in jargon:
        advice.append(f"“{j['term']}” is jargon" + (f": try “{j['plain']}”." if j["plain"]
                                                    else ": say it in everyday words."))
    for a in acronyms:
        advice.append(f"Spell out {a['acronym']}" + (f" ({a['plain']})" if a["plain"] else "")
                      + " the first time, or use plain words instead.")
    for s in long_ones:
        advice.append(f"A sentence has {s['words']} words (aim for {long_words} or fewer): "
                      f"“{s['sentence'][:80]}{'…' if len(s['sentence']) > 80 else ''}”")
    if not readable:
        advice.append(f"The reading-ease score is {ease} (aim for {target:g} or more): use "
                      "shorter sentences and shorter, everyday words.")
    return {
        "ok": not (jargon or acronyms or long_ones or not readable),
        "words": word_count, "sentences": len(sentences(text)),
        "readability": {"flesch_reading_ease": ease, "flesch_kincaid_grade": grade,
                        "target": target, "ok": readable, "scored": ease is not None},
        "jargon": jargon, "acronyms": acronyms, "long_sentences": long_ones,
        "advice": advice,
    }
