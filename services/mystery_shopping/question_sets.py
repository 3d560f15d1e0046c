"""Benchmark question sets: checked when plugins load, kept in the database by (key, version),
frozen once a round uses them (editing a frozen set stores a new version).

A plugin gives sets through the ``involve_benchmark_sets`` hook. A malformed set is refused with
a message naming the plugin, the set and the question; the other sets still load. The CLI's
``involve plugins check`` can call :func:`problems` to report them.
"""
from __future__ import annotations

import logging
import re
import uuid

from marshmallow import ValidationError
from sqlalchemy import or_, select

from involve.kernel.db import now
from involve.kernel.errors import NotFound
from involve.kernel.schemas import validate

from .contract import (
    DERIVED,
    MAX_DESCRIPTION,
    MAX_QUESTIONS,
    SET_KEY,
    SET_TITLE,
    MysteryQuestion,
    MysteryQuestionSetEdit,
)
from .models import QuestionSet

log = logging.getLogger(__name__)
HOOK = "involve_benchmark_sets"
PLUGIN_SCOPE = ""  # organisation_id of the sets that come from plugins
SET_FIELDS = ("id", "version", "title", "description", "questions")
_question = MysteryQuestion()
_edit = MysteryQuestionSetEdit()


def describe_problem(problem: dict) -> str:
    where = f"plugin '{problem['plugin']}'"
    if problem.get("set"):
        where += f", question set '{problem['set']}'"
    if problem.get("question"):
        where += f", question '{problem['question']}'"
    return f"{where}: {problem['message']}"


def _flatten(messages, prefix=""):
    if isinstance(messages, dict):
        for key, value in messages.items():
            yield from _flatten(value, f"{prefix}{key}: " if key != "_schema" else prefix)
    elif isinstance(messages, list):
        for value in messages:
            yield from _flatten(value, prefix)
    else:
        yield f"{prefix}{messages}"


def check_set(plugin: str, raw) -> tuple[dict | None, list[dict]]:
    """A plugin's set made clean, or None and the problems (each naming plugin, set, question)."""
    problems: list[dict] = []
    if not isinstance(raw, dict):
        return None, [{"plugin": plugin, "set": None, "question": None,
                       "message": "gave something that is not a question set (expected a mapping "
                                  "with id, version, title and questions)"}]
    key = raw.get("id")
    label = key if isinstance(key, str) and key else None

    def problem(message, question=None):
        problems.append({"plugin": plugin, "set": label, "question": question, "message": message})

    unknown = sorted(str(k) for k in raw if k not in SET_FIELDS)
    if unknown:
        problem(f"unknown field(s) {', '.join(unknown)} (a set has: {', '.join(SET_FIELDS)})")
    if not isinstance(key, str) or not re.match(SET_KEY, key):
        problem("the set needs an 'id' such as 'acme.first-contact' (lower-case letters, digits, "
                "'.', '-' or '_')")
    version = raw.get("version")
    if isinstance(version, bool) or not isinstance(version, int) or version < 1:
        problem("the set needs a 'version' that is a whole number from 1")
    title = raw.get("title")
    if not isinstance(title, str) or not SET_TITLE[0] <= len(title.strip()) <= SET_TITLE[1]:
        problem(f"the set needs a 'title' of {SET_TITLE[0]} to {SET_TITLE[1]} characters")
    description = raw.get("description", "")
    if not isinstance(description, str) or len(description) > MAX_DESCRIPTION:
        problem(f"the 'description' must be text of at most {MAX_DESCRIPTION} characters")
    questions = raw.get("questions")
    clean_questions = []
    if not isinstance(questions, list) or not 1 <= len(questions) <= MAX_QUESTIONS:
        problem(f"the set needs 'questions': a list of 1 to {MAX_QUESTIONS} questions")
        questions = []
    seen: set[str] = set()
    for index, question in enumerate(questions, start=1):
        qid = question.get("id") if isinstance(question, dict) else None
        qlabel = qid if isinstance(qid, str) and qid else f"number {index}"
        if not isinstance(question, dict):
            problem("each question must be a mapping with id, text, kind and measures", qlabel)
            continue
        try:
            clean = _question.load(question)
        except ValidationError as exc:
            for message in _flatten(exc.normalized_messages()):
                problem(message.replace("Unknown field.", "this field is not expected here"),
                        qlabel)
            continue
        if clean["id"] in seen:
            problem("another question in the set already uses this id", qlabel)
            continue
        seen.add(clean["id"])
        clean["text"] = clean["text"].strip()
        clean_questions.append(clean)
    if problems:
        return None, problems
    return {"id": key, "version": version, "title": title.strip(),
            "description": " ".join(description.split()), "questions": clean_questions}, []


def _given(plugins):
    """The hook's results, asked once per loaded set of plugins (plugins only change when the
    process restarts, and a hook that raises is then reported once, not on every call)."""
    cached = getattr(plugins, "_involve_benchmark_sets", None)
    if cached is None:
        broken_before = len(plugins.broken)
        given = plugins.call(HOOK)
        cached = (given, list(plugins.broken[broken_before:]))
        plugins._involve_benchmark_sets = cached
    return cached


def load(plugins, include_broken: bool = True) -> tuple[list[tuple[str, dict]], list[dict]]:
    """Every well-formed set as (plugin name, set), and the problems with the others.

    A plugin whose hook raises is added to ``plugins.broken`` by the kernel; it is also listed
    among the problems unless ``include_broken`` is false.
    """
    if plugins is None:
        return [], []
    given, failed = _given(plugins)
    problems = [{"plugin": b.name, "set": None, "question": None, "message": b.error}
                for b in failed] if include_broken else []
    sets: list[tuple[str, dict]] = []
    taken: dict[tuple[str, int], str] = {}
    for plugin, raw in given:
        clean, found = check_set(plugin, raw)
        if found:
            problems.extend(found)
            continue
        identity = (clean["id"], clean["version"])
        if identity in taken:
            problems.append({"plugin": plugin, "set": clean["id"], "question": None,
                             "message": f"version {clean['version']} is already given by plugin "
                                        f"'{taken[identity]}'"})
            continue
        taken[identity] = plugin
        sets.append((plugin, clean))
    for found in problems:
        log.error("question set refused: %s", describe_problem(found))
    return sets, problems


def problems(plugins, include_broken: bool = True) -> list[dict]:
    """The problems with every installed question set ([] when all are well formed).

    For ``involve plugins check``: call ``problems(found, include_broken=False)`` first (a hook
    that raises is then in ``found.broken``), print ``describe_problem(p)`` for each, and fail.
    """
    return load(plugins, include_broken)[1]


def _content(row_or_set) -> tuple:
    if isinstance(row_or_set, QuestionSet):
        return (row_or_set.title, row_or_set.description, row_or_set.questions)
    return (row_or_set["title"], row_or_set["description"], row_or_set["questions"])


def _only_gains_derivations(row: QuestionSet, clean: dict) -> bool:
    """True when a plugin's set differs from a frozen row only by questions that now say how
    their answer is worked out (``answered_within_seconds``) and did not say so before. That
    changes how the call form asks, not what is asked or how it is scored, so rounds already
    using the set get it too; any other change needs a new version."""
    if (row.title, row.description) != (clean["title"], clean["description"]):
        return False
    old, new = row.questions or [], clean["questions"]
    if len(old) != len(new):
        return False
    for before, after in zip(old, new, strict=True):
        if any(key in before and before.get(key) != after.get(key) for key in DERIVED):
            return False
        if {k: v for k, v in before.items() if k not in DERIVED} != {
                k: v for k, v in after.items() if k not in DERIVED}:
            return False
    return True


def sync(session, plugins) -> list[dict]:
    """Store the plugins' sets (new versions added, unused ones updated); returns the problems."""
    sets, found = load(plugins)
    for plugin, clean in sets:
        row = session.scalar(select(QuestionSet).where(
            QuestionSet.organisation_id == PLUGIN_SCOPE, QuestionSet.key == clean["id"],
            QuestionSet.version == clean["version"]))
        if row is None:
            session.add(QuestionSet(
                id=str(uuid.uuid4()), organisation_id=PLUGIN_SCOPE, key=clean["id"],
                version=clean["version"], title=clean["title"],
                description=clean["description"], source=plugin, questions=clean["questions"],
                frozen=False, based_on_id=None, created_at=now()))
        elif _content(row) != _content(clean):
            if row.frozen and _only_gains_derivations(row, clean):
                row.questions = clean["questions"]
                continue
            if row.frozen:
                found.append({"plugin": plugin, "set": clean["id"], "question": None,
                              "message": f"version {clean['version']} has changed but a round "
                                         "already uses it; give the changed set a new version "
                                         "number (the stored one is kept)"})
                continue
            row.title, row.description, row.questions = _content(clean)
            row.source = plugin
    session.flush()
    return found


def as_dict(row: QuestionSet, superseded: bool = False) -> dict:
    return {"id": row.id, "key": row.key, "version": row.version, "title": row.title,
            "description": row.description, "source": row.source, "frozen": bool(row.frozen),
            "superseded": superseded, "based_on_id": row.based_on_id,
            "organisation_id": row.organisation_id or None, "questions": row.questions}


def _visible(organisation_id: str):
    return or_(QuestionSet.organisation_id == PLUGIN_SCOPE,
               QuestionSet.organisation_id == organisation_id)


def list_for(session, organisation_id: str) -> list[dict]:
    rows = list(session.scalars(select(QuestionSet).where(_visible(organisation_id))))
    # the newest version of each key first (the organisation's own wins a tie), older ones after
    rows.sort(key=lambda r: (r.key, -r.version, r.organisation_id == PLUGIN_SCOPE))
    latest, older, seen = [], [], set()
    for row in rows:
        if row.key in seen:
            older.append(as_dict(row, superseded=True))
        else:
            seen.add(row.key)
            latest.append(as_dict(row))
    latest.sort(key=lambda s: (s["title"].casefold(), s["key"]))
    return latest + older


def load_row(session, organisation_id: str, question_set_id: str) -> QuestionSet:
    row = session.get(QuestionSet, question_set_id) if isinstance(question_set_id, str) else None
    if row is None or row.organisation_id not in (PLUGIN_SCOPE, organisation_id):
        raise NotFound("We could not find that question set.",
                       {"question_set_id": ["Unknown id."]})
    return row


def get(session, organisation_id: str, question_set_id: str) -> dict:
    row = load_row(session, organisation_id, question_set_id)
    newer = session.scalar(select(QuestionSet.id).where(
        _visible(organisation_id), QuestionSet.key == row.key,
        QuestionSet.version > row.version).limit(1))
    return as_dict(row, superseded=newer is not None)


def edit(session, organisation_id: str, question_set_id: str, data: dict) -> dict:
    """Adapt a set: the same row if it is the organisation's own and unused, else a new version."""
    row = load_row(session, organisation_id, question_set_id)
    values = validate(_edit, data)
    title = values.get("title", row.title).strip()
    description = " ".join(values.get("description", row.description).split())
    questions = values.get("questions", row.questions)
    if (title, description, questions) == _content(row):
        return get(session, organisation_id, row.id)
    if row.organisation_id == organisation_id and not row.frozen:
        row.title, row.description, row.questions = title, description, questions
        session.flush()
        return get(session, organisation_id, row.id)
    versions = session.scalars(select(QuestionSet.version).where(
        _visible(organisation_id), QuestionSet.key == row.key))
    new = QuestionSet(id=str(uuid.uuid4()), organisation_id=organisation_id, key=row.key,
                      version=max(versions, default=0) + 1, title=title,
                      description=description, source="organisation", questions=questions,
                      frozen=False, based_on_id=row.id, created_at=now())
    session.add(new)
    session.flush()
    return as_dict(new)


def freeze(row: QuestionSet) -> None:
    row.frozen = True
