"""Shared by the commissioning service tests and its gateway tests: the seed 003 county (a
council re-commissioning day and vocational services) as people who can sign in, and the OCDS
1.1 check of an export."""
import json
from pathlib import Path

from tests.support.accounts import PASSWORD, invite_and_register, make_org
from tests.support.running import Client

OCDS_DATA = Path(__file__).parent.parent / "commissioning" / "data"

# who is who in seed 003: a lead officer and a deputy (commissioners), an involvement lead,
# five service users and someone from finance (staff)
COUNTY_ROLES = {"officer": "commissioner", "deputy": "commissioner", "lead": "involvement_lead",
                "sue": "service_user", "raj": "service_user", "amy": "service_user",
                "tom": "service_user", "eve": "service_user", "finance": "staff"}

PROJECT = {
    "title": "Re-commissioning day and vocational services",
    "purpose": "Modernise day and vocational services for people with mental health conditions, "
               "with the people who use them as equal partners.",
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


class County:
    """Seed 003 through the gateway: the organisation, its two services and everyone signed in
    (``clients[name]``, ``ids[name]``)."""

    def __init__(self, platform, admin, data_dir, name="Shire County Council"):
        self.org = make_org(admin, name)
        self.services = []
        for service in ("Riverside Day Centre", "Pathways Vocational Service"):
            status, body = admin.post(f"/api/v1/organisations/{self.org}/care-services",
                                      {"name": service, "kind": "mental_health"})
            assert status == 201, body
            self.services.append(body["id"])
        self.clients, self.ids = {}, {}
        for who, role in COUNTY_ROLES.items():
            email = f"{who}@shire.example"
            self.ids[who], _ = invite_and_register(admin, platform, data_dir, self.org, email,
                                                   role, name=who.title())
            self.clients[who] = Client(platform).sign_in(email, PASSWORD)
        self.api = f"/api/v1/organisations/{self.org}/commissioning"
        self.pay = f"/api/v1/organisations/{self.org}/payments"


def ocds_errors(package: dict) -> list[str]:
    """Every way ``package`` breaks the OCDS 1.1.5 release-package schema (and the release
    schema it refers to), checked offline with jsonschema."""
    from jsonschema import Draft4Validator, FormatChecker
    from referencing import Registry, Resource
    from referencing.jsonschema import DRAFT4

    release = json.loads((OCDS_DATA / "ocds-1.1.5-release-schema.json").read_text())
    package_schema = json.loads((OCDS_DATA / "ocds-1.1.5-release-package-schema.json")
                                .read_text())
    registry = Registry().with_resource(release["id"], Resource.from_contents(
        release, default_specification=DRAFT4))
    validator = Draft4Validator(package_schema, registry=registry,
                                format_checker=FormatChecker())
    return [f"{'/'.join(map(str, e.absolute_path))}: {e.message}"
            for e in validator.iter_errors(package)]
