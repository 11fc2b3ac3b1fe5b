"""Pure arithmetic of orders: lot order, returns spread over lines, payments spread over lines, the digest of
events of the first release."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime, timedelta

from loyalka.domain.events import OrderIn, OrderLine, ReturnIn, request_hash
from loyalka.engine.orders import net_lines, return_by_line
from loyalka.ledger.book import Book, EntryType, Lot

T0 = datetime(2026, 3, 1, tzinfo=UTC)


def lot(amount: int, *, available: datetime, expires: datetime | None, ident: int) -> Lot:
    return Lot(1, "bonus", amount, amount, available, expires, f"e{ident}", "r", None, ident)


def test_spending_takes_the_expiring_lot_first_or_the_oldest_first_when_configured() -> None:
    old_never = lot(100, available=T0, expires=None, ident=1)
    new_expiring = lot(100, available=T0 + timedelta(days=10), expires=T0 + timedelta(days=40), ident=2)
    at = T0 + timedelta(days=20)
    expiring_first = Book(1, [old_never, new_expiring]).debit(["bonus"], 50, at=at, event_id="x", type=EntryType.HOLD)
    assert [(taken.id, part) for taken, part in expiring_first] == [(2, 50)]
    old_never.remaining_minor = new_expiring.remaining_minor = 100
    oldest_first = Book(1, [old_never, new_expiring]).debit(
        ["bonus"], 150, at=at, event_id="x", type=EntryType.HOLD, oldest_first=True
    )
    assert [(taken.id, part) for taken, part in oldest_first] == [(1, 100), (2, 50)]


def test_a_return_given_as_an_amount_is_spread_in_proportion_and_adds_up() -> None:
    lines = (OrderLine("a", 333), OrderLine("b", 333), OrderLine("c", 334))
    taken = return_by_line(lines, {}, 100, ())
    assert sum(taken.values()) == 100 and set(taken) == {"a", "b", "c"}
    assert net_lines(lines, taken)[2].amount_minor == 334 - taken["c"]


def test_an_event_of_the_first_release_keeps_its_digest() -> None:
    at = datetime(2026, 10, 5, 12, tzinfo=UTC)
    order = OrderIn("e1", "SALON-1", "O-1", at, 700_000)
    first_release = json.dumps(["OrderIn", "e1", "SALON-1", "O-1", at.isoformat(), 700_000, None, None, 0, False])
    assert request_hash(order) == hashlib.sha256(first_release.encode()).hexdigest()
    ret = ReturnIn("r1", "O-1", at, 200_000)
    assert (
        request_hash(ret)
        == hashlib.sha256(json.dumps(["ReturnIn", "r1", "O-1", at.isoformat(), 200_000]).encode()).hexdigest()
    )
    with_lines = OrderIn("e1", "SALON-1", "O-1", at, 0, lines=(OrderLine("a", 700_000),))
    assert request_hash(with_lines) != request_hash(order)


def test_a_senders_event_id_may_not_take_the_form_of_an_event_loyalka_records_itself() -> None:
    import pytest

    from loyalka.errors import InvalidInput

    at = datetime(2026, 10, 5, 12, tzinfo=UTC)
    for reserved in ("birthday:7:2026", "grant:discount-card-migration:3", "Close:liontex:2026-10"):
        with pytest.raises(InvalidInput) as refused:
            OrderIn(reserved, "SALON-1", "O-1", at, 100)
        assert refused.value.code == "reserved_event_id" and refused.value.field == "event_id"
    assert OrderIn("order:O-1", "SALON-1", "O-1", at, 100).event_id == "order:O-1"  # the CSV import's own form
