"""The feedback service's tables.

A story holds the author's words as sent and, beside them, the moderator's edited versions (what
is published). The author is only a pseudonymous ``author_person_id`` held by identity (with the
optional reply email); the tracking code is kept only as a hash. Criticality is for staff only.

Subscriptions are indexed by ``subscription_keys``: one row per (care service or "*", tag or "*")
a subscription listens to, so routing a story looks up only the story's own keys.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Boolean, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from involve.kernel.db import UtcDateTime

ANY = "*"


class Base(DeclarativeBase):
    pass


class Story(Base):
    __tablename__ = "stories"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    organisation_id: Mapped[str] = mapped_column(String(36), index=True)
    author_person_id: Mapped[str | None] = mapped_column(String(36), nullable=True, index=True)
    author_can_reply: Mapped[bool] = mapped_column(Boolean, default=False)
    assisted_by: Mapped[str | None] = mapped_column(String(36), nullable=True)
    tracking_hash: Mapped[str | None] = mapped_column(String(64), nullable=True, unique=True)
    form_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    relationship: Mapped[str] = mapped_column(String(20))
    title: Mapped[str] = mapped_column(String(150))
    text: Mapped[str] = mapped_column(Text)
    what_was_good: Mapped[str | None] = mapped_column(Text, nullable=True)
    what_could_be_improved: Mapped[str | None] = mapped_column(Text, nullable=True)
    # the moderator's versions (None: not edited yet)
    edited: Mapped[dict | None] = mapped_column(JSON, nullable=True)
    criticality: Mapped[int | None] = mapped_column(Integer, nullable=True)
    status: Mapped[str] = mapped_column(String(20), index=True)
    rejection_reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    hold_until: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    submitted_at: Mapped[datetime] = mapped_column(UtcDateTime)
    moderated_by: Mapped[str | None] = mapped_column(String(36), nullable=True)
    published_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    first_response_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    escalation_stage: Mapped[int] = mapped_column(Integer, default=0)

    __table_args__ = (UniqueConstraint("organisation_id", "form_id", name="uq_story_form"),)


class StoryCareService(Base):
    __tablename__ = "story_care_services"

    story_id: Mapped[str] = mapped_column(ForeignKey("stories.id"), primary_key=True)
    care_service_id: Mapped[str] = mapped_column(String(36), primary_key=True, index=True)
    # the service's public name when the story was told, for public pages
    name: Mapped[str] = mapped_column(String(200))
    position: Mapped[int] = mapped_column(Integer, default=0)


class Tag(Base):
    __tablename__ = "tags"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    organisation_id: Mapped[str] = mapped_column(String(36), index=True)
    name: Mapped[str] = mapped_column(String(60))
    group: Mapped[str] = mapped_column(String(60))
    sentiment: Mapped[str] = mapped_column(String(10))

    __table_args__ = (UniqueConstraint("organisation_id", "name", name="uq_tag_name"),)


class StoryTag(Base):
    __tablename__ = "story_tags"

    story_id: Mapped[str] = mapped_column(ForeignKey("stories.id"), primary_key=True)
    tag_id: Mapped[str] = mapped_column(ForeignKey("tags.id"), primary_key=True, index=True)


class Subscription(Base):
    __tablename__ = "subscriptions"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    organisation_id: Mapped[str] = mapped_column(String(36), index=True)
    person_id: Mapped[str | None] = mapped_column(String(36), nullable=True, index=True)
    team_name: Mapped[str | None] = mapped_column(String(120), nullable=True)
    team_email: Mapped[str | None] = mapped_column(String(254), nullable=True)
    care_service_ids: Mapped[list] = mapped_column(JSON)
    tag_ids: Mapped[list] = mapped_column(JSON)
    min_criticality: Mapped[int] = mapped_column(Integer, default=0)
    delivery: Mapped[str] = mapped_column(String(10))
    escalation_contact: Mapped[bool] = mapped_column(Boolean, default=False)
    created_by: Mapped[str | None] = mapped_column(String(36), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    last_digest_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)


class SubscriptionKey(Base):
    __tablename__ = "subscription_keys"

    subscription_id: Mapped[str] = mapped_column(ForeignKey("subscriptions.id"),
                                                 primary_key=True)
    care_service_key: Mapped[str] = mapped_column(String(36), primary_key=True)
    tag_key: Mapped[str] = mapped_column(String(36), primary_key=True)
    organisation_id: Mapped[str] = mapped_column(String(36))

    __table_args__ = (Index("ix_subscription_keys_lookup", "organisation_id", "care_service_key",
                            "tag_key"),)


class Alert(Base):
    __tablename__ = "alerts"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    organisation_id: Mapped[str] = mapped_column(String(36), index=True)
    subscription_id: Mapped[str | None] = mapped_column(String(36), nullable=True, index=True)
    person_id: Mapped[str | None] = mapped_column(String(36), nullable=True, index=True)
    team_email: Mapped[str | None] = mapped_column(String(254), nullable=True)
    kind: Mapped[str] = mapped_column(String(20))  # story / response / escalation
    stage: Mapped[int | None] = mapped_column(Integer, nullable=True)
    story_id: Mapped[str] = mapped_column(String(36), index=True)
    title: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    read_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    email_due: Mapped[bool] = mapped_column(Boolean, default=False)
    email_sent_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    email_attempts: Mapped[int] = mapped_column(Integer, default=0)
    # a sender's claim on the email while it sends it (so two senders never both send it)
    email_claim: Mapped[str | None] = mapped_column(String(36), nullable=True, index=True)
    email_claimed_until: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    digest_due: Mapped[bool] = mapped_column(Boolean, default=False)
    digested_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)


class Response(Base):
    __tablename__ = "responses"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    story_id: Mapped[str] = mapped_column(ForeignKey("stories.id"), index=True)
    organisation_id: Mapped[str] = mapped_column(String(36), index=True)
    responder_person_id: Mapped[str | None] = mapped_column(String(36), nullable=True, index=True)
    responder_title: Mapped[str] = mapped_column(String(150))
    text: Mapped[str] = mapped_column(Text)
    change_status: Mapped[str] = mapped_column(String(10))  # none / planned / made
    change_description: Mapped[str | None] = mapped_column(Text, nullable=True)
    status: Mapped[str] = mapped_column(String(10), index=True)  # pending / published / rejected
    rejection_reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    author_verdict: Mapped[str | None] = mapped_column(String(10), nullable=True)
    verdict_note: Mapped[str | None] = mapped_column(Text, nullable=True)
    verdict_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    # a panel's check of a claimed change (recorded by one of its members for the panel)
    panel_verdict: Mapped[str | None] = mapped_column(String(10), nullable=True)
    panel_note: Mapped[str | None] = mapped_column(Text, nullable=True)
    panel_verdict_by: Mapped[str | None] = mapped_column(String(36), nullable=True)
    panel_verdict_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    published_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
