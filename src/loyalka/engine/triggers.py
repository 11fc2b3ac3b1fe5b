"""Calendar rules of the daily triggers: which dates are a birthday or an anniversary on a given day, when a
silence is long enough, how a date reads in a message. Pure: no storage, no clock."""

from __future__ import annotations

import calendar
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from loyalka.domain.dates import short_date


def day_start(day: date, tz: str) -> datetime:
    """Midnight that begins ``day`` in the zone ``tz``."""
    return datetime(day.year, day.month, day.day, tzinfo=ZoneInfo(tz))


def day_bounds(day: date, tz: str) -> tuple[datetime, datetime]:
    """The day as the half-open interval [start, end) of two instants in zone ``tz``."""
    return day_start(day, tz), day_start(day + timedelta(days=1), tz)


def month_days_celebrated(day: date) -> list[tuple[int, int]]:
    """The (month, day) dates celebrated on ``day``: itself, and 29 February on 28 February of a common year."""
    dates = [(day.month, day.day)]
    if (day.month, day.day) == (2, 28) and not calendar.isleap(day.year):
        dates.append((2, 29))
    return dates


def is_anniversary(origin: date, day: date) -> bool:
    """``day`` is an anniversary of ``origin``: the same date in a later year (29 Feb: 28 Feb of a common year).
    The day itself is no anniversary."""
    return day.year > origin.year and (origin.month, origin.day) in month_days_celebrated(day)


def silence_days(last_on: date, day: date) -> int:
    """Days ``day`` lies after ``last_on`` (the last order's date, or the joining date)."""
    return (day - last_on).days


def format_date(value: date, lang: str) -> str:
    """A date as a member reads it: 12.07.2026 in Russian, 12 July 2026 in English."""
    return short_date(value, lang)


def local_date(instant: datetime, tz: str) -> date:
    return instant.astimezone(ZoneInfo(tz)).date()
