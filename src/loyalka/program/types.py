"""Building blocks of the program models: strict models, bilingual text, amounts, rates, ids, windows."""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from typing import Annotated, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, model_validator

from loyalka.domain.money import parse_minor

_PERCENT = re.compile(r"^\d{1,3}(\.\d{1,6})?%$")
_FACTOR = re.compile(r"^\d{1,3}(\.\d{1,4})?$")
ID_PATTERN = r"^[a-z][a-z0-9_\-]{0,62}$"


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


def _to_factor(value: object) -> Decimal:
    """ "1.5" -> Decimal("1.5"): a multiplier written as a decimal string (floats are refused)."""
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    if not isinstance(value, str) or not _FACTOR.match(value.strip()):
        raise ValueError(f'expected a multiplier as a decimal string such as "1.5", got {value!r}')
    try:
        factor = Decimal(value.strip())
    except InvalidOperation as exc:  # pragma: no cover - the pattern admits only decimals
        raise ValueError(f"not a multiplier: {value!r}") from exc
    if factor <= 0:
        raise ValueError("a multiplier must be above zero")
    return factor


Minor = Annotated[int, BeforeValidator(_to_minor)]
Rate = Annotated[Decimal, BeforeValidator(_to_rate)]
Factor = Annotated[Decimal, BeforeValidator(_to_factor)]
PeriodUnit = Literal["month", "quarter", "half_year", "year"]
Ident = Annotated[str, Field(pattern=ID_PATTERN)]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Text(Strict):
    """Member-facing text: Russian first, English too."""

    ru: str = Field(min_length=1)
    en: str = Field(min_length=1)

    def __call__(self, lang: str) -> str:
        return self.en if lang == "en" else self.ru


class Window(Strict):
    """A stretch of history a criterion looks at: the last N months (rolling), or the calendar period so far."""

    rolling_months: int | None = Field(default=None, ge=1, le=60)
    calendar: PeriodUnit | None = None

    @model_validator(mode="after")
    def _exactly_one(self) -> Window:
        if (self.rolling_months is None) == (self.calendar is None):
            raise ValueError("give exactly one of 'rolling_months: N' or 'calendar: month|quarter|half_year|year'")
        return self


class PointsGrant(Strict):
    """A fixed number of points of a kind (one-time grants, triggers, campaigns, referrals)."""

    kind: str
    points: Minor

    @model_validator(mode="after")
    def _positive(self) -> PointsGrant:
        if self.points <= 0:
            raise ValueError("points must be above zero")
        return self
