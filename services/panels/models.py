"""The panels service's tables.

Registrations hold answers to the campaign's category questions and a keyed hash of the
household address (never the address). Contact details belong to identity: a registration
holds at most a pseudonymous ``person_id`` or an opaque ``contact_ref`` (e.g. the id column of
an imported spreadsheet).
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Boolean, Float, ForeignKey, Integer, String, Text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from involve.kernel.db import UtcDateTime


class Base(DeclarativeBase):
    pass


class Campaign(Base):
    __tablename__ = "campaigns"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    organisation_id: Mapped[str] = mapped_column(String(36), index=True)
    purpose: Mapped[str] = mapped_column(String(500))
    panel_size: Mapped[int] = mapped_column(Integer)
    closes_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    status: Mapped[str] = mapped_column(String(20))  # open / closed
    # [{"name", "values": [{"value", "min", "max", "min_flex", "max_flex"}]}]
    categories: Mapped[list] = mapped_column(JSON)
    # {"rule", "parameters"} when the quotas were computed by a quota rule
    quota_rule: Mapped[dict | None] = mapped_column(JSON, nullable=True)
    # at most one person per household may be selected
    household_rule: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)


class Registration(Base):
    __tablename__ = "registrations"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    campaign_id: Mapped[str] = mapped_column(ForeignKey("campaigns.id"), index=True)
    organisation_id: Mapped[str] = mapped_column(String(36), index=True)
    person_id: Mapped[str | None] = mapped_column(String(36), nullable=True, index=True)
    contact_ref: Mapped[str | None] = mapped_column(String(100), nullable=True)
    answers: Mapped[dict] = mapped_column(JSON)  # {category: value}, spelt as the campaign does
    household_key: Mapped[str | None] = mapped_column(String(64), nullable=True, index=True)
    consent_contact: Mapped[bool] = mapped_column(Boolean, default=False)
    consent_selection: Mapped[bool] = mapped_column(Boolean, default=False)
    source: Mapped[str] = mapped_column(String(20))  # public / import
    # Which ways identity holds to reach them ("email", "phone", "email phone", "account"), so
    # the coordinator knows who needs a phone call; never the details themselves.
    contact_ways: Mapped[str | None] = mapped_column(String(40), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)


class SelectionJob(Base):
    """One selection run. The worker process reads ``input`` and writes progress and result."""

    __tablename__ = "selection_jobs"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    campaign_id: Mapped[str] = mapped_column(ForeignKey("campaigns.id"), index=True)
    organisation_id: Mapped[str] = mapped_column(String(36), index=True)
    algorithm: Mapped[str] = mapped_column(String(20))
    seed: Mapped[str] = mapped_column(String(40))  # a whole number, kept as text
    status: Mapped[str] = mapped_column(String(20), index=True)
    progress: Mapped[float] = mapped_column(Float, default=0.0)
    message: Mapped[str] = mapped_column(String(500), default="")
    cancel_requested: Mapped[bool] = mapped_column(Boolean, default=False)
    cancel_requested_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    worker_host: Mapped[str | None] = mapped_column(String(200), nullable=True)
    worker_pid: Mapped[int | None] = mapped_column(Integer, nullable=True)
    heartbeat_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    started_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    finished_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    input: Mapped[dict] = mapped_column(JSON)
    result: Mapped[dict | None] = mapped_column(JSON, nullable=True)
    audit: Mapped[dict | None] = mapped_column(JSON, nullable=True)
    report: Mapped[dict | None] = mapped_column(JSON, nullable=True)
    error: Mapped[dict | None] = mapped_column(JSON, nullable=True)
    # The coordinator who started it (told when it finishes) and who invited its panel, if any.
    started_by: Mapped[str | None] = mapped_column(String(36), nullable=True)
    invited_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    invited_by: Mapped[str | None] = mapped_column(String(36), nullable=True)
    invitation_message: Mapped[str | None] = mapped_column(Text, nullable=True)


class Replacement(Base):
    __tablename__ = "replacements"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    job_id: Mapped[str] = mapped_column(ForeignKey("selection_jobs.id"), index=True)
    dropped_id: Mapped[str] = mapped_column(String(36))
    replacement_id: Mapped[str | None] = mapped_column(String(36), nullable=True)
    seed: Mapped[str] = mapped_column(String(40))
    candidates: Mapped[int] = mapped_column(Integer)
    panel: Mapped[list] = mapped_column(JSON)  # the panel after the replacement
    message: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)


class Invitation(Base):
    """A chosen panel member asked to take part. People who registered on the public page are
    sent a link (through identity's notify_person) to accept or decline; a spreadsheet's people
    and those who gave only a phone number are contacted by the coordinator, who records the
    answer. The link's token is stored only as a SHA-256."""

    __tablename__ = "invitations"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    job_id: Mapped[str] = mapped_column(ForeignKey("selection_jobs.id"), index=True)
    campaign_id: Mapped[str] = mapped_column(String(36), index=True)
    organisation_id: Mapped[str] = mapped_column(String(36), index=True)
    registration_id: Mapped[str] = mapped_column(String(36), index=True)
    person_id: Mapped[str | None] = mapped_column(String(36), nullable=True, index=True)
    token_hash: Mapped[str | None] = mapped_column(String(64), nullable=True, unique=True)
    # "link": sent a link; "coordinator": the coordinator contacts them and records the answer
    channel: Mapped[str] = mapped_column(String(20))
    # invited / accepted / declined / dropped_out
    status: Mapped[str] = mapped_column(String(20), index=True)
    sent_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    send_failed: Mapped[bool] = mapped_column(Boolean, default=False)
    answered_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    # who took their place (a registration id) once they declined or dropped out
    replaced_by: Mapped[str | None] = mapped_column(String(36), nullable=True)
    # whose place they took (a registration id), for replacements
    replaces: Mapped[str | None] = mapped_column(String(36), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
