"""The mystery_shopping service's tables.

Question sets are stored by (scope, key, version): ``organisation_id`` is "" for sets that come
from plugins (every organisation sees them) and the organisation's id for versions it adapted.
Shoppers appear only by pseudonymous person id; names and contact details stay in identity.
"""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, Boolean, Date, Float, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from involve.kernel.db import UtcDateTime


class Base(DeclarativeBase):
    pass


class QuestionSet(Base):
    __tablename__ = "question_sets"
    __table_args__ = (UniqueConstraint("organisation_id", "key", "version",
                                       name="uq_question_sets_scope_key_version"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    organisation_id: Mapped[str] = mapped_column(String(36), index=True)  # "" = from a plugin
    key: Mapped[str] = mapped_column(String(100), index=True)
    version: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text)
    source: Mapped[str] = mapped_column(String(100))  # plugin name, or "organisation"
    questions: Mapped[list] = mapped_column(JSON)
    frozen: Mapped[bool] = mapped_column(Boolean, default=False)
    based_on_id: Mapped[str | None] = mapped_column(String(36), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)


class Shopper(Base):
    __tablename__ = "shoppers"
    __table_args__ = (UniqueConstraint("organisation_id", "person_id",
                                       name="uq_shoppers_organisation_person"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    organisation_id: Mapped[str] = mapped_column(String(36), index=True)
    person_id: Mapped[str] = mapped_column(String(36), index=True)
    services_used: Mapped[list] = mapped_column(JSON)  # care service ids: never assigned to these
    personas: Mapped[list] = mapped_column(JSON)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)


class Round(Base):
    __tablename__ = "rounds"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    organisation_id: Mapped[str] = mapped_column(String(36), index=True)
    name: Mapped[str] = mapped_column(String(200))
    question_set_id: Mapped[str] = mapped_column(ForeignKey("question_sets.id"), index=True)
    care_service_ids: Mapped[list] = mapped_column(JSON)
    # {care service id: name} as published when the round was scheduled (for reports)
    care_service_names: Mapped[dict] = mapped_column(JSON)
    personas: Mapped[list] = mapped_column(JSON)
    calls_per_service: Mapped[int] = mapped_column(Integer)
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date] = mapped_column(Date)
    information_allowed: Mapped[str] = mapped_column(Text)
    seed: Mapped[str] = mapped_column(String(40))  # a whole number, kept as text
    status: Mapped[str] = mapped_column(String(20))  # scheduled / closed
    scores: Mapped[dict | None] = mapped_column(JSON, nullable=True)  # per service, at closing
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)


class Assignment(Base):
    __tablename__ = "assignments"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    round_id: Mapped[str] = mapped_column(ForeignKey("rounds.id"), index=True)
    organisation_id: Mapped[str] = mapped_column(String(36), index=True)
    care_service_id: Mapped[str] = mapped_column(String(36))
    slot: Mapped[int] = mapped_column(Integer)
    shopper_id: Mapped[str | None] = mapped_column(String(36), nullable=True, index=True)
    persona: Mapped[str] = mapped_column(String(30))
    status: Mapped[str] = mapped_column(String(20))  # assigned / unassigned / recorded
    # [{"shopper_id", "reason", "at"}]: who gave it up; never offered to them again
    history: Mapped[list] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)


class Call(Base):
    __tablename__ = "calls"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    assignment_id: Mapped[str] = mapped_column(ForeignKey("assignments.id"), unique=True)
    round_id: Mapped[str] = mapped_column(ForeignKey("rounds.id"), index=True)
    organisation_id: Mapped[str] = mapped_column(String(36), index=True)
    care_service_id: Mapped[str] = mapped_column(String(36))
    shopper_id: Mapped[str] = mapped_column(String(36), index=True)  # "erased" after erasure
    status: Mapped[str] = mapped_column(String(20))  # draft / submitted
    called_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    persona: Mapped[str | None] = mapped_column(String(30), nullable=True)
    seconds_to_answer: Mapped[int | None] = mapped_column(Integer, nullable=True)
    answers: Mapped[dict] = mapped_column(JSON)
    notes: Mapped[str | None] = mapped_column(Text, nullable=True)
    callback_promised: Mapped[bool | None] = mapped_column(Boolean, nullable=True)
    callback_happened: Mapped[bool | None] = mapped_column(Boolean, nullable=True)
    efficiency: Mapped[float | None] = mapped_column(Float, nullable=True)
    feeling: Mapped[float | None] = mapped_column(Float, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)
    submitted_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
