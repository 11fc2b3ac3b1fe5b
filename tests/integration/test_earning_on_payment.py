"""Earning on payment (item 15): the points of an ``on_payment`` rule wait until the order's invoice is paid
and are released pro rata; returns and corrected documents keep what was released consistent with what
was paid for what the client kept (a return is a credit note against the invoice)."""

from __future__ import annotations

from datetime import date

from loyalka.storage.database import Database
from tests.conftest import moscow
from tests.support import add_account, give_back, ledger_sum, load_text, order, post
from tests.support_b2b import card_invoices, close, earned, invoice, pay, points, state_invoice

JOINED = moscow(2026, 10, 1, 9)
PAY_FIRST = """
program:
  code: pay-first
  name: {ru: "Баллы после оплаты", en: "Points once paid"}
point_kinds:
  points:
    name: {ru: "Баллы", en: "Points"}
    decimals: 0
    value_per_point: "1.00"
    activation: {after: days, days: 14}
earning:
  - id: paid-orders
    kind: points
    on_payment: true
    amount:
      step: {every: "100.00", points: "1"}
"""
DUE = date(2026, 10, 31)


def pay_first(db: Database, *refs: tuple[str, int]) -> None:
    """The program, one account, and orders of (ref, rubles) on invoice INV-1 placed on 1 October."""
    load_text(db, PAY_FIRST, JOINED)
    add_account(db, "OPT-1", JOINED)
    for i, (ref, rub) in enumerate(refs):
        post(db, order(f"e{i}", "OPT-1", ref, moscow(2026, 10, 1, 10), rub=rub, invoice_ref="INV-1", due_on=DUE))


def test_points_of_an_unpaid_order_wait_for_the_payment(db: Database) -> None:
    load_text(db, PAY_FIRST, JOINED)
    add_account(db, "OPT-1", JOINED)
    [placed] = post(
        db, order("e1", "OPT-1", "O-1", moscow(2026, 10, 1, 10), rub=100_000, invoice_ref="INV-1", due_on=DUE)
    )
    [waiting] = placed.result["earned"]
    assert (waiting["points"], waiting["awaiting_payment"], waiting["available_from"]) == ("1000", True, None)
    assert points(db, "OPT-1", moscow(2026, 12, 1)) == ("0", "0")
    assert card_invoices(db, "OPT-1", moscow(2026, 10, 2))["awaiting_payment"] == {"points": "1000"}


def test_half_paid_releases_half_and_the_final_payment_the_rest(db: Database) -> None:
    pay_first(db, ("O-1", 100_000))
    half = pay(db, "p1", "INV-1", 50_000, moscow(2026, 10, 10, 12))
    assert half["released"] == [{"kind": "points", "rule": "paid-orders", "points": "500", "debt": "0"}]
    # released points activate 14 days after the payment, not after the order
    assert points(db, "OPT-1", moscow(2026, 10, 24, 11)) == ("0", "500")
    assert points(db, "OPT-1", moscow(2026, 10, 24, 12)) == ("500", "0")
    assert card_invoices(db, "OPT-1", moscow(2026, 10, 24, 12))["awaiting_payment"] == {"points": "500"}
    rest = pay(db, "p2", "INV-1", 50_000, moscow(2026, 10, 20, 12))
    assert rest["released"] == [{"kind": "points", "rule": "paid-orders", "points": "500", "debt": "0"}]
    assert points(db, "OPT-1", moscow(2026, 11, 3, 12)) == ("1000", "0")
    assert card_invoices(db, "OPT-1", moscow(2026, 11, 3, 12))["awaiting_payment"] == {}


def test_a_share_releases_its_points_rounded_down(db: Database) -> None:
    pay_first(db, ("O-1", 100_000))
    assert pay(db, "p1", "INV-1", 333, moscow(2026, 10, 10))["released"] == [
        {"kind": "points", "rule": "paid-orders", "points": "3", "debt": "0"}  # 1000 x 333/100000 = 3.33
    ]
    second = pay(db, "p2", "INV-1", 333, moscow(2026, 10, 11))
    assert second["released"][0]["points"] == "3"  # 6.66 in all: 6 credited
    assert ledger_sum(db, "OPT-1") == 6


def test_an_invoice_of_two_orders_releases_each_order_in_proportion(db: Database) -> None:
    pay_first(db, ("O-1", 100_000), ("O-2", 300_000))
    paid = pay(db, "p1", "INV-1", 100_000, moscow(2026, 10, 10))  # a quarter of 400,000
    assert sorted(c["points"] for c in paid["released"]) == ["250", "750"]


def test_a_return_after_a_partial_payment_takes_back_what_was_released_beyond_the_kept_goods(db: Database) -> None:
    pay_first(db, ("O-1", 100_000))
    pay(db, "p1", "INV-1", 60_000, moscow(2026, 10, 10))  # 600 released
    returned = give_back(db, "r1", "O-1", moscow(2026, 10, 12), 50_000)
    # the client keeps 50,000 of goods and has paid 60,000 for them: all their 500 points are earned, 100 go back
    assert returned["taken_back"] == [{"kind": "points", "rule": "paid-orders", "points": "100", "debt": "0"}]
    assert (invoice(db, "INV-1", moscow(2026, 10, 12))["status"], ledger_sum(db, "OPT-1")) == ("paid", 500)


def test_a_return_before_any_payment_shrinks_what_waits_and_what_is_owed(db: Database) -> None:
    pay_first(db, ("O-1", 100_000))
    assert give_back(db, "r1", "O-1", moscow(2026, 10, 5), 40_000)["taken_back"] == []
    assert card_invoices(db, "OPT-1", moscow(2026, 10, 5))["awaiting_payment"] == {"points": "600"}
    assert invoice(db, "INV-1", moscow(2026, 10, 5))["left_to_pay"] == "60000.00"
    paid = pay(db, "p1", "INV-1", 60_000, moscow(2026, 10, 10))
    assert (paid["released"][0]["points"], paid["invoice_status"]) == ("600", "paid")


def test_a_return_of_one_order_of_an_invoice_releases_the_other_orders_paid_for_by_the_credit_note(
    db: Database,
) -> None:
    pay_first(db, ("O-1", 100_000), ("O-2", 100_000))
    pay(db, "p1", "INV-1", 100_000, moscow(2026, 10, 10))  # half of 200,000: 500 + 500
    returned = give_back(db, "r1", "O-2", moscow(2026, 10, 12), 100_000)
    # O-2 comes back whole: the 100,000 paid covers O-1 entirely, which now earns its 1000
    assert returned["taken_back"] == [{"kind": "points", "rule": "paid-orders", "points": "500", "debt": "0"}]
    assert returned["added"] == [{"kind": "points", "rule": "paid-orders", "points": "500", "debt": "0"}]
    assert ledger_sum(db, "OPT-1") == 1000


def test_a_corrected_document_raising_the_order_lowers_the_paid_share(db: Database) -> None:
    pay_first(db, ("O-1", 100_000))
    pay(db, "p1", "INV-1", 100_000, moscow(2026, 10, 10))  # all 1000 released
    [fixed] = post(
        db,
        order("e9", "OPT-1", "O-1", moscow(2026, 10, 1, 10), rub=200_000, invoice_ref="INV-1", due_on=DUE, version=2),
        now=moscow(2026, 10, 15),
    )
    # the target is 2000 now, half paid: the order keeps 1000, nothing moves until the rest is paid
    assert fixed.result["changes"] == []
    assert invoice(db, "INV-1", moscow(2026, 10, 15))["left_to_pay"] == "100000.00"
    assert pay(db, "p2", "INV-1", 100_000, moscow(2026, 10, 20))["released"][0]["points"] == "1000"
    assert ledger_sum(db, "OPT-1") == 2000


def test_an_invoice_paid_before_its_order_arrives_releases_the_order_at_once(db: Database) -> None:
    load_text(db, PAY_FIRST, JOINED)
    add_account(db, "OPT-1", JOINED)
    state_invoice(db, "INV-9", "OPT-1", moscow(2026, 10, 1), rub=100_000, due_on=DUE)
    pay(db, "p1", "INV-9", 100_000, moscow(2026, 10, 2))  # a prepayment
    [placed] = post(db, order("e1", "OPT-1", "O-1", moscow(2026, 10, 3, 10), rub=100_000, invoice_ref="INV-9"))
    assert "invoice INV-9 has payments already" in placed.result["notes"][0]
    assert points(db, "OPT-1", moscow(2026, 10, 17, 10)) == ("1000", "0")  # 14 days after the order
    assert invoice(db, "INV-9", moscow(2026, 10, 3))["orders"] == ["O-1"]


def test_an_order_without_an_invoice_keeps_its_points_waiting(db: Database) -> None:
    load_text(db, PAY_FIRST, JOINED)
    add_account(db, "OPT-1", JOINED)
    [placed] = post(db, order("e1", "OPT-1", "O-1", moscow(2026, 10, 1, 10), rub=100_000))
    assert earned(placed.result) == {"paid-orders": "1000"}
    [fixed] = post(
        db,
        order("e2", "OPT-1", "O-1", moscow(2026, 10, 1, 10), rub=100_000, version=2, invoice_ref="INV-1", due_on=DUE),
        now=moscow(2026, 10, 2),
    )
    assert fixed.result["changes"] == []
    assert pay(db, "p1", "INV-1", 100_000, moscow(2026, 10, 5))["released"][0]["points"] == "1000"


def test_a_return_after_the_client_left_takes_back_the_released_points_of_the_returned_goods(db: Database) -> None:
    """A client that leaves keeps its points until they expire (``keep_until_expiry``) — but not the points of
    goods it gives back: 1,000 released for 100,000 paid; after it left, half of the goods come back, so the
    order earns 500 and 500 go back, as they would for a rule that does not wait for payment."""
    program = PAY_FIRST + (
        'membership:\n  stay_threshold: {period: month, min_purchases: "50000.00"}\n  on_exit: keep_until_expiry\n'
    )
    load_text(db, program, JOINED)
    add_account(db, "OPT-1", JOINED)
    post(db, order("e1", "OPT-1", "O-1", moscow(2026, 10, 1, 10), rub=100_000, invoice_ref="INV-1", due_on=DUE))
    pay(db, "p1", "INV-1", 100_000, moscow(2026, 10, 10, 12))
    [_, november] = close(db, "2026-10", "2026-11", now=moscow(2026, 12, 1, 1))
    assert november["left_program"] == 1
    assert points(db, "OPT-1", moscow(2026, 12, 2)) == ("1000", "0")

    returned = give_back(db, "r1", "O-1", moscow(2026, 12, 2, 10), 50_000)
    assert returned["taken_back"] == [{"kind": "points", "rule": "paid-orders", "points": "500", "debt": "0"}]
    assert points(db, "OPT-1", moscow(2026, 12, 2, 11)) == ("500", "0")
    assert ledger_sum(db, "OPT-1") == 500
