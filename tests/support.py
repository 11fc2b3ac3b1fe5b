"""Helpers shared by the scenario tests: load an example program, create accounts, post orders with lines,
read balances and the ledger. Each opens its own unit of work, as the API and the CLI do."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select

from loyalka.domain.accounts import AccountIn, ContactIn
from loyalka.domain.events import OrderIn, OrderLine, ReturnIn, ReturnLine
from loyalka.services.accounts import create_account, describe_account
from loyalka.services.events import Outcome, post_orders
from loyalka.services.programs import load_program
from loyalka.services.returns import post_return
from loyalka.storage.database import Database
from loyalka.storage.tables import EntryRow, LotRow
from tests.conftest import EXAMPLES


def load_example(db: Database, name: str, at: datetime) -> None:
    with db.unit_of_work() as s:
        load_program(s, (EXAMPLES / name).read_text(encoding="utf-8"), now=at)


def load_text(db: Database, text: str, at: datetime) -> None:
    with db.unit_of_work() as s:
        load_program(s, text, now=at)


def add_account(db: Database, code: str, at: datetime, *, program: str | None = None, **fields: Any) -> None:
    contacts = tuple(ContactIn(**c) for c in fields.pop("contacts", ()))
    with db.unit_of_work() as s:
        create_account(
            s,
            AccountIn(code=code, name=fields.pop("name", f"Компания {code}"), contacts=contacts, **fields),
            now=at,
            program=program,
        )


def line(sku: str, rub: int | str, category: str | None = None, **extra: Any) -> OrderLine:
    """An order line of ``rub`` rubles (an int, or a decimal string with kopecks)."""
    cost = extra.pop("cost", None)
    return OrderLine(
        sku,
        int(Decimal(str(rub)) * 100),
        category,
        cost_minor=None if cost is None else int(Decimal(str(cost)) * 100),
        **extra,
    )


def order(event: str, account: str, ref: str, at: datetime, *lines: OrderLine, rub: int = 0, **extra: Any) -> OrderIn:
    return OrderIn(event, account, ref, at, rub * 100, lines=tuple(lines), **extra)


def post(db: Database, *orders: OrderIn, now: datetime | None = None) -> list[Outcome]:
    with db.unit_of_work() as s:
        return post_orders(s, list(orders), now=now or max(o.occurred_at for o in orders))


def give_back(
    db: Database, event: str, ref: str, at: datetime, rub: int = 0, *lines: tuple[str, int]
) -> dict[str, Any]:
    returned = tuple(ReturnLine(sku, amount * 100) for sku, amount in lines)
    with db.unit_of_work() as s:
        return post_return(s, ReturnIn(event, ref, at, rub * 100, returned), now=at).result


def card(db: Database, code: str, at: datetime) -> dict[str, Any]:
    with db.unit_of_work() as s:
        return describe_account(s, code, now=at)


def balances(db: Database, code: str, at: datetime) -> dict[str, dict[str, Any]]:
    """Kind -> {spendable, pending, debt, lots} as the account card shows them."""
    return {b["kind"]: b for b in card(db, code, at)["balances"]}


def spendable(db: Database, code: str, at: datetime, kind: str) -> str:
    return balances(db, code, at)[kind]["spendable"]


def ledger_sum(db: Database, code: str | None = None) -> int:
    """Sum of all entries (of one account) — equals the sum of the lots' remaining amounts."""
    from loyalka.storage.tables import AccountRow

    with db.unit_of_work() as s:
        entries = select(func.coalesce(func.sum(EntryRow.amount_minor), 0))
        lots = select(func.coalesce(func.sum(LotRow.remaining_minor), 0))
        if code is not None:
            account_id = s.scalar(select(AccountRow.id).where(AccountRow.code == code))
            entries = entries.where(EntryRow.account_id == account_id)
            lots = lots.where(LotRow.account_id == account_id)
        total = int(s.scalar(entries))
        assert total == int(s.scalar(lots)), "the entries and the lots disagree"
        return total


class Clock:
    """The services' ``now`` for the API; a test moves it instead of sleeping."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now
