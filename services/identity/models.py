"""The identity service's tables. Contact details are only ever stored encrypted."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Boolean, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from involve.kernel.db import UtcDateTime


class Base(DeclarativeBase):
    pass


class Organisation(Base):
    __tablename__ = "organisations"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    name_key: Mapped[str] = mapped_column(String(200), unique=True)
    kind: Mapped[str] = mapped_column(String(40))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)


def name_key(name: str) -> str:
    """How names are compared: spaces folded, case-folded in every script."""
    return " ".join(name.split()).casefold()


class CareService(Base):
    __tablename__ = "care_services"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    organisation_id: Mapped[str] = mapped_column(ForeignKey("organisations.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    name_key: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(40))
    address: Mapped[str | None] = mapped_column(String(400), nullable=True)
    region: Mapped[str | None] = mapped_column(String(100), nullable=True)
    public_phone: Mapped[str | None] = mapped_column(String(40), nullable=True)
    public_email: Mapped[str | None] = mapped_column(String(254), nullable=True)
    website: Mapped[str | None] = mapped_column(String(400), nullable=True)
    external_code: Mapped[str | None] = mapped_column(String(60), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)

    __table_args__ = (UniqueConstraint("organisation_id", "name_key"),)


class Person(Base):
    """A person is known everywhere else only by ``id``, a random pseudonymous id."""

    __tablename__ = "people"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    # Name, email, phone and address, encrypted together (Fernet; see crypto.py).
    contact: Mapped[str | None] = mapped_column(Text, nullable=True)
    # Keyed hash of the email address, to find an account without storing the address in clear.
    email_lookup: Mapped[str | None] = mapped_column(String(64), unique=True, nullable=True)
    platform_admin: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    erased_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    # How the person wants to be told things: "email_and_inbox" (the default) or "inbox_only".
    notifications: Mapped[str] = mapped_column(String(20), default="email_and_inbox")


class Account(Base):
    __tablename__ = "accounts"

    person_id: Mapped[str] = mapped_column(ForeignKey("people.id"), primary_key=True)
    password_hash: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)


class Role(Base):
    __tablename__ = "roles"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    person_id: Mapped[str] = mapped_column(ForeignKey("people.id"), index=True)
    organisation_id: Mapped[str] = mapped_column(ForeignKey("organisations.id"), index=True)
    role: Mapped[str] = mapped_column(String(40))

    __table_args__ = (UniqueConstraint("person_id", "organisation_id", "role"),)


class Consent(Base):
    """Append-only: the latest record for a person and purpose is the one in force."""

    __tablename__ = "consents"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    person_id: Mapped[str] = mapped_column(ForeignKey("people.id"), index=True)
    purpose: Mapped[str] = mapped_column(String(60))
    given: Mapped[bool] = mapped_column(Boolean)
    recorded_at: Mapped[datetime] = mapped_column(UtcDateTime)
    recorded_by: Mapped[str | None] = mapped_column(String(36), nullable=True)


class Session(Base):
    __tablename__ = "sessions"

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    person_id: Mapped[str] = mapped_column(ForeignKey("people.id"), index=True)
    csrf_token: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime)


class ApiToken(Base):
    __tablename__ = "api_tokens"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    organisation_id: Mapped[str] = mapped_column(ForeignKey("organisations.id"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    permissions: Mapped[list] = mapped_column(JSON)
    created_by: Mapped[str | None] = mapped_column(String(36), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    last_used_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)


class OneTimeLink(Base):
    """Invitations and password resets: single use, expiring, stored only as a hash."""

    __tablename__ = "one_time_links"

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    purpose: Mapped[str] = mapped_column(String(20))  # "invitation" or "password_reset"
    person_id: Mapped[str | None] = mapped_column(ForeignKey("people.id"), nullable=True)
    organisation_id: Mapped[str | None] = mapped_column(String(36), nullable=True)
    role: Mapped[str | None] = mapped_column(String(40), nullable=True)
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    # The invitation this link was sent for (links made before invitations were kept: None).
    invitation_id: Mapped[str | None] = mapped_column(String(36), nullable=True, index=True)


class Invitation(Base):
    """An invitation, kept so that administrators can see, resend and cancel it. The invitee's
    name and email are encrypted like any contact detail and cleared once it is answered."""

    __tablename__ = "invitations"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    organisation_id: Mapped[str] = mapped_column(ForeignKey("organisations.id"), index=True)
    role: Mapped[str] = mapped_column(String(40))
    contact: Mapped[str | None] = mapped_column(Text, nullable=True)  # {"name", "email"}
    status: Mapped[str] = mapped_column(String(20))  # pending / accepted / cancelled
    invited_by: Mapped[str | None] = mapped_column(String(60), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    last_sent_at: Mapped[datetime] = mapped_column(UtcDateTime)
    times_sent: Mapped[int] = mapped_column(Integer, default=1)
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime)
    answered_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    person_id: Mapped[str | None] = mapped_column(String(36), nullable=True, index=True)


class Message(Base):
    """A message in a person's Involve inbox. Subject and body are encrypted (they may say
    things about the person); ``link`` is a path on this site."""

    __tablename__ = "messages"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    person_id: Mapped[str] = mapped_column(ForeignKey("people.id"))
    organisation_id: Mapped[str | None] = mapped_column(String(36), nullable=True)
    content: Mapped[str] = mapped_column(Text)  # {"subject", "body"}, encrypted
    link: Mapped[str | None] = mapped_column(String(500), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    read_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    emailed: Mapped[bool] = mapped_column(Boolean, default=False)

    # the header's unread count, asked on every page a signed-in person sees
    __table_args__ = (Index("ix_messages_unread", "person_id", "read_at"),)


class SignInFailure(Base):
    __tablename__ = "sign_in_failures"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    key: Mapped[str] = mapped_column(String(80), index=True)  # "email:<lookup>" or "ip:<addr>"
    at: Mapped[datetime] = mapped_column(UtcDateTime, index=True)


class AuditEntry(Base):
    """Who read or changed personal data, when and why. Holds ids only."""

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(UtcDateTime, index=True)
    actor: Mapped[str] = mapped_column(String(60))  # "person:<id>", "token:<id>" or "system"
    action: Mapped[str] = mapped_column(String(60))
    subject_person_id: Mapped[str | None] = mapped_column(String(36), nullable=True, index=True)
    organisation_id: Mapped[str | None] = mapped_column(String(36), nullable=True, index=True)
    reason: Mapped[str] = mapped_column(String(300))


class AuditSubject(Base):
    """The people an audit entry is about, when it is about several (a list of names read)."""

    __tablename__ = "audit_subjects"

    entry_id: Mapped[int] = mapped_column(ForeignKey("audit_log.id"), primary_key=True)
    person_id: Mapped[str] = mapped_column(String(36), primary_key=True, index=True)
