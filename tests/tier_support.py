"""Helpers of the tier tests: an account's tier fields and history, the messages it was sent, closing months
in order."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select

from loyalka.jobs.period_close import close_month
from loyalka.storage.database import Database
from loyalka.storage.tables import AccountRow, MessageRow
from loyalka.storage.tables_tiers import TierChangeRow

MSK = ZoneInfo("Europe/Moscow")


def tier_of(db: Database, code: str) -> tuple[str | None, datetime | None, datetime | None]:
    """(tier, tier_since, tier_qualified_at) in Moscow time."""
    with db.unit_of_work() as s:
        row = s.scalar(select(AccountRow).where(AccountRow.code == code))
        assert row is not None
        local = [t.astimezone(MSK) if t else None for t in (row.tier_since, row.tier_qualified_at)]
        return row.tier, local[0], local[1]


def history(db: Database, code: str) -> list[tuple[str | None, str | None, str]]:
    """(from, to, reason) of every change of the account's tier, oldest first."""
    with db.unit_of_work() as s:
        account_id = s.scalar(select(AccountRow.id).where(AccountRow.code == code))
        rows = s.scalars(select(TierChangeRow).where(TierChangeRow.account_id == account_id).order_by(TierChangeRow.id))
        return [(r.from_tier, r.to_tier, r.reason) for r in rows]


def messages(db: Database, code: str, skip: tuple[str, ...] = ("welcome",)) -> list[tuple[str, str]]:
    """(template, subject) of the messages queued for the account, oldest first (but the welcome)."""
    with db.unit_of_work() as s:
        account_id = s.scalar(select(AccountRow.id).where(AccountRow.code == code))
        rows = s.scalars(select(MessageRow).where(MessageRow.account_id == account_id).order_by(MessageRow.id))
        return [(r.template, r.subject) for r in rows if r.template not in skip]


def close(db: Database, month: str) -> dict[str, Any]:
    """Close a month (YYYY-MM) an hour after it ended."""
    year, number = map(int, month.split("-"))
    after = datetime(year + number // 12, number % 12 + 1, 1, 1, tzinfo=MSK)
    with db.unit_of_work() as s:
        return close_month(s, month, now=after)


def close_through(db: Database, first: str, last: str) -> dict[str, dict[str, Any]]:
    """Close every month from ``first`` to ``last``; month -> its summary."""
    year, number = map(int, first.split("-"))
    summaries: dict[str, dict[str, Any]] = {}
    while True:
        month = f"{year}-{number:02d}"
        summaries[month] = close(db, month)
        if month == last:
            return summaries
        year, number = (year + 1, 1) if number == 12 else (year, number + 1)
