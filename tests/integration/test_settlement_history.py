"""What a return or a corrected document takes back when the order's points already did something for the
client: paid for another order, paid a debt, or covered what another return recovered. A program whose points
are spendable at once and never expire, 10% of every order, so each step is visible the moment it happens."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from loyalka.storage.database import Database
from loyalka.storage.tables import AccountRow
from tests.conftest import moscow
from tests.support import add_account, balances, give_back, ledger_sum, line, load_text, order, post

PROGRAM = """
program:
  code: at-once
  name: {ru: "Баллы сразу", en: "Points at once"}
  timezone: Europe/Moscow
point_kinds:
  bonus:
    name: {ru: "Бонусы", en: "Bonus"}
    decimals: 2
    value_per_point: "1.00"
    activation: {after: immediately}
    expiry: {after: never}
    redemption: {max_order_share: "100%"}
earning:
  - id: orders
    kind: bonus
    amount: {percent: "10%"}
"""
JOINED = moscow(2026, 10, 1, 9)


def day(n: int, hour: int = 12) -> Any:
    return moscow(2026, 10, n, hour)


def start(db: Database) -> None:
    load_text(db, PROGRAM, JOINED)
    add_account(db, "C-1", JOINED)


def bonus(db: Database, at: Any) -> tuple[str, str]:
    b = balances(db, "C-1", at)["bonus"]
    return b["spendable"], b["debt"]


def debts(db: Database) -> dict[str, int]:
    with db.unit_of_work() as s:
        return s.scalar(select(AccountRow.debts).where(AccountRow.code == "C-1"))


def spend(db: Database, event: str, ref: str, at: Any, rub: int) -> None:
    """An order of ``rub`` paid wholly with points (it earns nothing: the part paid with points does not)."""
    [paid] = post(db, order(event, "C-1", ref, at, line("X", rub), redeem_minor=rub * 100))
    assert paid.result["paid_with_points"] == f"{rub}.00" and paid.result["earned"] == []


def test_a_return_after_a_raising_correction_counts_what_was_recovered_before(db: Database) -> None:
    """O-1 (A 10,000 + B 10,000) earns 2,000.00, all spent; O-3 earns 5,000.00. A comes back: the 1,000.00 spent
    beyond the new 1,000.00 are recovered from O-3. Version 2 raises B to 20,000: 1,000.00 more. Then 5,000 of B
    come back: O-1 earns 1,500.00 now and the client has had 2,000 - 1,000 + 1,000 = 2,000.00 of it, so 500.00
    go back, not the whole new 1,000.00."""
    start(db)
    post(db, order("e1", "C-1", "O-1", day(2), line("A", 10_000), line("B", 10_000)))
    spend(db, "e2", "O-2", day(3), 2_000)
    post(db, order("e3", "C-1", "O-3", day(4), line("Y", 50_000)))
    give_back(db, "r1", "O-1", day(5), 0, ("A", 10_000))
    assert bonus(db, day(5, 13)) == ("4000.00", "0.00")
    [corrected] = post(
        db, order("e4", "C-1", "O-1", day(2), line("A", 10_000), line("B", 20_000), version=2), now=day(6)
    )
    assert corrected.result["changes"] == [{"kind": "bonus", "rule": "orders", "points": "1000.00", "debt": "0.00"}]
    assert bonus(db, day(6, 13)) == ("5000.00", "0.00")

    returned = give_back(db, "r2", "O-1", day(7), 0, ("B", 5_000))
    assert returned["taken_back"] == [{"kind": "bonus", "rule": "orders", "points": "500.00", "debt": "0.00"}]
    assert bonus(db, day(7, 13)) == ("4500.00", "0.00")
    assert ledger_sum(db, "C-1") == 450_000


def test_a_raising_correction_pays_an_outstanding_debt_first(db: Database) -> None:
    """O-1 earns 2,000.00, all spent; A comes back: 1,000.00 become a debt. Version 2 raises B: its 1,000.00
    more pay the debt, as every new lot of the kind does."""
    start(db)
    post(db, order("e1", "C-1", "O-1", day(2), line("A", 10_000), line("B", 10_000)))
    spend(db, "e2", "O-2", day(3), 2_000)
    give_back(db, "r1", "O-1", day(5), 0, ("A", 10_000))
    assert bonus(db, day(5, 13)) == ("0.00", "1000.00")
    post(db, order("e3", "C-1", "O-1", day(2), line("A", 10_000), line("B", 20_000), version=2), now=day(6))
    assert bonus(db, day(6, 13)) == ("0.00", "0.00")
    assert debts(db) == {}
    assert ledger_sum(db, "C-1") == 0


def test_returning_the_order_whose_points_paid_a_debt_brings_the_debt_back(db: Database) -> None:
    """O-1 earns 1,000.00, spent; O-1 comes back: a debt of 1,000.00. O-3 earns 1,000.00, which pay it. O-3
    comes back too: the client has had 1,000.00 of points for goods it returned, so it owes them again."""
    start(db)
    post(db, order("e1", "C-1", "O-1", day(2), line("A", 10_000)))
    spend(db, "e2", "O-2", day(3), 1_000)
    give_back(db, "r1", "O-1", day(4), 10_000)
    post(db, order("e3", "C-1", "O-3", day(5), line("B", 10_000)))
    assert bonus(db, day(5, 13)) == ("0.00", "0.00")

    returned = give_back(db, "r2", "O-3", day(6), 10_000)
    assert returned["taken_back"] == [{"kind": "bonus", "rule": "orders", "points": "0.00", "debt": "1000.00"}]
    assert bonus(db, day(6, 13)) == ("0.00", "1000.00")
    assert debts(db) == {"bonus": 100_000}
    assert ledger_sum(db, "C-1") == 0


def test_returning_the_order_whose_points_covered_another_return_takes_them_again(db: Database) -> None:
    """O-1 earns 1,000.00, spent at once; O-3 earns 1,000.00. O-1 comes back: its 1,000.00 are taken from O-3's
    lot. Then O-3 comes back: what it earned paid for O-1's return, so the 1,000.00 are owed now."""
    start(db)
    post(db, order("e1", "C-1", "O-1", day(2), line("A", 10_000)))
    spend(db, "e2", "O-2", day(3), 1_000)
    post(db, order("e3", "C-1", "O-3", day(4), line("B", 10_000)))
    give_back(db, "r1", "O-1", day(5), 10_000)
    assert bonus(db, day(5, 13)) == ("0.00", "0.00")

    give_back(db, "r2", "O-3", day(6), 5_000)  # half: O-3 may keep 500.00, it gave 1,000.00
    assert bonus(db, day(6, 13)) == ("0.00", "500.00")
    give_back(db, "r3", "O-3", day(7), 5_000)
    assert bonus(db, day(7, 13)) == ("0.00", "1000.00")
    assert ledger_sum(db, "C-1") == 0
