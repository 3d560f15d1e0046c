"""The mystery-shopping part of the public API (documented in /openapi.json).

Request bodies are the mystery_shopping service's own contract (``involve.mystery_shopping.
contract``): the gateway checks them before the call and the service checks the same rules again
at its RPC boundary, with what only it knows (for example whether an answer fits its question's
kind). Errors name the field, answers as ``answers.<question id>``
(docs/mystery-shopping-service.md). What is here is what only HTTP has: the shapes of the responses,
for the OpenAPI document.
"""
from marshmallow import Schema, fields

from involve.mystery_shopping.contract import (  # noqa: F401 (the API's request bodies)
    MysteryCall,
    MysteryQuestionSetEdit,
    MysteryReassign,
    MysteryRoundCreate,
    MysteryShopperCreate,
    MysteryShopperUpdate,
)


# --- question sets ---------------------------------------------------------------------------
class MysteryQuestionSet(Schema):
    id = fields.String(metadata={"description": "The stored version's id"})
    key = fields.String(metadata={"example": "involve.first-contact"})
    version = fields.Integer()
    title = fields.String()
    description = fields.String()
    source = fields.String(metadata={"description": "The plugin's name, or organisation"})
    frozen = fields.Boolean(metadata={"description": "Used by a round: editing makes a new "
                                                     "version"})
    superseded = fields.Boolean()
    questions = fields.List(fields.Dict())


class MysteryQuestionSetProblem(Schema):
    plugin = fields.String()
    set = fields.String(allow_none=True)
    question = fields.String(allow_none=True)
    message = fields.String()


# --- shoppers --------------------------------------------------------------------------------
class MysteryShopper(Schema):
    id = fields.String()
    person_id = fields.String()
    services_used = fields.List(fields.String())
    personas = fields.List(fields.String())
    active = fields.Boolean()
    assignments = fields.Integer()


# --- rounds and assignments ------------------------------------------------------------------
class MysteryAssignment(Schema):
    id = fields.String()
    round_id = fields.String()
    care_service_id = fields.String()
    shopper_id = fields.String(allow_none=True, metadata={"description": "Pseudonymous person id"})
    persona = fields.String()
    status = fields.String(metadata={"enum": ["assigned", "unassigned", "recorded"]})


class MysteryRound(Schema):
    id = fields.String()
    organisation_id = fields.String()
    name = fields.String()
    question_set_id = fields.String()
    question_set = fields.Dict()
    care_service_ids = fields.List(fields.String())
    personas = fields.List(fields.String())
    calls_per_service = fields.Integer()
    starts_on = fields.String()
    ends_on = fields.String()
    information_allowed = fields.String()
    seed = fields.Integer(allow_none=True)
    status = fields.String(metadata={"enum": ["scheduled", "closed"]})
    assignments = fields.List(fields.Nested(MysteryAssignment))


# --- calls -----------------------------------------------------------------------------------
class MysteryCallRecord(Schema):
    id = fields.String(allow_none=True)
    assignment_id = fields.String()
    status = fields.String(metadata={"enum": ["draft", "submitted"]})
    called_at = fields.String(allow_none=True)
    persona = fields.String(allow_none=True)
    seconds_to_answer = fields.Integer(allow_none=True)
    answers = fields.Dict()
    notes = fields.String(allow_none=True)
    callback_promised = fields.Boolean(allow_none=True)
    callback_happened = fields.Boolean(allow_none=True)
    efficiency = fields.Float(allow_none=True)
    feeling = fields.Float(allow_none=True)


class MysteryMyAssignment(Schema):
    id = fields.String()
    round_id = fields.String()
    round_name = fields.String()
    care_service_id = fields.String()
    persona = fields.String()
    status = fields.String()


# --- reports ---------------------------------------------------------------------------------
class MysteryReport(Schema):
    round = fields.Dict()
    question_set = fields.Dict()
    services = fields.List(fields.Dict(), metadata={
        "description": "Per service: efficiency (0-100) and feeling (1-5) apart, never merged"})
    questions = fields.List(fields.Dict())
    calls = fields.List(fields.Dict())
    highlights = fields.List(fields.Dict())
    gaps = fields.List(fields.Dict())
    agreement = fields.Dict(metadata={"description": "Krippendorff's alpha between shoppers"})
    trends = fields.List(fields.Dict())
