"""Events the seller's systems send: orders (with their lines), returns. Validated on construction."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, fields, is_dataclass
from datetime import UTC, date, datetime
from decimal import Decimal

from loyalka.domain.accounts import validate_code
from loyalka.domain.money import MAX_MINOR, format_minor
from loyalka.errors import InvalidInput

MAX_LINES = 2000
WHOLE_ORDER = "*"  # the sku of the one line an order sent as a total only stands for


# the instants an event may carry: wide enough for any history a seller imports, narrow enough that every
# conversion between zones (and a period around it) stays within what a datetime can hold
EARLIEST = datetime(1900, 1, 1, tzinfo=UTC)
LATEST = datetime(3000, 1, 1, tzinfo=UTC)


# the event ids Loyalka gives what it records itself (grants, closes, adjustments...): a sender's event id may not
# start with one, so it can never be taken for one of them (nor keep one from being recorded)
RESERVED_EVENT_PREFIXES = (
    "adjustment:", "anniversary:", "birthday:", "campaign:", "close:", "code:", "grant:", "inactivity:",
    "referral:", "volume:", "hold:", "transfer:", "reward:",
)  # fmt: skip


def validate_event_id(value: str, *, field: str = "event_id") -> str:
    """A sender's event id: a code that does not start with a prefix Loyalka keeps for its own events."""
    value = validate_code(value, field=field)
    reserved = next((p for p in RESERVED_EVENT_PREFIXES if value.lower().startswith(p)), None)
    if reserved is not None:
        raise InvalidInput(
            f"{field} {value!r} starts with {reserved!r}, which Loyalka keeps for the events it records itself",
            code="reserved_event_id",
            field=field,
        )
    return value


def aware(value: datetime, field: str) -> datetime:
    if not isinstance(value, datetime):
        raise InvalidInput(f"{field} must be a date-time", code="invalid_datetime", field=field)
    if value.tzinfo is None:
        raise InvalidInput(
            f"{field} needs a time zone (e.g. 2026-10-05T12:00:00+03:00)", code="naive_datetime", field=field
        )
    in_range(value, field)
    return value


LAST_DATE = date(2999, 12, 31)  # a date the engine still counts days after (grace, payment terms) without overflow


def within_calendar(value: date, field: str) -> None:
    """Refuse a date so far ahead that the days counted after it (grace days, payment terms) leave the calendar."""
    if value > LAST_DATE:
        raise InvalidInput(
            f"{field} {value.isoformat()} is too far ahead; dates up to {LAST_DATE.isoformat()} are accepted",
            code="invalid_date",
            field=field,
        )


def in_range(value: datetime, field: str) -> None:
    """Refuse an instant before 1900 or from 3000 on (``0001-01-01T00:00:00+05:00`` is not even one in UTC)."""
    try:
        inside = EARLIEST <= value.astimezone(UTC) < LATEST
    except OverflowError:
        inside = False
    if not inside:
        raise InvalidInput(
            f"{field} {value.isoformat()} is out of range: give a date-time from 1900 to 2999",
            code="invalid_datetime",
            field=field,
        )


def _plain(value: object) -> object:
    if is_dataclass(value) and not isinstance(value, type):
        return [type(value).__name__, *(_plain(getattr(value, f.name)) for f in fields(value))]
    if isinstance(value, (tuple, list)):
        return [_plain(v) for v in value]
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value.normalize())
    return value


# fields each event had when the first schema was released: their digest keeps its form, so an event
# recorded then is still recognised as a replay; later fields join the digest only when they are set
_FIRST_FIELDS = {"OrderIn": 9, "ReturnIn": 4}


def request_hash(event: object) -> str:
    """A stable digest of a request, stored with its idempotency key to tell a replay from a conflict."""
    name = type(event).__name__
    own = fields(event)  # type: ignore[arg-type]
    first = _FIRST_FIELDS.get(name, len(own))
    values: list[object] = [name, *(_plain(getattr(event, f.name)) for f in own[:first])]
    later = {f.name: _plain(getattr(event, f.name)) for f in own[first:] if getattr(event, f.name) != f.default}
    if later:
        values.append(later)
    payload = json.dumps(values, sort_keys=True)
    return hashlib.sha256(payload.encode()).hexdigest()


@dataclass(frozen=True, slots=True)
class OrderLine:
    """One line of an order: what was sold, in which category, for how much (the line's whole amount)."""

    sku: str
    amount_minor: int  # the line's total after any price discounts, in money minor units
    category: str | None = None  # labour, parts, fabric...: what earning rates and redemption caps look at
    quantity: Decimal = Decimal(1)
    promo: bool = False  # a promotional line: points never pay for it
    cost_minor: int | None = None  # cost price of the whole line (for margin-based earning)

    def __post_init__(self) -> None:
        if self.sku != WHOLE_ORDER:
            validate_code(self.sku, field="lines.sku")
        if self.category is not None:
            validate_code(self.category, field="lines.category")
        if self.amount_minor < 0:
            raise InvalidInput("a line amount must not be negative", code="negative_amount", field="lines.amount")
        if not isinstance(self.quantity, Decimal) or not self.quantity.is_finite() or self.quantity <= 0:
            raise InvalidInput("a line quantity must be above zero", code="invalid_quantity", field="lines.quantity")
        if self.cost_minor is not None and self.cost_minor < 0:
            raise InvalidInput("a cost price must not be negative", code="negative_amount", field="lines.cost")


def check_lines(lines: tuple[OrderLine, ...], total_minor: int, what: str = "order") -> int:
    """The total of ``lines`` when they are given (and agree with ``total_minor`` if that is given too)."""
    if len(lines) > MAX_LINES:
        raise InvalidInput(f"an {what} may have at most {MAX_LINES} lines", code="too_many_lines", field="lines")
    skus = [line.sku for line in lines]
    if len(skus) != len(set(skus)):
        twice = next(s for s in skus if skus.count(s) > 1)
        raise InvalidInput(
            f"sku {twice!r} is on two lines of the {what}; give each sku once", code="duplicate_line", field="lines"
        )
    if not lines:
        return total_minor
    summed = sum(line.amount_minor for line in lines)
    if summed > MAX_MINOR:
        raise InvalidInput(
            f"the {what}'s lines add up to {format_minor(summed)}, more than an amount may be ({format_minor(MAX_MINOR)})",
            code="invalid_amount",
            field="lines",
        )
    if total_minor and total_minor != summed:
        raise InvalidInput(
            f"the {what} total {total_minor / 100:.2f} differs from the sum of its lines {summed / 100:.2f}",
            code="total_mismatch",
            field="total",
        )
    return summed


@dataclass(frozen=True, slots=True)
class OrderIn:
    event_id: str
    account: str  # the account's code
    order_ref: str
    occurred_at: datetime
    total_minor: int = 0  # may be left 0 when lines are given: it is their sum
    contact: str | None = None
    hold_key: str | None = None  # capture this hold with the order (two-phase redemption)
    redeem_minor: int = 0  # or: pay this much of the order with points now (one-phase)
    redeem_max: bool = False  # or: pay as much as the program allows now (nothing when nothing is spendable)
    lines: tuple[OrderLine, ...] = ()
    version: int = 1  # the ERP's document version: a higher one corrects the order
    delivery_on: date | None = None  # the delivery date asked for (early orders)
    invoice_ref: str | None = None  # the invoice that bills this order
    due_on: date | None = None  # ...and when it is due

    def __post_init__(self) -> None:
        validate_event_id(self.event_id)
        validate_code(self.order_ref, field="order_id")
        aware(self.occurred_at, "occurred_at")
        if self.total_minor < 0:
            raise InvalidInput("an order total must be above zero", code="invalid_amount", field="total")
        object.__setattr__(self, "total_minor", check_lines(self.lines, self.total_minor))
        if self.total_minor <= 0:
            raise InvalidInput("an order total must be above zero", code="invalid_amount", field="total")
        if self.redeem_minor < 0:
            raise InvalidInput("redeem must not be negative", code="negative_amount", field="redeem")
        if sum(map(bool, (self.redeem_minor, self.hold_key, self.redeem_max))) > 1:
            raise InvalidInput("give one of hold_key, redeem or redeem_max", code="conflicting_fields", field="redeem")
        if not 1 <= self.version <= 1_000_000:
            raise InvalidInput("version must be 1 or more", code="invalid_version", field="version")
        if self.invoice_ref is not None:
            validate_code(self.invoice_ref, field="invoice_id")
        if self.due_on is not None and self.invoice_ref is None:
            raise InvalidInput("due_on needs invoice_id", code="missing_invoice", field="invoice_id")
        if self.due_on is not None:
            within_calendar(self.due_on, "due_on")

    def effective_lines(self) -> tuple[OrderLine, ...]:
        """The lines, or one line of no category carrying the whole total when none were sent."""
        return self.lines or (OrderLine(WHOLE_ORDER, self.total_minor),)


@dataclass(frozen=True, slots=True)
class ReturnLine:
    sku: str
    amount_minor: int
    quantity: Decimal | None = None

    def __post_init__(self) -> None:
        if self.sku != WHOLE_ORDER:
            validate_code(self.sku, field="lines.sku")
        if self.amount_minor <= 0:
            raise InvalidInput("a returned line amount must be above zero", code="invalid_amount", field="lines.amount")


@dataclass(frozen=True, slots=True)
class ReturnIn:
    event_id: str
    order_ref: str
    occurred_at: datetime
    amount_minor: int = 0  # may be left 0 when lines are given: it is their sum
    lines: tuple[ReturnLine, ...] = ()  # which lines come back; without them the amount is spread over all lines

    def __post_init__(self) -> None:
        validate_event_id(self.event_id)
        aware(self.occurred_at, "occurred_at")
        if self.amount_minor < 0:
            raise InvalidInput("a return amount must be above zero", code="invalid_amount", field="amount")
        skus = [line.sku for line in self.lines]
        if len(skus) != len(set(skus)):
            raise InvalidInput("a returned sku is listed twice", code="duplicate_line", field="lines")
        if self.lines:
            summed = sum(line.amount_minor for line in self.lines)
            if self.amount_minor and self.amount_minor != summed:
                raise InvalidInput(
                    "the return amount differs from the sum of its lines", code="total_mismatch", field="amount"
                )
            object.__setattr__(self, "amount_minor", summed)
        if self.amount_minor <= 0:
            raise InvalidInput("a return amount must be above zero", code="invalid_amount", field="amount")
