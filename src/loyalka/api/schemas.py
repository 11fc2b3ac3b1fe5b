"""Request and response bodies of the HTTP API.

Amounts travel as decimal strings ("1234.56"). On input an integer is accepted too, a JSON float never is:
a binary float cannot carry kopecks exactly. Request models turn amounts into integer minor units while they
validate and build the domain's input objects in ``to_domain()``; ``model_dump(mode="json")`` writes the amounts
back as canonical strings, which is what the idempotency hash is taken over.

Response models are the public contract: a field a service adds stays internal until it is added here. Their
date-times are written in UTC, so an answer and its replay read the same whichever zone a service used.
"""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PlainSerializer,
    ValidationInfo,
    WithJsonSchema,
    field_validator,
)
from pydantic_core import PydanticCustomError

from loyalka.api.tiers_schemas import TierCloseOut, TierOut
from loyalka.domain.accounts import AccountIn, ContactIn, validate_code
from loyalka.domain.events import OrderIn, OrderLine, ReturnIn, ReturnLine, in_range
from loyalka.domain.money import format_minor, format_points, parse_minor
from loyalka.engine.redemption import Quote
from loyalka.errors import InvalidInput


def _minor(value: object, info: ValidationInfo) -> int:
    try:
        return parse_minor(value, field=info.field_name or "amount")
    except InvalidInput as exc:
        raise PydanticCustomError(exc.code, exc.message) from exc


def _positive_minor(value: object, info: ValidationInfo) -> int:
    minor = _minor(value, info)
    if minor == 0:
        raise PydanticCustomError("invalid_amount", f"{info.field_name or 'amount'} must be above zero")
    return minor


def _code(value: str, info: ValidationInfo) -> str:
    try:
        return validate_code(value, field=info.field_name or "code")
    except InvalidInput as exc:
        raise PydanticCustomError(exc.code, exc.message) from exc


_AMOUNT_SCHEMA = {
    "type": "string",
    "pattern": r"^\d{1,15}(\.\d{1,2})?$",
    "examples": ["1234.56"],
    "description": "An amount in rubles as a decimal string (an integer is accepted too, a float never).",
}
_as_string = PlainSerializer(format_minor, return_type=str, when_used="json")

# Validated into integer minor units (kopecks); written back as a decimal string.
Amount = Annotated[int, BeforeValidator(_minor), _as_string, WithJsonSchema(_AMOUNT_SCHEMA)]
PositiveAmount = Annotated[int, BeforeValidator(_positive_minor), _as_string, WithJsonSchema(_AMOUNT_SCHEMA)]
# A code or key: 1-64 letters, digits or _ . - /
Code = Annotated[str, AfterValidator(_code)]


def _utc(value: datetime) -> datetime:
    return value.astimezone(UTC)


Instant = Annotated[AwareDatetime, AfterValidator(_utc)]


class RequestModel(BaseModel):
    model_config = ConfigDict(extra="forbid")

    @field_validator("*", mode="after")
    @classmethod
    def _storable(cls, value: Any, info: ValidationInfo) -> Any:
        """Text without the NUL character (PostgreSQL cannot store it) and instants from 1900 to 2999 (further
        ones overflow on their way to UTC), in every field of every request, lists included."""
        for item in value if isinstance(value, list | tuple) else (value,):
            if isinstance(item, str) and "\x00" in item:
                raise PydanticCustomError("invalid_text", "text must not contain the NUL character (\\u0000)")
            if isinstance(item, datetime) and item.tzinfo is not None:
                try:
                    in_range(item, info.field_name or "at")
                except InvalidInput as exc:
                    raise PydanticCustomError(exc.code, exc.message) from exc
        return value


def request_digest(body: BaseModel) -> str:
    """sha256 of the canonical JSON of a validated request: stored with an idempotency key."""
    payload = json.dumps(body.model_dump(mode="json"), sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(payload.encode()).hexdigest()


# --- requests ------------------------------------------------------------------------------------------------
class ContactCreate(RequestModel):
    code: Code
    name: str = Field(min_length=1, max_length=200)
    role: str | None = Field(None, max_length=100)
    birthday: date | None = None
    email: str | None = Field(None, max_length=200)
    phone: str | None = Field(None, max_length=40)
    can_spend: bool = Field(True, description="may this person pay with the company's points")
    monthly_spend_limit: Amount | None = Field(None, description="money this person may pay with points a month")

    def to_domain(self) -> ContactIn:
        return ContactIn(
            code=self.code,
            name=self.name,
            role=self.role,
            birthday=self.birthday,
            email=self.email,
            phone=self.phone,
            can_spend=self.can_spend,
            monthly_spend_limit_minor=self.monthly_spend_limit,
        )


class AccountCreate(RequestModel):
    code: Code
    name: str = Field(min_length=1, max_length=300, examples=["Салон «Уют»"])
    inn: str | None = Field(None, description="ИНН: 10 digits (company) or 12 (entrepreneur)", examples=["7707083893"])
    region: str | None = Field(None, max_length=100)
    industry: str | None = Field(None, max_length=100)
    manager: str | None = Field(None, max_length=200)
    tags: list[Annotated[str, Field(max_length=100)]] = Field(default_factory=list)
    contacts: list[ContactCreate] = Field(default_factory=list)
    program: Code | None = Field(None, description="the program's code; may be left out when only one is loaded")
    language: Literal["ru", "en"] = Field("ru", description="of the messages the company receives")
    founded_on: date | None = Field(None, description="the company's founding date (anniversary trigger)")
    referred_by: str | None = Field(
        None, max_length=32, description="the referral code of the company that brought this one", examples=["K7M2Q9XA"]
    )

    def to_domain(self) -> AccountIn:
        return AccountIn(
            code=self.code,
            name=self.name,
            inn=self.inn,
            region=self.region,
            industry=self.industry,
            manager=self.manager,
            tags=tuple(self.tags),
            contacts=tuple(c.to_domain() for c in self.contacts),
            language=self.language,
            founded_on=self.founded_on,
            referred_by=self.referred_by,
        )


class LineIn(RequestModel):
    sku: Code
    amount: Amount = Field(description="the line's whole amount after any price discount")
    category: Code | None = Field(None, description="labour, parts, fabric...: what rates and caps look at")
    quantity: Decimal = Field(Decimal(1), gt=0, max_digits=18, decimal_places=6)
    promo: bool = Field(False, description="a promotional line: points never pay for it")
    cost: Amount | None = Field(None, description="cost price of the whole line (margin-based earning)")

    def to_domain(self) -> OrderLine:
        return OrderLine(self.sku, self.amount, self.category, self.quantity, self.promo, self.cost)


class OrderCreate(RequestModel):
    event_id: Code = Field(description="the sender's id of this event: the idempotency key")
    account: Code
    order_id: Code
    occurred_at: AwareDatetime = Field(description="when the order happened, with its UTC offset")
    total: PositiveAmount | None = Field(None, description="the order's total; may be left out when lines are given")
    lines: list[LineIn] = Field(default_factory=list, max_length=2000)
    version: int = Field(1, ge=1, le=1_000_000, description="the document's version: a higher one corrects the order")
    contact: Code | None = None
    hold_key: Code | None = Field(None, description="capture this hold with the order")
    redeem: Amount | None = Field(None, description="or pay this much of the order with points now")
    redeem_max: bool = Field(False, description="or pay as much as the program allows now")
    delivery_on: date | None = Field(None, description="the delivery date asked for (early orders)")
    invoice_id: Code | None = Field(None, description="the invoice that bills this order")
    due_on: date | None = Field(None, description="when that invoice is due")

    def to_domain(self) -> OrderIn:
        if self.total is None and not self.lines:
            raise InvalidInput("give the order's total, its lines, or both", code="missing_total", field="total")
        return OrderIn(
            event_id=self.event_id,
            account=self.account,
            order_ref=self.order_id,
            occurred_at=self.occurred_at,
            total_minor=self.total or 0,
            contact=self.contact,
            hold_key=self.hold_key,
            redeem_minor=self.redeem or 0,
            redeem_max=self.redeem_max,
            lines=tuple(line.to_domain() for line in self.lines),
            version=self.version,
            delivery_on=self.delivery_on,
            invoice_ref=self.invoice_id,
            due_on=self.due_on,
        )


class ReturnLineIn(RequestModel):
    sku: Code
    amount: PositiveAmount
    quantity: Decimal | None = Field(None, gt=0, max_digits=18, decimal_places=6)


class ReturnCreate(RequestModel):
    event_id: Code
    order_id: Code
    occurred_at: AwareDatetime
    amount: PositiveAmount | None = Field(None, description="may be left out when lines are given")
    lines: list[ReturnLineIn] = Field(default_factory=list, max_length=2000, description="the lines that come back")

    def to_domain(self) -> ReturnIn:
        if self.amount is None and not self.lines:
            raise InvalidInput(
                "give the returned amount, the returned lines, or both", code="missing_amount", field="amount"
            )
        return ReturnIn(
            event_id=self.event_id,
            order_ref=self.order_id,
            occurred_at=self.occurred_at,
            amount_minor=self.amount or 0,
            lines=tuple(ReturnLine(line.sku, line.amount, line.quantity) for line in self.lines),
        )


class QuoteRequest(RequestModel):
    account: Code
    order_total: PositiveAmount | None = Field(None, description="may be left out when lines are given")
    lines: list[LineIn] = Field(default_factory=list, max_length=2000)
    contact: Code | None = None

    def domain_lines(self) -> tuple[OrderLine, ...]:
        if self.order_total is None and not self.lines:
            raise InvalidInput("give the order's total, its lines, or both", code="missing_total", field="order_total")
        return tuple(line.to_domain() for line in self.lines)


class HoldCreate(QuoteRequest):
    key: Code = Field(description="the caller's idempotency key of this hold")
    order_id: Code
    amount: PositiveAmount | None = Field(None, description="money to pay with points; left out: the most allowed")


# --- responses -----------------------------------------------------------------------------------------------
class HealthOut(BaseModel):
    status: Literal["ok"]
    database: str = Field(description="the SQL dialect: sqlite or postgresql")


class LotOut(BaseModel):
    id: int
    remaining: str
    earned: str
    available_from: Instant
    expires_at: Instant | None
    rule: str | None


class BalanceKindOut(BaseModel):
    kind: str
    name: str
    name_en: str
    decimals: int = Field(description="decimals of this kind's points: 2 (hundredths), 1 (tenths) or 0 (whole points)")
    spendable: str
    pending: str = Field(description="earned but not spendable yet")
    debt: str = Field(description="points taken back by a return after they were spent")
    lots: list[LotOut]


class BenefitOut(BaseModel):
    benefit: str
    name: str
    name_en: str
    earned_in: str
    valid_from: Instant
    valid_until: Instant
    active_now: bool


class ContactOut(BaseModel):
    code: str
    name: str
    role: str | None
    email: str | None
    phone: str | None
    birthday: date | None
    can_spend: bool
    monthly_spend_limit: str | None


class ReferrerOut(BaseModel):
    account: str
    name: str


class ReferralOut(BaseModel):
    code: str = Field(description="the account's own referral code, to give to the companies it brings")
    referred_by: ReferrerOut | None
    referred_companies: int = Field(description="companies that named this account as their referrer")
    rewarded_referrals: int = Field(description="of them, those whose first qualifying order was rewarded")
    status: Literal["waiting", "rewarded", "expired"] | None = Field(
        description="for a referred company: its first qualifying order is awaited, was rewarded, or came too late"
    )
    qualify_until: Instant | None = Field(description="a first order from this instant on no longer qualifies")
    rewarded_order: str | None = Field(None, description="the order that settled the referral")


class StampColumnOut(BaseModel):
    column: int = Field(description="1 for the first column")
    stamps: int = Field(description="cells stamped in this column")
    full: bool
    gift: str = Field(description="what the column offers the member's tier")
    gift_en: str


class GiftOfferOut(BaseModel):
    column: int
    gift: str
    gift_en: str


class NextOrderOut(BaseModel):
    adds_stamp: bool
    column: int | None = Field(description="the column the next stamp lands in; none when the grid is full")
    stamps_to_gift: int | None = Field(description="stamps still needed for that column's gift, the next one included")
    gift: str | None
    gift_en: str | None
    text: str = Field(description="what the next qualifying order brings, for the member")
    text_en: str


class StampedOrderOut(BaseModel):
    order_id: str
    stamped_at: Instant


class StampCardOut(BaseModel):
    card: str
    name_en: str
    columns: int
    cells: int
    min_order: str = Field(description="the order total from which an order earns a stamp")
    cycle: int = Field(description="1 for the first card; each gift taken starts the next")
    stamps: int = Field(description="stamps on the grid of the current card")
    waiting: int = Field(description="stamps beyond a full grid: they count on the next card")
    grid: list[StampColumnOut]
    gifts_offered: list[GiftOfferOut] = Field(description="the full columns: take one gift, or keep collecting")
    next_order: NextOrderOut
    stamped_orders: list[StampedOrderOut] = Field(description="the orders whose stamps are on the current card")


class OpenInvoiceOut(BaseModel):
    invoice_id: str
    due_on: date
    owed: str
    paid: str
    left_to_pay: str


class AccountInvoicesOut(BaseModel):
    open: list[OpenInvoiceOut] = Field(description="invoices not fully paid")
    spending_blocked: str | None = Field(description="why points cannot pay for orders now (an overdue invoice)")
    awaiting_payment: dict[str, str] = Field(description="points of orders waiting for their invoice's payment")


class AccountOut(BaseModel):
    code: str
    name: str
    inn: str | None
    region: str | None
    industry: str | None
    manager: str | None
    tags: list[str]
    status: str
    language: str
    founded_on: date | None
    joined_at: Instant
    left_at: Instant | None
    left_reason: str | None
    balances: list[BalanceKindOut]
    benefits: list[BenefitOut]
    contacts: list[ContactOut]
    tier: TierOut | None = Field(default=None, description="the tier, its benefits and progress; none without tiers")
    referral: ReferralOut | None = Field(None, description="none when the program has no referral scheme")
    stamp_cards: list[StampCardOut] = Field(default_factory=list, description="the program's stamp cards")
    invoices: AccountInvoicesOut | None = None


class BalanceOut(BaseModel):
    account: str
    balances: list[BalanceKindOut]


class EarnedOut(BaseModel):
    kind: str
    points: str
    rule: str
    available_from: Instant | None = Field(description="none while the points wait for the invoice's payment")
    expires_at: Instant | None
    awaiting_payment: bool = False


class ChangeOut(BaseModel):
    kind: str
    rule: str
    points: str = Field(description="credited (positive) or taken back (negative)")
    debt: str


class OrderOut(BaseModel):
    event_id: str
    replayed: bool = Field(description="true: this event, or this very version of the order, was recorded before")
    type: Literal["order"]
    order_id: str
    account: str
    version: int = 1
    paid_with_points: str
    earned: list[EarnedOut]
    program_version: int | None
    tier: str | None = None
    corrected_from: int | None = Field(None, description="a corrected document: the version it replaced")
    changes: list[ChangeOut] = Field(default_factory=list, description="what a corrected document changed")
    notes: list[str] = Field(default_factory=list)


class TakenBackOut(BaseModel):
    kind: str
    rule: str
    points: str
    debt: str


class ReturnOut(BaseModel):
    event_id: str
    replayed: bool
    type: Literal["return"]
    order_id: str
    account: str
    returned: str
    lines: dict[str, str] = Field(default_factory=dict, description="what came back of each line, by sku")
    taken_back: list[TakenBackOut]
    added: list[ChangeOut] = Field(
        default_factory=list, description="points a return adds (a first-order minimum now met by the trigger)"
    )


class KindQuoteOut(BaseModel):
    kind: str
    spendable: str
    cap: str = Field(description="points the program's cap allows on this order")
    max_points: str
    max_amount: str


class QuoteOut(BaseModel):
    order_total: str
    max_amount: str = Field(description="the most of the order that points may pay, all kinds together")
    reason: str | None = Field(description="why max_amount is zero, when it is")
    kinds: list[KindQuoteOut]

    @classmethod
    def of(cls, quote: Quote) -> QuoteOut:
        return cls(
            order_total=format_minor(quote.order_total_minor),
            max_amount=format_minor(quote.max_money_minor),
            reason=quote.reason,
            kinds=[
                KindQuoteOut(
                    kind=k.kind,
                    spendable=format_points(k.spendable_minor, k.decimals),
                    cap=format_points(k.cap_minor, k.decimals),
                    max_points=format_points(k.max_points_minor, k.decimals),
                    max_amount=format_minor(k.max_money_minor),
                )
                for k in quote.kinds
            ],
        )


class HoldOut(BaseModel):
    key: str
    order_id: str
    status: Literal["pending", "captured", "released", "expired"]
    amount: str
    points: dict[str, str] = Field(description="points reserved, by kind")
    expires_at: Instant
    resolved_at: Instant | None


class CloseOut(BaseModel):
    period: str
    program: str
    program_version: int
    activated: dict[str, str] = Field(description="points that became spendable at the close, by kind")
    expired: dict[str, str] = Field(description="points that expired unspent, by kind")
    members_evaluated: int
    left_program: int
    rejoined: int = Field(description="clients who left earlier and are members again")
    forfeited: dict[str, str] = Field(description="points written off for clients who left, by kind")
    benefits: dict[str, int]
    leaderboards: dict[str, int]
    tiers: TierCloseOut | None = Field(default=None, description="the tier evaluation, when the month ends its period")
    volume_bonuses: dict[str, dict[str, Any]] = Field(
        default_factory=dict, description="bonuses whose period this close ended: period, accounts, points"
    )
    already_closed: bool


class ErrorDetail(BaseModel):
    field: str | None
    type: str
    message: str


class IssueOut(BaseModel):
    path: str
    line: int | None
    message: str


class ErrorOut(BaseModel):
    code: str = Field(examples=["account_not_found"])
    message: str
    field: str | None = Field(description="the field at fault, dotted (contacts.0.email)")
    errors: list[ErrorDetail] | None = Field(None, description="every problem of an invalid request")
    issues: list[IssueOut] | None = Field(None, description="every problem of an invalid program")


def error_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    return {status: {"model": ErrorOut} for status in statuses}
