"""Events the seller's systems send: orders and returns. Validated on construction."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, fields
from datetime import datetime

from loyalka.domain.accounts import validate_code
from loyalka.errors import InvalidInput


def _aware(value: datetime, field: str) -> datetime:
    if not isinstance(value, datetime):
        raise InvalidInput(f"{field} must be a date-time", code="invalid_datetime", field=field)
    if value.tzinfo is None:
        raise InvalidInput(
            f"{field} needs a time zone (e.g. 2026-10-05T12:00:00+03:00)", code="naive_datetime", field=field
        )
    return value


def request_hash(event: object) -> str:
    """A stable digest of a request, stored with its idempotency key to tell a replay from a conflict."""
    values = [getattr(event, f.name) for f in fields(event)]  # type: ignore[arg-type]
    payload = json.dumps([type(event).__name__, *values], default=lambda v: v.isoformat())
    return hashlib.sha256(payload.encode()).hexdigest()


@dataclass(frozen=True, slots=True)
class OrderIn:
    event_id: str
    account: str  # the account's code
    order_ref: str
    occurred_at: datetime
    total_minor: int
    contact: str | None = None
    hold_key: str | None = None  # capture this hold with the order (two-phase redemption)
    redeem_minor: int = 0  # or: pay this much of the order with points now (one-phase)
    redeem_max: bool = False  # or: pay as much as the program allows now (nothing when nothing is spendable)

    def __post_init__(self) -> None:
        validate_code(self.event_id, field="event_id")
        validate_code(self.order_ref, field="order_id")
        _aware(self.occurred_at, "occurred_at")
        if self.total_minor <= 0:
            raise InvalidInput("an order total must be above zero", code="invalid_amount", field="total")
        if self.redeem_minor < 0:
            raise InvalidInput("redeem must not be negative", code="negative_amount", field="redeem")
        if sum(map(bool, (self.redeem_minor, self.hold_key, self.redeem_max))) > 1:
            raise InvalidInput("give one of hold_key, redeem or redeem_max", code="conflicting_fields", field="redeem")


@dataclass(frozen=True, slots=True)
class ReturnIn:
    event_id: str
    order_ref: str
    occurred_at: datetime
    amount_minor: int

    def __post_init__(self) -> None:
        validate_code(self.event_id, field="event_id")
        _aware(self.occurred_at, "occurred_at")
        if self.amount_minor <= 0:
            raise InvalidInput("a return amount must be above zero", code="invalid_amount", field="amount")
