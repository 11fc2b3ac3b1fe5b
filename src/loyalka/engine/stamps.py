"""The stamp card's arithmetic: which columns a number of stamps fills, what a claim takes and carries over,
and what the next qualifying order brings. Pure: a card of the program and a count of stamps in, facts out.

Stamps fill the grid column by column, first column first. Column k is full at k x cells stamps and offers
its gift. Taking the gift of column k uses the stamps of columns 1..k (k x cells); every stamp beyond them
(in later columns, or waiting beyond a full grid) moves to the next cycle, so no purchase is lost. Stamps
beyond a full grid wait in the current cycle and count only from the next one.
"""

from __future__ import annotations

from dataclasses import dataclass

from loyalka.domain.money import format_human
from loyalka.errors import InvalidInput, RuleViolation
from loyalka.program.catalog import StampCard
from loyalka.program.types import Text


@dataclass(frozen=True, slots=True)
class Column:
    number: int  # 1 for the first column
    filled: int  # cells stamped
    full: bool
    gift: Text  # the gift for the member's tier


@dataclass(frozen=True, slots=True)
class NextOrder:
    """What the next qualifying order brings."""

    adds_stamp: bool
    column: int | None  # the column its stamp lands in (None: beyond a full grid, it waits)
    stamps_to_gift: int | None  # stamps still needed for that column's gift, this order's included
    gift: Text | None  # that column's gift for the member's tier
    text: Text


@dataclass(frozen=True, slots=True)
class Split:
    consumed: int  # stamps the gift takes (the claimed column and those before it)
    carried: int  # stamps that move on to the next cycle


def full_columns(card: StampCard, stamps: int) -> int:
    return min(stamps // card.cells, card.columns)


def waiting(card: StampCard, stamps: int) -> int:
    """Stamps beyond a full grid: they count from the next cycle."""
    return max(stamps - card.size, 0)


def columns(card: StampCard, stamps: int, tier: str | None) -> list[Column]:
    result = []
    for index, gift in enumerate(card.gifts):
        filled = min(max(stamps - index * card.cells, 0), card.cells)
        result.append(Column(index + 1, filled, filled == card.cells, gift.for_tier(tier)))
    return result


def claim_split(card: StampCard, stamps: int, column: int) -> Split:
    """What taking the gift of ``column`` does to a cycle of ``stamps`` stamps; refuses a column not full."""
    if not 1 <= column <= card.columns:
        raise InvalidInput(
            f"card {card.id} has columns 1 to {card.columns}; there is no column {column}",
            code="invalid_column",
            field="column",
        )
    needed = column * card.cells
    if stamps < needed:
        raise RuleViolation(
            f"column {column} of card {card.id} is full at {needed} stamps; the card has {stamps}: "
            f"{needed - stamps} more qualifying order(s) to go",
            code="column_not_full",
            field="column",
        )
    return Split(needed, stamps - needed)


def next_order(card: StampCard, stamps: int, tier: str | None, currency: str = "RUB") -> NextOrder:
    """One more stamp, and how many more (this one included) to the next column's gift."""
    when_ru, when_en = _which_orders(card, currency)
    if stamps >= card.size:
        text = Text(
            ru=f"Карта заполнена: выберите подарок. {when_ru} добавит штамп, он перейдёт на следующую карту.",
            en=f"The card is full: claim a gift. {when_en} adds a stamp that waits for the next card.",
        )
        return NextOrder(True, None, None, None, text)
    column = stamps // card.cells + 1
    to_gift = column * card.cells - stamps
    gift = card.gifts[column - 1].for_tier(tier)
    if to_gift == 1:
        text = Text(
            ru=f"{when_ru} добавит штамп и заполнит столбец {column}: {gift.ru}.",
            en=f"{when_en} adds a stamp and fills column {column}: {gift.en}.",
        )
    else:
        text = Text(
            ru=f"{when_ru} добавит штамп; до подарка столбца {column} — {_stamps_ru(to_gift)} ({gift.ru}).",
            en=f"{when_en} adds a stamp; {to_gift} stamps to the gift of column {column} ({gift.en}).",
        )
    return NextOrder(True, column, to_gift, gift, text)


def _which_orders(card: StampCard, currency: str) -> tuple[str, str]:
    condition_ru = ", отвечающий условиям карты," if card.stamp.when else ""
    condition_en = " that meets the card's conditions" if card.stamp.when else ""
    if card.stamp.min_order:
        amount_ru = format_human(card.stamp.min_order, "₽" if currency == "RUB" else currency)
        amount_en = f"{card.stamp.min_order // 100:,}.{card.stamp.min_order % 100:02d} {currency}"
        return f"Заказ от {amount_ru}{condition_ru}", f"An order from {amount_en}{condition_en}"
    return f"Каждый заказ{condition_ru}", f"Each order{condition_en}"


def _stamps_ru(count: int) -> str:
    if count % 10 == 1 and count % 100 != 11:
        word = "штамп"
    elif count % 10 in (2, 3, 4) and count % 100 not in (12, 13, 14):
        word = "штампа"
    else:
        word = "штампов"
    return f"{count} {word}"
