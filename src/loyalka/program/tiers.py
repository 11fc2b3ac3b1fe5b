"""Tiers: levels, what qualifies for each (criteria combined with all / any), evaluation and downgrade."""

from __future__ import annotations

from decimal import Decimal
from typing import Literal

from pydantic import Field, model_validator

from loyalka.program.types import Factor, Ident, Minor, PeriodUnit, Strict, Text, Window


class SumAtLeast(Strict):
    min: Minor
    window: Window


class CountAtLeast(Strict):
    min: int = Field(ge=1, le=1_000_000)
    window: Window


class BreadthAtLeast(Strict):
    min: int = Field(ge=1, le=1_000_000)
    by: Literal["category", "sku"] = "category"
    window: Window


class Criterion(Strict):
    """Exactly one of: a turnover, a single purchase, a number of orders, an assortment breadth, or a
    combination of criteria (``all``: every one holds; ``any``: at least one does)."""

    turnover: SumAtLeast | None = None  # net purchases in the window
    single_purchase: SumAtLeast | None = None  # one order (net of returns) of at least this sum in the window
    orders: CountAtLeast | None = None  # orders in the window
    breadth: BreadthAtLeast | None = None  # distinct categories (or skus) bought in the window
    all: list[Criterion] | None = Field(default=None, min_length=1)
    any: list[Criterion] | None = Field(default=None, min_length=1)

    @model_validator(mode="after")
    def _exactly_one(self) -> Criterion:
        given = [name for name in type(self).model_fields if getattr(self, name) is not None]
        if len(given) != 1:
            raise ValueError(
                "a criterion is exactly one of turnover, single_purchase, orders, breadth, all, any"
                + (f" (got {', '.join(given)})" if given else "")
            )
        return self

    def windows(self) -> list[Window]:
        own = [c.window for c in (self.turnover, self.single_purchase, self.orders, self.breadth) if c is not None]
        return own + [w for child in (self.all or self.any or []) for w in child.windows()]


class TierBenefits(Strict):
    """What a tier gives besides its earning multiplier; shown on the account and in the API."""

    free_delivery: Literal["none", "standard", "express"] = "none"
    payment_terms_days: int | None = Field(default=None, ge=1, le=365)  # deferred payment, days
    personal_manager: bool = False
    closed_sales: bool = False
    priority_service: bool = False
    other: list[Text] = Field(default_factory=list)


class TierLevel(Strict):
    id: Ident
    name: Text
    qualify: Criterion | None = None  # None: the entry level everybody has
    earn_multiplier: Factor = Decimal(1)
    benefits: TierBenefits = TierBenefits()


class TierEvaluation(Strict):
    at: PeriodUnit = "month"  # tiers are re-evaluated at the close of each such period
    upgrade: Literal["immediately", "at_close"] = "immediately"  # an order that qualifies upgrades at once
    upgrade_includes_trigger: bool = True  # the qualifying order itself earns at the new tier


class TierDowngrade(Strict):
    keep_periods: int = Field(default=0, ge=0, le=24)  # evaluation periods a tier is kept after it last qualified
    step: Literal["one_level", "to_qualified"] = "one_level"


class Tiers(Strict):
    levels: list[TierLevel] = Field(min_length=1)  # lowest first
    evaluation: TierEvaluation = TierEvaluation()
    downgrade: TierDowngrade = TierDowngrade()

    def level(self, tier_id: str) -> TierLevel | None:
        return next((lv for lv in self.levels if lv.id == tier_id), None)

    def rank(self, tier_id: str | None) -> int:
        """0 for no tier, 1 for the lowest level, and so on."""
        if tier_id is None:
            return 0
        return next((i + 1 for i, lv in enumerate(self.levels) if lv.id == tier_id), 0)

    @property
    def entry(self) -> str | None:
        """The level members have without qualifying (the lowest one, when it has no criterion)."""
        first = self.levels[0]
        return first.id if first.qualify is None else None
