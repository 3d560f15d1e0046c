"""Small helpers the commissioning modules share: loading a row inside the caller's organisation,
money and dates as they travel over RPC (strings and ISO dates, never floats), tax years."""
from __future__ import annotations

from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal

from involve.kernel.errors import Forbidden, InvalidInput, NotFound

from .models import Group, Meeting, Project, Tender

PENNY = Decimal("0.01")
# Roles identity gives people who use services or speak from lived experience.
LIVED_EXPERIENCE_ROLES = ("service_user", "volunteer", "council_member")


def money(value: Decimal | None) -> str | None:
    """Decimal money as it travels: "15.00" (RPC and events are JSON; no float ever)."""
    if value is None:
        return None
    return str(Decimal(value).quantize(PENNY, rounding=ROUND_HALF_UP))


def pounds(value: Decimal | None) -> str:
    """Money as people read it: £1,020.50."""
    return f"£{Decimal(value or 0).quantize(PENNY, rounding=ROUND_HALF_UP):,}"


def hours(value: Decimal | None) -> str | None:
    return None if value is None else str(Decimal(value).quantize(PENNY))


def iso(value: date | datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def day(value: date) -> str:
    """A date as people read it: 3 March 2026."""
    return f"{value.day} {value:%B %Y}"


def tax_year(on: date) -> str:
    """The UK tax year a date falls in, which starts on 6 April: 2025-26."""
    start = on.year if (on.month, on.day) >= (4, 6) else on.year - 1
    return f"{start}-{str(start + 1)[-2:]}"


def tax_year_bounds(on: date) -> tuple[date, date]:
    start = on.year if (on.month, on.day) >= (4, 6) else on.year - 1
    return date(start, 4, 6), date(start + 1, 4, 5)


def _unknown(what: str, field: str):
    return NotFound(f"We could not find that {what}.", {field: ["Unknown id."]})


def project(session, organisation_id: str, project_id) -> Project:
    found = session.get(Project, project_id) if isinstance(project_id, str) else None
    if found is None or found.organisation_id != organisation_id:
        raise _unknown("project", "project_id")
    return found


def group(session, organisation_id: str, group_id, project_id: str | None = None) -> Group:
    found = session.get(Group, group_id) if isinstance(group_id, str) else None
    if found is None:
        raise _unknown("group", "group_id")
    owner = session.get(Project, found.project_id)
    if owner.organisation_id != organisation_id or (project_id and found.project_id != project_id):
        raise _unknown("group", "group_id")
    return found


def meeting(session, organisation_id: str, meeting_id) -> Meeting:
    found = session.get(Meeting, meeting_id) if isinstance(meeting_id, str) else None
    if found is None or session.get(Project, found.project_id).organisation_id != organisation_id:
        raise _unknown("meeting", "meeting_id")
    return found


def tender(session, organisation_id: str, tender_id) -> Tender:
    found = session.get(Tender, tender_id) if isinstance(tender_id, str) else None
    if found is None or session.get(Project, found.project_id).organisation_id != organisation_id:
        raise _unknown("tender", "tender_id")
    return found


def require_person(person_id: str | None) -> str:
    if not person_id:
        raise InvalidInput("This needs a signed-in person, not an API token.",
                           {"person_id": ["Sign in as a person to do this."]})
    return person_id


def check_people(roles: dict, person_ids, field: str) -> None:
    """Everyone named must belong to the organisation (``roles`` is identity's
    roles_of_people answer: person id -> their roles there)."""
    missing = [p for p in dict.fromkeys(person_ids) if p and not roles.get(p)]
    if missing:
        raise InvalidInput("That person is not part of this organisation.",
                           {field: ["Choose people from this organisation's people list."]})


def not_member(what: str = "project") -> Forbidden:
    return Forbidden(f"You are not part of this {what}, so you cannot see it.")
