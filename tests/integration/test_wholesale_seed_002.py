"""Seed 002 (examples/wholesale_tiers.yaml), the wholesaler's terms beyond purchases: points for paying an
invoice on time, for an early (pre-)order, for reviews, surveys, webinars and exhibitions; an overdue invoice
stops spending; points wait out a 14-day return window; a quarter's turnover bracket pays retroactively."""

from __future__ import annotations

from datetime import date, timedelta

from loyalka.storage.database import Database
from tests.conftest import moscow
from tests.support import add_account, give_back, ledger_sum, load_example, order, post
from tests.support_b2b import act, earned, invoice, pay, points, quote

JOINED = moscow(2026, 10, 1, 9)


def wholesale(db: Database, *codes: str) -> None:
    load_example(db, "wholesale_tiers.yaml", JOINED)
    for code in codes or ("OPT-1",):
        add_account(db, code, JOINED, region="Москва")


# --- paying on time (item 7) ----------------------------------------------------------------------------------
def test_an_order_of_120000_paid_on_time_earns_1200_for_the_order_and_600_for_the_payment(db: Database) -> None:
    wholesale(db)
    [placed] = post(
        db,
        order(
            "e1", "OPT-1", "O-1", moscow(2026, 10, 1, 10), rub=120_000, invoice_ref="INV-1", due_on=date(2026, 10, 15)
        ),
    )
    assert earned(placed.result) == {"orders": "1200"}
    paid = pay(db, "p1", "INV-1", 120_000, moscow(2026, 10, 14, 12))
    assert earned(paid) == {"paid-on-time": "600"}  # 0.5% of the 120,000 paid
    assert (paid["days_early"], paid["invoice_status"], paid["left_to_pay"]) == (1, "paid", "0.00")
    # each lot waits 14 days from its own event: the order's from 1 October, the payment's from 14 October
    assert points(db, "OPT-1", moscow(2026, 10, 20)) == ("1200", "600")
    assert points(db, "OPT-1", moscow(2026, 10, 28, 12)) == ("1800", "0")
    assert invoice(db, "INV-1", moscow(2026, 10, 28))["status"] == "paid"


def test_paying_on_the_due_date_itself_is_on_time(db: Database) -> None:
    wholesale(db)
    post(
        db,
        order("e1", "OPT-1", "O-1", moscow(2026, 10, 1), rub=120_000, invoice_ref="INV-1", due_on=date(2026, 10, 15)),
    )
    paid = pay(db, "p1", "INV-1", 120_000, moscow(2026, 10, 15, 23, 59))
    assert (paid["days_early"], earned(paid)) == (0, {"paid-on-time": "600"})


def test_an_invoice_paid_3_days_late_earns_no_payment_points_and_says_why(db: Database) -> None:
    wholesale(db)
    post(
        db,
        order("e1", "OPT-1", "O-1", moscow(2026, 10, 1), rub=120_000, invoice_ref="INV-1", due_on=date(2026, 10, 15)),
    )
    paid = pay(db, "p1", "INV-1", 120_000, moscow(2026, 10, 18, 11))
    assert (paid["days_early"], paid["earned"]) == (-3, [])
    assert paid["notes"][0] == "paid 3 day(s) after the due date 2026-10-15"
    assert points(db, "OPT-1", moscow(2026, 11, 20)) == ("1200", "0")


def test_each_part_of_an_invoice_paid_on_time_earns_half_a_percent_of_itself(db: Database) -> None:
    wholesale(db)
    post(
        db,
        order("e1", "OPT-1", "O-1", moscow(2026, 10, 1), rub=120_000, invoice_ref="INV-1", due_on=date(2026, 10, 15)),
    )
    first = pay(db, "p1", "INV-1", 50_000, moscow(2026, 10, 5))
    late = pay(db, "p2", "INV-1", 70_000, moscow(2026, 10, 16))
    assert (earned(first), first["invoice_status"], first["left_to_pay"]) == (
        {"paid-on-time": "250"},
        "partial",
        "70000.00",
    )
    assert (late["earned"], late["invoice_status"]) == ([], "paid")


# --- early orders (item 7) ------------------------------------------------------------------------------------
def test_an_order_for_delivery_30_days_ahead_earns_double(db: Database) -> None:
    wholesale(db)
    at = moscow(2026, 10, 1, 10)
    [early] = post(db, order("e1", "OPT-1", "O-1", at, rub=120_000, delivery_on=date(2026, 10, 31)))
    [late] = post(db, order("e2", "OPT-1", "O-2", at, rub=120_000, delivery_on=date(2026, 10, 30)))
    assert earned(early.result) == {"orders": "1200", "early-order": "1200"}  # 1 + 1 point per full 100 RUB
    assert earned(late.result) == {"orders": "1200"}  # 29 days ahead is not a pre-order


# --- activities (item 7) --------------------------------------------------------------------------------------
def test_a_review_earns_200_once_a_month_and_the_second_in_the_month_nothing(db: Database) -> None:
    wholesale(db)
    assert earned(act(db, "a1", "OPT-1", "review", moscow(2026, 10, 5))) == {"review": "200"}
    second = act(db, "a2", "OPT-1", "review", moscow(2026, 10, 31, 23, 59))
    assert second["earned"] == []
    assert second["notes"] == ["rule 'review' earns at most once a month; that limit is reached"]
    assert earned(act(db, "a3", "OPT-1", "review", moscow(2026, 11, 1, 0, 0))) == {"review": "200"}  # Moscow's November
    assert points(db, "OPT-1", moscow(2026, 11, 16)) == ("400", "0")


def test_a_webinar_and_an_exhibition_earn_300_each_without_limit(db: Database) -> None:
    wholesale(db)
    results = [
        act(db, "a1", "OPT-1", "webinar", moscow(2026, 10, 5)),
        act(db, "a2", "OPT-1", "exhibition", moscow(2026, 10, 6)),
        act(db, "a3", "OPT-1", "webinar", moscow(2026, 10, 7)),
    ]
    assert [earned(r) for r in results] == [{"events": "300"}] * 3
    assert points(db, "OPT-1", moscow(2026, 10, 10)) == ("0", "900")  # they too wait 14 days
    assert points(db, "OPT-1", moscow(2026, 10, 21)) == ("900", "0")


def test_a_survey_or_an_nps_answer_earns_100_once_a_quarter(db: Database) -> None:
    wholesale(db)
    assert earned(act(db, "a1", "OPT-1", "survey", moscow(2026, 10, 5))) == {"survey": "100"}
    assert act(db, "a2", "OPT-1", "nps", moscow(2026, 12, 5))["earned"] == []
    assert earned(act(db, "a3", "OPT-1", "nps", moscow(2027, 1, 5))) == {"survey": "100"}


def test_an_activity_no_rule_rewards_is_recorded_and_earns_nothing(db: Database) -> None:
    wholesale(db)
    done = act(db, "a1", "OPT-1", "training", moscow(2026, 10, 5))
    assert (done["earned"], done["notes"]) == ([], ["no rule of the program rewards this training"])


# --- pending points (item 13) ---------------------------------------------------------------------------------
def test_points_activate_14_days_after_the_order(db: Database) -> None:
    wholesale(db)
    post(db, order("e1", "OPT-1", "O-1", moscow(2026, 10, 1, 10), rub=120_000))
    assert points(db, "OPT-1", moscow(2026, 10, 15, 9, 59)) == ("0", "1200")
    assert quote(db, "OPT-1", 50_000, moscow(2026, 10, 15, 9, 59)).max_money_minor == 0
    assert points(db, "OPT-1", moscow(2026, 10, 15, 10)) == ("1200", "0")
    assert quote(db, "OPT-1", 50_000, moscow(2026, 10, 15, 10)).max_money_minor == 1200_00


def test_a_return_within_the_14_days_takes_the_points_back_before_they_were_ever_spendable(db: Database) -> None:
    wholesale(db)
    post(db, order("e1", "OPT-1", "O-1", moscow(2026, 10, 1, 10), rub=120_000))
    returned = give_back(db, "r1", "O-1", moscow(2026, 10, 10), 120_000)
    assert returned["taken_back"] == [{"kind": "points", "rule": "orders", "points": "1200", "debt": "0"}]
    assert points(db, "OPT-1", moscow(2026, 10, 16)) == ("0", "0")
    assert ledger_sum(db, "OPT-1") == 0


def test_a_partial_return_within_the_14_days_leaves_the_rest_to_activate_on_time(db: Database) -> None:
    wholesale(db)
    post(db, order("e1", "OPT-1", "O-1", moscow(2026, 10, 1, 10), rub=120_000))
    give_back(db, "r1", "O-1", moscow(2026, 10, 10), 20_000)
    assert points(db, "OPT-1", moscow(2026, 10, 12)) == ("0", "1000")
    assert points(db, "OPT-1", moscow(2026, 10, 1, 10) + timedelta(days=14)) == ("1000", "0")
