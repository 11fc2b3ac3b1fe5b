"""Seed 002 (examples/wholesale_tiers.yaml), B2B terms: an invoice overdue past its 5 grace days stops paying
with points (and, when the program says so, earning) until it is paid; the quarter's turnover bracket
(1% from 1,500,000 RUB, 2% from 3,000,000) pays retroactively at the quarter's close, and a later return
settles it."""

from __future__ import annotations

from datetime import date

import pytest

from loyalka.errors import InsufficientPoints
from loyalka.services.redemption import hold_points
from loyalka.storage.database import Database
from tests.conftest import EXAMPLES, moscow
from tests.support import add_account, balances, give_back, ledger_sum, load_example, load_text, order, post
from tests.support_b2b import act, card_invoices, close, earned, pay, points, quote

JOINED = moscow(2026, 10, 1, 9)
WHOLESALE = (EXAMPLES / "wholesale_tiers.yaml").read_text(encoding="utf-8")


def wholesale(db: Database, *codes: str, block_earning: bool = False) -> None:
    if block_earning:
        text = WHOLESALE.replace("block_earning: false", "block_earning: true")
        assert text != WHOLESALE
        load_text(db, text, JOINED)
    else:
        load_example(db, "wholesale_tiers.yaml", JOINED)
    for code in codes or ("OPT-1",):
        add_account(db, code, JOINED, region="Москва")


def in_arrears(db: Database) -> None:
    """1,200 points spendable from 15 October; invoice INV-2 of 50,000 due 10 October, unpaid."""
    post(db, order("e1", "OPT-1", "O-1", moscow(2026, 10, 1, 10), rub=120_000))
    post(
        db, order("e2", "OPT-1", "O-2", moscow(2026, 10, 3), rub=50_000, invoice_ref="INV-2", due_on=date(2026, 10, 10))
    )


# --- overdue invoices (item 15) -------------------------------------------------------------------------------
def test_an_invoice_within_its_5_grace_days_blocks_nothing(db: Database) -> None:
    wholesale(db)
    in_arrears(db)
    assert quote(db, "OPT-1", 100_000, moscow(2026, 10, 15, 23)).max_money_minor == 1200_00


def test_an_invoice_6_days_overdue_blocks_spending_and_the_quote_says_why(db: Database) -> None:
    wholesale(db)
    in_arrears(db)
    blocked = quote(db, "OPT-1", 100_000, moscow(2026, 10, 16, 0, 5))
    assert blocked.max_money_minor == 0
    assert blocked.reason == (
        "invoice INV-2 is overdue since 2026-10-16 (due 2026-10-10, 5 grace day(s)); 50000.00 is left to pay: "
        "points cannot pay for orders until it is paid"
    )
    assert card_invoices(db, "OPT-1", moscow(2026, 10, 16, 1))["spending_blocked"] == blocked.reason


def test_an_order_of_an_account_in_arrears_cannot_pay_with_points_but_still_earns(db: Database) -> None:
    wholesale(db)
    in_arrears(db)
    with pytest.raises(InsufficientPoints, match="nothing can be paid with points now: invoice INV-2 is overdue"):
        post(db, order("e3", "OPT-1", "O-3", moscow(2026, 10, 17), rub=20_000, redeem_minor=1000_00))
    [placed] = post(db, order("e4", "OPT-1", "O-4", moscow(2026, 10, 17), rub=20_000, redeem_max=True))
    assert (placed.result["paid_with_points"], earned(placed.result)) == ("0.00", {"orders": "200"})


def test_paying_the_overdue_invoice_lifts_the_block(db: Database) -> None:
    wholesale(db)
    in_arrears(db)
    pay(db, "p1", "INV-2", 50_000, moscow(2026, 10, 17, 10))
    # 1,200 of the first order and 500 of the second (of 3 October) are spendable
    assert quote(db, "OPT-1", 100_000, moscow(2026, 10, 17, 11)).max_money_minor == 1700_00
    assert card_invoices(db, "OPT-1", moscow(2026, 10, 17, 11))["spending_blocked"] is None


def test_a_partial_payment_does_not_lift_the_block(db: Database) -> None:
    wholesale(db)
    in_arrears(db)
    pay(db, "p1", "INV-2", 49_999, moscow(2026, 10, 17, 10))
    assert "1.00 is left to pay" in (quote(db, "OPT-1", 100_000, moscow(2026, 10, 17, 11)).reason or "")


def test_with_block_earning_an_order_earns_nothing_until_the_invoice_is_paid(db: Database) -> None:
    wholesale(db, block_earning=True)
    in_arrears(db)
    [blocked] = post(db, order("e3", "OPT-1", "O-3", moscow(2026, 10, 17), rub=100_000))
    assert blocked.result["earned"] == []
    assert blocked.result["notes"][-1].startswith("invoice INV-2 is overdue since 2026-10-16")
    pay(db, "p1", "INV-2", 50_000, moscow(2026, 10, 18, 10))
    [after] = post(db, order("e4", "OPT-1", "O-4", moscow(2026, 10, 18, 11), rub=100_000))
    assert earned(after.result) == {"orders": "1000"}
    # a return of the order that earned nothing takes nothing back
    assert give_back(db, "r1", "O-3", moscow(2026, 10, 19), 100_000)["taken_back"] == []


def test_with_block_earning_activities_and_payment_rules_earn_nothing_either(db: Database) -> None:
    wholesale(db, block_earning=True)
    in_arrears(db)
    post(
        db,
        order("e3", "OPT-1", "O-3", moscow(2026, 10, 12), rub=10_000, invoice_ref="INV-3", due_on=date(2026, 10, 30)),
    )
    review = act(db, "a1", "OPT-1", "review", moscow(2026, 10, 17))
    assert review["earned"] == [] and review["notes"][0].startswith("invoice INV-2 is overdue since 2026-10-16")
    on_time = pay(db, "p1", "INV-3", 10_000, moscow(2026, 10, 18))  # on time, but INV-2 is still overdue
    assert (on_time["days_early"], on_time["earned"]) == (12, [])
    pay(db, "p2", "INV-2", 50_000, moscow(2026, 10, 19))
    assert earned(act(db, "a2", "OPT-1", "webinar", moscow(2026, 10, 20))) == {"events": "300"}


def test_a_hold_placed_before_the_invoice_became_overdue_may_still_be_captured(db: Database) -> None:
    wholesale(db)
    in_arrears(db)
    with db.unit_of_work() as s:
        hold_points(
            s,
            key="h1",
            request_hash="h1",
            account_code="OPT-1",
            order_ref="O-5",
            order_total_minor=10_000_00,
            money_minor=1_000_00,
            contact_code=None,
            at=moscow(2026, 10, 15, 23, 55),
        )
    [placed] = post(db, order("e5", "OPT-1", "O-5", moscow(2026, 10, 16, 0, 5), rub=10_000, hold_key="h1"))
    assert placed.result["paid_with_points"] == "1000.00"


# --- the retroactive volume bonus (item 15) -------------------------------------------------------------------
QUARTER_END = moscow(2027, 1, 1, 1)


def quarter(db: Database, code: str, *rubs: int) -> None:
    months = [moscow(2026, 10, 10), moscow(2026, 11, 10), moscow(2026, 12, 10)]
    for i, rub in enumerate(rubs):
        post(db, order(f"{code}-e{i}", code, f"{code}-O{i}", months[i], rub=rub))


def test_a_quarter_of_1600000_earns_1_percent_16000_at_the_close_of_its_last_month(db: Database) -> None:
    wholesale(db, "OPT-1", "OPT-2", "OPT-3")
    quarter(db, "OPT-1", 800_000, 800_000)
    quarter(db, "OPT-2", 1_000_000, 1_000_000, 1_000_000)
    quarter(db, "OPT-3", 1_000_000, 400_000)
    october, november, december = close(db, "2026-10", "2026-11", "2026-12", now=QUARTER_END)
    assert october["volume_bonuses"] == {} and november["volume_bonuses"] == {}
    assert december["volume_bonuses"] == {"quarter-growth": {"period": "2026-Q4", "accounts": 2, "points": "76000"}}
    # OPT-1: its orders earned 8,000 at silver and 12,000 at gold (the second order took it over 1,000,000 of
    # turnover: gold at once, x1.5); the bonus, 1% of 1,600,000 = 16,000, is spendable 14 days after the quarter
    assert points(db, "OPT-1", moscow(2027, 1, 14, 23)) == ("20000", "16000")
    assert points(db, "OPT-1", moscow(2027, 1, 15, 0)) == ("36000", "0")
    # OPT-2 (gold from its first order of 1,000,000: 3 x 15,000) reached 3,000,000: 2% of all of it = 60,000;
    # OPT-3 (gold too: 15,000 + 6,000) reached no bracket with 1,400,000
    assert points(db, "OPT-2", moscow(2027, 1, 15)) == ("105000", "0")
    assert points(db, "OPT-3", moscow(2027, 1, 15)) == ("21000", "0")


def test_closing_the_quarter_again_credits_nothing_twice(db: Database) -> None:
    wholesale(db)
    quarter(db, "OPT-1", 1_600_000)
    close(db, "2026-10", "2026-11", "2026-12", now=QUARTER_END)
    [again] = close(db, "2026-12", now=QUARTER_END)
    assert again["already_closed"] is True
    assert ledger_sum(db, "OPT-1") == 24_000 + 16_000  # the order at gold (16,000 x 1.5) and the bonus


def test_a_return_after_the_close_that_drops_the_quarter_under_1500000_takes_the_bonus_back(db: Database) -> None:
    wholesale(db)
    quarter(db, "OPT-1", 800_000, 800_000)
    close(db, "2026-10", "2026-11", "2026-12", now=QUARTER_END)
    returned = give_back(db, "r1", "OPT-1-O1", moscow(2027, 1, 10), 200_000)
    # the returned order was earned at gold: 8,000 x 1.5 becomes 6,000 x 1.5, 3,000 back; 1,400,000 reaches no
    # bracket: the 16,000 of bonus come back
    assert returned["taken_back"] == [
        {"kind": "points", "rule": "orders", "points": "3000", "debt": "0"},
        {"kind": "points", "rule": "quarter-growth", "points": "16000", "debt": "0"},
    ]
    assert points(db, "OPT-1", moscow(2027, 1, 20)) == ("17000", "0")


def test_a_return_after_the_close_that_drops_the_quarter_to_a_lower_bracket_takes_back_the_difference(
    db: Database,
) -> None:
    wholesale(db)
    quarter(db, "OPT-1", 1_000_000, 1_000_000, 1_000_000)
    close(db, "2026-10", "2026-11", "2026-12", now=QUARTER_END)
    returned = give_back(db, "r1", "OPT-1-O2", moscow(2027, 1, 20), 100_000)
    # 2% of 3,000,000 = 60,000 was credited; 1% of 2,900,000 = 29,000 is due: 31,000 comes back
    assert {"kind": "points", "rule": "quarter-growth", "points": "31000", "debt": "0"} in returned["taken_back"]
    assert {"kind": "points", "rule": "orders", "points": "1500", "debt": "0"} in returned["taken_back"]
    # the orders, all at gold: 3 x 15,000 less 1,500; and the bonus's 29,000
    assert points(db, "OPT-1", moscow(2027, 1, 20)) == ("72500", "0")


def test_a_return_of_a_bonus_already_spent_leaves_a_debt(db: Database) -> None:
    wholesale(db)
    quarter(db, "OPT-1", 1_600_000)
    close(db, "2026-10", "2026-11", "2026-12", now=QUARTER_END)
    post(db, order("e-spend", "OPT-1", "O-spend", moscow(2027, 1, 16), rub=160_000, redeem_minor=32_000_00))
    returned = give_back(db, "r1", "OPT-1-O0", moscow(2027, 1, 17), 200_000)
    # 40,000 were there (the order's 24,000 at gold and the bonus's 16,000); 32,000 were spent, the order's lot
    # first (it expires first), then 8,000 of the bonus. The return: the order now earns 21,000, 3,000 less,
    # all of it spent; the bonus is withdrawn whole: its 8,000 left unspent are cut, the 8,000 spent are owed.
    # What was spent is recovered from the 1,920 the new order earned (128,000 at gold) only after both have
    # cut their own lots, so the order's 3,000 are never taken from the bonus being withdrawn: 9,080 of debt.
    assert returned["taken_back"] == [
        {"kind": "points", "rule": "orders", "points": "1920", "debt": "1080"},
        {"kind": "points", "rule": "quarter-growth", "points": "8000", "debt": "8000"},
    ]
    assert balances(db, "OPT-1", moscow(2027, 1, 17))["points"]["debt"] == "9080"
    assert ledger_sum(db, "OPT-1") == 0


def test_an_order_of_the_quarter_posted_after_its_close_counts_for_the_bonus(db: Database) -> None:
    """1,400,000 in the quarter reach no bracket at the close (1 January, 01:00). An order of 31 December,
    200,000 RUB, arrives from the ERP at 02:00: the quarter now has 1,600,000, 1% of it = 16,000 (besides the
    order's own 2,000 x 1.5 at gold); sent again, it changes nothing."""
    wholesale(db)
    quarter(db, "OPT-1", 800_000, 600_000)
    [december] = close(db, "2026-10", "2026-11", "2026-12", now=QUARTER_END)[2:]
    assert december["volume_bonuses"]["quarter-growth"]["accounts"] == 0
    before = ledger_sum(db, "OPT-1")
    late = order("late", "OPT-1", "O-late", moscow(2026, 12, 31, 23), rub=200_000)
    post(db, late, now=moscow(2027, 1, 1, 2))
    assert ledger_sum(db, "OPT-1") - before == 3_000 + 16_000
    post(db, late, now=moscow(2027, 1, 1, 3))
    assert ledger_sum(db, "OPT-1") - before == 3_000 + 16_000
    returned = give_back(db, "r1", "O-late", moscow(2027, 1, 5), 200_000)
    assert {"kind": "points", "rule": "quarter-growth", "points": "16000", "debt": "0"} in returned["taken_back"]
