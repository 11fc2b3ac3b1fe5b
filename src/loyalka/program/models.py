"""Typed models of a program file. Unknown keys are errors; amounts are decimal strings, never floats."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Annotated, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, field_validator, model_validator

from loyalka.domain.money import ROUNDING_MODES, parse_minor

_PERCENT = re.compile(r"^\d{1,3}(\.\d{1,6})?%$")
_ID = r"^[a-z][a-z0-9_\-]{0,62}$"


def _to_minor(value: object) -> int:
    try:
        return parse_minor(value, field="amount")
    except Exception as exc:  # noqa: BLE001 - re-raised as a validation message with its location
        raise ValueError(str(exc)) from exc


def _to_rate(value: object) -> Decimal:
    """ "15%" -> Decimal("0.15"). Only the percent notation is accepted, so a rate is never ambiguous."""
    if not isinstance(value, str) or not _PERCENT.match(value.strip()):
        raise ValueError(f'expected a percentage such as "10%", got {value!r}')
    rate = Decimal(value.strip()[:-1]) / 100
    if rate > 1:
        raise ValueError(f"a percentage above 100% makes no sense here: {value!r}")
    return rate


Minor = Annotated[int, BeforeValidator(_to_minor)]
Rate = Annotated[Decimal, BeforeValidator(_to_rate)]
PeriodUnit = Literal["month", "quarter", "half_year", "year"]
Ident = Annotated[str, Field(pattern=_ID)]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Text(Strict):
    """Member-facing text: Russian first, English too."""

    ru: str = Field(min_length=1)
    en: str = Field(min_length=1)

    def __call__(self, lang: str) -> str:
        return self.en if lang == "en" else self.ru


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


class Expiry(Strict):
    """When spendable points stop being spendable."""

    after: Literal["never", "end_of_next_period", "end_of_period", "months", "days"] = "never"
    period: PeriodUnit = "month"
    months: int | None = Field(default=None, ge=1, le=120)
    days: int | None = Field(default=None, ge=1, le=3650)

    @model_validator(mode="after")
    def _count_given(self) -> Expiry:
        if self.after == "months" and self.months is None:
            raise ValueError("expiry after 'months' needs 'months: N'")
        if self.after == "days" and self.days is None:
            raise ValueError("expiry after 'days' needs 'days: N'")
        return self


class Redemption(Strict):
    max_order_share: Rate = Decimal(1)


class PointKind(Strict):
    name: Text
    decimals: int = Field(default=2, ge=0, le=2)
    value_per_point: Minor = 100  # money minor units one point pays; 100 = 1 RUB per point
    activation: Activation = Activation()
    expiry: Expiry = Expiry()
    redemption: Redemption = Redemption()


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
    """How many points a qualifying sum earns: exactly one of ``percent`` or ``step``."""

    percent: Rate | None = None
    step: Step | None = None
    rounding: Literal["down", "up", "half_up", "half_even"] = "down"

    @model_validator(mode="after")
    def _exactly_one(self) -> Amount:
        if (self.percent is None) == (self.step is None):
            raise ValueError("give exactly one of 'percent' (e.g. \"10%\") or 'step' (every / points)")
        return self


class EarningRule(Strict):
    id: Ident
    kind: str
    event: Literal["order"] = "order"
    min_order: Minor = 0
    amount: Amount
    when: str | None = None  # a CEL condition over `order` and `account`
    description: Text | None = None


class Spending(Strict):
    kind_order: list[str] | None = None  # which point kinds pay first; default: file order
    earn_on_points_paid: bool = False  # does the part of an order paid with points earn points too?
    hold_ttl_s: int = Field(default=900, ge=10, le=7 * 86400)


class StayThreshold(Strict):
    period: Literal["month"] = "month"
    min_purchases: Minor


class Membership(Strict):
    stay_threshold: StayThreshold | None = None
    grace_periods: int = Field(default=0, ge=0, le=24)  # closed periods after joining exempt from the threshold
    on_exit: Literal["forfeit", "keep_until_expiry"] = "forfeit"
    rejoin: bool = False  # a client who left re-enters at the close of a month whose purchases reach the threshold


class BenefitQualification(Strict):
    period: PeriodUnit = "month"
    min_points_earned: Minor


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


class Program(Strict):
    program: ProgramInfo
    point_kinds: dict[Ident, PointKind] = Field(min_length=1)
    earning: list[EarningRule] = Field(default_factory=list)
    spending: Spending = Spending()
    membership: Membership = Membership()
    benefits: list[Benefit] = Field(default_factory=list)
    leaderboards: list[Leaderboard] = Field(default_factory=list)

    @property
    def kind_order(self) -> list[str]:
        return list(self.spending.kind_order or self.point_kinds)


__all__ = ["Program", "EarningRule", "PointKind", "ROUNDING_MODES"]
