"""Calendar periods (month, quarter, half-year, year) computed in the program's time zone.

All instants in Loyalka are timezone-aware; a period is the half-open interval [start, end) of two
instants, so "expires at the end of November" is ``expires_at = 1 December 00:00`` in that zone.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache
from zoneinfo import ZoneInfo

from loyalka.errors import InvalidInput

PERIOD_MONTHS = {"month": 1, "quarter": 3, "half_year": 6, "year": 12}
_MONTH_KEY = re.compile(r"^(\d{4})-(\d{2})$")


@dataclass(frozen=True, slots=True)
class Period:
    unit: str
    year: int
    index: int  # 1-based: month 1..12, quarter 1..4, half 1..2, year 1
    tz: str

    @property
    def months(self) -> int:
        return PERIOD_MONTHS[self.unit]

    @property
    def first_month(self) -> int:
        return (self.index - 1) * self.months + 1

    @property
    def start(self) -> datetime:
        return _month_start(self.year, self.first_month, self.tz)

    @property
    def end(self) -> datetime:
        return self.next().start

    def next(self) -> Period:
        per_year = 12 // self.months
        if self.index == per_year:
            return Period(self.unit, self.year + 1, 1, self.tz)
        return Period(self.unit, self.year, self.index + 1, self.tz)

    def previous(self) -> Period:
        per_year = 12 // self.months
        if self.index == 1:
            return Period(self.unit, self.year - 1, per_year, self.tz)
        return Period(self.unit, self.year, self.index - 1, self.tz)

    @property
    def key(self) -> str:
        if self.unit == "month":
            return f"{self.year}-{self.index:02d}"
        if self.unit == "quarter":
            return f"{self.year}-Q{self.index}"
        if self.unit == "half_year":
            return f"{self.year}-H{self.index}"
        return f"{self.year}"

    def contains(self, instant: datetime) -> bool:
        return self.start <= instant < self.end

    def __str__(self) -> str:
        return self.key


@lru_cache(maxsize=4096)
def _month_start(year: int, month: int, tz: str) -> datetime:
    return datetime(year, month, 1, tzinfo=ZoneInfo(tz))


def period_of(instant: datetime, unit: str, tz: str) -> Period:
    """The period of the given unit that contains ``instant`` in zone ``tz``."""
    if instant.tzinfo is None:
        raise InvalidInput("a time without a time zone is ambiguous", code="naive_datetime")
    local = instant.astimezone(ZoneInfo(tz))
    months = PERIOD_MONTHS[unit]
    return Period(unit, local.year, (local.month - 1) // months + 1, tz)


def parse_month(text: str, tz: str) -> Period:
    """ "2026-10" -> the month period of October 2026 in zone ``tz``."""
    match = _MONTH_KEY.match(text.strip())
    if not match or not 1 <= int(match.group(2)) <= 12 or not 1900 <= int(match.group(1)) <= 2999:
        raise InvalidInput(
            f"{text!r} is not a month; write it as YYYY-MM, e.g. 2026-10", code="invalid_period", field="period"
        )
    return Period("month", int(match.group(1)), int(match.group(2)), tz)


def ends_period(month: Period, unit: str) -> bool:
    """True when ``month`` is the last month of its quarter / half-year / year."""
    return month.index % PERIOD_MONTHS[unit] == 0


def enclosing(month: Period, unit: str) -> Period:
    return period_of(month.start, unit, month.tz)


def utcnow() -> datetime:
    return datetime.now(UTC)


def as_utc(instant: datetime) -> datetime:
    if instant.tzinfo is None:
        raise InvalidInput("a time without a time zone is ambiguous", code="naive_datetime")
    return instant.astimezone(UTC)
