"""Tables of B2B terms: invoices and their payments, activities, accruals of limited rules, volume bonuses.

The orders an invoice bills are the orders whose ``invoice_ref`` names it (``orders.invoice_ref``).
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import BigInteger, Boolean, Date, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from loyalka.storage.tables import Base, Id


class InvoiceRow(Base):
    """An invoice of one account. What it bills is ``amount_minor`` when stated, else the sum of its orders;
    returns of its orders reduce what is owed; ``status`` is kept up to date for the overdue check."""

    __tablename__ = "invoices"
    __table_args__ = (
        UniqueConstraint("invoice_ref", name="uq_invoices_invoice_ref"),
        Index("ix_invoices_account_status", "account_id", "status"),
    )
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", name="fk_invoices_account"))
    invoice_ref: Mapped[str] = mapped_column(String(100))  # the seller's invoice number
    amount_minor: Mapped[int | None] = mapped_column(BigInteger)  # billed, when stated; None: its orders' sum
    issued_on: Mapped[date] = mapped_column(Date)
    due_on: Mapped[date] = mapped_column(Date)
    due_given: Mapped[bool] = mapped_column(Boolean)  # False: the due date is the program's default
    paid_minor: Mapped[int] = mapped_column(BigInteger)
    status: Mapped[str] = mapped_column(String(16))  # open | partial | paid
    last_paid_at: Mapped[datetime | None]
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class PaymentRow(Base):
    """A payment of an invoice, as the seller's accounting system reported it (idempotent by event id)."""

    __tablename__ = "invoice_payments"
    __table_args__ = (UniqueConstraint("event_id", name="uq_invoice_payments_event_id"),)
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    invoice_id: Mapped[int] = mapped_column(ForeignKey("invoices.id", name="fk_invoice_payments_invoice"), index=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", name="fk_invoice_payments_account"), index=True)
    event_id: Mapped[str] = mapped_column(String(100))
    amount_minor: Mapped[int] = mapped_column(BigInteger)
    paid_at: Mapped[datetime]
    days_early: Mapped[int] = mapped_column(Integer)  # due date less payment date; negative: days late
    recorded_at: Mapped[datetime]


class ActivityRow(Base):
    """Something a client company did besides buying: a review, a survey, a webinar or exhibition attended."""

    __tablename__ = "activities"
    __table_args__ = (
        UniqueConstraint("event_id", name="uq_activities_event_id"),
        Index("ix_activities_account_time", "account_id", "occurred_at"),
    )
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", name="fk_activities_account"))
    event_id: Mapped[str] = mapped_column(String(100))
    type: Mapped[str] = mapped_column(String(32))
    occurred_at: Mapped[datetime]
    contact_id: Mapped[int | None] = mapped_column(ForeignKey("contacts.id", name="fk_activities_contact"))
    recorded_at: Mapped[datetime]


class RuleAccrualRow(Base):
    """One accrual of a payment or activity rule: a rule's ``limit`` counts these in its period."""

    __tablename__ = "rule_accruals"
    __table_args__ = (Index("ix_rule_accruals_account_rule_time", "account_id", "rule_id", "occurred_at"),)
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", name="fk_rule_accruals_account"))
    rule_id: Mapped[str] = mapped_column(String(64))
    event_id: Mapped[str] = mapped_column(String(100))
    occurred_at: Mapped[datetime]
    kind: Mapped[str] = mapped_column(String(64))
    points_minor: Mapped[int] = mapped_column(BigInteger)


class VolumeAwardRow(Base):
    """What a volume bonus credited an account for a period (kept up to date when a later return or a
    corrected document changes the period's purchases)."""

    __tablename__ = "volume_awards"
    __table_args__ = (UniqueConstraint("account_id", "bonus", "period", name="uq_volume_awards_account_bonus"),)
    id: Mapped[int] = mapped_column(Id, primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", name="fk_volume_awards_account"))
    bonus: Mapped[str] = mapped_column(String(64))
    period: Mapped[str] = mapped_column(String(16))  # 2026-Q4...
    event_id: Mapped[str] = mapped_column(String(100))  # volume:<bonus>:<period>:<account id>: its lots' event
    kind: Mapped[str] = mapped_column(String(64))
    net_minor: Mapped[int] = mapped_column(BigInteger)  # the period's net purchases it was computed on
    bracket_minor: Mapped[int | None] = mapped_column(BigInteger)  # the bracket reached ("from"); None: none
    points_minor: Mapped[int] = mapped_column(BigInteger)  # credited in all, after corrections
    # points the client had spent of the bonus beyond a reduced award, taken from its other points (or a debt)
    recovered_minor: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")
    awarded_at: Mapped[datetime]
    updated_at: Mapped[datetime]


__all__ = ["ActivityRow", "InvoiceRow", "PaymentRow", "RuleAccrualRow", "VolumeAwardRow"]
