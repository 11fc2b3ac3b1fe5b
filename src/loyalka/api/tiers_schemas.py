"""What the API shows of tiers: the account's level with its benefits, the progress to the next level, the
history of changes, and the evaluation in a close's summary."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Literal

from pydantic import AfterValidator, AwareDatetime, BaseModel, Field


def _utc(value: datetime) -> datetime:
    return value.astimezone(UTC)


Instant = Annotated[AwareDatetime, AfterValidator(_utc)]


class TextOut(BaseModel):
    ru: str
    en: str


class TierBenefitsOut(BaseModel):
    free_delivery: Literal["none", "standard", "express"]
    payment_terms_days: int | None = Field(description="deferred payment, days; none: the seller's usual terms")
    personal_manager: bool
    closed_sales: bool
    priority_service: bool
    other: list[TextOut]


class WindowOut(BaseModel):
    rolling_months: int | None = Field(description="the last N months")
    calendar: Literal["month", "quarter", "half_year", "year"] | None = Field(
        description="the calendar period so far (year: since 1 January)"
    )


class ProgressOut(BaseModel):
    """A criterion of the next level: for a sum or a count what the account has and what it needs; for
    ``all`` / ``any`` its parts."""

    criterion: Literal["turnover", "single_purchase", "orders", "breadth", "all", "any"]
    met: bool
    have: str | None = Field(default=None, examples=["820000.00"], description="money as a decimal string, or a count")
    need: str | None = Field(default=None, examples=["1000000.00"])
    unit: str | None = Field(default=None, description="the currency, or orders / categories / skus")
    window: WindowOut | None = None
    text: str = Field(examples=["turnover 820000.00 of 1000000.00 RUB over the last 12 months"])
    text_ru: str
    parts: list[ProgressOut] = []


class NextTierOut(BaseModel):
    id: str
    name: str
    name_en: str
    earn_multiplier: str
    progress: ProgressOut


class CurrentTierOut(BaseModel):
    id: str | None = Field(description="none: the account holds no level (a program without an entry level)")
    name: str | None
    name_en: str | None
    earn_multiplier: str = Field(examples=["1.5"])
    benefits: TierBenefitsOut | None
    since: Instant | None = Field(description="none for a member the close has not placed at the entry level yet")
    qualified_at: Instant | None = Field(description="when the account last qualified (its grace counts from it)")


class TierOut(CurrentTierOut):
    next: NextTierOut | None = Field(description="the level above, with the progress to it; none at the top")


class TierChangeOut(BaseModel):
    from_tier: str | None
    to_tier: str | None
    to_name: str | None
    to_name_en: str | None
    changed_at: Instant
    reason: Literal["joined", "entry", "qualified_on_order", "qualified_at_close", "not_qualified"]
    note: str | None
    event_id: str = Field(description="the order that upgraded the account, or the close that evaluated it")


class AccountTierOut(BaseModel):
    account: str
    member: bool
    current: CurrentTierOut
    progress: NextTierOut | None
    history: list[TierChangeOut] = Field(description="newest first")


class TierCloseOut(BaseModel):
    period: str = Field(examples=["2026-Q1"], description="the evaluation period the close ended")
    upgraded: int
    downgraded: int
    kept: int
    in_grace: int = Field(description="kept although not qualified, within keep_periods")
    distribution: dict[str, int] = Field(description="members by tier after the evaluation")
