"""Events of B2B trade the seller's systems send besides orders: invoices, their payments, and activities
(a review, a survey, a webinar attended...). Validated on construction, like orders and returns."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from loyalka.domain.accounts import validate_code
from loyalka.domain.events import aware, validate_event_id, within_calendar
from loyalka.errors import InvalidInput
from loyalka.program.models import ACTIVITIES


def _positive(amount_minor: int, field: str) -> None:
    if amount_minor < 0:
        raise InvalidInput(f"{field} must not be negative", code="negative_amount", field=field)
    if amount_minor == 0:
        raise InvalidInput(f"{field} must be above zero", code="invalid_amount", field=field)


@dataclass(frozen=True, slots=True)
class InvoiceIn:
    """An invoice stated explicitly (created, or its amount / due date changed)."""

    invoice_ref: str
    account: str  # the account's code
    amount_minor: int | None = None  # the billed amount; None: the sum of the orders that name the invoice
    due_on: date | None = None
    issued_on: date | None = None  # default: today in the program's zone (a new invoice)

    def __post_init__(self) -> None:
        validate_code(self.invoice_ref, field="invoice_id")
        validate_code(self.account, field="account")
        if self.amount_minor is not None:
            _positive(self.amount_minor, "amount")
        for field in ("due_on", "issued_on"):
            if getattr(self, field) is not None:
                within_calendar(getattr(self, field), field)
        if self.due_on is not None and self.issued_on is not None and self.due_on < self.issued_on:
            raise InvalidInput(
                f"the due date {self.due_on} is before the issue date {self.issued_on}",
                code="invalid_due_date",
                field="due_on",
            )


@dataclass(frozen=True, slots=True)
class PaymentIn:
    event_id: str
    invoice_ref: str
    amount_minor: int
    paid_at: datetime

    def __post_init__(self) -> None:
        validate_event_id(self.event_id)
        validate_code(self.invoice_ref, field="invoice_id")
        _positive(self.amount_minor, "amount")
        aware(self.paid_at, "paid_at")


@dataclass(frozen=True, slots=True)
class ActivityIn:
    event_id: str
    account: str
    type: str  # one of program.models.ACTIVITIES
    occurred_at: datetime
    contact: str | None = None  # the contact person who took part

    def __post_init__(self) -> None:
        validate_event_id(self.event_id)
        validate_code(self.account, field="account")
        if self.type not in ACTIVITIES:
            raise InvalidInput(
                f"unknown activity type {self.type!r}; use one of {', '.join(ACTIVITIES)}",
                code="unknown_activity",
                field="type",
            )
        aware(self.occurred_at, "occurred_at")
        if self.contact is not None:
            validate_code(self.contact, field="contact")


__all__ = ["ActivityIn", "InvoiceIn", "PaymentIn"]
