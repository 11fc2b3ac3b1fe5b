"""PostgreSQL race tests: simultaneous payments never pay an invoice beyond what is owed, and a payment or an
activity sent twice at once is recorded once."""

from __future__ import annotations

from datetime import date

from sqlalchemy import func, select

from loyalka.storage.database import Database
from loyalka.storage.tables import LotRow
from loyalka.storage.tables_b2b import ActivityRow, PaymentRow
from tests.conftest import moscow
from tests.races import at_once
from tests.support import add_account, load_example, order, post
from tests.support_b2b import act, invoice, pay

JOINED = moscow(2026, 10, 1, 9)


def billed(db: Database) -> None:
    load_example(db, "wholesale_tiers.yaml", JOINED)
    add_account(db, "OPT-1", JOINED)
    post(
        db,
        order("e1", "OPT-1", "O-1", moscow(2026, 10, 1), rub=120_000, invoice_ref="INV-1", due_on=date(2026, 10, 15)),
    )


def test_ten_simultaneous_payments_of_30000_pay_an_invoice_of_120000_exactly(pg_db: Database) -> None:
    billed(pg_db)
    done, refused = at_once(10, lambda i: pay(pg_db, f"p{i}", "INV-1", 30_000, moscow(2026, 10, 5)))
    assert (len(done), refused) == (4, ["payment_exceeds_invoice"] * 6)
    assert invoice(pg_db, "INV-1", moscow(2026, 10, 6))["paid"] == "120000.00"
    with pg_db.unit_of_work() as s:
        payment_points = s.scalar(select(func.sum(LotRow.earned_minor)).where(LotRow.rule_id == "paid-on-time"))
    assert payment_points == 600  # 0.5% of the 120,000 paid, in four parts of 150


def test_the_same_payment_sent_five_times_at_once_is_recorded_once(pg_db: Database) -> None:
    billed(pg_db)
    done, refused = at_once(5, lambda _: pay(pg_db, "p1", "INV-1", 50_000, moscow(2026, 10, 5)))
    assert (len(done), refused) == (5, [])
    with pg_db.unit_of_work() as s:
        assert s.scalar(select(func.count()).select_from(PaymentRow)) == 1
    assert invoice(pg_db, "INV-1", moscow(2026, 10, 6))["paid"] == "50000.00"


def test_the_same_review_sent_five_times_at_once_earns_once(pg_db: Database) -> None:
    billed(pg_db)
    done, refused = at_once(5, lambda _: act(pg_db, "a1", "OPT-1", "review", moscow(2026, 10, 5)))
    assert (len(done), refused) == (5, [])
    with pg_db.unit_of_work() as s:
        assert s.scalar(select(func.count()).select_from(ActivityRow)) == 1
        assert s.scalar(select(func.count()).select_from(LotRow).where(LotRow.rule_id == "review")) == 1
