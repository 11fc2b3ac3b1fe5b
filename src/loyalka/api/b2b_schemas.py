"""Request and response bodies of B2B terms: invoices, their payments, activities beyond purchases."""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import AwareDatetime, BaseModel, Field

from loyalka.api.schemas import ChangeOut, Code, EarnedOut, Instant, PositiveAmount, RequestModel
from loyalka.domain.b2b import ActivityIn, InvoiceIn, PaymentIn
from loyalka.program.models import ACTIVITIES


# --- requests ------------------------------------------------------------------------------------------------
class InvoiceCreate(RequestModel):
    invoice_id: Code = Field(description="the seller's invoice number")
    account: Code
    amount: PositiveAmount | None = Field(
        None, description="the billed amount; left out: the sum of the orders that name the invoice"
    )
    due_on: date | None = Field(None, description="when it is due; left out: the orders' or the program's default")
    issued_on: date | None = Field(None, description="when it was issued; default: today in the program's zone")

    def to_domain(self) -> InvoiceIn:
        return InvoiceIn(self.invoice_id, self.account, self.amount, self.due_on, self.issued_on)


class PaymentCreate(RequestModel):
    event_id: Code = Field(description="the sender's id of this payment: the idempotency key")
    invoice_id: Code
    amount: PositiveAmount = Field(description="the money paid; at most what is left to pay on the invoice")
    paid_at: AwareDatetime = Field(description="when it was paid, with its UTC offset")

    def to_domain(self) -> PaymentIn:
        return PaymentIn(self.event_id, self.invoice_id, self.amount, self.paid_at)


class ActivityCreate(RequestModel):
    event_id: Code = Field(description="the sender's id of this activity: the idempotency key")
    account: Code
    type: str = Field(description=f"one of: {', '.join(ACTIVITIES)}", examples=["review"])
    occurred_at: AwareDatetime
    contact: Code | None = Field(None, description="the contact person who took part")

    def to_domain(self) -> ActivityIn:
        return ActivityIn(self.event_id, self.account, self.type, self.occurred_at, self.contact)


# --- responses -----------------------------------------------------------------------------------------------
class InvoicePaymentOut(BaseModel):
    event_id: str
    amount: str
    paid_at: Instant
    days_early: int = Field(description="the due date less the payment date; negative: days late")


class InvoiceOut(BaseModel):
    invoice_id: str
    account: str
    amount: str = Field(description="billed: the amount stated, or the sum of its orders")
    amount_stated: bool
    returned: str = Field(description="returns of its orders, a credit note against it")
    owed: str
    paid: str
    left_to_pay: str
    status: Literal["open", "partial", "paid"]
    issued_on: date
    due_on: date
    overdue: bool = Field(description="past its due date and the program's grace days, not fully paid")
    orders: list[str]
    payments: list[InvoicePaymentOut]


class PaymentOut(BaseModel):
    event_id: str
    replayed: bool
    type: Literal["payment"]
    invoice_id: str
    account: str
    amount: str
    paid_at: Instant
    days_early: int
    invoice_status: Literal["open", "partial", "paid"]
    paid_total: str
    left_to_pay: str
    released: list[ChangeOut] = Field(description="points of its orders that waited for this payment")
    earned: list[EarnedOut] = Field(description="what the payment itself earns (paying on time...)")
    notes: list[str]


class ActivityOut(BaseModel):
    event_id: str
    replayed: bool
    type: Literal["activity"]
    activity: str
    account: str
    contact: str | None
    occurred_at: Instant
    earned: list[EarnedOut]
    notes: list[str] = Field(description="why it earned nothing, when it did not (a rule's limit reached...)")
