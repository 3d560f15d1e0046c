"""Shared data for the commissioning tests: the seed 003 project (re-commissioning day and
vocational services for people with mental health conditions) and small builders."""
import uuid
from datetime import UTC, datetime, timedelta

from tests.support.commissioning import ocds_errors  # noqa: F401 (the tests import it here)

ORG = "org-1"
SERVICES = [{"id": "cs-day", "name": "Riverside Day Centre"},
            {"id": "cs-work", "name": "Pathways Vocational Service"}]
ADMIN = {"person_id": None, "platform_admin": True}

PROJECT = {
    "title": "Re-commissioning day and vocational services",
    "purpose": "Modernise day and vocational services for people with mental health conditions, "
               "with the people who use them as equal partners.",
    "care_service_ids": ["cs-day", "cs-work"],
    "negotiable": "Which kinds of support replace the day centre and where they are.",
    "not_negotiable": "The total budget, which the council has set.",
    "formal_responsibility": "The council's cabinet member for adult social care.",
    "how_decisions_are_made": "The steering group recommends; the cabinet member decides and "
                              "the reasons are published.",
    "evaluation_weights": {"quality": 75, "price": 20, "social_value": 5},
}

TERMS = {field: f"The {field.replace('_', ' ')} for this member." for field in (
    "role", "remit", "responsibilities", "time_commitment", "support", "supervision",
    "training", "ground_rules", "accountability", "equal_opportunities", "complaints_process",
    "reimbursement_terms")}

JARGON_PAPER = (
    "The commissioning board will undertake an options appraisal of the proposed service "
    "reconfiguration, considering the KPIs, the QIPP targets and the CQUIN framework, before the "
    "procurement exercise is initiated in accordance with the PSR, and stakeholder engagement "
    "will be facilitated going forward through the ICB's established governance mechanisms.")
PLAIN_PAPER = (
    "We want to change the day centre. We will meet on Tuesday to talk about it. You can tell "
    "us what you like and what you do not like. We will pay for your bus fare. Tea and lunch "
    "are free.")


def person() -> str:
    return str(uuid.uuid4())


def soon(**kw) -> datetime:
    return datetime.now(UTC) + timedelta(**kw)


def member(organisation_id, person_id, *roles):
    """A principal as the gateway builds it for a signed-in person."""
    return {"person_id": person_id, "token_id": None, "platform_admin": False,
            "roles": {organisation_id: list(roles)}}
