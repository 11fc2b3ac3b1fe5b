"""Seed 000, the textile distributor's monthly program, walked with the seed's numbers and dates."""

from __future__ import annotations

import pytest

from loyalka.domain.accounts import AccountIn
from loyalka.domain.events import OrderIn, ReturnIn
from loyalka.errors import InsufficientPoints, RuleViolation
from loyalka.jobs.period_close import close_month
from loyalka.services.accounts import create_account, describe_account
from loyalka.services.events import post_orders
from loyalka.services.programs import load_program
from loyalka.services.redemption import hold_points, quote_order
from loyalka.services.returns import post_return
from loyalka.storage.database import Database
from tests.conftest import EXAMPLES, moscow

JOINED = moscow(2026, 10, 1, 9, 0)


def setup_textile(db: Database) -> None:
    with db.unit_of_work() as s:
        load_program(s, (EXAMPLES / "textile.yaml").read_text(encoding="utf-8"), now=JOINED)
        create_account(s, AccountIn(code="SALON-1", name="Салон «Уют»", inn="7707083893", region="Москва"), now=JOINED)


def order(event: str, ref: str, at, rub: int, **extra) -> OrderIn:
    return OrderIn(event_id=event, account="SALON-1", order_ref=ref, occurred_at=at, total_minor=rub * 100, **extra)


def balance(db: Database, at) -> dict:
    with db.unit_of_work() as s:
        return describe_account(s, "SALON-1", now=at)["balances"][0]


def test_october_orders_of_5000_and_7000_earn_1200_spendable_only_in_november(db: Database) -> None:
    setup_textile(db)
    with db.unit_of_work() as s:
        post_orders(
            s,
            [order("e1", "O-1", moscow(2026, 10, 5, 12), 5000), order("e2", "O-2", moscow(2026, 10, 20, 15), 7000)],
            now=moscow(2026, 10, 20, 15),
        )
    late_october = balance(db, moscow(2026, 10, 31, 23, 59, 59))
    assert late_october["pending"] == "1200.00" and late_october["spendable"] == "0.00"
    with db.unit_of_work() as s:
        quote = quote_order(
            s, account_code="SALON-1", order_total_minor=600000, contact_code=None, at=moscow(2026, 10, 31, 23, 59, 59)
        )
        assert quote.max_money_minor == 0
    assert balance(db, moscow(2026, 11, 1, 0, 0))["spendable"] == "1200.00"
    assert balance(db, moscow(2026, 11, 30, 23, 59, 59))["spendable"] == "1200.00"
    assert balance(db, moscow(2026, 12, 1, 0, 0))["spendable"] == "0.00"


def test_a_6000_order_in_november_may_take_at_most_900_of_bonuses(db: Database) -> None:
    setup_textile(db)
    with db.unit_of_work() as s:
        post_orders(
            s,
            [order("e1", "O-1", moscow(2026, 10, 5, 12), 5000), order("e2", "O-2", moscow(2026, 10, 20, 15), 7000)],
            now=moscow(2026, 10, 20, 15),
        )
    at = moscow(2026, 11, 10, 11)
    with db.unit_of_work() as s:
        assert (
            quote_order(s, account_code="SALON-1", order_total_minor=600000, contact_code=None, at=at).max_money_minor
            == 90000
        )
    with pytest.raises(RuleViolation) as refused, db.unit_of_work() as s:
        hold_points(
            s,
            key="h-too-much",
            request_hash="x",
            account_code="SALON-1",
            order_ref="O-3",
            order_total_minor=600000,
            money_minor=90001,
            contact_code=None,
            at=at,
        )
    assert refused.value.code == "redemption_cap_exceeded" and "900.00" in refused.value.message
    with db.unit_of_work() as s:
        hold, _ = hold_points(
            s,
            key="h-ok",
            request_hash="y",
            account_code="SALON-1",
            order_ref="O-3",
            order_total_minor=600000,
            money_minor=None,
            contact_code=None,
            at=at,
        )
        assert hold.money_minor == 90000
    with db.unit_of_work() as s:
        post_orders(s, [order("e3", "O-3", at, 6000, hold_key="h-ok")], now=at)
    assert balance(db, at)["spendable"] == "300.00"


def test_a_return_of_the_7000_order_in_october_before_the_close_leaves_500(db: Database) -> None:
    setup_textile(db)
    with db.unit_of_work() as s:
        post_orders(
            s,
            [order("e1", "O-1", moscow(2026, 10, 5, 12), 5000), order("e2", "O-2", moscow(2026, 10, 20, 15), 7000)],
            now=moscow(2026, 10, 20, 15),
        )
    with db.unit_of_work() as s:
        result = post_return(s, ReturnIn("r1", "O-2", moscow(2026, 10, 25, 10), 700000), now=moscow(2026, 10, 25, 10))
    assert result.result["taken_back"][0]["points"] == "700.00"
    assert balance(db, moscow(2026, 10, 26))["pending"] == "500.00"
    with db.unit_of_work() as s:
        october = close_month(s, "2026-10", now=moscow(2026, 11, 1, 1))
    # what is left of October is 5,000 RUB, under the 9,000 threshold: the close takes the client out
    assert (
        october["activated"] == {"bonus": "500.00"}
        and october["left_program"] == 1
        and october["forfeited"] == {"bonus": "500.00"}
    )


def test_a_november_total_of_8000_makes_the_client_leave_at_the_november_close(db: Database) -> None:
    setup_textile(db)
    with db.unit_of_work() as s:
        post_orders(
            s,
            [order("e1", "O-1", moscow(2026, 10, 5, 12), 5000), order("e2", "O-2", moscow(2026, 10, 20, 15), 7000)],
            now=moscow(2026, 10, 20, 15),
        )
    with db.unit_of_work() as s:
        october = close_month(s, "2026-10", now=moscow(2026, 11, 1, 1))
    assert october["left_program"] == 0
    with db.unit_of_work() as s:
        post_orders(s, [order("e3", "O-3", moscow(2026, 11, 12, 12), 8000)], now=moscow(2026, 11, 12, 12))
    with db.unit_of_work() as s:
        november = close_month(s, "2026-11", now=moscow(2026, 12, 1, 0, 30))
    assert november["left_program"] == 1
    with db.unit_of_work() as s:
        account = describe_account(s, "SALON-1", now=moscow(2026, 12, 1, 1))
    assert account["status"] == "left"
    assert account["balances"][0]["spendable"] == "0.00" and account["balances"][0]["pending"] == "0.00"
    with db.unit_of_work() as s:
        again = close_month(s, "2026-11", now=moscow(2026, 12, 2))
    assert again["already_closed"] is True and again["left_program"] == 1
    with pytest.raises(InsufficientPoints), db.unit_of_work() as s:
        hold_points(
            s,
            key="h-after-leaving",
            request_hash="z",
            account_code="SALON-1",
            order_ref="O-9",
            order_total_minor=600000,
            money_minor=100,
            contact_code=None,
            at=moscow(2026, 12, 3),
        )
