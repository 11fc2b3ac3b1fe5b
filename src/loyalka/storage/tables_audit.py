"""Tables of the audit feature: the seller's staff, manual adjustments, and the append-only audit log.

``audit_log`` (like the core's ``entries``) is guarded by database triggers created in migration
``0004_audit``: an UPDATE or DELETE of a row is refused by the database itself, whoever sends it.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Boolean, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from loyalka.storage.tables import Base, Id


class StaffRow(Base):
    """A person of the seller who may adjust balances; ``role`` is a key of the program's adjustment limits."""

    __tablename__ = "staff"
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)  # the seller's id for the person (login, tab number)
    name: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(64))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime]
    deactivated_at: Mapped[datetime | None]


class AdjustmentRow(Base):
    """A manual change of an account's points: applied at once within the requester's limit, else pending until
    another person approves or rejects it. ``points_minor`` is signed, in the kind's minor units."""

    __tablename__ = "adjustments"
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    request_key: Mapped[str] = mapped_column(String(100), unique=True)  # the caller's idempotency key
    request_hash: Mapped[str] = mapped_column(String(64))
    event_id: Mapped[str] = mapped_column(String(100), unique=True)  # what its ledger entries point at
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"))
    kind: Mapped[str] = mapped_column(String(64))
    points_minor: Mapped[int] = mapped_column(BigInteger)
    reason: Mapped[str] = mapped_column(String(300))
    status: Mapped[str] = mapped_column(String(16))  # pending | applied | rejected
    requested_by_id: Mapped[int] = mapped_column(ForeignKey("staff.id"))
    requested_at: Mapped[datetime]
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))  # who approved or rejected it
    decided_at: Mapped[datetime | None]
    decision_reason: Mapped[str | None] = mapped_column(String(300))  # why it was rejected
    applied_at: Mapped[datetime | None]
    __table_args__ = (
        Index("ix_adjustments_status", "status", "id"),
        Index("ix_adjustments_account", "account_id", "id"),
    )


class AuditRow(Base):
    """Append-only: what a person (or the system) did, when, to which account; written in the same transaction
    as what it records. ``actor`` is a staff code, or ``cli:<user>`` for set-up commands run without one."""

    __tablename__ = "audit_log"
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    at: Mapped[datetime]
    actor: Mapped[str] = mapped_column(String(100))
    action: Mapped[str] = mapped_column(String(32))  # adjustment.requested | .approved | .rejected | .applied | staff.*
    account_id: Mapped[int | None] = mapped_column(ForeignKey("accounts.id"))
    details: Mapped[dict[str, Any]] = mapped_column(JSON)
    __table_args__ = (Index("ix_audit_log_account", "account_id", "id"),)
