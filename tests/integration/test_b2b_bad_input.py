"""Invoices, payments and activities refuse bad input clearly and write nothing; repeats change nothing."""

from __future__ import annotations

from datetime import date, datetime

import pytest
from sqlalchemy import func, select

from loyalka.domain.b2b import ActivityIn, InvoiceIn, PaymentIn
from loyalka.errors import Conflict, InvalidInput, NotFound, RuleViolation
from loyalka.storage.database import Database
from loyalka.storage.tables_b2b import ActivityRow, InvoiceRow, PaymentRow
from tests.conftest import moscow
from tests.support import add_account, load_example, order, post
from tests.support_b2b import act, counts, invoice, pay, state_invoice

JOINED = moscow(2026, 10, 1, 9)


@pytest.fixture
def billed(db: Database) -> Database:
    """Seed 002's program; OPT-1 with invoice INV-1 of 120,000 due 15 October; OPT-2 without invoices."""
    load_example(db, "wholesale_tiers.yaml", JOINED)
    add_account(db, "OPT-1", JOINED, contacts=[{"code": "ivanov", "name": "Иванов"}])
    add_account(db, "OPT-2", JOINED)
    post(
        db,
        order("e1", "OPT-1", "O-1", moscow(2026, 10, 1), rub=120_000, invoice_ref="INV-1", due_on=date(2026, 10, 15)),
    )
    return db


def b2b_rows(db: Database) -> tuple[int, ...]:
    with db.unit_of_work() as s:
        return tuple(
            int(s.scalar(select(func.count()).select_from(t)) or 0) for t in (InvoiceRow, PaymentRow, ActivityRow)
        )


def unchanged(db: Database, attempt: object) -> pytest.ExceptionInfo:  # type: ignore[type-arg]
    before = (counts(db), b2b_rows(db))
    with pytest.raises((InvalidInput, NotFound, Conflict, RuleViolation)) as info:
        attempt()  # type: ignore[operator]
    assert (counts(db), b2b_rows(db)) == before
    return info


def test_a_payment_of_an_unknown_invoice_is_refused(billed: Database) -> None:
    info = unchanged(billed, lambda: pay(billed, "p1", "INV-404", 100, moscow(2026, 10, 5)))
    assert (info.value.code, info.value.field, info.value.message) == (
        "invoice_not_found",
        "invoice_id",
        "no invoice 'INV-404'",
    )


def test_a_payment_above_what_is_owed_is_refused_and_says_how_much_is_left(billed: Database) -> None:
    pay(billed, "p1", "INV-1", 100_000, moscow(2026, 10, 5))
    info = unchanged(billed, lambda: pay(billed, "p2", "INV-1", "20000.01", moscow(2026, 10, 6)))
    assert info.value.code == "payment_exceeds_invoice"
    assert "exceeds what is left to pay on invoice INV-1: 20000.00" in info.value.message
    assert pay(billed, "p3", "INV-1", 20_000, moscow(2026, 10, 6))["invoice_status"] == "paid"
    info = unchanged(billed, lambda: pay(billed, "p4", "INV-1", 1, moscow(2026, 10, 7)))
    assert "left to pay on invoice INV-1: 0.00" in info.value.message


def test_a_payment_repeated_changes_nothing_and_the_same_id_with_another_amount_is_a_conflict(
    billed: Database,
) -> None:
    first = pay(billed, "p1", "INV-1", 120_000, moscow(2026, 10, 5))
    before = counts(billed)
    assert pay(billed, "p1", "INV-1", 120_000, moscow(2026, 10, 5)) == first
    assert counts(billed) == before
    info = unchanged(billed, lambda: pay(billed, "p1", "INV-1", 100_000, moscow(2026, 10, 5)))
    assert info.value.code == "idempotency_conflict"


@pytest.mark.parametrize(
    ("build", "code", "field"),
    [
        (lambda: PaymentIn("p1", "INV-1", -100, moscow(2026, 10, 5)), "negative_amount", "amount"),
        (lambda: PaymentIn("p1", "INV-1", 0, moscow(2026, 10, 5)), "invalid_amount", "amount"),
        (lambda: PaymentIn("p1", "INV-1", 100, datetime(2026, 10, 5, 12)), "naive_datetime", "paid_at"),
        (lambda: PaymentIn("p 1", "INV-1", 100, moscow(2026, 10, 5)), "invalid_code", "event_id"),
        (lambda: ActivityIn("a1", "OPT-1", "party", moscow(2026, 10, 5)), "unknown_activity", "type"),
        (lambda: ActivityIn("a1", "OPT-1", "review", datetime(2026, 10, 5)), "naive_datetime", "occurred_at"),
        (lambda: InvoiceIn("INV-2", "OPT-1", amount_minor=-1), "negative_amount", "amount"),
        (
            lambda: InvoiceIn("INV-2", "OPT-1", due_on=date(2026, 10, 1), issued_on=date(2026, 10, 5)),
            "invalid_due_date",
            "due_on",
        ),
    ],
)
def test_malformed_input_is_refused_with_its_field(build: object, code: str, field: str) -> None:
    with pytest.raises(InvalidInput) as info:
        build()  # type: ignore[operator]
    assert (info.value.code, info.value.field) == (code, field)


def test_the_unknown_activity_type_message_lists_the_known_ones() -> None:
    with pytest.raises(InvalidInput, match="use one of review, survey, webinar, exhibition, training, nps"):
        ActivityIn("a1", "OPT-1", "party", moscow(2026, 10, 5))


def test_a_payment_dated_in_the_future_is_refused(billed: Database) -> None:
    info = unchanged(billed, lambda: pay(billed, "p1", "INV-1", 100, moscow(2026, 10, 9), now=moscow(2026, 10, 5)))
    assert info.value.code == "future_event"


def test_an_activity_of_an_unknown_account_or_contact_is_refused(billed: Database) -> None:
    assert unchanged(billed, lambda: act(billed, "a1", "NOBODY", "review", moscow(2026, 10, 5))).value.code == (
        "account_not_found"
    )
    info = unchanged(billed, lambda: act(billed, "a1", "OPT-1", "review", moscow(2026, 10, 5), contact="petrov"))
    assert info.value.code == "contact_not_found"
    assert act(billed, "a1", "OPT-1", "review", moscow(2026, 10, 5), contact="ivanov")["contact"] == "ivanov"


def test_an_activity_repeated_earns_once(billed: Database) -> None:
    first = act(billed, "a1", "OPT-1", "webinar", moscow(2026, 10, 5))
    before = counts(billed)
    assert act(billed, "a1", "OPT-1", "webinar", moscow(2026, 10, 5)) == first
    assert counts(billed) == before
    info = unchanged(billed, lambda: act(billed, "a1", "OPT-1", "exhibition", moscow(2026, 10, 5)))
    assert info.value.code == "idempotency_conflict"


def test_an_order_giving_its_invoice_another_due_date_is_refused(billed: Database) -> None:
    late = order("e2", "OPT-1", "O-2", moscow(2026, 10, 2), rub=1_000, invoice_ref="INV-1", due_on=date(2026, 10, 20))
    info = unchanged(billed, lambda: post(billed, late))
    assert (info.value.code, info.value.field) == ("due_date_conflict", "due_on")
    assert "invoice 'INV-1' is due 2026-10-15, but order O-2 gives 2026-10-20" in info.value.message
    # the same date, or none, joins the invoice
    post(billed, order("e3", "OPT-1", "O-3", moscow(2026, 10, 2), rub=1_000, invoice_ref="INV-1"))
    assert invoice(billed, "INV-1", moscow(2026, 10, 2))["amount"] == "121000.00"


def test_an_order_naming_another_accounts_invoice_is_refused(billed: Database) -> None:
    other = order("e2", "OPT-2", "O-2", moscow(2026, 10, 2), rub=1_000, invoice_ref="INV-1")
    info = unchanged(billed, lambda: post(billed, other))
    assert info.value.code == "invoice_account_mismatch"
    info = unchanged(billed, lambda: state_invoice(billed, "INV-1", "OPT-2", moscow(2026, 10, 2), rub=5))
    assert info.value.code == "invoice_account_mismatch"


def test_a_stated_amount_below_what_is_paid_is_refused(billed: Database) -> None:
    pay(billed, "p1", "INV-1", 100_000, moscow(2026, 10, 5))
    info = unchanged(billed, lambda: state_invoice(billed, "INV-1", "OPT-1", moscow(2026, 10, 6), rub=90_000))
    assert info.value.code == "amount_below_paid"


def test_an_invoice_stated_explicitly_can_move_its_due_date(billed: Database) -> None:
    moved = state_invoice(billed, "INV-1", "OPT-1", moscow(2026, 10, 6), due_on=date(2026, 10, 30))
    assert (moved["due_on"], moved["amount"], moved["amount_stated"]) == ("2026-10-30", "120000.00", False)
    paid = pay(billed, "p1", "INV-1", 120_000, moscow(2026, 10, 29))
    assert paid["days_early"] == 1
