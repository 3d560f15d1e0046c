"""Telling people things: a message in their Involve inbox, and an email unless they chose
"messages on Involve only".

Other services ask through ``notify_person`` with a person's pseudonymous id and never learn an
address. Subjects and bodies are encrypted at rest like contact details, and never logged.
"""
from __future__ import annotations

import uuid

from sqlalchemy import func, insert, select, update

from involve.kernel import settings
from involve.kernel.db import now
from involve.kernel.errors import InvalidInput, NotFound
from involve.kernel.schemas import validate

from .contract import Notification, NotificationChoice
from .crypto import Keys
from .models import Account, Message, Organisation, Person

_notification = Notification()
_choice = NotificationChoice()
LIST_LIMIT = 200


def _email_text(body: str, link: str | None, base_url: str) -> str:
    if not link:
        return body
    return f"{body.rstrip()}\n\nSee it on Involve: {base_url}{link}\n"


def notify(session, keys: Keys, send, person_id: str, data: dict,
           base_url: str | None = None) -> dict:
    """Tell a person something. Returns {"sent": emailed?, "stored": in their inbox?}.

    People with an account always get the message in their inbox, and by email too unless they
    chose "inbox_only". People without an account (a story's author, someone added by staff)
    are emailed if identity holds an address for them. Erased or unknown people get nothing.
    An email that cannot be sent raises, and nothing is stored, so the caller may try again.
    """
    values = validate(_notification, data)
    organisation_id = values["organisation_id"]
    if organisation_id and session.get(Organisation, organisation_id) is None:
        raise InvalidInput("We could not find that organisation.",
                           {"organisation_id": ["Unknown organisation."]})
    person = session.get(Person, person_id) if isinstance(person_id, str) else None
    if person is None or person.erased_at is not None or not person.contact:
        return {"sent": False, "stored": False}
    has_account = session.get(Account, person.id) is not None
    email = keys.decrypt(person.contact).get("email")
    emailing = bool(email) and not (has_account and person.notifications == "inbox_only")
    if has_account:
        session.add(Message(
            id=str(uuid.uuid4()), person_id=person.id, organisation_id=organisation_id,
            content=keys.encrypt({"subject": values["subject"], "body": values["body"]}),
            link=values["link"], created_at=now(), read_at=None, emailed=emailing))
        session.flush()
    if emailing:
        base = base_url if base_url is not None else settings.get("GATEWAY_URL")
        send(email, values["subject"], _email_text(values["body"], values["link"], base))
    return {"sent": emailing, "stored": has_account}


BATCH_LIMIT = 500


def notify_many(session, keys: Keys, send, items: list, base_url: str | None = None) -> list:
    """``notify`` for many messages at once ([{"person_id", "subject", "body", "link",
    "organisation_id"}]), as a service sending alerts needs: the people and accounts are read in
    one query each and the inbox messages written in one statement, however many there are.

    Returns one result per item, in order: {"sent", "stored"} as ``notify`` does, or
    {"failed": reason} for an email that could not be sent (nothing is stored for it, so the
    caller may try that one again). Bad input is refused as a whole, naming the item's field.
    """
    if not isinstance(items, list) or len(items) > BATCH_LIMIT:
        raise InvalidInput(f"Send a list of at most {BATCH_LIMIT} messages.",
                           {"items": [f"A list of at most {BATCH_LIMIT}."]})
    checked = []
    for index, item in enumerate(items):
        person_id = item.get("person_id") if isinstance(item, dict) else None
        if not isinstance(person_id, str):
            raise InvalidInput("Each message needs a person.",
                               {f"items.{index}.person_id": ["Missing."]})
        try:
            values = validate(_notification, {k: v for k, v in item.items() if k != "person_id"})
        except InvalidInput as exc:
            raise InvalidInput(exc.message, {f"items.{index}.{k}": v
                                             for k, v in (exc.fields or {}).items()}) from None
        checked.append((person_id, values))
    wanted_orgs = {v["organisation_id"] for _, v in checked if v["organisation_id"]}
    if wanted_orgs:
        known = set(session.scalars(select(Organisation.id).where(
            Organisation.id.in_(wanted_orgs))))
        if wanted_orgs - known:
            raise InvalidInput("We could not find that organisation.",
                               {"organisation_id": ["Unknown organisation."]})
    ids = {person_id for person_id, _ in checked}
    people = {p.id: p for p in session.scalars(select(Person).where(Person.id.in_(ids)))}
    with_account = set(session.scalars(select(Account.person_id).where(
        Account.person_id.in_(ids))))
    base = base_url if base_url is not None else settings.get("GATEWAY_URL")
    moment, rows, results = now(), [], []
    for person_id, values in checked:
        person = people.get(person_id)
        if person is None or person.erased_at is not None or not person.contact:
            results.append({"sent": False, "stored": False})
            continue
        has_account = person_id in with_account
        email = keys.decrypt(person.contact).get("email")
        emailing = bool(email) and not (has_account and person.notifications == "inbox_only")
        if emailing:
            try:
                send(email, values["subject"], _email_text(values["body"], values["link"], base))
            except Exception as exc:  # noqa: BLE001 - this one is tried again, the rest go on
                results.append({"failed": type(exc).__name__})
                continue
        if has_account:
            rows.append({"id": str(uuid.uuid4()), "person_id": person_id,
                         "organisation_id": values["organisation_id"],
                         "content": keys.encrypt({"subject": values["subject"],
                                                  "body": values["body"]}),
                         "link": values["link"], "created_at": moment, "read_at": None,
                         "emailed": emailing})
        results.append({"sent": emailing, "stored": has_account})
    if rows:
        # one statement for the whole batch, through the table: one multi-row INSERT a 1,000 on
        # PostgreSQL, one prepared statement run per row in C on SQLite (docs/performance.md)
        session.execute(insert(Message.__table__), rows)
    return results


def _view(keys: Keys, message: Message, organisation_names: dict) -> dict:
    content = keys.decrypt(message.content)
    return {"id": message.id, "subject": content.get("subject", ""),
            "body": content.get("body", ""), "link": message.link,
            "organisation_id": message.organisation_id,
            "organisation_name": organisation_names.get(message.organisation_id),
            "created_at": message.created_at.isoformat(),
            "read_at": message.read_at.isoformat() if message.read_at else None,
            "emailed": bool(message.emailed)}


def _organisation_names(session, messages) -> dict:
    ids = {m.organisation_id for m in messages if m.organisation_id}
    if not ids:
        return {}
    return dict(session.execute(select(Organisation.id, Organisation.name)
                                .where(Organisation.id.in_(ids))).all())


def list_for(session, keys: Keys, person_id: str, limit: int = LIST_LIMIT) -> list[dict]:
    """The person's messages, newest first (the latest ``limit``)."""
    rows = list(session.scalars(select(Message).where(Message.person_id == person_id)
                                .order_by(Message.created_at.desc(), Message.id).limit(limit)))
    names = _organisation_names(session, rows)
    return [_view(keys, m, names) for m in rows]


def _own(session, person_id: str, message_id: str) -> Message:
    message = session.get(Message, message_id) if isinstance(message_id, str) else None
    if message is None or message.person_id != person_id:  # someone else's is simply not found
        raise NotFound("We could not find that message.", {"message_id": ["Unknown id."]})
    return message


def read(session, keys: Keys, person_id: str, message_id: str) -> dict:
    """One of the person's messages, marked read from now on (the view says when it was)."""
    message = _own(session, person_id, message_id)
    view = _view(keys, message, _organisation_names(session, [message]))
    if message.read_at is None:
        message.read_at = now()
    return view


def mark_all_read(session, person_id: str) -> dict:
    result = session.execute(update(Message).where(Message.person_id == person_id,
                                                   Message.read_at.is_(None))
                             .values(read_at=now()))
    return {"marked_read": result.rowcount or 0}


def unread_count(session, person_id: str) -> int:
    return session.scalar(select(func.count()).select_from(Message).where(
        Message.person_id == person_id, Message.read_at.is_(None))) or 0


def set_choice(session, person_id: str, data: dict) -> dict:
    values = validate(_choice, data)
    person = session.get(Person, person_id)
    person.notifications = values["notifications"]
    return {"notifications": person.notifications}
