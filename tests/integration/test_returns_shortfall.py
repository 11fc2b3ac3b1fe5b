"""A return after the close of points that were already spent (issue item 12), on the textile program (seed
000): what cannot be taken back becomes a debt netted against the next earnings (``returns.on_shortfall:
debt``, the default), or is dropped (``forgive``)."""

from __future__ import annotations

from sqlalchemy import select

from loyalka.jobs.period_close import close_month
from loyalka.storage.database import Database
from loyalka.storage.tables import AccountRow, EntryRow
from tests.conftest import EXAMPLES, moscow
from tests.support import add_account, balances, give_back, ledger_sum, load_text, order, post

JOINED = moscow(2026, 10, 1, 9)
TEXTILE = (EXAMPLES / "textile.yaml").read_text(encoding="utf-8")
FORGIVE = TEXTILE + "\nreturns:\n  on_shortfall: forgive\n"


def spend_then_return_after_the_close(db: Database, program: str) -> dict[str, object]:
    """October: 10,000 RUB earn 1,000.00. November: an order of 10,000 RUB pays 1,000.00 with them and earns
    10% of the 9,000 left, 900.00. After the November close, the October order comes back whole: its 1,000.00
    were spent, so 900.00 are taken from November's points and 100.00 cannot be taken."""
    load_text(db, program, JOINED)
    add_account(db, "SALON-1", JOINED, region="Москва")
    post(db, order("e1", "SALON-1", "O-1", moscow(2026, 10, 5, 12), rub=10_000))
    close(db, "2026-10", moscow(2026, 11, 1, 1))
    [paid] = post(db, order("e2", "SALON-1", "O-2", moscow(2026, 11, 10, 12), rub=10_000, redeem_minor=100_000))
    assert paid.result["paid_with_points"] == "1000.00" and paid.result["earned"][0]["points"] == "900.00"
    close(db, "2026-11", moscow(2026, 12, 1, 1))
    assert bonus(db, moscow(2026, 12, 2)) == {"spendable": "900.00", "pending": "0.00", "debt": "0.00"}
    return give_back(db, "r1", "O-1", moscow(2026, 12, 3, 10), 10_000)


def close(db: Database, month: str, at: object) -> None:
    with db.unit_of_work() as s:
        summary = close_month(s, month, now=at)  # type: ignore[arg-type]
    assert summary["left_program"] == 0


def bonus(db: Database, at: object) -> dict[str, str]:
    b = balances(db, "SALON-1", at)["bonus"]  # type: ignore[arg-type]
    return {key: b[key] for key in ("spendable", "pending", "debt")}


def debts(db: Database) -> dict[str, int]:
    with db.unit_of_work() as s:
        return s.scalar(select(AccountRow.debts).where(AccountRow.code == "SALON-1"))


def test_by_default_the_shortfall_is_a_debt_netted_against_the_next_earnings(db: Database) -> None:
    returned = spend_then_return_after_the_close(db, TEXTILE)
    assert returned["taken_back"] == [{"kind": "bonus", "rule": "monthly-orders", "points": "900.00", "debt": "100.00"}]
    assert bonus(db, moscow(2026, 12, 3, 11)) == {"spendable": "0.00", "pending": "0.00", "debt": "100.00"}
    assert debts(db) == {"bonus": 10_000}

    # December: 10,000 RUB earn 1,000.00, of which 100.00 pay the debt; 900.00 become spendable in January
    [earned] = post(db, order("e3", "SALON-1", "O-3", moscow(2026, 12, 10, 12), rub=10_000))
    assert earned.result["earned"][0]["points"] == "1000.00"
    assert bonus(db, moscow(2026, 12, 10, 13)) == {"spendable": "0.00", "pending": "900.00", "debt": "0.00"}
    assert debts(db) == {}
    with db.unit_of_work() as s:
        netting = s.scalars(select(EntryRow).where(EntryRow.event_id == "e3").order_by(EntryRow.id)).all()
        assert [(e.type, e.amount_minor, e.reason) for e in netting] == [
            ("earn", 100_000, None),
            ("reverse", -10_000, "netted against the debt of an earlier return"),
        ]
    assert bonus(db, moscow(2027, 1, 1, 0, 0))["spendable"] == "900.00"
    assert ledger_sum(db, "SALON-1") == 90_000


def test_with_forgive_the_shortfall_is_dropped_and_the_next_earnings_are_whole(db: Database) -> None:
    returned = spend_then_return_after_the_close(db, FORGIVE)
    [taken] = returned["taken_back"]  # type: ignore[misc]
    assert taken == {"kind": "bonus", "rule": "monthly-orders", "points": "900.00", "debt": "0.00"}
    assert bonus(db, moscow(2026, 12, 3, 11)) == {"spendable": "0.00", "pending": "0.00", "debt": "0.00"}
    assert debts(db) == {}

    [earned] = post(db, order("e3", "SALON-1", "O-3", moscow(2026, 12, 10, 12), rub=10_000))
    assert earned.result["earned"][0]["points"] == "1000.00"
    assert bonus(db, moscow(2026, 12, 10, 13)) == {"spendable": "0.00", "pending": "1000.00", "debt": "0.00"}
    with db.unit_of_work() as s:
        types = s.scalars(select(EntryRow.type).where(EntryRow.event_id == "e3")).all()
    assert types == ["earn"]
    assert ledger_sum(db, "SALON-1") == 100_000


def test_a_partial_return_whose_points_the_other_lots_cover_leaves_no_debt(db: Database) -> None:
    """Half of the October order back: 500.00 to recover, November's 900.00 cover them whole."""
    load_text(db, TEXTILE, JOINED)
    add_account(db, "SALON-1", JOINED, region="Москва")
    post(db, order("e1", "SALON-1", "O-1", moscow(2026, 10, 5, 12), rub=10_000))
    close(db, "2026-10", moscow(2026, 11, 1, 1))
    post(db, order("e2", "SALON-1", "O-2", moscow(2026, 11, 10, 12), rub=10_000, redeem_minor=100_000))
    close(db, "2026-11", moscow(2026, 12, 1, 1))
    returned = give_back(db, "r1", "O-1", moscow(2026, 12, 3, 10), 5_000)
    assert returned["taken_back"] == [{"kind": "bonus", "rule": "monthly-orders", "points": "500.00", "debt": "0.00"}]
    assert bonus(db, moscow(2026, 12, 3, 11)) == {"spendable": "400.00", "pending": "0.00", "debt": "0.00"}
