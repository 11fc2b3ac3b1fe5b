"""The tables. Hot tables (lots, entries, holds, orders, events) carry ``account_id`` for sharding by account.

Times are stored in UTC and come back timezone-aware on every database (SQLite keeps no zone).
Amounts are integers in minor units: ``*_minor`` columns are kopecks for money, hundredths (or units,
by the point kind's ``decimals``) for points.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy import DateTime as _DateTime
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.types import TypeDecorator

Id = BigInteger().with_variant(Integer(), "sqlite")


class UtcDateTime(TypeDecorator[datetime]):
    impl = _DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetimes are not stored; give a time zone")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    type_annotation_map = {datetime: UtcDateTime, dict[str, Any]: JSON, list[Any]: JSON}


class ProgramRow(Base):
    __tablename__ = "programs"
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime]


class ProgramVersionRow(Base):
    """Every distinct text of a program file ever loaded; entries record the version that made them."""

    __tablename__ = "program_versions"
    __table_args__ = (UniqueConstraint("program_id", "version"), UniqueConstraint("program_id", "content_hash"))
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    program_id: Mapped[int] = mapped_column(ForeignKey("programs.id"))
    version: Mapped[int] = mapped_column(Integer)
    content: Mapped[str] = mapped_column(Text)
    content_hash: Mapped[str] = mapped_column(String(64))
    loaded_at: Mapped[datetime]


class AccountRow(Base):
    """A client company: the balance is the company's."""

    __tablename__ = "accounts"
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)  # the seller's own client code (1C, CRM)
    program_id: Mapped[int] = mapped_column(ForeignKey("programs.id"))
    name: Mapped[str] = mapped_column(String(300))
    inn: Mapped[str | None] = mapped_column(String(12), index=True)
    region: Mapped[str | None] = mapped_column(String(100))
    industry: Mapped[str | None] = mapped_column(String(100))
    manager: Mapped[str | None] = mapped_column(String(200))
    tags: Mapped[list[Any]] = mapped_column(JSON, default=list)
    status: Mapped[str] = mapped_column(String(16), default="active")  # active | left | blocked
    joined_at: Mapped[datetime]
    left_at: Mapped[datetime | None]
    left_reason: Mapped[str | None] = mapped_column(String(200))
    debts: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)  # kind -> points a return could not take back
    created_at: Mapped[datetime]
    founded_on: Mapped[date | None] = mapped_column(Date)  # the company's founding date (anniversary trigger)
    tier: Mapped[str | None] = mapped_column(String(64))  # the tier level id, None when the program has none
    tier_since: Mapped[datetime | None]
    tier_qualified_at: Mapped[datetime | None]  # when the account last qualified for its tier (downgrade grace)
    referral_code: Mapped[str | None] = mapped_column(String(32), unique=True)
    referred_by_id: Mapped[int | None] = mapped_column(ForeignKey("accounts.id"))
    language: Mapped[str] = mapped_column(String(2), default="ru")  # of the messages the company receives


class ContactRow(Base):
    __tablename__ = "contacts"
    __table_args__ = (UniqueConstraint("account_id", "code"),)
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"), index=True)
    code: Mapped[str] = mapped_column(String(64))  # the seller's id for the person, unique within the company
    name: Mapped[str] = mapped_column(String(200))
    role: Mapped[str | None] = mapped_column(String(100))
    birthday: Mapped[date | None] = mapped_column(Date)
    email: Mapped[str | None] = mapped_column(String(200))
    phone: Mapped[str | None] = mapped_column(String(40))
    can_spend: Mapped[bool] = mapped_column(Boolean, default=True)
    monthly_spend_limit_minor: Mapped[int | None] = mapped_column(BigInteger)  # money; None = no limit


class EventRow(Base):
    """Every accepted event, keyed by the sender's event id, with a hash of the request (idempotency)."""

    __tablename__ = "events"
    event_id: Mapped[str] = mapped_column(String(100), primary_key=True)
    account_id: Mapped[int | None] = mapped_column(Id, index=True)
    type: Mapped[str] = mapped_column(String(32))
    occurred_at: Mapped[datetime]
    recorded_at: Mapped[datetime]
    request_hash: Mapped[str] = mapped_column(String(64))
    result: Mapped[dict[str, Any]] = mapped_column(JSON)


class OrderRow(Base):
    __tablename__ = "orders"
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"))
    order_ref: Mapped[str] = mapped_column(String(100), unique=True)  # the seller's order number
    contact_id: Mapped[int | None] = mapped_column(Id)
    event_id: Mapped[str] = mapped_column(String(100))
    occurred_at: Mapped[datetime]
    total_minor: Mapped[int] = mapped_column(BigInteger)
    returned_minor: Mapped[int] = mapped_column(BigInteger, default=0)
    points_paid_minor: Mapped[int] = mapped_column(BigInteger, default=0)  # money paid with points
    program_version_id: Mapped[int | None] = mapped_column(Id)
    earned: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)  # rule id -> points it earns now, after returns
    # rule id -> points returns took back beyond the order's own lot, because the client had spent them
    recovered: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    # [{sku, category, quantity, amount, promo, cost}] of the newest version; [] for an order sent as a total only
    lines: Mapped[list[Any]] = mapped_column(JSON, default=list)
    returned_lines: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)  # sku -> money returned
    paid_by_kind: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)  # point kind -> money it paid
    version: Mapped[int] = mapped_column(Integer, default=1)  # the ERP document's version
    content_hash: Mapped[str | None] = mapped_column(String(64))  # of the version's content, to spot re-sends
    # what the order was earned under, so a return or a correction recomputes it the same way: tier, first order
    context: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    awaiting: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)  # rule id -> points waiting for payment
    delivery_on: Mapped[date | None] = mapped_column(Date)
    invoice_ref: Mapped[str | None] = mapped_column(String(100), index=True)
    __table_args__ = (Index("ix_orders_account_time", "account_id", "occurred_at"),)


class LotRow(Base):
    __tablename__ = "lots"
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"))
    kind: Mapped[str] = mapped_column(String(64))
    earned_minor: Mapped[int] = mapped_column(BigInteger)
    remaining_minor: Mapped[int] = mapped_column(BigInteger)
    available_from: Mapped[datetime]
    expires_at: Mapped[datetime | None]
    event_id: Mapped[str] = mapped_column(String(100), index=True)
    rule_id: Mapped[str | None] = mapped_column(String(64))
    program_version_id: Mapped[int | None] = mapped_column(Id)
    closed: Mapped[bool] = mapped_column(Boolean, default=False)
    __table_args__ = (
        Index("ix_lots_account_open", "account_id", "closed"),
        Index("ix_lots_expiry", "closed", "expires_at"),
    )


class EntryRow(Base):
    """Append-only: never updated, never deleted. Each says why it exists (event, rule, program version)."""

    __tablename__ = "entries"
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"), index=True)
    kind: Mapped[str] = mapped_column(String(64))
    amount_minor: Mapped[int] = mapped_column(BigInteger)
    type: Mapped[str] = mapped_column(String(16))
    event_id: Mapped[str] = mapped_column(String(100), index=True)
    lot_id: Mapped[int] = mapped_column(ForeignKey("lots.id"))
    hold_id: Mapped[int | None] = mapped_column(Id)
    occurred_at: Mapped[datetime]
    recorded_at: Mapped[datetime]
    rule_id: Mapped[str | None] = mapped_column(String(64))
    program_version_id: Mapped[int | None] = mapped_column(Id)
    reason: Mapped[str | None] = mapped_column(String(300))
    corrects_event_id: Mapped[str | None] = mapped_column(String(100))


class HoldRow(Base):
    """Points reserved for an order being checked out; resolved at most once: captured, released or expired."""

    __tablename__ = "holds"
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"), index=True)
    request_key: Mapped[str] = mapped_column(String(100), unique=True)  # the caller's idempotency key
    request_hash: Mapped[str] = mapped_column(String(64))
    order_ref: Mapped[str] = mapped_column(String(100))
    contact_id: Mapped[int | None] = mapped_column(Id)
    money_minor: Mapped[int] = mapped_column(BigInteger)  # the part of the order the points pay
    points: Mapped[dict[str, Any]] = mapped_column(JSON)  # kind -> points reserved
    status: Mapped[str] = mapped_column(String(16), default="pending")  # pending | captured | released | expired
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    resolved_at: Mapped[datetime | None]
    allocations: Mapped[list[Any]] = mapped_column(JSON)  # [[lot_id, points_minor], ...]
    lines: Mapped[list[Any]] = mapped_column(JSON, default=list)  # the order's lines when the hold was quoted on them


class PeriodCloseRow(Base):
    __tablename__ = "period_closes"
    __table_args__ = (UniqueConstraint("program_id", "period"),)
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    program_id: Mapped[int] = mapped_column(ForeignKey("programs.id"))
    period: Mapped[str] = mapped_column(String(16))
    closed_at: Mapped[datetime]
    summary: Mapped[dict[str, Any]] = mapped_column(JSON)


class BenefitGrantRow(Base):
    __tablename__ = "benefit_grants"
    __table_args__ = (UniqueConstraint("account_id", "benefit", "period"),)
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"), index=True)
    benefit: Mapped[str] = mapped_column(String(64))
    period: Mapped[str] = mapped_column(String(16))  # the period it was earned in
    valid_from: Mapped[datetime]
    valid_until: Mapped[datetime]


class StandingRow(Base):
    __tablename__ = "leaderboard_standings"
    __table_args__ = (UniqueConstraint("program_id", "board", "period", "group_key", "rank"),)
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    program_id: Mapped[int] = mapped_column(ForeignKey("programs.id"))
    board: Mapped[str] = mapped_column(String(64))
    period: Mapped[str] = mapped_column(String(16))
    group_key: Mapped[str] = mapped_column(String(100))
    rank: Mapped[int] = mapped_column(Integer)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"))
    value_minor: Mapped[int] = mapped_column(BigInteger)


class MessageRow(Base):
    """The outbox: every message the program sends a member, written in the same transaction as what caused it
    and sent afterwards (``loyalka messages send``). ``dedupe_key`` makes queueing idempotent."""

    __tablename__ = "messages"
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    program_id: Mapped[int] = mapped_column(ForeignKey("programs.id"))
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"), index=True)
    contact_id: Mapped[int | None] = mapped_column(ForeignKey("contacts.id"))
    template: Mapped[str] = mapped_column(String(64))
    language: Mapped[str] = mapped_column(String(2))
    recipients: Mapped[list[Any]] = mapped_column(JSON, default=list)  # e-mail addresses
    subject: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text)
    dedupe_key: Mapped[str] = mapped_column(String(200), unique=True)
    status: Mapped[str] = mapped_column(String(16), default="queued")  # queued | sent | failed | no_recipient
    created_at: Mapped[datetime]
    sent_at: Mapped[datetime | None]
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(String(500))
    __table_args__ = (Index("ix_messages_status", "status", "id"),)
