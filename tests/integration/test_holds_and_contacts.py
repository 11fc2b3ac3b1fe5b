"""Two-phase redemption (hold -> capture or release, TTL expiry, idempotent keys) and the spending rights of
a client company's contact persons, on the textile program (seed 000)."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlalchemy import func, select

from loyalka.domain.accounts import AccountIn, ContactIn
from loyalka.domain.events import OrderIn
from loyalka.errors import Conflict, NotFound, RuleViolation
from loyalka.services.accounts import create_account, describe_account
from loyalka.services.events import post_orders
from loyalka.services.programs import load_program
from loyalka.services.redemption import hold_points, quote_order, resolve_hold
from loyalka.storage.database import Database
from loyalka.storage.tables import EntryRow, EventRow, HoldRow, LotRow, OrderRow
from tests.conftest import EXAMPLES, moscow

JOINED = moscow(2026, 10, 1, 9, 0)
AT = moscow(2026, 11, 10, 12, 0)  # October's bonuses are spendable in November
TABLES = {"entries": EntryRow, "lots": LotRow, "orders": OrderRow, "events": EventRow, "holds": HoldRow}
CONTACTS = (
    ContactIn(code="BOSS", name="Анна Директорова"),
    ContactIn(code="CLERK", name="Иван Закупкин", role="закупщик", can_spend=False),
    ContactIn(code="BUYER", name="Пётр Лимитов", role="менеджер", monthly_spend_limit_minor=50_000),
)


def setup_textile(db: Database, october_kopecks: int = 1_000_000) -> None:
    """One salon with three contacts and ``october_kopecks`` of October orders (10% spendable in November)."""
    with db.unit_of_work() as s:
        load_program(s, (EXAMPLES / "textile.yaml").read_text(encoding="utf-8"), now=JOINED)
        create_account(s, AccountIn(code="SALON-1", name="Салон «Уют»", region="Москва", contacts=CONTACTS), now=JOINED)
        post_orders(s, [OrderIn("e1", "SALON-1", "O-1", moscow(2026, 10, 5), october_kopecks)], now=moscow(2026, 10, 5))


def hold(
    db: Database,
    key: str,
    *,
    at: datetime = AT,
    total: int = 600_000,
    money: int | None = None,
    contact: str | None = None,
    request: str | None = None,
) -> tuple[HoldRow, bool]:
    with db.unit_of_work() as s:
        return hold_points(
            s,
            key=key,
            request_hash=request or f"req-{key}",
            account_code="SALON-1",
            order_ref=f"N-{key}",
            order_total_minor=total,
            money_minor=money,
            contact_code=contact,
            at=at,
        )


def resolve(db: Database, key: str, *, capture: bool, at: datetime = AT) -> HoldRow:
    with db.unit_of_work() as s:
        return resolve_hold(s, key, capture=capture, at=at)


def quote_max(db: Database, *, at: datetime = AT, total: int = 600_000, contact: str | None = None) -> int:
    with db.unit_of_work() as s:
        return quote_order(
            s, account_code="SALON-1", order_total_minor=total, contact_code=contact, at=at
        ).max_money_minor


def spendable(db: Database, at: datetime = AT) -> str:
    with db.unit_of_work() as s:
        return describe_account(s, "SALON-1", now=at)["balances"][0]["spendable"]


def counts(db: Database) -> dict[str, int]:
    with db.unit_of_work() as s:
        return {name: s.scalar(select(func.count()).select_from(table)) for name, table in TABLES.items()}


def hold_row(db: Database, key: str) -> HoldRow:
    with db.unit_of_work() as s:
        return s.scalar(select(HoldRow).where(HoldRow.request_key == key))


def entries_of(db: Database, key: str) -> list[tuple[str, int]]:
    with db.unit_of_work() as s:
        rows = s.scalars(select(EntryRow).where(EntryRow.event_id == f"hold:{key}").order_by(EntryRow.id)).all()
        return [(e.type, e.amount_minor) for e in rows]


# --- hold, release, capture --------------------------------------------------------------------------------
def test_a_released_hold_gives_the_points_back_and_a_second_release_is_a_no_op(db: Database) -> None:
    setup_textile(db)
    placed, replay = hold(db, "h1", money=60_000)
    assert replay is False and placed.status == "pending" and placed.points == {"bonus": 60_000}
    assert spendable(db) == "400.00"
    assert quote_max(db) == 40_000  # 15% of 6,000 is 900.00, but only 400.00 are left
    released = resolve(db, "h1", capture=False, at=AT + timedelta(minutes=1))
    assert released.status == "released"
    assert spendable(db, AT + timedelta(minutes=2)) == "1000.00"
    assert entries_of(db, "h1") == [("hold", -60_000), ("release", 60_000)]
    before = counts(db)
    again = resolve(db, "h1", capture=False, at=AT + timedelta(minutes=3))
    assert again.status == "released"
    assert counts(db) == before
    assert spendable(db, AT + timedelta(minutes=4)) == "1000.00"


def test_a_released_hold_cannot_be_captured(db: Database) -> None:
    setup_textile(db)
    hold(db, "h1", money=60_000)
    resolve(db, "h1", capture=False)
    before = counts(db)
    with pytest.raises(Conflict) as refused:
        resolve(db, "h1", capture=True, at=AT + timedelta(minutes=1))
    assert refused.value.code == "hold_resolved" and "released" in refused.value.message
    assert counts(db) == before
    assert hold_row(db, "h1").status == "released"
    assert spendable(db) == "1000.00"


def test_a_captured_hold_stays_captured_once(db: Database) -> None:
    setup_textile(db)
    hold(db, "h1", money=90_000)
    captured = resolve(db, "h1", capture=True, at=AT + timedelta(minutes=5))
    assert captured.status == "captured"
    assert spendable(db) == "100.00"
    before = counts(db)
    again = resolve(db, "h1", capture=True, at=AT + timedelta(minutes=6))
    assert again.status == "captured" and again.resolved_at == AT + timedelta(minutes=5)
    assert counts(db) == before
    with pytest.raises(Conflict) as refused:
        resolve(db, "h1", capture=False, at=AT + timedelta(minutes=7))
    assert refused.value.code == "hold_resolved"
    assert counts(db) == before
    assert entries_of(db, "h1") == [("hold", -90_000)]
    assert spendable(db, AT + timedelta(hours=1)) == "100.00"


def test_a_hold_past_its_ttl_is_expired_by_the_next_quote_and_cannot_be_captured(db: Database) -> None:
    setup_textile(db)
    placed, _ = hold(db, "h1", money=90_000)
    assert placed.expires_at == AT + timedelta(seconds=900)
    # one second before the end of its 900 s the hold still reserves its points
    assert quote_max(db, at=AT + timedelta(seconds=899)) == 10_000
    assert hold_row(db, "h1").status == "pending"
    # at 900 s the next quote releases it
    assert quote_max(db, at=AT + timedelta(seconds=900)) == 90_000
    expired = hold_row(db, "h1")
    assert expired.status == "expired" and expired.resolved_at == AT + timedelta(seconds=900)
    assert entries_of(db, "h1") == [("hold", -90_000), ("release", 90_000)]
    assert spendable(db, AT + timedelta(seconds=901)) == "1000.00"
    before = counts(db)
    with pytest.raises(Conflict) as refused:
        resolve(db, "h1", capture=True, at=AT + timedelta(seconds=901))
    assert refused.value.code == "hold_resolved" and "expired" in refused.value.message
    assert counts(db) == before


def test_a_capture_of_a_hold_whose_ttl_ran_out_is_refused_even_before_a_sweep(db: Database) -> None:
    setup_textile(db)
    hold(db, "h1", money=90_000)
    before = counts(db)
    with pytest.raises(Conflict) as refused:
        resolve(db, "h1", capture=True, at=AT + timedelta(minutes=16))
    assert refused.value.code == "hold_resolved"
    assert counts(db) == before
    # the next hold on the account expires h1 and can use the points again
    placed, _ = hold(db, "h2", money=90_000, at=AT + timedelta(minutes=17))
    assert placed.points == {"bonus": 90_000}
    assert hold_row(db, "h1").status == "expired"
    assert spendable(db, AT + timedelta(minutes=18)) == "100.00"


def test_an_order_cannot_capture_an_expired_hold(db: Database) -> None:
    setup_textile(db)
    hold(db, "h1", money=90_000)
    before = counts(db)
    late = AT + timedelta(minutes=20)
    with pytest.raises(Conflict) as refused, db.unit_of_work() as s:
        post_orders(s, [OrderIn("e2", "SALON-1", "N-h1", late, 600_000, hold_key="h1")], now=late)
    assert refused.value.code == "hold_resolved"
    assert counts(db) == before


# --- idempotent hold keys ----------------------------------------------------------------------------------
def test_the_same_hold_key_and_request_returns_the_same_hold(db: Database) -> None:
    setup_textile(db)
    first, replay = hold(db, "h1", money=60_000, request="r-1")
    assert replay is False
    before = counts(db)
    second, replay = hold(db, "h1", money=60_000, request="r-1", at=AT + timedelta(seconds=5))
    assert replay is True and second.id == first.id and second.money_minor == 60_000
    assert counts(db) == before
    assert spendable(db) == "400.00"


def test_the_same_hold_key_with_another_request_is_a_conflict(db: Database) -> None:
    setup_textile(db)
    hold(db, "h1", money=60_000, request="r-1")
    before = counts(db)
    with pytest.raises(Conflict) as refused:
        hold(db, "h1", money=70_000, request="r-2")
    assert refused.value.code == "idempotency_conflict" and refused.value.field == "key"
    assert counts(db) == before
    assert spendable(db) == "400.00"


# --- contacts ----------------------------------------------------------------------------------------------
def test_a_contact_without_spending_rights_may_pay_nothing_with_points(db: Database) -> None:
    setup_textile(db)
    assert quote_max(db) == 90_000
    with db.unit_of_work() as s:
        q = quote_order(s, account_code="SALON-1", order_total_minor=600_000, contact_code="CLERK", at=AT)
    assert q.max_money_minor == 0 and q.reason == "contact may not spend points"
    before = counts(db)
    with pytest.raises(RuleViolation) as refused:
        hold(db, "h1", contact="CLERK")
    assert refused.value.code == "nothing_to_redeem" and "contact may not spend" in refused.value.message
    with pytest.raises(RuleViolation) as refused:
        hold(db, "h2", contact="CLERK", money=100)
    assert refused.value.code == "redemption_limit_exceeded"
    with pytest.raises(RuleViolation), db.unit_of_work() as s:
        post_orders(s, [OrderIn("e2", "SALON-1", "O-2", AT, 600_000, contact="CLERK", redeem_minor=100)], now=AT)
    assert counts(db) == before
    assert spendable(db) == "1000.00"
    # the contact may still place orders that earn
    with db.unit_of_work() as s:
        [done] = post_orders(s, [OrderIn("e3", "SALON-1", "O-3", AT, 600_000, contact="CLERK")], now=AT)
    assert done.result["paid_with_points"] == "0.00" and done.result["earned"][0]["points"] == "600.00"


def test_a_contacts_monthly_limit_caps_the_second_hold_and_resets_next_month(db: Database) -> None:
    setup_textile(db, october_kopecks=3_000_000)  # 3,000.00 spendable in November
    assert quote_max(db, total=1_000_000, contact="BOSS") == 150_000
    assert quote_max(db, total=1_000_000, contact="BUYER") == 50_000
    first, _ = hold(db, "h1", total=200_000, contact="BUYER", at=moscow(2026, 11, 5, 10))  # 15% of 2,000 = 300.00
    assert first.money_minor == 30_000
    resolve(db, "h1", capture=True, at=moscow(2026, 11, 5, 10, 5))
    assert quote_max(db, total=1_000_000, contact="BUYER", at=moscow(2026, 11, 20)) == 20_000
    with pytest.raises(RuleViolation) as refused:
        hold(db, "h2", total=1_000_000, money=20_001, contact="BUYER", at=moscow(2026, 11, 20))
    assert refused.value.code == "redemption_limit_exceeded"
    second, _ = hold(db, "h3", total=1_000_000, contact="BUYER", at=moscow(2026, 11, 20))
    assert second.money_minor == 20_000  # only what is left of the 500.00 of the month
    resolve(db, "h3", capture=True, at=moscow(2026, 11, 20, 0, 5))
    with pytest.raises(RuleViolation) as refused:
        hold(db, "h4", total=1_000_000, contact="BUYER", at=moscow(2026, 11, 25))
    assert refused.value.code == "nothing_to_redeem"
    # the company's other contacts are not limited by the buyer's limit
    assert quote_max(db, total=1_000_000, contact="BOSS", at=moscow(2026, 11, 25)) == 150_000
    # a November order so that December has spendable points: 20,000 RUB -> 2,000.00
    with db.unit_of_work() as s:
        post_orders(s, [OrderIn("e2", "SALON-1", "O-2", moscow(2026, 11, 26), 2_000_000)], now=moscow(2026, 11, 26))
    december = moscow(2026, 12, 3, 10)
    assert spendable(db, december) == "2000.00"
    assert quote_max(db, total=1_000_000, contact="BUYER", at=december) == 50_000
    third, _ = hold(db, "h5", total=1_000_000, contact="BUYER", at=december)
    assert third.money_minor == 50_000


def test_a_contacts_limit_also_applies_to_one_phase_redemption(db: Database) -> None:
    setup_textile(db, october_kopecks=3_000_000)
    with db.unit_of_work() as s:
        post_orders(s, [OrderIn("e2", "SALON-1", "O-2", AT, 1_000_000, contact="BUYER", redeem_minor=40_000)], now=AT)
    before = counts(db)
    later = AT + timedelta(days=1)
    with pytest.raises(RuleViolation) as refused, db.unit_of_work() as s:
        post_orders(
            s, [OrderIn("e3", "SALON-1", "O-3", later, 1_000_000, contact="BUYER", redeem_minor=10_001)], now=later
        )
    assert refused.value.code == "redemption_limit_exceeded"
    assert counts(db) == before
    assert quote_max(db, total=1_000_000, contact="BUYER", at=later) == 10_000


def test_an_unknown_contact_is_not_found(db: Database) -> None:
    setup_textile(db)
    before = counts(db)
    with pytest.raises(NotFound) as refused, db.unit_of_work() as s:
        quote_order(s, account_code="SALON-1", order_total_minor=600_000, contact_code="NOBODY", at=AT)
    assert refused.value.code == "contact_not_found" and "NOBODY" in refused.value.message
    with pytest.raises(NotFound) as refused:
        hold(db, "h1", contact="NOBODY")
    assert refused.value.code == "contact_not_found"
    with pytest.raises(NotFound) as refused, db.unit_of_work() as s:
        post_orders(
            s,
            [
                OrderIn("e2", "SALON-1", "O-2", AT, 600_000),
                OrderIn("e3", "SALON-1", "O-3", AT, 600_000, contact="NOBODY"),
            ],
            now=AT,
        )
    assert refused.value.code == "contact_not_found"
    assert counts(db) == before


# --- capturing a hold with an order ------------------------------------------------------------------------
def test_an_order_capturing_a_hold_pays_with_its_points_and_earns_on_the_rest(db: Database) -> None:
    setup_textile(db)
    hold(db, "h1", money=90_000)  # for order N-h1 of 6,000
    with db.unit_of_work() as s:
        [done] = post_orders(s, [OrderIn("e2", "SALON-1", "N-h1", AT, 600_000, hold_key="h1")], now=AT)
    assert done.result["paid_with_points"] == "900.00" and done.result["earned"][0]["points"] == "510.00"
    assert hold_row(db, "h1").status == "captured"
    assert spendable(db) == "100.00"


def test_one_hold_cannot_pay_for_two_orders(db: Database) -> None:
    """A hold reserves 900.00 once; a second order naming the same hold key must not be paid with it again."""
    setup_textile(db)
    hold(db, "h1", money=90_000)
    with db.unit_of_work() as s:
        post_orders(s, [OrderIn("e2", "SALON-1", "N-h1", AT, 600_000, hold_key="h1")], now=AT)
    before = counts(db)
    later = AT + timedelta(minutes=1)
    with pytest.raises(Conflict) as refused, db.unit_of_work() as s:
        post_orders(s, [OrderIn("e3", "SALON-1", "O-3", later, 600_000, hold_key="h1")], now=later)
    assert refused.value.code == "hold_order_mismatch"
    assert counts(db) == before
    with db.unit_of_work() as s:
        assert s.scalar(select(func.sum(OrderRow.points_paid_minor))) == 90_000
