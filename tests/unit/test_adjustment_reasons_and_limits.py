"""The pure rules of manual adjustments: reasons, limits in a kind's units, approvers, which lots a negative
adjustment takes, and the ledger's all-or-nothing debit of chosen lots."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from loyalka.engine.adjustments import approver_roles, clean_reason, role_limit
from loyalka.errors import InsufficientPoints, InvalidInput, RuleViolation
from loyalka.ledger.book import Book, EntryType, Lot
from loyalka.program.b2b import Adjustments
from loyalka.program.models import PointKind
from loyalka.services.adjustment_apply import lots_to_take

NOW = datetime(2026, 11, 10, 9, tzinfo=UTC)
HUNDREDTHS = PointKind(name={"ru": "Бонусы", "en": "Bonus"})
WHOLE = PointKind(name={"ru": "Баллы", "en": "Points"}, decimals=0)


@pytest.mark.parametrize(
    "reason",
    ["Компенсация за задержку доставки", "Goodwill for order O-17", "  Ошибка   начисления  по заказу  "],
)
def test_a_sentence_is_a_reason_and_its_spaces_are_tidied(reason: str) -> None:
    assert clean_reason(reason, 10) == " ".join(reason.split())


@pytest.mark.parametrize(
    ("reason", "code"),
    [
        (None, "missing_reason"),
        ("", "missing_reason"),
        ("\t \n", "missing_reason"),
        ("ok", "reason_too_short"),
        ("компенсация", "reason_too_short"),  # one word, however long
        ("1234567890 12", "reason_too_short"),  # no words at all
        ("бонус за", "reason_too_short"),  # two words, under 10 characters
        ("слово " * 60, "reason_too_long"),
    ],
)
def test_no_reason_a_word_or_a_novel_is_refused(reason: str | None, code: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        clean_reason(reason, 10)
    assert (refused.value.code, refused.value.field) == (code, "reason")


def test_limits_are_points_of_the_file_converted_to_the_kinds_units() -> None:
    rules = Adjustments()  # operator 1,000.00, manager 10,000.00, head none
    assert role_limit(rules, "operator", HUNDREDTHS) == 100_000
    assert role_limit(rules, "operator", WHOLE) == 1_000
    assert role_limit(rules, "head", WHOLE) is None
    with pytest.raises(RuleViolation) as unknown:
        role_limit(rules, "cashier", WHOLE)
    assert unknown.value.code == "role_not_allowed"


def test_approvers_are_the_roles_whose_limit_covers_the_amount_within_the_approver_roles() -> None:
    rules = Adjustments()
    assert approver_roles(rules, HUNDREDTHS, 100_000) == ["operator", "manager", "head"]
    assert approver_roles(rules, HUNDREDTHS, 500_000) == ["manager", "head"]
    assert approver_roles(rules, WHOLE, 10_001) == ["head"]
    only_heads = Adjustments(approver_roles=["head"])
    assert approver_roles(only_heads, HUNDREDTHS, 100) == ["head"]
    capped = Adjustments(limits={"operator": "1000", "manager": "10000"})  # as the file writes them
    assert approver_roles(capped, HUNDREDTHS, 1_000_001) == []


def lot(remaining: int, *, starts: int = -10, ends: int | None = 30, closed: bool = False, lot_id: int = 0) -> Lot:
    expires = NOW + timedelta(days=ends) if ends is not None else None
    return Lot(
        1, "bonus", remaining, remaining, NOW + timedelta(days=starts), expires, f"e{lot_id}", id=lot_id, closed=closed
    )


def test_a_negative_adjustment_takes_spendable_lots_first_then_pending_ones_expiring_first() -> None:
    never = lot(100, ends=None, lot_id=1)
    soon = lot(100, ends=5, lot_id=2)
    pending_late = lot(100, starts=20, ends=60, lot_id=3)
    pending_early = lot(100, starts=10, ends=40, lot_id=4)
    expired = lot(100, starts=-40, ends=-1, lot_id=5)
    gone = lot(0, lot_id=6)
    other = Lot(1, "premium", 100, 100, NOW, None, "e7", id=7)
    order = lots_to_take([never, pending_late, gone, soon, other, expired, pending_early], "bonus", NOW)
    assert [x.id for x in order] == [2, 1, 4, 3]


def test_the_ledger_debits_chosen_lots_all_or_nothing() -> None:
    first, second = lot(100, lot_id=1), lot(50, starts=5, lot_id=2)
    book = Book(1, [first, second])
    with pytest.raises(InsufficientPoints):
        book.debit_lots([first, second], 151, at=NOW, event_id="adj", type=EntryType.ADJUST)
    assert (first.remaining_minor, second.remaining_minor, book.entries) == (100, 50, [])
    taken = book.debit_lots([first, second], 120, at=NOW, event_id="adj", type=EntryType.ADJUST, reason="why")
    assert [(x.id, part) for x, part in taken] == [(1, 100), (2, 20)]
    assert [(e.amount_minor, e.type, e.reason) for e in book.entries] == [
        (-100, EntryType.ADJUST, "why"),
        (-20, EntryType.ADJUST, "why"),
    ]
    assert book.balance() == 30
