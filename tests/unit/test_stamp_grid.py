"""The stamp card's arithmetic (seed 004's grid of 3 columns x 4 cells): pure, no database."""

from __future__ import annotations

import pytest

from loyalka.engine import stamps as grid
from loyalka.errors import InvalidInput, RuleViolation
from loyalka.program.loader import parse_program
from tests.conftest import EXAMPLES

CARD = parse_program((EXAMPLES / "metal_cards.yaml").read_text(encoding="utf-8")).stamp_cards[0]


def test_stamps_fill_the_columns_first_column_first() -> None:
    assert [c.filled for c in grid.columns(CARD, 6, None)] == [4, 2, 0]
    assert [c.full for c in grid.columns(CARD, 8, None)] == [True, True, False]
    assert grid.full_columns(CARD, 11) == 2
    assert grid.full_columns(CARD, 15) == 3
    assert grid.waiting(CARD, 15) == 3 and grid.waiting(CARD, 12) == 0


def test_each_column_offers_the_gift_of_the_members_tier() -> None:
    assert [c.gift.ru for c in grid.columns(CARD, 0, None)][0] == "Сертификат 1 000 ₽ на резку металла"
    assert [c.gift.ru for c in grid.columns(CARD, 0, "bronze")][1] == "Скидка 5% на услуги гибки"
    assert [c.gift.en for c in grid.columns(CARD, 0, "silver")][1] == "10% off bending services"
    assert [c.gift.en for c in grid.columns(CARD, 0, "gold")][2] == "10,000 RUB certificate and a gift"


def test_taking_a_gift_uses_its_column_and_those_before_it_and_carries_the_rest() -> None:
    assert grid.claim_split(CARD, 8, 2) == grid.Split(consumed=8, carried=0)
    assert grid.claim_split(CARD, 10, 2) == grid.Split(consumed=8, carried=2)
    assert grid.claim_split(CARD, 10, 1) == grid.Split(consumed=4, carried=6)
    assert grid.claim_split(CARD, 14, 3) == grid.Split(consumed=12, carried=2)  # beyond the grid: next card


def test_a_column_not_full_or_not_on_the_card_cannot_be_claimed() -> None:
    with pytest.raises(RuleViolation) as not_full:
        grid.claim_split(CARD, 7, 2)
    assert not_full.value.code == "column_not_full"
    assert "1 more qualifying order" in not_full.value.message
    for column in (0, 4):
        with pytest.raises(InvalidInput) as wrong:
            grid.claim_split(CARD, 12, column)
        assert (wrong.value.code, wrong.value.field) == ("invalid_column", "column")


def test_the_next_order_brings_one_stamp_and_says_how_many_more_to_the_gift() -> None:
    empty = grid.next_order(CARD, 0, None)
    assert (empty.column, empty.stamps_to_gift) == (1, 4)
    assert empty.text.ru == (
        "Заказ от 30\u00a0000,00\u00a0₽ добавит штамп; до подарка столбца 1 — 4 штампа "
        "(Сертификат 1 000 ₽ на резку металла)."
    )
    assert empty.text.en.startswith("An order from 30,000.00 RUB adds a stamp; 4 stamps to the gift of column 1")
    last = grid.next_order(CARD, 7, "silver")
    assert (last.column, last.stamps_to_gift) == (2, 1)
    assert last.text.en == "An order from 30,000.00 RUB adds a stamp and fills column 2: 10% off bending services."
    assert grid.next_order(CARD, 4, None).stamps_to_gift == 4  # column 1 is full: the next gift is column 2's
    assert "5 штампов" not in grid.next_order(CARD, 8, None).text.ru


def test_on_a_full_grid_the_next_stamp_waits_for_the_next_card() -> None:
    full = grid.next_order(CARD, 12, None)
    assert (full.adds_stamp, full.column, full.stamps_to_gift, full.gift) == (True, None, None, None)
    assert full.text.en == (
        "The card is full: claim a gift. An order from 30,000.00 RUB adds a stamp that waits for the next card."
    )
