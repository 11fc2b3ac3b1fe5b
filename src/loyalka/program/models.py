"""Typed models of a program file. Unknown keys are errors; amounts are decimal strings, never floats.

The core is here (point kinds, earning, spending, returns, membership, period benefits, leaderboards); the
other sections have modules of their own (tiers, engagement, catalog, b2b) and are assembled in ``Program``.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, field_validator, model_validator

from loyalka.domain.money import ROUNDING_MODES, format_points
from loyalka.program.b2b import Adjustments, Invoices, Transfers, VolumeBonus
from loyalka.program.catalog import Reward, StampCard
from loyalka.program.engagement import Campaign, CodeSet, Grant, MessageTemplate, Referrals, Segment, Triggers
from loyalka.program.publication import Publication
from loyalka.program.tiers import Tiers
from loyalka.program.types import Factor, Ident, Minor, PeriodUnit, Rate, Strict, Text

CURRENCIES = ("RUB", "USD", "EUR", "GBP", "KZT", "BYN")


class ProgramInfo(Strict):
    code: Ident
    name: Text
    currency: Literal["RUB", "USD", "EUR", "GBP", "KZT", "BYN"] = "RUB"
    timezone: str = "Europe/Moscow"
    description: Text | None = None

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown time zone {value!r}; use an IANA name such as Europe/Moscow") from exc
        return value


class Activation(Strict):
    """When earned points become spendable."""

    after: Literal["immediately", "next_period", "days"] = "immediately"
    period: PeriodUnit = "month"
    days: int | None = Field(default=None, ge=1, le=3650)

    @model_validator(mode="after")
    def _days_given(self) -> Activation:
        if self.after == "days" and self.days is None:
            raise ValueError("activation after 'days' needs 'days: N'")
        return self


class ExpiryRule(Strict):
    after: Literal["never", "end_of_next_period", "end_of_period", "months", "days"] = "never"
    period: PeriodUnit = "month"
    months: int | None = Field(default=None, ge=1, le=120)
    days: int | None = Field(default=None, ge=1, le=3650)

    @model_validator(mode="after")
    def _count_given(self) -> ExpiryRule:
        if self.after == "months" and self.months is None:
            raise ValueError("expiry after 'months' needs 'months: N'")
        if self.after == "days" and self.days is None:
            raise ValueError("expiry after 'days' needs 'days: N'")
        return self


class Expiry(ExpiryRule):
    """When spendable points stop being spendable; ``by_tier`` overrides it for points earned at a tier."""

    by_tier: dict[Ident, ExpiryRule] = Field(default_factory=dict)

    def for_tier(self, tier: str | None) -> ExpiryRule:
        return self.by_tier.get(tier, self) if tier else self


class Redemption(Strict):
    max_order_share: Rate = Decimal(1)  # the most of an order these points may pay...
    categories: list[str] | None = None  # ...counted on the lines of these categories only (default: every line)


class PointKind(Strict):
    name: Text
    decimals: int = Field(default=2, ge=0, le=2)
    value_per_point: Minor = 100  # money minor units one point pays; 100 = 1 RUB per point
    activation: Activation = Activation()
    expiry: Expiry = Expiry()
    redemption: Redemption = Redemption()

    def format(self, minor: int) -> str:
        """Points of this kind (minor units) as text with the kind's decimals."""
        return format_points(minor, self.decimals)

    def units(self, configured_minor: int) -> int:
        """A points figure written in the file ("2000.00" -> 200000 hundredths) in this kind's minor units."""
        return configured_minor * 10**self.decimals // 100


class Step(Strict):
    every: Minor
    points: Minor

    @field_validator("every")
    @classmethod
    def _positive(cls, value: int) -> int:
        if value <= 0:
            raise ValueError("'every' must be above zero")
        return value


class Amount(Strict):
    """How many points a qualifying sum earns: exactly one of ``percent``, ``step`` or ``fixed``."""

    percent: Rate | None = None
    step: Step | None = None
    fixed: Minor | None = None  # points per qualifying event, whatever its sum
    rounding: Literal["down", "up", "half_up", "half_even"] = "down"

    @model_validator(mode="after")
    def _exactly_one(self) -> Amount:
        if sum(x is not None for x in (self.percent, self.step, self.fixed)) != 1:
            raise ValueError(
                "give exactly one of 'percent' (e.g. \"10%\"), 'step' (every / points) or 'fixed' (points per event)"
            )
        if self.fixed is not None and self.fixed <= 0:
            raise ValueError("'fixed' points must be above zero")
        return self


class RuleLimit(Strict):
    """At most ``count`` accruals of the rule per account in each period (a review bonus once a month...)."""

    period: PeriodUnit = "month"
    count: int = Field(ge=1, le=10_000)


ACTIVITIES = ("review", "survey", "webinar", "exhibition", "training", "nps")


class EarningRule(Strict):
    id: Ident
    kind: str
    event: Literal["order", "payment", "activity"] = "order"
    activities: list[Literal["review", "survey", "webinar", "exhibition", "training", "nps"]] | None = None
    categories: list[str] | None = None  # order lines of these categories (default: every line)
    include_promo: bool = True  # do promotional lines earn under this rule?
    base: Literal["amount", "margin"] = "amount"  # margin: line amount less its cost price
    min_order: Minor = 0  # orders whose total is below this earn nothing under this rule
    amount: Amount
    when: str | None = None  # a CEL condition over `order` / `payment` / `activity` and `account`
    tier_multiplier: bool = True  # multiply by the account's tier multiplier
    on_payment: bool = False  # the points wait until the order's invoice is paid, pro rata
    limit: RuleLimit | None = None
    description: Text | None = None

    @model_validator(mode="after")
    def _fits_event(self) -> EarningRule:
        if self.event == "activity" and not self.activities:
            raise ValueError(f"an activity rule needs 'activities' (one or more of {', '.join(ACTIVITIES)})")
        if self.event != "activity" and self.activities:
            raise ValueError("'activities' is for rules with event: activity")
        if self.event != "order" and (self.categories or self.base != "amount" or self.on_payment or self.min_order):
            raise ValueError("categories, base, min_order and on_payment are for rules with event: order")
        if self.event == "activity" and self.amount.fixed is None:
            raise ValueError("an activity has no sum: its rule earns 'fixed' points")
        if self.limit is not None and self.event == "order":
            raise ValueError("'limit' is for rules with event: payment or activity")
        return self


class Spending(Strict):
    kind_order: list[str] | None = None  # which point kinds pay first; default: file order
    lot_order: Literal["expiring_first", "oldest_first"] = "expiring_first"  # which lots of a kind go first
    earn_on_points_paid: bool = False  # does the part of an order paid with points earn points too?
    max_order_share: Rate = Decimal(1)  # all kinds together may pay at most this share...
    categories: list[str] | None = None  # ...of the lines of these categories (default: every line)
    hold_ttl_s: int = Field(default=900, ge=10, le=7 * 86400)


class Returns(Strict):
    """What a return does when the points it takes back were already spent."""

    on_shortfall: Literal["debt", "forgive"] = "debt"  # debt: netted against later earnings; forgive: dropped


class StayThreshold(Strict):
    period: Literal["month"] = "month"
    min_purchases: Minor


class Membership(Strict):
    stay_threshold: StayThreshold | None = None
    grace_periods: int = Field(default=0, ge=0, le=24)  # closed periods after joining exempt from the threshold
    on_exit: Literal["forfeit", "keep_until_expiry"] = "forfeit"
    rejoin: bool = False  # a client who left re-enters at the close of a month whose purchases reach the threshold


class BenefitQualification(Strict):
    period: Literal["month"] = "month"  # benefits are decided at a month's close (engine/close.py)
    min_points_earned: Minor  # points of every kind earned on the month's orders, in the file's notation


class Benefit(Strict):
    id: Ident
    name: Text
    qualify: BenefitQualification
    valid_for: Literal["next_period"] = "next_period"


class Leaderboard(Strict):
    id: Ident
    name: Text
    period: Literal["quarter", "half_year", "year"]
    group_by: Literal["region", "industry", "all"] = "region"
    metric: Literal["purchases"] = "purchases"  # net purchases (orders less returns) in the period
    top: int = Field(default=3, ge=1, le=1000)
    prizes: list[Text] = Field(default_factory=list)  # what rank 1, 2, ... receive (shown on the board)


class Program(Strict):
    program: ProgramInfo
    point_kinds: dict[Ident, PointKind] = Field(min_length=1)
    earning: list[EarningRule] = Field(default_factory=list)
    spending: Spending = Spending()
    returns: Returns = Returns()
    membership: Membership = Membership()
    benefits: list[Benefit] = Field(default_factory=list)
    leaderboards: list[Leaderboard] = Field(default_factory=list)
    tiers: Tiers | None = None
    triggers: Triggers = Triggers()
    messages: dict[Ident, MessageTemplate] = Field(default_factory=dict)
    segments: list[Segment] = Field(default_factory=list)
    campaigns: list[Campaign] = Field(default_factory=list)
    grants: list[Grant] = Field(default_factory=list)
    codes: list[CodeSet] = Field(default_factory=list)
    transfers: Transfers | None = None
    referrals: Referrals | None = None
    stamp_cards: list[StampCard] = Field(default_factory=list)
    rewards: list[Reward] = Field(default_factory=list)
    invoices: Invoices = Invoices()
    volume_bonuses: list[VolumeBonus] = Field(default_factory=list)
    adjustments: Adjustments = Adjustments()
    publication: Publication = Publication()  # names and clauses for the published rules only

    @property
    def kind_order(self) -> list[str]:
        return list(self.spending.kind_order or self.point_kinds)

    def points(self, kind: str, minor: int) -> str:
        """Points of a kind as text with its decimals (two when the kind is unknown)."""
        found = self.point_kinds.get(kind)
        return found.format(minor) if found else format_points(minor)

    def tier_multiplier(self, tier: str | None) -> Decimal:
        if self.tiers is None or tier is None:
            return Decimal(1)
        level = self.tiers.level(tier)
        return level.earn_multiplier if level is not None else Decimal(1)


__all__ = ["ACTIVITIES", "CURRENCIES", "EarningRule", "PointKind", "Program", "ROUNDING_MODES", "Factor"]
