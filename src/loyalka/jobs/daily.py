"""The daily job: a program's triggers for one calendar day in its time zone (birthdays, anniversaries,
inactivity wake-ups, expiry reminders).

Idempotent: every grant has its event id and every message its dedupe key, so running a day again, or a
range of days that overlaps one already run, credits and queues nothing twice. A day runs only once it has
begun; a range is caught up day by day in order, each day in a unit of work of its own (``run_days``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from loyalka.engine.triggers import day_start, local_date
from loyalka.errors import InvalidInput, RuleViolation
from loyalka.services.events import CLOCK_SKEW
from loyalka.services.programs import active_program, program_by_code
from loyalka.services.triggers import (
    Day,
    carry_out,
    expiry_reminders,
    members,
    plan_anniversaries,
    plan_birthdays,
    plan_inactivity,
)
from loyalka.storage.database import Database
from loyalka.storage.tables import ProgramRow

MAX_RANGE_DAYS = 366  # a longer catch-up is more likely a typo than a pause


def run_daily(session: Session, day: date, now: datetime, program: str | None = None) -> dict[str, Any]:
    """Run the triggers of ``program`` (its code; None: the only program) for ``day``; a summary of what it did."""
    program_row = program_by_code(session, program)
    # one run of a program's day at a time: a second waits, then finds every grant and message made
    session.scalar(select(ProgramRow.id).where(ProgramRow.id == program_row.id).with_for_update())
    active = active_program(session, program_row.id)
    tz = active.rules.program.timezone
    if day_start(day, tz) > now + CLOCK_SKEW:
        raise RuleViolation(
            f"{day.isoformat()} has not begun yet in {tz}; the daily job runs for today or earlier days",
            code="day_not_started",
            field="date",
        )
    d = Day(session, active, day, now)
    accounts = members(d)
    planned = [*plan_birthdays(d), *plan_anniversaries(d, accounts), *plan_inactivity(d, accounts)]
    summary: dict[str, Any] = {
        "date": day.isoformat(),
        "program": program_row.code,
        "program_version": active.version,
        "members": len(accounts),
        **carry_out(d, planned),
    }
    reminders = expiry_reminders(d)
    if reminders is not None:
        summary["expiry_reminder"] = reminders
    return summary


def today(session: Session, *, now: datetime, program: str | None = None) -> date:
    """The current date in the program's time zone."""
    row = program_by_code(session, program)
    return local_date(now, active_program(session, row.id).rules.program.timezone)


def parse_day(text: str, *, field: str = "date") -> date:
    try:
        return date.fromisoformat(text.strip())
    except (ValueError, AttributeError) as exc:
        raise InvalidInput(
            f"{text!r} is not a date; write it as YYYY-MM-DD, e.g. 2026-04-12", code="invalid_date", field=field
        ) from exc


def days_between(first: date, last: date) -> Iterator[date]:
    if last < first:
        raise InvalidInput(
            f"the range ends ({last.isoformat()}) before it begins ({first.isoformat()})",
            code="invalid_range",
            field="to",
        )
    if (last - first).days + 1 > MAX_RANGE_DAYS:
        raise InvalidInput(
            f"a catch-up of {(last - first).days + 1} days is longer than {MAX_RANGE_DAYS}; run it in parts",
            code="range_too_long",
            field="to",
        )
    day = first
    while day <= last:
        yield day
        day += timedelta(days=1)


def run_days(
    database: Database,
    first: date,
    last: date,
    *,
    clock: Callable[[], datetime],
    program: str | None = None,
    on_day: Callable[[dict[str, Any]], None] | None = None,
) -> list[dict[str, Any]]:
    """Catch up the days ``first``..``last`` in order, each in its own unit of work: a failure keeps the days
    before it, and running the range again finishes the rest without repeating them."""
    summaries = []
    for day in days_between(first, last):
        with database.unit_of_work() as session:
            summary = run_daily(session, day, now=clock(), program=program)
        summaries.append(summary)
        if on_day is not None:
            on_day(summary)
    return summaries
