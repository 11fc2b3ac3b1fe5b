"""Orders and returns through the services, on the textile program (seed 000): idempotency, whole-batch
refusals, input checks, returns that recompute what an order earns, debts, and one-phase redemption."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import func, select

from loyalka.domain.accounts import AccountIn
from loyalka.domain.events import OrderIn, ReturnIn
from loyalka.errors import Conflict, InsufficientPoints, InvalidInput, NotFound, RuleViolation
from loyalka.jobs.period_close import close_month
from loyalka.services.accounts import create_account, describe_account
from loyalka.services.events import post_orders
from loyalka.services.programs import load_program
from loyalka.services.returns import post_return
from loyalka.storage.database import Database
from loyalka.storage.tables import AccountRow, EntryRow, EventRow, HoldRow, LotRow, OrderRow
from tests.conftest import EXAMPLES, moscow

JOINED = moscow(2026, 10, 1, 9, 0)
TABLES = {"entries": EntryRow, "lots": LotRow, "orders": OrderRow, "events": EventRow, "holds": HoldRow}


def setup_textile(db: Database, *codes: str) -> None:
    with db.unit_of_work() as s:
        load_program(s, (EXAMPLES / "textile.yaml").read_text(encoding="utf-8"), now=JOINED)
        for code in codes or ("SALON-1",):
            create_account(s, AccountIn(code=code, name=f"Салон {code}", region="Москва"), now=JOINED)


def order(event: str, ref: str, at: datetime, kopecks: int, account: str = "SALON-1", **extra: Any) -> OrderIn:
    return OrderIn(event_id=event, account=account, order_ref=ref, occurred_at=at, total_minor=kopecks, **extra)


def post(db: Database, orders: list[OrderIn], now: datetime) -> list[Any]:
    with db.unit_of_work() as s:
        return post_orders(s, orders, now=now)


def give_back(db: Database, event: str, ref: str, at: datetime, kopecks: int) -> dict[str, Any]:
    with db.unit_of_work() as s:
        return post_return(s, ReturnIn(event, ref, at, kopecks), now=at).result


def counts(db: Database) -> dict[str, int]:
    with db.unit_of_work() as s:
        return {name: s.scalar(select(func.count()).select_from(table)) for name, table in TABLES.items()}


def balance(db: Database, at: datetime, code: str = "SALON-1") -> dict[str, Any]:
    with db.unit_of_work() as s:
        return describe_account(s, code, now=at)["balances"][0]


def ledger_total(db: Database) -> int:
    with db.unit_of_work() as s:
        return int(s.scalar(select(func.coalesce(func.sum(EntryRow.amount_minor), 0))))


# --- idempotency ----------------------------------------------------------------------------------------------
def test_the_same_order_event_twice_is_a_replay_and_credits_once(db: Database) -> None:
    setup_textile(db)
    first = order("e1", "O-1", moscow(2026, 10, 5, 12), 500_000)
    [done] = post(db, [first], moscow(2026, 10, 5, 12))
    assert done.replayed is False and done.result["earned"][0]["points"] == "500.00"
    before = counts(db)
    assert before["entries"] == 1 and before["lots"] == 1 and before["orders"] == 1

    [again] = post(db, [order("e1", "O-1", moscow(2026, 10, 5, 12), 500_000)], moscow(2026, 10, 6))
    assert again.replayed is True
    assert again.result == done.result
    assert counts(db) == before
    assert balance(db, moscow(2026, 10, 7))["pending"] == "500.00"
    assert ledger_total(db) == 50_000


def test_a_batch_that_repeats_one_event_credits_it_once(db: Database) -> None:
    setup_textile(db)
    twin = order("e1", "O-1", moscow(2026, 10, 5, 12), 500_000)
    outcomes = post(db, [twin, twin, order("e2", "O-2", moscow(2026, 10, 5, 13), 100_000)], moscow(2026, 10, 5, 13))
    assert [o.event_id for o in outcomes] == ["e1", "e1", "e2"]
    assert counts(db)["orders"] == 2 and counts(db)["lots"] == 2
    assert balance(db, moscow(2026, 10, 6))["pending"] == "600.00"


def test_the_same_event_id_with_other_content_is_an_idempotency_conflict(db: Database) -> None:
    setup_textile(db)
    post(db, [order("e1", "O-1", moscow(2026, 10, 5, 12), 500_000)], moscow(2026, 10, 5, 12))
    before = counts(db)
    with pytest.raises(Conflict) as refused:
        post(db, [order("e1", "O-1", moscow(2026, 10, 5, 12), 500_100)], moscow(2026, 10, 6))
    assert refused.value.code == "idempotency_conflict" and refused.value.field == "event_id"
    assert counts(db) == before
    assert balance(db, moscow(2026, 10, 7))["pending"] == "500.00"


def test_an_order_ref_recorded_with_other_content_at_the_same_version_is_refused(db: Database) -> None:
    setup_textile(db)
    post(db, [order("e1", "O-1", moscow(2026, 10, 5, 12), 500_000)], moscow(2026, 10, 5, 12))
    before = counts(db)
    with pytest.raises(Conflict) as refused:
        post(
            db,
            [order("e2", "O-2", moscow(2026, 10, 6), 100_000), order("e3", "O-1", moscow(2026, 10, 6), 700_000)],
            moscow(2026, 10, 6),
        )
    assert refused.value.code == "version_conflict" and "O-1" in refused.value.message
    assert "higher version" in refused.value.message
    assert counts(db) == before
    assert balance(db, moscow(2026, 10, 7))["pending"] == "500.00"


# --- whole batch or nothing --------------------------------------------------------------------------------
def test_a_batch_with_an_order_for_an_unknown_account_writes_none_of_its_orders(db: Database) -> None:
    setup_textile(db, "SALON-1", "SALON-2")
    at = moscow(2026, 10, 5, 12)
    batch = [
        order("e1", "O-1", at, 500_000, account="SALON-1"),
        order("e2", "O-2", at, 700_000, account="SALON-2"),
        order("e3", "O-3", at, 900_000, account="NO-SUCH"),
    ]
    with pytest.raises(NotFound) as refused:
        post(db, batch, at)
    assert refused.value.code == "account_not_found" and "NO-SUCH" in refused.value.message
    assert counts(db) == {"entries": 0, "lots": 0, "orders": 0, "events": 0, "holds": 0}
    assert balance(db, at, "SALON-1")["pending"] == "0.00"
    assert balance(db, at, "SALON-2")["pending"] == "0.00"


def test_a_batch_whose_last_order_overspends_writes_none_of_its_orders(db: Database) -> None:
    setup_textile(db)
    post(db, [order("e1", "O-1", moscow(2026, 10, 5), 1_000_000)], moscow(2026, 10, 5))  # 1,000.00 in November
    before = counts(db)
    at = moscow(2026, 11, 10, 12)
    batch = [
        order("e2", "O-2", at, 600_000, redeem_minor=90_000),  # fine alone: 900.00 of 1,000.00
        order("e3", "O-3", at, 1_000_000, redeem_minor=20_000),  # only 100.00 left
    ]
    with pytest.raises(InsufficientPoints):
        post(db, batch, at)
    assert counts(db) == before
    assert balance(db, at)["spendable"] == "1000.00"


# --- input checks ------------------------------------------------------------------------------------------
def test_an_order_dated_more_than_five_minutes_ahead_is_refused(db: Database) -> None:
    setup_textile(db)
    now = moscow(2026, 10, 5, 12)
    with pytest.raises(InvalidInput) as refused:
        post(db, [order("e1", "O-1", now + timedelta(minutes=5, seconds=1), 500_000)], now)
    assert refused.value.code == "future_event" and refused.value.field == "occurred_at"
    assert counts(db)["orders"] == 0 and counts(db)["entries"] == 0
    # a sender's clock a little ahead is tolerated
    [ok] = post(db, [order("e1", "O-1", now + timedelta(minutes=5), 500_000)], now)
    assert ok.result["earned"][0]["points"] == "500.00"


@pytest.mark.parametrize("total", [0, -100, -500_000])
def test_an_order_total_of_zero_or_below_is_invalid(total: int) -> None:
    with pytest.raises(InvalidInput) as refused:
        order("e1", "O-1", moscow(2026, 10, 5), total)
    assert refused.value.code == "invalid_amount" and refused.value.field == "total"


def test_naive_datetimes_are_refused() -> None:
    with pytest.raises(InvalidInput) as refused:
        OrderIn("e1", "SALON-1", "O-1", datetime(2026, 10, 5, 12), 500_000)  # noqa: DTZ001 - the point of the test
    assert refused.value.code == "naive_datetime" and refused.value.field == "occurred_at"
    with pytest.raises(InvalidInput) as refused:
        ReturnIn("r1", "O-1", datetime(2026, 10, 5, 12), 100)  # noqa: DTZ001
    assert refused.value.code == "naive_datetime"
    with pytest.raises(InvalidInput) as refused:
        ReturnIn("r1", "O-1", moscow(2026, 10, 5, 12), 0)
    assert refused.value.code == "invalid_amount"
    with pytest.raises(InvalidInput) as refused:
        order("e1", "O-1", moscow(2026, 10, 5), 500_000, redeem_minor=-1)
    assert refused.value.code == "negative_amount"


# --- returns -----------------------------------------------------------------------------------------------
def test_a_partial_return_recomputes_what_the_order_earns(db: Database) -> None:
    setup_textile(db)
    [done] = post(db, [order("e1", "O-7", moscow(2026, 10, 5, 12), 700_000)], moscow(2026, 10, 5, 12))
    assert done.result["earned"][0]["points"] == "700.00"
    result = give_back(db, "r1", "O-7", moscow(2026, 10, 10), 250_000)
    assert result["returned"] == "2500.00"
    assert result["taken_back"] == [{"kind": "bonus", "rule": "monthly-orders", "points": "250.00", "debt": "0.00"}]
    assert balance(db, moscow(2026, 10, 11))["pending"] == "450.00"
    with db.unit_of_work() as s:
        row = s.scalar(select(OrderRow).where(OrderRow.order_ref == "O-7"))
        assert row.returned_minor == 250_000 and row.earned == {"monthly-orders": 45_000}
        reverse = s.scalars(select(EntryRow).where(EntryRow.type == "reverse")).all()
        assert [(e.amount_minor, e.event_id, e.corrects_event_id) for e in reverse] == [(-25_000, "r1", "e1")]
    assert ledger_total(db) == 45_000


def test_two_partial_returns_that_add_up_to_the_whole_order_take_everything_back(db: Database) -> None:
    setup_textile(db)
    post(db, [order("e1", "O-7", moscow(2026, 10, 5, 12), 700_000)], moscow(2026, 10, 5, 12))
    first = give_back(db, "r1", "O-7", moscow(2026, 10, 10), 300_000)
    assert first["taken_back"][0]["points"] == "300.00"
    assert balance(db, moscow(2026, 10, 11))["pending"] == "400.00"
    second = give_back(db, "r2", "O-7", moscow(2026, 10, 12), 400_000)
    assert second["taken_back"][0]["points"] == "400.00"
    assert balance(db, moscow(2026, 10, 13))["pending"] == "0.00"
    assert ledger_total(db) == 0
    with db.unit_of_work() as s:
        row = s.scalar(select(OrderRow).where(OrderRow.order_ref == "O-7"))
        assert row.returned_minor == 700_000 and row.earned == {"monthly-orders": 0}
    before = counts(db)
    with pytest.raises(InvalidInput) as refused:
        give_back(db, "r3", "O-7", moscow(2026, 10, 14), 1)
    assert refused.value.code == "return_exceeds_order"
    assert counts(db) == before


def test_a_return_above_what_is_left_of_the_order_is_refused(db: Database) -> None:
    setup_textile(db)
    post(db, [order("e1", "O-7", moscow(2026, 10, 5, 12), 700_000)], moscow(2026, 10, 5, 12))
    give_back(db, "r1", "O-7", moscow(2026, 10, 10), 250_000)
    before = counts(db)
    with pytest.raises(InvalidInput) as refused:
        give_back(db, "r2", "O-7", moscow(2026, 10, 11), 450_001)
    assert refused.value.code == "return_exceeds_order" and "4500.00" in refused.value.message
    assert counts(db) == before
    assert balance(db, moscow(2026, 10, 12))["pending"] == "450.00"
    with db.unit_of_work() as s:
        assert s.scalar(select(OrderRow.returned_minor).where(OrderRow.order_ref == "O-7")) == 250_000


def test_a_return_of_an_unknown_order_is_not_found(db: Database) -> None:
    setup_textile(db)
    post(db, [order("e1", "O-7", moscow(2026, 10, 5, 12), 700_000)], moscow(2026, 10, 5, 12))
    before = counts(db)
    with pytest.raises(NotFound) as refused:
        give_back(db, "r1", "O-404", moscow(2026, 10, 10), 100_000)
    assert refused.value.code == "order_not_found"
    assert counts(db) == before


def test_a_replayed_return_takes_back_once_and_another_content_conflicts(db: Database) -> None:
    setup_textile(db)
    post(db, [order("e1", "O-7", moscow(2026, 10, 5, 12), 700_000)], moscow(2026, 10, 5, 12))
    give_back(db, "r1", "O-7", moscow(2026, 10, 10), 250_000)
    before = counts(db)
    with db.unit_of_work() as s:
        again = post_return(s, ReturnIn("r1", "O-7", moscow(2026, 10, 10), 250_000), now=moscow(2026, 10, 11))
    assert again.replayed is True and again.result["taken_back"][0]["points"] == "250.00"
    assert counts(db) == before
    with pytest.raises(Conflict) as refused, db.unit_of_work() as s:
        post_return(s, ReturnIn("r1", "O-7", moscow(2026, 10, 10), 260_000), now=moscow(2026, 10, 11))
    assert refused.value.code == "idempotency_conflict"
    assert counts(db) == before
    assert balance(db, moscow(2026, 10, 12))["pending"] == "450.00"


def test_a_return_dated_in_the_future_is_refused(db: Database) -> None:
    """Like an order, a return dated more than five minutes ahead of the clock should be refused."""
    setup_textile(db)
    post(db, [order("e1", "O-7", moscow(2026, 10, 5, 12), 700_000)], moscow(2026, 10, 5, 12))
    before = counts(db)
    now = moscow(2026, 10, 10)
    with pytest.raises(InvalidInput) as refused, db.unit_of_work() as s:
        post_return(s, ReturnIn("r1", "O-7", now + timedelta(days=30), 250_000), now=now)
    assert refused.value.code == "future_event"
    assert counts(db) == before


def test_a_return_after_the_points_were_spent_leaves_a_debt_netted_against_the_next_earning(db: Database) -> None:
    setup_textile(db)
    # October: 10,000 RUB -> 1,000.00 bonus RUB, spendable in November
    post(db, [order("e1", "O-1", moscow(2026, 10, 5, 12), 1_000_000)], moscow(2026, 10, 5, 12))
    with db.unit_of_work() as s:
        assert close_month(s, "2026-10", now=moscow(2026, 11, 1, 1))["left_program"] == 0
    # November: an order of 10,000 paying 1,000.00 with points earns 10% of 9,000 = 900.00 (spendable in December)
    nov = moscow(2026, 11, 10, 12)
    [paid] = post(db, [order("e2", "O-2", nov, 1_000_000, redeem_minor=100_000)], nov)
    assert paid.result["paid_with_points"] == "1000.00" and paid.result["earned"][0]["points"] == "900.00"
    spent = balance(db, nov)
    assert (spent["spendable"], spent["pending"], spent["debt"]) == ("0.00", "900.00", "0.00")

    # the October order comes back whole: 1,000.00 to take back, 900.00 can be (from November's lot), 100.00 is owed
    result = give_back(db, "r1", "O-1", moscow(2026, 11, 20), 1_000_000)
    assert result["taken_back"] == [{"kind": "bonus", "rule": "monthly-orders", "points": "900.00", "debt": "100.00"}]
    after_return = balance(db, moscow(2026, 11, 21))
    assert after_return["debt"] == "100.00" and after_return["pending"] == "0.00"
    with db.unit_of_work() as s:
        assert s.scalar(select(AccountRow.debts).where(AccountRow.code == "SALON-1")) == {"bonus": 10_000}

    # the next order earns 500.00, of which 100.00 pays the debt
    [next_order] = post(db, [order("e3", "O-3", moscow(2026, 11, 25), 500_000)], moscow(2026, 11, 25))
    assert next_order.result["earned"][0]["points"] == "500.00"
    settled = balance(db, moscow(2026, 11, 26))
    assert settled["debt"] == "0.00" and settled["pending"] == "400.00"
    assert settled["lots"][0]["earned"] == "500.00" and settled["lots"][0]["remaining"] == "400.00"
    with db.unit_of_work() as s:
        assert s.scalar(select(AccountRow.debts).where(AccountRow.code == "SALON-1")) == {}
        netting = s.scalars(select(EntryRow).where(EntryRow.event_id == "e3").order_by(EntryRow.id)).all()
        assert [(e.type, e.amount_minor) for e in netting] == [("earn", 50_000), ("reverse", -10_000)]
    assert balance(db, moscow(2026, 12, 1, 0, 0))["spendable"] == "400.00"


def test_a_debt_larger_than_the_next_earning_is_carried_over(db: Database) -> None:
    setup_textile(db)
    post(db, [order("e1", "O-1", moscow(2026, 10, 5, 12), 1_000_000)], moscow(2026, 10, 5, 12))
    nov = moscow(2026, 11, 10, 12)
    post(db, [order("e2", "O-2", nov, 1_000_000, redeem_minor=100_000)], nov)  # spends 1,000.00, earns 900.00
    give_back(db, "r1", "O-2", moscow(2026, 11, 11), 1_000_000)  # November's earning taken back: 900.00
    give_back(db, "r2", "O-1", moscow(2026, 11, 12), 1_000_000)  # October's 1,000.00 was spent: a debt
    assert balance(db, moscow(2026, 11, 13))["debt"] == "1000.00"
    post(db, [order("e3", "O-3", moscow(2026, 11, 14), 300_000)], moscow(2026, 11, 14))  # earns 300.00
    owed = balance(db, moscow(2026, 11, 15))
    assert (owed["debt"], owed["pending"], owed["spendable"]) == ("700.00", "0.00", "0.00")
    post(db, [order("e4", "O-4", moscow(2026, 11, 16), 1_000_000)], moscow(2026, 11, 16))  # earns 1,000.00
    last = balance(db, moscow(2026, 11, 17))
    assert last["debt"] == "0.00" and last["pending"] == "300.00"
    assert ledger_total(db) == 30_000


def test_a_return_of_an_order_whose_points_expired_unspent_takes_nothing_back(db: Database) -> None:
    """October's 1,000.00 expired unspent at the November close; returning the October order in December must
    neither take November's points nor leave a debt: the client never had the benefit of October's points."""
    setup_textile(db)
    post(db, [order("e1", "O-1", moscow(2026, 10, 5, 12), 1_000_000)], moscow(2026, 10, 5, 12))
    post(db, [order("e2", "O-2", moscow(2026, 11, 5, 12), 1_000_000)], moscow(2026, 11, 5, 12))
    with db.unit_of_work() as s:
        close_month(s, "2026-10", now=moscow(2026, 11, 1, 1))
    with db.unit_of_work() as s:
        assert close_month(s, "2026-11", now=moscow(2026, 12, 1, 1))["expired"] == {"bonus": "1000.00"}
    assert balance(db, moscow(2026, 12, 2))["spendable"] == "1000.00"  # November's points
    result = give_back(db, "r1", "O-1", moscow(2026, 12, 5), 1_000_000)
    after = balance(db, moscow(2026, 12, 6))
    assert [
        (t["points"], t["debt"]) for t in result["taken_back"] if t["points"] != "0.00" or t["debt"] != "0.00"
    ] == []
    assert (after["spendable"], after["debt"]) == ("1000.00", "0.00")


# --- one-phase redemption ----------------------------------------------------------------------------------
def _with_1000_spendable_in_november(db: Database) -> datetime:
    setup_textile(db)
    post(db, [order("e1", "O-1", moscow(2026, 10, 5, 12), 1_000_000)], moscow(2026, 10, 5, 12))
    return moscow(2026, 11, 10, 12)


def test_redeeming_above_the_15_percent_cap_is_refused(db: Database) -> None:
    at = _with_1000_spendable_in_november(db)
    before = counts(db)
    with pytest.raises(RuleViolation) as refused:
        post(db, [order("e2", "O-2", at, 600_000, redeem_minor=90_001)], at)
    assert refused.value.code == "redemption_cap_exceeded" and "900.00" in refused.value.message
    assert counts(db) == before
    assert balance(db, at)["spendable"] == "1000.00"


def test_redeeming_above_the_balance_is_refused(db: Database) -> None:
    at = _with_1000_spendable_in_november(db)
    before = counts(db)
    with pytest.raises(InsufficientPoints) as refused:
        post(db, [order("e2", "O-2", at, 1_000_000, redeem_minor=120_000)], at)  # cap 1,500.00, balance 1,000.00
    assert refused.value.code == "insufficient_points" and "1000.00" in refused.value.message
    assert counts(db) == before
    assert balance(db, at)["spendable"] == "1000.00"


def test_redeeming_before_the_points_are_spendable_is_refused(db: Database) -> None:
    _with_1000_spendable_in_november(db)
    at = moscow(2026, 10, 31, 23, 59)
    before = counts(db)
    with pytest.raises(InsufficientPoints):
        post(db, [order("e2", "O-2", at, 600_000, redeem_minor=100)], at)
    assert counts(db) == before


def test_an_order_paying_900_of_6000_with_points_earns_on_5100_only(db: Database) -> None:
    at = _with_1000_spendable_in_november(db)
    [paid] = post(db, [order("e2", "O-2", at, 600_000, redeem_minor=90_000)], at)
    assert paid.result["paid_with_points"] == "900.00"
    assert paid.result["earned"][0]["points"] == "510.00"
    now = balance(db, at)
    assert now["spendable"] == "100.00" and now["pending"] == "510.00"
    with db.unit_of_work() as s:
        row = s.scalar(select(OrderRow).where(OrderRow.order_ref == "O-2"))
        assert row.points_paid_minor == 90_000 and row.earned == {"monthly-orders": 51_000}
        hold = s.scalar(select(HoldRow).where(HoldRow.order_ref == "O-2"))
        assert (hold.status, hold.money_minor, hold.points) == ("captured", 90_000, {"bonus": 90_000})
        spent = s.scalars(select(EntryRow).where(EntryRow.type == "hold")).all()
        assert [(e.amount_minor, e.hold_id) for e in spent] == [(-90_000, hold.id)]
    assert ledger_total(db) == 10_000 + 51_000


def test_redeem_max_pays_the_cap_and_nothing_when_nothing_is_spendable(db: Database) -> None:
    at = _with_1000_spendable_in_november(db)
    [early] = post(db, [order("e2", "O-2", moscow(2026, 10, 20), 600_000, redeem_max=True)], moscow(2026, 10, 20))
    assert early.result["paid_with_points"] == "0.00" and early.result["earned"][0]["points"] == "600.00"
    [paid] = post(db, [order("e3", "O-3", at, 400_000, redeem_max=True)], at)  # 15% of 4,000 = 600.00
    assert paid.result["paid_with_points"] == "600.00" and paid.result["earned"][0]["points"] == "340.00"
    assert balance(db, at)["spendable"] == "1000.00"  # October's 1,000.00 + 600.00, less the 600.00 paid
