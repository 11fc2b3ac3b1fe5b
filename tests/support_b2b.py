"""Helpers of the B2B scenario tests: invoices, payments, activities, quotes and closes, each in its own unit
of work as the API and the CLI do."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select

from loyalka.domain.b2b import ActivityIn, InvoiceIn, PaymentIn
from loyalka.jobs.period_close import close_month
from loyalka.services.activities import post_activity
from loyalka.services.invoices import describe_invoice, find_invoice, upsert_invoice
from loyalka.services.payments import post_payment
from loyalka.services.redemption import quote_order
from loyalka.storage.database import Database
from loyalka.storage.tables import EntryRow, EventRow, LotRow
from tests.support import balances


def kopecks(rub: int | str) -> int:
    return int(Decimal(str(rub)) * 100)


def pay(db: Database, event: str, invoice: str, rub: int | str, at: datetime, now: datetime | None = None) -> dict:
    with db.unit_of_work() as s:
        return post_payment(s, PaymentIn(event, invoice, kopecks(rub), at), now=now or at).result


def act(db: Database, event: str, account: str, kind: str, at: datetime, contact: str | None = None) -> dict:
    with db.unit_of_work() as s:
        return post_activity(s, ActivityIn(event, account, kind, at, contact), now=at).result


def state_invoice(
    db: Database, ref: str, account: str, now: datetime, *, rub: int | None = None, due_on: date | None = None
) -> dict[str, Any]:
    with db.unit_of_work() as s:
        row = upsert_invoice(s, InvoiceIn(ref, account, None if rub is None else rub * 100, due_on), now=now)
        return describe_invoice(s, row, now=now)


def invoice(db: Database, ref: str, now: datetime) -> dict[str, Any]:
    with db.unit_of_work() as s:
        return describe_invoice(s, find_invoice(s, ref), now=now)


def quote(db: Database, account: str, rub: int, at: datetime) -> Any:
    with db.unit_of_work() as s:
        return quote_order(s, account_code=account, order_total_minor=rub * 100, contact_code=None, at=at)


def close(db: Database, *months: str, now: datetime) -> list[dict[str, Any]]:
    summaries = []
    for month in months:
        with db.unit_of_work() as s:
            summaries.append(close_month(s, month, now=now))
    return summaries


def points(db: Database, code: str, at: datetime, kind: str = "points") -> tuple[str, str]:
    """(spendable, pending) of a kind."""
    found = balances(db, code, at)[kind]
    return found["spendable"], found["pending"]


def earned(result: dict[str, Any]) -> dict[str, str]:
    return {e["rule"]: e["points"] for e in result["earned"]}


def counts(db: Database) -> tuple[int, int, int]:
    """(events, lots, entries): a refused request must change none of them."""
    with db.unit_of_work() as s:
        return tuple(  # type: ignore[return-value]
            int(s.scalar(select(func.count()).select_from(table)) or 0) for table in (EventRow, LotRow, EntryRow)
        )


def card_invoices(db: Database, code: str, at: datetime) -> dict[str, Any]:
    """The account card's invoices section: open invoices, the spending block, points awaiting payment."""
    from tests.support import card

    return card(db, code, at)["invoices"]
